"""wsgi.apache.site on a real bookworm host: every mod_wsgi 4.1.0 behaviour a client or ps can see.

One host, converged in stages: stage "a" deploys one app per behaviour (ports 8081-8089) with a
fixed hash seed, no bytecode and sendfile off; stage "b" flips those server-wide settings.
Then bad inputs are refused leaving every file byte-identical, and a vhost Apache rejects is
rolled back while the old apps keep answering.
"""
import hashlib
import re
import subprocess
import time

import pytest

from conftest import ROOT, run_play
from helpers import (check_mode_on_a_fresh_host, daemon_pids, files_digest, get, in_background, run_adhoc,
                     tls_12_and_13_only, wait_for, warnings_in)

PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "site.yml"
PROBE = str(ROOT / "tests" / "integration" / "apps" / "probe")
PROBE_ON_HOST = "/srv/wsgi-apache/probe/app"
MIB = 2 ** 20


def app(name, port, **extra):
    """An app serving the probe; only 'probe' copies it from here, the others use that copy."""
    spec = {"name": name, "server_name": f"{name}.test", "port": port, "wsgi_script": "app.wsgi"}
    spec.update({"src": PROBE} if name == "probe" else {"path": PROBE_ON_HOST})
    spec.update(extra)
    return spec


def stage_vars(stage):
    """The site role's variables for a stage."""
    apps = [
        app("probe", 8081, https_port=8441, static=[{"url": "/static", "path": "static"}],
            environment={"PROBE_GREETING": "hello", "PROBE_NUMBER": 7},
            daemon={"processes": 2, "threads": 2, "supplementary_groups": ["adm", "users"]}),
        # options mod_wsgi 6.1.1 parses that the table lacked before issue 16
        # a port given as a string of digits, as inventories often give it
        app("sub", "8082", application_group="probe-sub",
            daemon={"umask": "0027", "server_metrics": True, "response_socket_timeout": 30, "send_buffer_size": 0}),
        app("timeouts", 8083, daemon={"processes": 2, "threads": 1, "request_timeout": 3, "shutdown_timeout": 2,
                                      "display_name": "wsgi-timeouts"}),
        app("idle", 8084, daemon={"processes": 1, "threads": 2, "inactivity_timeout": 3, "shutdown_timeout": 2,
                                  "display_name": "wsgi-idle"}),
        app("queue", 8085, daemon={"processes": 1, "threads": 1, "queue_timeout": 2}),
        # the role's connect_timeout (0): a request that finds the queue full gets 503 at once
        app("full", 8092, daemon={"processes": 1, "threads": 1, "listen_backlog": 1}),
        app("sockets", 8090, daemon={"processes": 1, "threads": 2, "listen_backlog": 50, "connect_timeout": 7,
                                     "socket_timeout": 4}),
        app("smallheaders", 8086, daemon={"header_buffer_size": 8192}),
        app("memory", 8087, daemon={"processes": 1, "threads": 2, "memory_limit": 256 * MIB,
                                    "display_name": "wsgi-memory"}),
        app("recycle", 8088, daemon={"processes": 1, "threads": 4, "maximum_requests": 5, "graceful_timeout": 10,
                                     "display_name": "wsgi-recycle"}),
        # its access script refuses HTTP, where the health check asks: 403 is its healthy answer
        app("tls", 8089, https_port=8449, access_script="access.py", server_aliases=["tls-alias.test", "192.0.2.7"],
            health_status=[403]),
    ]
    common = {"site_apps": apps, "site_restrict_embedded": False}
    if stage == "a":
        return {**common, "site_python_hash_seed": 12345, "site_dont_write_bytecode": True,
                "site_enable_sendfile": False}
    return {**common, "site_python_hash_seed": "random", "site_dont_write_bytecode": False,
            "site_enable_sendfile": True}


def converge(host, inventory, extra):
    result = run_play(PLAYBOOK, inventory, extra)
    assert result.rc == 0, result
    assert not warnings_in(result.output), warnings_in(result.output)
    wait_for(lambda: get(host, 8081, "/env").status == 200, 20)
    return result


def reloads(host):
    return int(host.ssh("grep -c 'resuming normal operations' /var/log/apache2/error.log", check=False).stdout
               or 0)


# ---------------------------------------------------------------------------- stage a

@pytest.fixture(scope="module")
def host(start_host):
    return start_host("site")


@pytest.fixture(scope="module")
def stage_a(host, inventory):
    converge(host, inventory, stage_vars("a"))
    return stage_vars("a")


def test_00_check_mode_on_a_fresh_host_reports_and_changes_nothing(host, inventory):
    """Runs first, before stage a: the host has neither Apache nor the apps (one with a virtualenv)."""
    extra = stage_vars("a")
    sample = {"name": "sample", "server_name": "sample.test", "port": 8091, "src": str(ROOT / "examples" / "sample"), "wsgi_module": "app:app",
              "requirements": "requirements.txt"}
    check_mode_on_a_fresh_host(host, PLAYBOOK, inventory, dict(extra, site_apps=extra["site_apps"] + [sample]))


def test_second_run_changes_nothing_and_does_not_reload(host, inventory, stage_a):
    pids = daemon_pids(host, "(wsgi:probe)")
    before = reloads(host)
    result = run_play(PLAYBOOK, inventory, stage_a)
    assert result.rc == 0 and result.changed == 0, result
    assert not warnings_in(result.output), warnings_in(result.output)
    assert reloads(host) == before, "Apache was reloaded by a run that changed nothing"
    assert daemon_pids(host, "(wsgi:probe)") == pids
    check = run_play(PLAYBOOK, inventory, stage_a, check=True)
    assert check.rc == 0 and check.changed == 0, check


def test_01_wsgi_version_and_url_scheme_without_HTTPS(host, stage_a):
    plain = get(host, 8081, "/env").json()
    tls = get(host, 8441, "/env", https=True).json()
    assert plain["wsgi_version"] == [1, 0] and tls["wsgi_version"] == [1, 0]
    assert plain["url_scheme"] == "http" and tls["url_scheme"] == "https"
    assert plain["has_HTTPS"] is False and tls["has_HTTPS"] is False


def test_02_home_is_the_working_directory_and_first_on_sys_path(host, stage_a):
    seen = get(host, 8081, "/env").json()
    # the live release's code, as the link to it resolved when the daemon process started
    release = host.ssh(f"readlink -f {PROBE_ON_HOST}").stdout.strip()
    assert release.startswith("/srv/wsgi-apache/probe/releases/") and seen["cwd"] == release
    # 4.1.0 inserted '' (the working directory); the releases built here (4.9.1 and later)
    # insert the home directory itself: either way it is the first place imports look.
    assert seen["sys_path"][0] in ("", release), seen["sys_path"]


def test_03_request_timeout_restarts_the_stuck_process_while_others_serve(host, stage_a):
    before = daemon_pids(host, "wsgi-timeouts")
    assert len(before) == 2
    stuck = in_background(host, 8083, "/sleep?s=60")
    time.sleep(0.5)
    quick = get(host, 8083, "/env")
    assert quick.status == 200 and quick.elapsed < 2, "the other process must keep serving"
    answer = stuck(timeout=30)
    # request-timeout 3 s, then shutdown-timeout 2 s: the stuck request ends well within 15 s.
    assert answer is not None and answer.elapsed < 15, answer and answer.elapsed
    assert answer.status != 200

    def replaced():
        now = daemon_pids(host, "wsgi-timeouts")
        return now if len(now) == 2 and now != before else None
    after = wait_for(replaced, 15)
    assert after and len(after - before) == 1, (before, after)
    assert get(host, 8083, "/env").status == 200
    # The log tells a timeout from a crash, and names the app and the URL.
    log = host.ssh("cat /var/log/apache2/error.log").stdout
    assert "Daemon process request time limit exceeded, stopping daemon process 'timeouts'" in log, log[-3000:]
    assert re.search(r"from daemon process 'timeouts' .*, uri /sleep\?s=60$", log, re.M), log[-3000:]


def test_04_inactivity_timeout_restarts_idle_but_not_a_long_request(host, stage_a):
    first = get(host, 8084, "/env").json()["pid"]
    restarted = wait_for(lambda: daemon_pids(host, "wsgi-idle") - {first}, 15)
    assert restarted, "an idle daemon was not restarted after inactivity-timeout 3 s"
    pid = get(host, 8084, "/env").json()["pid"]
    long = get(host, 8084, "/sleep?s=7")
    assert long.status == 200 and long.json()["pid"] == pid and long.json()["slept"] >= 7


def test_05_queue_timeout_answers_504_instead_of_working_off_the_backlog(host, stage_a):
    busy = in_background(host, 8085, "/sleep?s=5")
    time.sleep(0.5)
    queued = [in_background(host, 8085, "/sleep?s=3") for dummy in range(4)]
    answers = [join() for join in queued]
    assert busy().status == 200
    # Without queue-timeout these four would be served one after the other, the last at ~17 s.
    # With it each is refused as soon as the daemon gets to it, with 504: the 4.1.0 notes say 503,
    # but every release's code (4.1.0's too) maps the daemon's "200 Timeout" to 504.
    assert {a.status for a in answers} == {504}, [(a.status, a.elapsed) for a in answers]
    assert max(a.elapsed for a in answers) < 9, [a.elapsed for a in answers]


def test_05b_a_full_queue_is_answered_503_at_once(host, stage_a):
    busy = in_background(host, 8092, "/sleep?s=6")
    time.sleep(0.5)
    # One thread busy and a queue of one (Linux lets a unix socket hold one more than its backlog):
    # of six more requests, at most two fit; mod_wsgi's default would retry the rest for 15 s.
    more = [in_background(host, 8092, "/sleep?s=1") for dummy in range(6)]
    answers = [join() for join in more]
    assert busy().status == 200
    refused = [a for a in answers if a.status == 503]
    assert len(refused) >= 4 and max(a.elapsed for a in refused) < 4, [(a.status, a.elapsed) for a in answers]
    assert all(a.status in (200, 503) for a in answers), [(a.status, a.elapsed) for a in answers]


def test_06_listen_backlog_and_socket_timeouts_are_in_force(host, stage_a):
    vhost = host.ssh("cat /etc/apache2/sites-enabled/wsgi-sockets.conf").stdout
    assert "listen-backlog=50" in vhost and "connect-timeout=7" in vhost and "socket-timeout=4" in vhost
    # ss shows a listening socket's backlog as Send-Q: one daemon socket has 50 (this group of one
    # process), one 1 (the app "full"), the others the role's default of 300.
    backlogs = sorted(int(line.split()[3]) for line in host.ssh("ss -xlH").stdout.splitlines() if "/wsgi." in line)
    assert backlogs.count(50) == 1 and set(backlogs) == {1, 50, 300}, backlogs
    # socket-timeout: Apache gives up on a daemon that stays silent for 4 s (the app sleeps 12).
    silent = get(host, 8090, "/sleep?s=12")
    assert silent.status is not None and silent.status >= 500 and silent.elapsed < 10, (silent.status, silent.elapsed)


def test_07_header_buffer_size(host, stage_a):
    default = get(host, 8081, "/header?size=20000")
    assert default.status == 200 and len(default.all("X-Big")[0]) == 20000
    small = get(host, 8086, "/header?size=20000")
    assert small.status is not None and small.status >= 500
    assert get(host, 8086, "/header?size=2000").status == 200


def test_08_two_www_authenticate_headers_with_commas_stay_as_sent(host, stage_a):
    answer = get(host, 8081, "/auth")
    assert answer.status == 401
    assert answer.all("WWW-Authenticate") == ['Basic realm="probe, with comma"',
                                              'Digest realm="probe", nonce="abc, def", qop="auth"']


def test_09_memory_limit_fails_a_big_allocation_and_the_app_recovers(host, inventory, stage_a):
    probe = run_adhoc(host, inventory, "wsgi.apache.rlimit_info", "memory_limit=%d" % (256 * MIB))
    assert probe["options"]["memory-limit"]["enforced"] is True, probe
    assert get(host, 8087, "/alloc?mb=16").status == 200
    big = get(host, 8087, "/alloc?mb=512")
    assert big.status == 507 and big.json()["allocated"] is False
    assert get(host, 8087, "/alloc?mb=16").status == 200
    assert get(host, 8087, "/env").status == 200


def test_10_maximum_requests_and_graceful_restart_let_requests_finish(host, stage_a):
    pid = get(host, 8088, "/env").json()["pid"]
    slow = in_background(host, 8088, "/sleep?s=4")
    time.sleep(0.5)
    quick = [in_background(host, 8088, "/env") for dummy in range(5)]
    answer = slow()
    assert answer.status == 200 and answer.json()["pid"] == pid and answer.json()["slept"] >= 4
    assert all(join().status == 200 for join in quick)
    assert wait_for(lambda: daemon_pids(host, "wsgi-recycle") - {pid}, 20), "no restart after maximum-requests"
    # The graceful restart signal (SIGUSR1, what Apache uses) sent to the daemon process: with
    # graceful-timeout the in-flight request still completes, then the process restarts.
    pid = get(host, 8088, "/env").json()["pid"]
    slow = in_background(host, 8088, "/sleep?s=4")
    time.sleep(0.5)
    host.ssh(f"kill -USR1 {pid}")
    answer = slow()
    assert answer.status == 200 and answer.json()["pid"] == pid and answer.json()["slept"] >= 4
    assert wait_for(lambda: pid not in daemon_pids(host, "wsgi-recycle"), 20)
    assert wait_for(lambda: get(host, 8088, "/env").status == 200, 20)


def test_11_supplementary_groups_are_exactly_those(host, stage_a):
    seen = get(host, 8081, "/env").json()
    assert seen["groups"] == sorted(["adm", "users", "wsgi-probe"])
    other = get(host, 8082, "/env").json()
    assert other["groups"] == ["wsgi-sub"]


def test_11b_umask_and_server_metrics_reach_the_daemon(host, stage_a):
    sub, probe = get(host, 8082, "/env").json(), get(host, 8081, "/env").json()
    assert (sub["umask"], sub["server_metrics"]) == ("0027", True), sub
    # Left out: the umask Apache started with, and no scoreboard (mod_wsgi's default).
    assert probe["umask"] != "0027" and probe["server_metrics"] is False, probe
    vhost = host.ssh("cat /etc/apache2/sites-enabled/wsgi-sub.conf").stdout
    assert "response-socket-timeout=30" in vhost and "send-buffer-size=0" in vhost, vhost


def restart_daemons(host, label, how=None):
    """Restart the daemon processes: kill them (Apache forks new ones), or reload Apache."""
    before = daemon_pids(host, label)
    host.ssh(how or "kill %s" % " ".join(str(p) for p in before))

    def all_new():
        now = daemon_pids(host, label)
        return now and not now & before
    assert wait_for(all_new, 20)


RELOAD = "systemctl reload apache2"


def test_12a_fixed_hash_seed_is_the_same_across_restarts(host, stage_a):
    expected = int(host.ssh("PYTHONHASHSEED=12345 python3 -c \"print(hash('x'))\"").stdout)
    seen = [get(host, 8081, "/env").json()["hash_x"]]
    for how in (None, RELOAD):
        restart_daemons(host, "(wsgi:probe)", how)
        assert wait_for(lambda: get(host, 8081, "/env").status == 200, 20)
        seen.append(get(host, 8081, "/env").json()["hash_x"])
    assert seen == [expected] * 3


def test_13a_dont_write_bytecode_writes_no_pyc(host, stage_a):
    seen = get(host, 8081, "/bytecode").json()
    assert seen == {"value": 42, "pyc": []}


BLOB = (ROOT / "tests" / "integration" / "apps" / "probe" / "static" / "blob.bin").read_bytes()


def test_14a_file_wrapper_with_sendfile_off(host, stage_a):
    assert "WSGIEnableSendfile Off" in host.ssh("cat /etc/apache2/conf-enabled/wsgi-apache.conf").stdout
    answer = get(host, 8081, "/file")
    assert answer.status == 200 and hashlib.sha256(answer.body).hexdigest() == hashlib.sha256(BLOB).hexdigest()


def test_15_non_ascii_encodes_in_a_sub_interpreter(host, stage_a):
    answer = get(host, 8082, "/unicode")
    text = "na\u00efve caf\u00e9 \u2603 \u20ac"
    assert answer.status == 200, answer.body
    assert answer.all("X-Application-Group") == ["probe-sub"]
    assert answer.body == text.encode("utf-8") + b"|" + text.encode("ascii", "xmlcharrefreplace")


def test_16_access_script_sees_mod_ssl_functions(host, stage_a):
    assert get(host, 8449, "/env", https=True).status == 200
    assert get(host, 8089, "/env").status == 403


def test_17_daemon_user_and_no_source_served(host, stage_a):
    assert get(host, 8081, "/env").json()["user"] == "wsgi-probe"
    pids = daemon_pids(host, "(wsgi:probe)")
    users = set(host.ssh("ps -o user= -p %s" % ",".join(str(p) for p in pids)).stdout.split())
    assert users == {"wsgi-probe"}
    static = get(host, 8081, "/static/hello.txt")
    assert static.status == 200 and static.body == b"static file served by Apache\n"
    for path in ["/app.wsgi", "/access.py", "/wsgi/entry.wsgi", "/entry.wsgi", "/env.json", "/app/app.wsgi",
                 "/static/../app.wsgi", "/srv/wsgi-apache/probe/app/app.wsgi"]:
        answer = get(host, 8081, path)
        assert b"PROBE-SOURCE-MARKER" not in answer.body and b"PROBE_GREETING" not in answer.body, path


def test_20_secure_by_default(host, stage_a):
    """What a client and ls see of the defaults: no version, no TRACE, no default site, TLS 1.2+ only."""
    ok, not_found = get(host, 8081, "/env"), get(host, 8081, "/static/no-such-file")
    assert ok.all("Server") == ["Apache"] and not_found.all("Server") == ["Apache"]
    assert not_found.status == 404 and b"Apache/" not in not_found.body and b"Debian" not in not_found.body
    trace = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "TRACE",
                            f"http://{host.address}:8081/"], capture_output=True, text=True, timeout=30, check=False)
    assert trace.stdout in ("405", "403"), trace
    # Debian's default site is off: port 80 (open by Debian's ports.conf, no app on it) serves nothing.
    default = get(host, 80, "/")
    assert default.status == 404 and b"It works" not in default.body and b"Default Page" not in default.body
    assert host.ssh("test -e /etc/apache2/sites-enabled/000-default.conf", check=False).returncode == 1
    # TLS: refused below 1.2 by our configuration, not only by OpenSSL's defaults.
    vhost = host.ssh("cat /etc/apache2/sites-enabled/wsgi-probe.conf").stdout
    assert "SSLProtocol -all +TLSv1.2 +TLSv1.3" in vhost and "SSLHonorCipherOrder off" in vhost
    tls_12_and_13_only(host, 8441)
    # The self-signed pair: a leaf for the name, the aliases (an address as an IP entry), 0600 in 0700.
    cert = host.ssh("openssl x509 -in /etc/wsgi-apache/tls/tls.crt -noout -text").stdout
    assert "CA:FALSE" in cert and "TLS Web Server Authentication" in cert, cert
    assert "DNS:tls.test, DNS:tls-alias.test, IP Address:192.0.2.7" in cert, cert
    modes = host.ssh("stat -L -c '%n %a %U:%G' /etc/wsgi-apache/tls /etc/wsgi-apache/tls/tls.key "
                     "/srv/wsgi-apache/probe/env.json").stdout.split("\n")
    assert modes[:3] == ["/etc/wsgi-apache/tls 700 root:root", "/etc/wsgi-apache/tls/tls.key 600 root:root",
                         "/srv/wsgi-apache/probe/env.json 640 root:wsgi-probe"], modes
    assert "AH01906" not in host.ssh("cat /var/log/apache2/error.log").stdout  # not a CA certificate
    assert "AH00558" not in host.ssh("cat /var/log/apache2/error.log").stdout  # a global ServerName
    # Code, virtualenv and configuration: root-owned, and the app's user can write none of it.
    writable = host.ssh("runuser -u wsgi-probe -- find /srv/wsgi-apache /etc/apache2 /etc/wsgi-apache -writable "
                        "2>/dev/null", check=False).stdout.split()
    assert writable == [], writable
    # No source or configuration served, no directory listed.
    for path in ["/app.wsgi", "/env.json", "/static/..%2fapp.wsgi", "/static/%2e%2e/app.wsgi"]:
        assert get(host, 8081, path).status == 404, path
    listing = get(host, 8081, "/static/")
    assert listing.status in (403, 404) and b"Index of" not in listing.body


# ---------------------------------------------------------------------------- stage b

@pytest.fixture(scope="module")
def stage_b(host, inventory, stage_a):
    result = converge(host, inventory, stage_vars("b"))
    assert result.changed > 0
    return stage_vars("b")


def test_12b_random_hash_seed_differs_across_restarts(host, stage_b):
    # Python is initialised in Apache's parent process and the daemons are forked from it, so a
    # random seed is drawn per Apache (re)start: a reload gives the daemons a new one.
    first = get(host, 8081, "/env").json()["hash_x"]
    restart_daemons(host, "(wsgi:probe)", RELOAD)
    assert wait_for(lambda: get(host, 8081, "/env").status == 200, 20)
    assert get(host, 8081, "/env").json()["hash_x"] != first


def test_13b_bytecode_is_written_when_allowed(host, stage_b):
    seen = get(host, 8081, "/bytecode").json()
    assert seen["value"] == 42 and len(seen["pyc"]) == 1 and seen["pyc"][0].endswith(".pyc")


def test_14b_file_wrapper_with_sendfile_on(host, stage_b):
    assert "WSGIEnableSendfile On" in host.ssh("cat /etc/apache2/conf-enabled/wsgi-apache.conf").stdout
    answer = get(host, 8081, "/file")
    assert answer.status == 200 and hashlib.sha256(answer.body).hexdigest() == hashlib.sha256(BLOB).hexdigest()


# ---------------------------------------------------------------------------- refusals and rollback

def with_probe(stage, **changes):
    """The stage's variables with the probe app changed (daemon options merged)."""
    extra = stage_vars(stage)
    probe = dict(extra["site_apps"][0])
    daemon = dict(probe.get("daemon", {}), **changes.pop("daemon", {}))
    probe.update(changes, daemon=daemon)
    extra["site_apps"] = [probe] + extra["site_apps"][1:]
    return extra


BAD = [
    ("misspelt option", with_probe("b", daemon={"request_timout": 30}),
     ["site_apps[probe].daemon.request_timout is not a WSGIDaemonProcess option: did you mean request_timeout?"]),
    ("wrong type", with_probe("b", daemon={"processes": "two"}),
     ["site_apps[probe].daemon.processes='two' is not a whole number"]),
    ("negative timeout", with_probe("b", daemon={"request_timeout": -5}),
     ["site_apps[probe].daemon.request_timeout=-5 is out of range", "between 0 and"]),
    ("header buffer below minimum", with_probe("b", daemon={"header_buffer_size": 4096}),
     ["site_apps[probe].daemon.header_buffer_size=4096 is out of range", "between 8192 and"]),
    ("memory limit with a unit", with_probe("b", daemon={"memory_limit": "512M"}),
     ["site_apps[probe].daemon.memory_limit='512M' is not a byte count", "536870912"]),
    ("option newer than the module", dict(with_probe("b", daemon={"interrupt_timeout": 5}), mod_wsgi_version="5.0.2"),
     ["site_apps[probe].daemon.interrupt_timeout needs mod_wsgi 6.0.0 or newer, and this host gets mod_wsgi 5.0.2"]),
    ("hash seed out of range", dict(stage_vars("b"), site_python_hash_seed=4294967296),
     ["site_python_hash_seed=4294967296 is not valid", "[0, 4294967295]"]),
    ("root user", with_probe("b", user="root"),
     ["site_apps[probe].user=\"root\"", "never runs as root"]),
    ("python mod_wsgi is not built for", with_probe("b", python="/usr/bin/perl"),
     ["site_apps[probe]: /usr/bin/perl", "mod_wsgi is built for Python 3.11"]),
    ("server name with spaces", with_probe("b", server_name="bad name with spaces"),
     ['site_apps[probe].server_name="bad name with spaces" is not a host name']),
    ("port out of range", with_probe("b", port=70000), ["site_apps[probe].port=70000 is not a port: give a number in 1-65535"]),
    ("port zero", with_probe("b", port=0), ["site_apps[probe].port=0 is not a port"]),
    ("TLS certificate missing", with_probe("b", tls_certificate="/etc/ssl/certs/none.pem",
                                           tls_certificate_key="/etc/ssl/private/none.key"),
     ['site_apps[probe].tls_certificate="/etc/ssl/certs/none.pem"', "/etc/ssl/certs/none.pem is not a file on the host"]),
    ("requirements missing", with_probe("b", requirements="no-such-requirements.txt"),
     ['site_apps[probe].requirements="no-such-requirements.txt" is not a file of the app\'s src']),
    ("static URL not absolute", with_probe("b", static=[{"url": "static", "path": "static"}]),
     ['site_apps[probe].static: url="static" is not a URL path']),
    ("two apps on one name and port", dict(stage_vars("b"), site_apps=stage_vars("b")["site_apps"] + [
        app("twin", 8081, server_aliases=["probe.test"])]), ["apps probe, twin both answer probe.test on port 8081"]),
]


@pytest.mark.parametrize("extra, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_18_bad_input_is_refused_leaving_files_byte_identical(host, inventory, stage_b, extra, words):
    before = files_digest(host)
    result = run_play(PLAYBOOK, inventory, extra)
    assert result.rc != 0, result
    for word in words:
        assert word in result.output, f"{word!r} not in:\n{result.output[-3000:]}"
    assert files_digest(host) == before


def test_18b_a_tls_key_of_another_certificate_is_refused(host, inventory, stage_b):
    host.ssh("openssl genrsa -out /tmp/other.key 2048 2>/dev/null")
    before = files_digest(host)
    extra = with_probe("b", tls_certificate="/etc/wsgi-apache/tls/probe.crt", tls_certificate_key="/tmp/other.key")
    result = run_play(PLAYBOOK, inventory, extra)
    assert result.rc != 0, result
    assert 'tls_certificate_key="/tmp/other.key": the key is not the certificate\'s' in result.output, result
    assert files_digest(host) == before


def test_19_a_vhost_apache_rejects_is_rolled_back_and_the_old_apps_answer(host, inventory, stage_b):
    extra = stage_vars("b")
    extra["site_apps"] = extra["site_apps"] + [app("broken", 8091, extra_directives=["NotADirective on"])]
    before = files_digest(host, "/etc/apache2")
    result = run_play(PLAYBOOK, inventory, extra)
    assert result.rc != 0, result
    assert "Apache rejects the new configuration, so it did not go live" in result.output
    assert "Invalid command 'NotADirective'" in result.output
    assert files_digest(host, "/etc/apache2") == before
    assert get(host, 8081, "/env").status == 200
    assert get(host, 8091, "/env").status is None, "the rejected vhost must not be listening"
