"""Apache graceful reloads on a lone host under load (`systemctl reload apache2`, a daemon-option change,
a vhost change, Debian's daily log rotation), with the mod_wsgi the role builds: with its patch set
(docs/mod_wsgi-patches.md), and the same for an express app beside the site app (its own Apache's
graceful restarts, and its logs' rotation). With the patch set a daemon request opens no netlink socket
(patch 0005); built as published (mod_wsgi_patches: false), once, each opens one (strace on the daemons),
and both apps' configurations leave out what needs the patches. What fails at a reload as published is
bench/deploy.py's to measure.

The load is the other tests' (helpers.load: wrk, 16 connections kept alive, paced), plus the same
with one connection per request (Connection: close). Apache itself resets the kept-alive connections
of its old children at a graceful restart, where no mod_wsgi is involved (its 404 port shows it): wrk
counts those as read errors. So under kept-alive load a reload is measured by its answers that are
not 2xx, and under the one-connection-per-request load by every failure (answers and socket errors).
"""
import re
import time

import pytest

from conftest import ROOT, run_play
from helpers import daemon_pids, in_background, load, wait_for

from ansible_collections.wsgi.apache.plugins.filter.mod_wsgi_patches import parse

PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "site.yml"
EXPRESS_PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "express.yml"
PROBE = ROOT / "tests" / "integration" / "apps" / "probe"
PORT = 8081
EXPRESS_PORT = 8082
EXPRESS_ROOT = "/srv/wsgi-express/xreloads/server"
EXPRESS_UNIT = "wsgi-express-xreloads"
LIVE = "/usr/lib/apache2/modules/mod_wsgi_src.so"
LOAD_FILE = "/etc/apache2/mods-available/wsgi_src.load"
RELOADS = 3
# the fingerprint holds the patches by name (the Patch of each file's header)
PATCHES = sorted(parse(path.read_text(), path.name)["Patch"]
                 for path in (ROOT / "roles" / "mod_wsgi" / "files" / "patches").glob("*.patch"))


@pytest.fixture(scope="module")
def host(start_host):
    return start_host("reloads")


ALIAS = "www.reloads.test"  # the site app's vhost change: a server alias added
# the express app's: a URL alias added (its server aliases would need a server name, which routes by Host)
URL_ALIAS = ["/extra", "/srv/wsgi-express/xreloads/app"]


def variables(processes=2, patches=True, aliases=(), mpm="event"):
    return {"mod_wsgi_patches": patches, "mod_wsgi_apache_mpm": mpm,
            "site_apps": [{"name": "reloads", "server_name": "reloads.test", "server_aliases": list(aliases),
                           "port": PORT, "src": str(PROBE), "wsgi_script": "app.wsgi", "health_url": "/env",
                           "daemon": {"processes": processes, "threads": 4}}]}


def express_variables(processes=2, patches=True, url_aliases=()):
    # wsgi-express's queue timeout (45 s) makes mod_wsgi read a marker before the body; the site app has none:
    # the two places of patch 0003's replay.
    return {"mod_wsgi_patches": patches,
            "express_apps": [{"name": "xreloads", "src": str(PROBE), "entry": "app.wsgi", "port": EXPRESS_PORT,
                              "health_url": "/env", "daemon": {"processes": processes, "threads": 4},
                              "options": {"access_log": True, **({"url_alias": list(url_aliases)} if url_aliases else {})}}]}


def play(playbook, inventory, extra):
    """A run of the role that must pass (under load, its result is otherwise not looked at)."""
    def run():
        result = run_play(playbook, inventory, extra)
        assert result.rc == 0, result
    return run


@pytest.fixture(scope="module")
def deployed(host, inventory):
    result = run_play(PLAYBOOK, inventory, variables())
    assert result.rc == 0, result
    return result


@pytest.fixture(scope="module")
def express_deployed(host, inventory, deployed):
    """An express app beside the site app (the host's Apache serves a site, so it keeps running)."""
    result = run_play(EXPRESS_PLAYBOOK, inventory, express_variables())
    assert result.rc == 0, result
    assert host.ssh("systemctl is-active apache2").stdout.strip() == "active"
    return result


def compiled(result):
    """Whether the play compiled mod_wsgi (its Compile task changed something)."""
    return re.search(r"TASK \[wsgi\.apache\.mod_wsgi : Compile mod_wsgi\][^\n]*\n(changed|ok): ", result.output) is not None


def fingerprint_patches(host):
    return sorted(host.ssh("python3 -c \"import json; print(' '.join(json.load(open('/var/lib/wsgi-apache/mod_wsgi.json'))"
                           "['build']['patches']))\"").stdout.split())


def under_load(host, what, port=PORT, close=False):
    """wrk's counts over what(), with connections kept alive or (close) one connection per request."""
    running = load(host, port, headers=["Connection: close"] if close else ())
    try:
        what()
    finally:
        counts = running.stop()
    return counts


def reload(host, unit="apache2", times=RELOADS):
    """systemctl reload of unit (the system's Apache, or an express app's service), times in a row."""
    def run():
        for dummy in range(times):
            host.ssh(f"systemctl reload {unit}")
            time.sleep(3)  # the next reload once this one's daemons serve
    return run


def in_flight_at_a_reload(host, port=PORT, unit="apache2", seconds=4.5, before=0.5):
    """A request that has 4 s to go at a reload, longer than APR's 3 s and less than the daemons'
    shutdown-timeout (5 s): its Answer."""
    request = in_background(host, port, f"/sleep?s={seconds}")
    time.sleep(before)  # in the daemon by now
    host.ssh(f"systemctl reload {unit}")
    return request()


def daemon_requests_and_netlink_sockets(host, requests=20):
    """strace on the site app's daemon processes while requests are answered (from the host, to its own
    address): the connections they accepted, and the netlink sockets they opened (glibc's read of the
    host's interface addresses, for getaddrinfo() with AI_ADDRCONFIG)."""
    daemons = daemon_pids(host, "(wsgi:reloads)")
    assert daemons, host.ssh("ps -eo pid=,args=").stdout
    pids = " ".join(f"-p {pid}" for pid in daemons)
    trace = host.ssh(f"""set -e
command -v strace >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q strace >/dev/null
rm -f /tmp/daemon-requests.trace
strace -f -qq -e trace=accept,accept4,socket -o /tmp/daemon-requests.trace {pids} &
tracer=$!
sleep 2  # attached: a daemon's threads wait in accept or poll, so nothing is traced before a request
python3 -c 'import urllib.request
for _ in range({requests}): urllib.request.urlopen("http://{host.address}:{PORT}/env", timeout=60).read()'
kill -INT $tracer; wait $tracer || true
cat /tmp/daemon-requests.trace""").stdout
    accepted = len(re.findall(r"accept4?(?:\(| resumed>).*\) = \d+$", trace, re.M))
    return accepted, trace.count("socket(AF_NETLINK")


def errors(host, log):
    """The error lines of an Apache error log (mod_wsgi's and Apache's numbered ones), for a failed assertion."""
    return "\n".join(re.findall(r".*(?:WSGI0|AH0)\d+.*", host.ssh(f"cat {log}").stdout)[-30:])


def assert_no_token_or_socket_error(host, log):
    text = host.ssh(f"cat {log}").stdout
    assert "WSGI0034" not in text and "WSGI0117" not in text, re.findall(r".*WSGI01(?:17|16|47|46).*", text)[:5]


def report(label, counts):
    print(f"{label}: {counts['non_2xx']} non-2xx and {counts['socket_errors']} socket errors of {counts['requests']} requests")


@pytest.fixture(scope="module")
def event_reloads(host, deployed):
    """wrk's counts over RELOADS reloads of the site app's Apache (the event MPM, the role's default) under
    kept-alive load: the first test's, and what the worker MPM's test compares its own with."""
    kept = under_load(host, reload(host))
    report(f"{RELOADS} reloads, connections kept alive", kept)
    return kept


def test_apache_reloads_fail_no_request_with_the_patch_set(host, inventory, event_reloads):
    assert fingerprint_patches(host) == PATCHES
    assert "WSGISocketRotation Off" in host.ssh(f"cat {LOAD_FILE}").stdout
    assert host.ssh(f"grep -ac 'sending the request again' {LIVE}").stdout.strip() == "1"  # patch 0003's log line

    kept = event_reloads
    assert kept["non_2xx"] == 0, kept["output"]
    assert kept["requests"] > 1000, kept["output"]

    each = under_load(host, reload(host), close=True)
    report(f"{RELOADS} reloads, a connection per request", each)
    assert each["failed"] == 0, each["output"]

    slow = in_flight_at_a_reload(host)
    print(f"a request with 4 s to go at a reload: {slow.status}, after {slow.elapsed:.1f} s")
    assert slow.status == 200 and slow.json()["slept"] >= 4.5, slow.body  # patch 0004

    apache = under_load(host, reload(host, times=1), port=80)
    report("one reload, Apache's 404 port (no mod_wsgi; every answer is a 404)", apache)

    option = under_load(host, play(PLAYBOOK, inventory, variables(processes=3)))
    report("a daemon-option change (processes 2 -> 3), connections kept alive", option)
    assert option["non_2xx"] == 0, option["output"]
    assert wait_for(lambda: len(daemon_pids(host, "(wsgi:reloads)")) == 3, 30)

    vhost = under_load(host, play(PLAYBOOK, inventory, variables(processes=3, aliases=[ALIAS])))
    report("a vhost change (an alias added), connections kept alive", vhost)
    assert vhost["non_2xx"] == 0, vhost["output"]
    assert f"ServerAlias {ALIAS}" in host.ssh("cat /etc/apache2/sites-enabled/*reloads*").stdout
    assert_no_token_or_socket_error(host, "/var/log/apache2/error.log")


def test_with_the_patch_set_a_daemon_request_reads_no_interface_address(host, deployed):
    """Patch 0005: a daemon rebuilds the request's local address from SERVER_ADDR without getaddrinfo()'s
    AI_ADDRCONFIG, so no request opens a netlink socket (as published, each does: the test below)."""
    accepted, netlink = daemon_requests_and_netlink_sockets(host)
    print(f"with the patch set: {netlink} netlink sockets in {accepted} daemon requests")
    assert accepted >= 10, accepted  # the tracer saw the requests
    assert netlink == 0, netlink


def test_with_the_worker_mpm_reloads_reset_next_to_no_kept_alive_connection(host, inventory, event_reloads):
    """The socket errors above are the event MPM's: at a graceful restart its old children close their idle
    kept-alive connections at once. The worker MPM's answer the next request on each with "Connection: close".
    What can remain is a connection whose answer was being written at the reload: that answer already said the
    connection stays open, and the old child closes it after (httpd's ap_process_http_sync_connection leaves
    its loop once the MPM is stopping), so wrk's next request on it meets the close. That window is the end of
    one answer: at most one such connection a reload, against about every connection under the event MPM."""
    worker = run_play(PLAYBOOK, inventory, variables(mpm="worker"))
    assert worker.rc == 0, worker
    assert re.search(r"Server MPM:\s+worker", host.ssh("apache2ctl -V").stdout)
    kept = under_load(host, reload(host))
    report(f"worker MPM: {RELOADS} reloads, connections kept alive", kept)
    assert kept["non_2xx"] == 0 and kept["requests"] > 1000, kept["output"]
    assert kept["socket_errors"] <= RELOADS < event_reloads["socket_errors"], (kept["output"], event_reloads["output"])
    event = run_play(PLAYBOOK, inventory, variables())
    assert event.rc == 0, event
    assert re.search(r"Server MPM:\s+event", host.ssh("apache2ctl -V").stdout)


def test_express_restarts_fail_no_request_with_the_patch_set(host, inventory, express_deployed):
    """The app's own Apache (wsgi-express, the same patched module) restarted gracefully: systemctl reload,
    and a daemon-option change through the role."""
    assert "WSGISocketRotation Off" in host.ssh(f"cat {EXPRESS_ROOT}/httpd.conf").stdout
    parent = host.ssh(f"cat {EXPRESS_ROOT}/httpd.pid").stdout

    kept = under_load(host, reload(host, EXPRESS_UNIT), port=EXPRESS_PORT)
    report(f"express: {RELOADS} reloads, connections kept alive", kept)
    assert kept["non_2xx"] == 0 and kept["requests"] > 1000, kept["output"] + errors(host, f"{EXPRESS_ROOT}/error_log")
    each = under_load(host, reload(host, EXPRESS_UNIT), port=EXPRESS_PORT, close=True)
    report(f"express: {RELOADS} reloads, a connection per request", each)
    assert each["failed"] == 0, each["output"] + errors(host, f"{EXPRESS_ROOT}/error_log")

    option = under_load(host, play(EXPRESS_PLAYBOOK, inventory, express_variables(processes=3)), port=EXPRESS_PORT)
    report("express: a daemon-option change (processes 2 -> 3), connections kept alive", option)
    assert option["non_2xx"] == 0, option["output"]
    assert wait_for(lambda: len(daemon_pids(host, f"(wsgi:{EXPRESS_PORT})")) == 3, 30)

    vhost = under_load(host, play(EXPRESS_PLAYBOOK, inventory, express_variables(processes=3, url_aliases=[URL_ALIAS])),
                       port=EXPRESS_PORT)
    report("express: a vhost change (a URL alias added), connections kept alive", vhost)
    assert vhost["non_2xx"] == 0, vhost["output"]
    assert 'Alias "{}" "{}"'.format(*URL_ALIAS) in host.ssh(f"cat {EXPRESS_ROOT}/httpd.conf").stdout

    slow = in_flight_at_a_reload(host, EXPRESS_PORT, EXPRESS_UNIT)
    print(f"express: a request with 4 s to go at a reload: {slow.status}, after {slow.elapsed:.1f} s")
    assert slow.status == 200 and slow.json()["slept"] >= 4.5, slow.body  # patch 0004
    assert host.ssh(f"cat {EXPRESS_ROOT}/httpd.pid").stdout == parent  # graceful restarts, not the service's
    assert_no_token_or_socket_error(host, f"{EXPRESS_ROOT}/error_log")


def test_the_daily_log_rotation_fails_no_answer_of_either_role(host, express_deployed):
    """Debian's own daily job (logrotate.service; its timer is masked on test hosts so that it runs
    here, not at midnight in another test), with the state a server that has run for days has: it
    rotates the system Apache's logs and reloads it (the site role's apps), and copies then empties
    the express app's logs, which restarts nothing."""
    host.ssh("test -f /etc/logrotate.d/apache2 && grep -q 'apache2 reload' /etc/logrotate.d/apache2")
    assert host.ssh("cat /etc/logrotate.d/wsgi-express-xreloads").stdout.strip().endswith(
        f"include {EXPRESS_ROOT}/logrotate.conf")
    logs = ("/var/log/apache2/other_vhosts_access.log", "/var/log/apache2/error.log",  # the vhosts' and Apache's
            f"{EXPRESS_ROOT}/error_log", f"{EXPRESS_ROOT}/access_log")  # the express app's
    host.ssh("printf 'logrotate state -- version 2\\n%s' > /var/lib/logrotate/status"
             % "".join(f'\\"{log}\\" 2026-1-1-0:0:0\\n' for log in logs))
    before = host.ssh("cat /var/run/apache2/apache2.pid").stdout.strip()
    express_before = host.ssh(f"cat {EXPRESS_ROOT}/httpd.pid").stdout.strip()
    express_daemons = daemon_pids(host, f"(wsgi:{EXPRESS_PORT})")
    graceful = "grep -cH 'SIGUSR1 received' /var/log/apache2/error.log*"
    restarts = sum(int(line.rsplit(":", 1)[1]) for line in host.ssh(graceful, check=False).stdout.split())

    def rotate():
        host.ssh("systemctl start logrotate.service")
        time.sleep(3)
    express = load(host, EXPRESS_PORT)
    try:
        counts = under_load(host, rotate)
    finally:
        express_counts = express.stop()
    report("the daily log rotation, site app, connections kept alive", counts)
    report("the daily log rotation, express app, connections kept alive", express_counts)
    assert counts["non_2xx"] == 0 and counts["requests"] > 1000, counts["output"]
    assert express_counts["failed"] == 0 and express_counts["requests"] > 1000, express_counts["output"]
    for log in logs:
        assert host.ssh(f"test -s {log}.1 && echo rotated").stdout.strip() == "rotated", log
    assert host.ssh(f"stat -c '%a %U' {EXPRESS_ROOT}/error_log.1").stdout.strip() == "640 root"
    assert sum(int(line.rsplit(":", 1)[1]) for line in host.ssh(graceful, check=False).stdout.split()) == restarts + 1
    assert host.ssh("cat /var/run/apache2/apache2.pid").stdout.strip() == before  # the same parent: a reload
    assert host.ssh(f"cat {EXPRESS_ROOT}/httpd.pid").stdout.strip() == express_before
    assert daemon_pids(host, f"(wsgi:{EXPRESS_PORT})") == express_daemons  # nothing of the express app restarted
    # and it logs on into the emptied files
    assert wait_for(lambda: host.ssh(f"test -s {EXPRESS_ROOT}/access_log && echo yes", check=False).stdout.strip() == "yes", 10)


def test_without_the_patch_set_mod_wsgi_is_built_once_as_published(host, inventory, express_deployed):
    published = run_play(PLAYBOOK, inventory, variables(processes=3, patches=False))
    assert published.rc == 0, published
    assert compiled(published), published
    assert fingerprint_patches(host) == []
    assert "WSGISocketRotation" not in host.ssh(f"cat {LOAD_FILE}").stdout
    assert host.ssh(f"grep -ac 'sending the request again' {LIVE}", check=False).stdout.strip() == "0"
    again = run_play(PLAYBOOK, inventory, variables(processes=3, patches=False))
    assert again.rc == 0 and again.changed == 0 and not compiled(again), again
    accepted, netlink = daemon_requests_and_netlink_sockets(host)
    print(f"as published: {netlink} netlink sockets in {accepted} daemon requests")
    assert accepted >= 10 and netlink >= accepted, (accepted, netlink)  # one address lookup a request at least

    express = run_play(EXPRESS_PLAYBOOK, inventory, express_variables(processes=3, patches=False))
    assert express.rc == 0 and not compiled(express), express
    # a new module is a new decision of wsgi-express: the role restarted the app's Apache gracefully
    assert "WSGISocketRotation" not in host.ssh(f"cat {EXPRESS_ROOT}/httpd.conf").stdout

    patched = run_play(PLAYBOOK, inventory, variables(processes=3))
    assert patched.rc == 0 and not compiled(patched), patched  # the patched build, from the build cache
    assert fingerprint_patches(host) == PATCHES
    assert run_play(EXPRESS_PLAYBOOK, inventory, express_variables(processes=3)).rc == 0
    assert "WSGISocketRotation Off" in host.ssh(f"cat {EXPRESS_ROOT}/httpd.conf").stdout
