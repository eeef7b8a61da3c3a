"""wsgi-express and the wsgi.apache.express role, on a real bookworm host and on this machine.

The role builds mod_wsgi, installs the collection's package into the probe app's virtualenv and
runs the app as a systemd service on the test host.  start-server by hand (serving, static files,
reloading on a code change, signals, bad input, setup-server) runs twice: on the test host with the
role's virtualenv, and on this machine, where the mod_wsgi role builds the module over a local
connection (and leaves Apache running on port 80) and the package goes into a virtualenv of
Debian's python3.  A Django project made by django-admin is served by manage.py runmodwsgi on the
test host.
"""
import gzip
import json
import re
import shlex
import socket
import subprocess
import time

import pytest

from conftest import ROOT, ThisMachine, run_play
from helpers import check_mode_on_a_fresh_host, daemon_pids, get, run_adhoc, tls_12_and_13_only, wait_for

from ansible_collections.wsgi.apache.plugins.filter.daemon_process import daemon_process
from wsgi_express.options import EXPRESS_DEFAULTS

PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "express.yml"
MOD_WSGI_PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "mod_wsgi.yml"
HELLO_DIR = "/tmp/wsgi-express-hello"
PROBE = str(ROOT / "tests" / "integration" / "apps" / "probe")
APP_DIR = "/srv/wsgi-express/probe/app"
VENV = "/srv/wsgi-express/probe/venv"
SERVER_ROOT = "/srv/wsgi-express/probe/server"
DAEMON = {"processes": 2, "threads": 4, "request_timeout": 30, "maximum_requests": 500}
ROLE_VARS = {"express_apps": [{
    "name": "probe", "src": PROBE, "entry": "app.wsgi", "port": 8000, "daemon": DAEMON,
    "options": {"url_alias": [["/static", APP_DIR + "/static"]], "access_log": True}}]}
HELLO = ("def application(environ, start_response):\n"
         "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
         "    return [b'%s']\n")
# An app that answers with the text values of its WSGI environ, as JSON.
ENVIRON = ("import json\n"
           "def application(environ, start_response):\n"
           "    start_response('200 OK', [('Content-Type', 'application/json')])\n"
           "    return [json.dumps({k: v for k, v in environ.items() if isinstance(v, str)}).encode()]\n")


@pytest.fixture(scope="module")
def host(start_host):
    return start_host("express")


@pytest.fixture(scope="module")
def converged(host, inventory):
    result = run_play(PLAYBOOK, inventory, ROLE_VARS)
    assert result.rc == 0, result
    assert wait_for(lambda: get(host, 8000, "/env").status == 200, 20)
    return result


# ---------------------------------------------------------------------------- the role

def test_check_mode_on_a_fresh_host_reports_and_changes_nothing(host, inventory):
    """Runs first, before the converge: the host has neither Apache nor the package."""
    check_mode_on_a_fresh_host(host, PLAYBOOK, inventory, ROLE_VARS)
    assert host.ssh("systemctl list-unit-files 'wsgi-express-*'", check=False).stdout.count(".service") == 0


def test_service_is_enabled_active_and_serves(host, converged):
    assert host.ssh("systemctl is-enabled wsgi-express-probe.service").stdout.strip() == "enabled"
    assert host.ssh("systemctl is-active wsgi-express-probe.service").stdout.strip() == "active"
    seen = get(host, 8000, "/env").json()
    release = host.ssh(f"readlink -f {APP_DIR}").stdout.strip()  # the live release, as the daemon found it
    assert seen["user"] == "wsgi-probe" and seen["cwd"] == release and release.startswith("/srv/wsgi-express/probe/releases/")
    static = get(host, 8000, "/static/hello.txt")
    assert static.status == 200 and static.body == open(PROBE + "/static/hello.txt", "rb").read()


def test_role_and_site_filter_render_the_same_directive(host, inventory, converged):
    """The launcher on the host wrote the directive the site role's filter gives for the same options."""
    written = [line for line in host.ssh(f"cat {SERVER_ROOT}/httpd.conf").stdout.splitlines()
               if line.startswith("WSGIDaemonProcess ")]
    version = run_adhoc(host, inventory, "wsgi.apache.mod_wsgi_info", "")["version"]
    # the role's daemon options over the launcher's mod_wsgi-express defaults
    options = dict(EXPRESS_DEFAULTS, **DAEMON, user="wsgi-probe", group="wsgi-probe", display_name="(wsgi:8000)",
                   home=APP_DIR, python_home=VENV)
    assert written == [daemon_process(options, "express", version, "express_apps[probe].daemon")]


def test_second_run_changes_nothing_and_keeps_the_processes(host, inventory, converged):
    pids = daemon_pids(host, "(wsgi:8000)")
    assert len(pids) == 2
    result = run_play(PLAYBOOK, inventory, ROLE_VARS)
    assert result.rc == 0 and result.changed == 0, result
    assert daemon_pids(host, "(wsgi:8000)") == pids
    check = run_play(PLAYBOOK, inventory, ROLE_VARS, check=True)
    assert check.rc == 0 and check.changed == 0, check


def test_a_changed_option_restarts_apache_gracefully_not_the_service(host, inventory, converged):
    pids = daemon_pids(host, "(wsgi:8000)")
    parent = host.ssh(f"cat {SERVER_ROOT}/httpd.pid").stdout
    changed = {"express_apps": [dict(ROLE_VARS["express_apps"][0], daemon=dict(DAEMON, processes=1))]}
    result = run_play(PLAYBOOK, inventory, changed)
    assert result.rc == 0, result
    assert wait_for(lambda: len(daemon_pids(host, "(wsgi:8000)")) == 1, 20)
    assert not daemon_pids(host, "(wsgi:8000)") & pids
    assert host.ssh(f"cat {SERVER_ROOT}/httpd.pid").stdout == parent, "apachectl graceful keeps Apache's parent"
    back = run_play(PLAYBOOK, inventory, ROLE_VARS)
    assert back.rc == 0 and wait_for(lambda: len(daemon_pids(host, "(wsgi:8000)")) == 2, 20)


def test_bad_daemon_option_is_refused_before_anything_changes(host, inventory, converged):
    before = host.ssh(f"sha256sum {SERVER_ROOT}/httpd.conf").stdout
    bad = {"express_apps": [dict(ROLE_VARS["express_apps"][0], daemon={"memory_limit": "512M"})]}
    result = run_play(PLAYBOOK, inventory, bad)
    assert result.rc != 0
    assert "express_apps[probe].daemon.memory_limit='512M' is not a byte count" in result.output
    assert host.ssh(f"sha256sum {SERVER_ROOT}/httpd.conf").stdout == before


def test_bad_server_option_is_refused_by_the_dry_run(host, inventory, converged):
    before = host.ssh(f"sha256sum {SERVER_ROOT}/httpd.conf").stdout
    bad = {"express_apps": [dict(ROLE_VARS["express_apps"][0], options={"python_hash_seed": "often"})]}
    result = run_play(PLAYBOOK, inventory, bad)
    assert result.rc != 0 and "--python-hash-seed='often' is not valid" in result.output
    assert host.ssh(f"sha256sum {SERVER_ROOT}/httpd.conf").stdout == before


def test_secure_by_default(host, converged):
    """No version shown, no TRACE, private logs, and a unit systemd itself rates OK (exposure <= 4.0)."""
    ok, missing = get(host, 8000, "/env"), get(host, 8000, "/static/no-such-file")
    assert ok.all("Server") == ["Apache"] and missing.all("Server") == ["Apache"]
    assert missing.status == 404 and b"Apache/" not in missing.body
    trace = host.ssh("curl -s -o /dev/null -w '%{http_code}' -X TRACE http://127.0.0.1:8000/").stdout
    assert trace in ("405", "403")
    # The system's Apache, which serves no site on this host: stopped and disabled, nothing on port 80 or 443;
    # the module it would load stays (the app's Apache loads it).
    assert host.ssh("systemctl is-active apache2; systemctl is-enabled apache2", check=False).stdout.split() == [
        "inactive", "disabled"]
    assert host.ssh("ss -ltnH '( sport = :80 or sport = :443 )'").stdout.strip() == ""
    assert get(host, 80, "/").status is None
    assert host.ssh("test -f /usr/lib/apache2/modules/mod_wsgi_src.so", check=False).returncode == 0
    rating = host.ssh("systemd-analyze security --no-pager wsgi-express-probe.service").stdout
    exposure = re.search(r"Overall exposure level for wsgi-express-probe.service: ([0-9.]+) (\w+)", rating)
    assert exposure and float(exposure.group(1)) <= 4.0, rating[-2500:]
    shown = host.ssh("systemctl show -p CapabilityBoundingSet,ProtectSystem,RestrictAddressFamilies,UMask "
                     "wsgi-express-probe.service").stdout
    assert "ProtectSystem=strict" in shown and "UMask=0027" in shown, shown
    assert "cap_sys_admin" not in shown and "cap_setuid" in shown, shown
    # The parent (root) sees the file system read-only but for its server root.
    parent = host.ssh(f"cat {SERVER_ROOT}/httpd.pid").stdout.strip()
    mounts = host.ssh(f"findmnt -N {parent} -n -o OPTIONS --target /etc; "
                      f"findmnt -N {parent} -n -o OPTIONS --target {SERVER_ROOT}").stdout.split()
    assert mounts[0].startswith("ro,") and mounts[1].startswith("rw,"), mounts
    logs = host.ssh(f"stat -c '%a %U' {SERVER_ROOT}/error_log {SERVER_ROOT}/access_log").stdout.split("\n")
    assert logs[:2] == ["640 root", "640 root"], logs
    # it still restarts its daemons gracefully and reloads
    before = daemon_pids(host, "(wsgi:8000)")
    host.ssh("systemctl reload wsgi-express-probe.service")
    assert wait_for(lambda: daemon_pids(host, "(wsgi:8000)") and not daemon_pids(host, "(wsgi:8000)") & before, 20)
    assert wait_for(lambda: get(host, 8000, "/env").status == 200, 20)
    assert host.ssh("systemctl is-active wsgi-express-probe.service").stdout.strip() == "active"


def test_reload_on_changes_works_under_the_hardened_unit(host, inventory, converged):
    """--reload-on-changes under the service: an edit of the app is served without a restart of the unit."""
    reloading = {"express_apps": [dict(ROLE_VARS["express_apps"][0],
                                       options=dict(ROLE_VARS["express_apps"][0]["options"], reload_on_changes=True))]}
    try:
        assert run_play(PLAYBOOK, inventory, reloading).rc == 0
        assert wait_for(lambda: get(host, 8000, "/env").status == 200, 20)
        parent = host.ssh(f"cat {SERVER_ROOT}/httpd.pid").stdout
        host.ssh(f"sleep 1.1; printf '\\nRELOADED = \"yes\"\\n' >> {APP_DIR}/app.wsgi")
        assert wait_for(lambda: b"yes" in get(host, 8000, "/reloaded").body, 20), get(host, 8000, "/reloaded").body
        assert host.ssh(f"cat {SERVER_ROOT}/httpd.pid").stdout == parent, "the unit restarted"
    finally:
        assert run_play(PLAYBOOK, inventory, ROLE_VARS).rc == 0  # no reloading (the edited release stays live)
    assert wait_for(lambda: get(host, 8000, "/env").status == 200, 20)


def test_survives_systemctl_restart(host, converged):
    pids = daemon_pids(host, "(wsgi:8000)")
    host.ssh("systemctl restart wsgi-express-probe.service")
    assert wait_for(lambda: get(host, 8000, "/env").status == 200, 20)
    assert not daemon_pids(host, "(wsgi:8000)") & pids


# ---------------------------------------------------------------------------- start-server by hand

class Machine:
    """Where start-server runs by hand: the test host (the role's virtualenv), or this machine."""

    def __init__(self, runner, venv, busy_port):
        self.runner, self.venv, self.busy_port = runner, venv, busy_port
        self.address = runner.address
        self.express = venv + "/bin/wsgi-express"

    def ssh(self, command, check=True, timeout=300):
        return self.runner.ssh(command, check=check, timeout=timeout)

    def run_express(self, *args):
        return self.ssh(" ".join(shlex.quote(a) for a in [self.express, *args]), check=False, timeout=120)


# What the start-server tests write in /tmp besides the virtualenv (a server's default root is /tmp/wsgi-express-PORT,
# as upstream's): a test host's goes with the host, this machine's is removed when the module ends.
THIS_MACHINE_TMP = (f"{HELLO_DIR} /tmp/wsgi-express-81?? /tmp/start-server-81??.log /tmp/x.key /tmp/x.crt "
                    "/tmp/wsgi-express-site.key /tmp/wsgi-express-site.crt /tmp/wsgi-express-everything "
                    "/tmp/wsgi-express-everything-files /tmp/setup-8107 /tmp/setup-only-8109 /tmp/wsgi-express-logs-8110")


@pytest.fixture(scope="module")
def this_machine_venv(tmp_path_factory):
    """mod_wsgi built here by the mod_wsgi role over a local connection; the package in a venv of Debian's python3.

    The venv lies outside root's home so that www-data, the daemons' user, can read it.  The package
    is installed from a copy (links followed, as the role's copy does), so no build debris lands in
    the work tree.
    """
    here = ThisMachine()
    result = run_play(MOD_WSGI_PLAYBOOK, here.inventory(tmp_path_factory.mktemp("inv")))
    assert result.rc == 0, result
    venv, package = "/tmp/wsgi-express-test-venv", tmp_path_factory.mktemp("package") / "server_pkg"
    here.ssh(f"cp -rL {ROOT}/server_pkg {package} && rm -rf {venv} && /usr/bin/python3 -m venv {venv}"
             f" && {venv}/bin/pip install -q {package}", timeout=600)
    # The busy port: this test's own listening socket (the system's Apache need not be running here).
    with socket.create_server(("", 0)) as busy:
        yield Machine(here, venv, busy_port=busy.getsockname()[1])
    here.ssh(f"rm -rf {venv} {THIS_MACHINE_TMP}")


@pytest.fixture(scope="module", params=["testhost", "this-machine"])
def machine(request):
    if request.param == "testhost":
        request.getfixturevalue("converged")
        return Machine(request.getfixturevalue("host"), VENV, busy_port=8000)  # the role's app
    return request.getfixturevalue("this_machine_venv")


def processes_of(machine, server_root):
    """Pids of the processes running httpd (or its daemons) with server_root's httpd.conf."""
    out = machine.ssh("ps -eo pid=,args=").stdout
    return [line.split()[0] for line in out.splitlines() if f"-f {server_root}/httpd.conf" in line]


class Server:
    """One start-server in the background, stopped (SIGTERM) at the end."""

    def __init__(self, machine, port, args, cwd="/tmp"):
        self.machine, self.port = machine, port
        self.root = f"/tmp/wsgi-express-{port}"
        self.log = f"/tmp/start-server-{port}.log"
        argv = [machine.express, "start-server", *args, "--port", str(port), "--user", "www-data"]
        command = " ".join(shlex.quote(a) for a in argv)
        machine.ssh(f"cd {cwd} && (setsid timeout 600 {command} > {self.log} 2>&1 < /dev/null &)")

    def up(self, path="/"):
        return wait_for(lambda: get(self.machine, self.port, path, timeout=5).status is not None, 30)

    def output(self):
        return self.machine.ssh(f"cat {self.log}", check=False).stdout

    def httpd_pid(self):
        return int(self.machine.ssh(f"cat {self.root}/httpd.pid").stdout)

    def processes(self):
        return processes_of(self.machine, self.root)

    def stop(self):
        self.machine.ssh(f"kill -TERM $(cat {self.root}/httpd.pid) 2>/dev/null || true")
        return wait_for(lambda: not self.processes(), 20)


def write_hello(machine, body):
    machine.ssh(f"cat > {HELLO_DIR}/app.wsgi <<'EOF'\n{HELLO % body}EOF")


@pytest.fixture(scope="module")
def hello_dir(machine):
    machine.ssh(f"rm -rf {HELLO_DIR} && mkdir -p {HELLO_DIR}/static {HELLO_DIR}/docs"
                f" && echo static-hello > {HELLO_DIR}/static/s.txt && echo doc-file > {HELLO_DIR}/docs/page.txt"
                f" && echo 'import not_installed_here' > {HELLO_DIR}/broken.wsgi")
    write_hello(machine, "one")
    machine.ssh(f"cat > {HELLO_DIR}/environ.wsgi <<'EOF'\n{ENVIRON}EOF")
    return HELLO_DIR


@pytest.fixture
def hello(machine, hello_dir):
    servers = []

    def start(port, *args, **kwargs):
        server = Server(machine, port, [f"{hello_dir}/app.wsgi", *args], **kwargs)
        servers.append(server)
        assert server.up(), server.output()
        return server
    yield start
    for server in servers:
        server.stop()
    write_hello(machine, "one")


def test_start_server_serves_prints_the_url_and_stops_on_sigterm(machine, hello):
    server = hello(8101, "--url-alias", "/static", f"{HELLO_DIR}/static")
    answer = get(machine, 8101, "/")
    assert answer.status == 200 and answer.body == b"one"
    static = get(machine, 8101, "/static/s.txt")
    assert static.status == 200 and static.body == b"static-hello\n"
    out = server.output()
    assert "URL          http://localhost:8101/" in out and "1 process(es) x 5 thread(s)" in out
    assert server.processes()
    assert server.stop(), "processes left after SIGTERM: %s" % server.processes()
    assert "caught SIGTERM, shutting down" in machine.ssh(f"cat {server.root}/error_log").stdout


def test_reload_on_changes_picks_up_an_edit(machine, hello):
    hello(8102, "--reload-on-changes")
    assert get(machine, 8102, "/").body == b"one"
    time.sleep(1.1)  # a new mtime, even on a file system with one-second times
    write_hello(machine, "two")
    assert wait_for(lambda: get(machine, 8102, "/", timeout=5).body == b"two", 15)


def test_sigusr1_restarts_gracefully_and_sighup_restarts(machine, hello):
    server = hello(8103, "--display-name", "wsgi-sig")
    first = daemon_pids(machine, "wsgi-sig")
    parent = server.httpd_pid()
    machine.ssh(f"kill -USR1 {parent}")
    assert wait_for(lambda: daemon_pids(machine, "wsgi-sig") and not daemon_pids(machine, "wsgi-sig") & first, 20)
    assert get(machine, 8103, "/").status == 200 and server.httpd_pid() == parent
    second = daemon_pids(machine, "wsgi-sig")
    machine.ssh(f"kill -HUP {parent}")
    assert wait_for(lambda: daemon_pids(machine, "wsgi-sig") and not daemon_pids(machine, "wsgi-sig") & second, 20)
    assert wait_for(lambda: get(machine, 8103, "/", timeout=5).status == 200, 20)
    log = machine.ssh(f"cat {server.root}/error_log").stdout
    assert "SIGUSR1 received.  Doing graceful restart" in log and "SIGHUP received.  Attempting to restart" in log


def test_document_root_files_first_then_the_app(machine, hello):
    hello(8104, "--document-root", f"{HELLO_DIR}/docs")
    assert get(machine, 8104, "/page.txt").body == b"doc-file\n"
    assert get(machine, 8104, "/anything").body == b"one"


def test_https_port_with_a_certificate(machine, hello):
    machine.ssh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout /tmp/x.key "
                "-out /tmp/x.crt 2>/dev/null")
    hello(8105, "--https-port", "8445", "--ssl-certificate-file", "/tmp/x.crt", "--ssl-certificate-key-file",
          "/tmp/x.key", "--hsts-policy", "max-age=600")
    assert wait_for(lambda: get(machine, 8445, "/", https=True, timeout=5).body == b"one", 10)
    assert get(machine, 8445, "/", https=True).all("Strict-Transport-Security") == ["max-age=600"]
    assert "SSLProtocol -all +TLSv1.2 +TLSv1.3" in machine.ssh("cat /tmp/wsgi-express-8105/httpd.conf").stdout
    tls_12_and_13_only(machine, 8445)


@pytest.mark.parametrize("args,message", [
    (["app.wsgi", "--port", "BUSY"], "--port=BUSY: *:BUSY is already in use"),
    (["broken.wsgi", "--port", "8106"],
     f"the application {HELLO_DIR}/broken.wsgi fails to load: ModuleNotFoundError: No module named 'not_installed_here'"),
    (["app.wsgi", "--port", "8106", "--module-path", "/nonexistent/mod_wsgi.so"],
     "--module-path=/nonexistent/mod_wsgi.so does not exist"),
    (["missing.wsgi", "--port", "8106"], f"SCRIPT={HELLO_DIR}/missing.wsgi does not exist"),
    (["app.wsgi", "--port", "8106", "--interrupt-timeout", "banana"],
     "--interrupt-timeout=banana is not a whole number"),
])
def test_bad_input_is_one_line_and_status_2(machine, hello_dir, args, message):
    busy = str(machine.busy_port)  # a port something listens on there
    args, message = [busy if arg == "BUSY" else arg for arg in args], message.replace("BUSY", busy)
    done = machine.run_express("start-server", f"{hello_dir}/{args[0]}", *args[1:], "--user", "www-data")
    assert done.returncode == 2, done
    assert done.stderr.strip().splitlines() == ["wsgi-express start-server: error: " + done.stderr.split(": error: ", 1)[1].strip()]
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not processes_of(machine, "/tmp/wsgi-express-8106")


def test_module_location_and_config_name_the_roles_module(machine):
    location = machine.run_express("module-location").stdout.strip()
    assert location == "/usr/lib/apache2/modules/mod_wsgi_src.so"
    # the virtualenv's own prefix (the role's ROOT/venv is a link to the live release's virtualenv)
    prefix = machine.ssh(f"readlink -f {machine.venv}").stdout.strip()
    assert machine.run_express("module-config").stdout.splitlines() == [
        f'LoadModule wsgi_module "{location}"', f'WSGIPythonHome "{prefix}"']


def test_check_rlimits_matches_a_direct_probe(machine):
    done = machine.run_express("check-rlimits", "--json", "--memory-limit", str(256 * 2 ** 20))
    report = json.loads(done.stdout)
    direct = json.loads(machine.ssh(
        f"{machine.venv}/bin/python -c 'import json; from wsgi_express._shared.rlimits import probe; "
        f"print(json.dumps({{n: probe(n)[\"enforced\"] for n in (\"RLIMIT_DATA\", \"RLIMIT_AS\", \"RLIMIT_CPU\")}}))'"
    ).stdout)
    assert {name: report["rlimits"][name]["enforced"] for name in direct} == direct
    assert done.returncode == (1 if report["unenforced"] else 0)


def test_setup_server_writes_a_control_script_that_runs_httpd(machine, hello_dir):
    root = "/tmp/setup-8107"
    machine.ssh(f"rm -rf {root}")
    args = ["setup-server", f"{hello_dir}/app.wsgi", "--port", "8107", "--user", "www-data", "--server-root", root]
    done = machine.run_express(*args)
    assert done.returncode == 0 and "changed      wrote apachectl, handler.wsgi, httpd.conf" in done.stdout, done
    assert "changed      nothing" in machine.run_express(*args).stdout
    assert machine.ssh(f"{root}/apachectl configtest 2>&1").stdout.strip() == "Syntax OK"
    machine.ssh(f"{root}/apachectl start")
    try:
        assert wait_for(lambda: get(machine, 8107, "/", timeout=5).body == b"one", 20)
    finally:
        machine.ssh(f"{root}/apachectl stop")
    assert wait_for(lambda: get(machine, 8107, "/", timeout=2).status is None, 20)


def test_mod_wsgi_express_server_options_are_in_force(machine, hello):
    """--limit-request-body, --keep-alive-timeout, --server-backlog and --daemon-backlog as mod_wsgi-express
    spells them, and --umask, a WSGIDaemonProcess option of the table."""
    server = hello(8108, "--limit-request-body", "1000", "--keep-alive-timeout", "0", "--server-backlog", "77",
                   "--daemon-backlog", "33", "--umask", "0027")
    assert get(machine, 8108, "/", body=b"x" * 2000).status == 413
    small = get(machine, 8108, "/", body=b"x" * 500)
    assert small.status == 200 and small.all("Connection") == ["close"], small.headers
    listening = machine.ssh("ss -ltnH 'sport = :8108'").stdout.split()
    assert listening[2] == "77", listening  # Send-Q of a listening socket: its backlog
    sockets = [line.split() for line in machine.ssh("ss -xlH").stdout.splitlines() if f"{server.root}/wsgi." in line]
    assert [fields[3] for fields in sockets] == ["33"], sockets
    conf = machine.ssh(f"cat {server.root}/httpd.conf").stdout
    assert "umask=0027" in conf and "listen-backlog=33" in conf


def test_mod_wsgi_express_options_users_use_most_as_a_client_sees_them(machine, hello_dir):
    """A mod_wsgi-express command line with the options public projects use most: the app at a mount
    point, a SetEnv, the client's address from X-Forwarded-For, gzip, /server-status to this machine only,
    and logs in a directory of their own, with the formats given."""
    logs = "/tmp/wsgi-express-logs-8110"
    machine.ssh(f"rm -rf {logs}")
    server = Server(machine, 8110, [f"{hello_dir}/environ.wsgi", "--mount-point", "/app", "--setenv", "STAGE", "prod",
                                    "--trust-proxy-header", "X-Forwarded-For", "--compress-responses",
                                    "--server-status", "--log-directory", logs, "--access-log",
                                    "--access-log-format", "%h %>s %U wsgi-express", "--error-log-format", "[%l] %M",
                                    "--startup-log"])
    try:
        assert server.up("/app/"), server.output()
        seen = get(machine, 8110, "/app/x/y", headers={"X-Forwarded-For": "203.0.113.9"}).json()
        assert (seen["SCRIPT_NAME"], seen["PATH_INFO"], seen["STAGE"], seen["REMOTE_ADDR"]) == \
            ("/app", "/x/y", "prod", "203.0.113.9"), seen
        assert get(machine, 8110, "/elsewhere").status == 404
        gzipped = get(machine, 8110, "/app/", headers={"Accept-Encoding": "gzip"})
        assert gzipped.all("Content-Encoding") == ["gzip"], gzipped.headers
        assert json.loads(gzip.decompress(gzipped.body))["SCRIPT_NAME"] == "/app"
        status = machine.ssh("curl -s http://127.0.0.1:8110/server-status?auto").stdout
        assert "ServerMPM: event" in status, status
        if machine.address != "127.0.0.1":  # from another machine
            assert get(machine, 8110, "/server-status").status == 403
        assert machine.ssh(f"ls {logs}").stdout.split() == ["access_log", "error_log", "startup_log"]
        access = machine.ssh(f"cat {logs}/access_log").stdout
        assert " 200 /app/x/y wsgi-express\n" in access and " 404 /elsewhere wsgi-express\n" in access, access
    finally:
        assert server.stop()
    # ErrorLogFormat "[%l] %M": the level in brackets, then the message alone
    assert re.search(r"^\[notice\] AH\d+: caught SIGTERM, shutting down$", machine.ssh(f"cat {logs}/error_log").stdout,
                     re.M)


def test_https_only_http2_and_a_server_name_as_a_client_sees_them(machine):
    """--https-only redirects to HTTPS, --http2 speaks h2, --server-name refuses other host names and sends
    the bare domain of a www. name to it; --ssl-certificate names the certificate and key by one path; no
    application given: the welcome page."""
    cert = "/tmp/wsgi-express-site"
    machine.ssh(f"openssl req -x509 -newkey rsa:2048 -nodes -keyout {cert}.key -out {cert}.crt -days 2 "
                f"-subj /CN=www.example.test 2>/dev/null")
    server = Server(machine, 8111, ["--https-port", "8112", "--ssl-certificate", cert, "--https-only", "--http2",
                                    "--server-name", "www.example.test", "--hsts-policy", "max-age=60"])
    try:
        assert server.up(), server.output()
        redirect = get(machine, 8111, "/x?y=1", headers={"Host": "www.example.test"})
        assert (redirect.status, redirect.all("Location")) == (302, ["https://www.example.test:8112/x?y=1"])
        bare = get(machine, 8111, "/", headers={"Host": "example.test"})
        assert (bare.status, bare.all("Location")) == (301, ["https://www.example.test:8112/"])
        assert get(machine, 8111, "/", headers={"Host": "evil.example"}).status == 403
        curl = subprocess.run(["curl", "-sk", "--http2", "--resolve", f"www.example.test:8112:{machine.address}",
                               "-D", "-", "https://www.example.test:8112/"],
                              capture_output=True, text=True, timeout=60, check=False)
        assert curl.stdout.startswith("HTTP/2 200"), curl
        assert "strict-transport-security: max-age=60" in curl.stdout.lower()
        assert "<h1>wsgi-express is working</h1>" in curl.stdout
        assert "application  none given: the welcome page" in server.output()
    finally:
        assert server.stop()


def test_every_option_at_once_is_a_configuration_apache_accepts(machine, hello_dir):
    """mod_wsgi-express options of every kind in one command line (files Apache serves, HTTPS with client
    certificates, virtual hosts, proxying, logging with rotation, access control and service scripts,
    mod_wsgi directives, telemetry): Apache's own configuration test accepts what setup-server writes."""
    root, files = "/tmp/wsgi-express-everything", "/tmp/wsgi-express-everything-files"
    app = f"{hello_dir}/app.wsgi"
    machine.ssh(f"rm -rf {root} {files} && mkdir -p {files}/docs {files}/sockets && echo 'RewriteRule ^old$ /new [R=301,L]' > "
                f"{files}/rules.conf && echo 'export STAGE=x' > {files}/envvars && openssl req -x509 -newkey "
                f"rsa:2048 -nodes -keyout {files}/site.key -out {files}/site.crt -days 2 -subj /CN=www.example.test "
                f"2>/dev/null")
    args = ["setup-server", app, "--user", "www-data", "--server-root", root, "--port", "8113",
            "--https-port", "8114", "--ssl-certificate", f"{files}/site", "--ssl-certificate-chain-file",
            f"{files}/site.crt", "--ssl-ca-certificate-file", f"{files}/site.crt", "--ssl-verify-client", "/secure",
            "--ssl-environment", "--https-only", "--hsts-policy", "max-age=60", "--server-name", "www.example.test",
            "--server-alias", "alias.example.test", "--allow-localhost", "--http2", "--mount-point", "/app",
            "--document-root", f"{files}/docs", "--directory-index", "index.html", "--directory-listing",
            "--allow-override", "FileInfo", "--error-document", "404", "/missing.html", "--error-override",
            "--rewrite-rules", f"{files}/rules.conf", "--with-cgi", "--add-handler", ".py", app,
            "--proxy-mount-point", "/api", "http://127.0.0.1:9/", "--proxy-virtual-host", "api.example.test",
            "http://127.0.0.1:9/", "--proxy-timeout", "30", "--trust-proxy-header", "X-Forwarded-For",
            "--trust-proxy", "127.0.0.1", "--compress-responses", "--server-status", "--server-metrics",
            "--chunked-request", "--map-head-to-get", "off", "--disable-reloading", "--orphan-interpreter",
            "--ignore-activity", "/health", "--python-warnings", "ignore::DeprecationWarning",
            "--telemetry-service", f"unix:{files}/t.sock", "--slow-requests", "2.5", "--telemetry-options", "All",
            "--service-script", "tasks", app, "--service-log-file", "tasks", "tasks.log",
            "--host-access-script", app, "--auth-user-script", app, "--auth-group-script", app, "--auth-type",
            "Digest", "--setenv", "STAGE", "prod", "--passenv", "HOME", "--envvars-script", f"{files}/envvars",
            "--log-directory", f"{files}/logs", "--startup-log", "--access-log", "--access-log-format", "combined",
            "--error-log-format", "[%t] %M", "--rotate-logs", "--max-log-size", "2", "--initial-workers", "0.5",
            "--minimum-spare-workers", "0.2", "--maximum-spare-workers", "0.8", "--server-mpm", "worker",
            "--process-name", "everything-httpd", "--socket-prefix", f"{files}/sockets", "--header-timeout", "10",
            "--body-timeout", "0", "--application-group", "app", "--process-group", "web"]
    done = machine.run_express(*args)
    assert done.returncode == 0 and "changed      wrote apachectl, handler.wsgi, httpd.conf" in done.stdout, done
    assert machine.ssh(f"{root}/apachectl configtest 2>&1").stdout.strip() == "Syntax OK"


def test_setup_only_writes_the_server_root_and_starts_nothing(machine, hello_dir):
    root = "/tmp/setup-only-8109"
    machine.ssh(f"rm -rf {root}")
    done = machine.run_express("start-server", f"{hello_dir}/app.wsgi", "--setup-only", "--port", "8109",
                               "--user", "www-data", "--server-root", root)
    assert done.returncode == 0 and "changed      wrote apachectl, handler.wsgi, httpd.conf" in done.stdout, done
    assert machine.ssh(f"{root}/apachectl configtest 2>&1").stdout.strip() == "Syntax OK"
    assert not processes_of(machine, root) and get(machine, 8109, "/", timeout=2).status is None
    # Each MPM's scoreboard has room for twice the children MaxRequestWorkers needs: at a graceful restart the new
    # generation's start while the old generation's finish (with no slot free, new connections waited for them).
    conf = machine.ssh(f"cat {root}/httpd.conf").stdout
    for mpm, block in re.findall(r"<IfModule mpm_(\w+)_module>(.*?)</IfModule>", conf, re.S):
        given = dict(re.findall(r"^(ServerLimit|ThreadsPerChild|MaxRequestWorkers) (\d+)$", block, re.M))
        per_child = int(given.get("ThreadsPerChild", 1))  # prefork: a process per worker
        assert int(given["ServerLimit"]) * per_child >= 2 * int(given["MaxRequestWorkers"]), (mpm, given)


# ---------------------------------------------------------------------------- Django

@pytest.fixture(scope="module")
def django_project(host, converged):
    """A project made by django-admin in a virtualenv of mod_wsgi's Python, with the package installed."""
    host.ssh("python3 -m venv /srv/dj/venv && /srv/dj/venv/bin/pip install -q 'django>=4.2,<6' "
             "/opt/wsgi-express/package", timeout=600)
    host.ssh("cd /srv/dj && /srv/dj/venv/bin/django-admin startproject mysite")
    settings = "/srv/dj/mysite/mysite/settings.py"
    host.ssh(f"cat >> {settings} <<'EOF'\nINSTALLED_APPS += ['wsgi_express.django']\n"
             "STATIC_ROOT = BASE_DIR / 'collected'\nALLOWED_HOSTS = ['*']\nEOF")
    host.ssh(f"sed '/^WSGI_APPLICATION/d' {settings} > /srv/dj/mysite/mysite/nowsgi.py")
    host.ssh(f"grep -v wsgi_express.django {settings} > /srv/dj/mysite/mysite/noapp.py")
    host.ssh("cd /srv/dj/mysite && /srv/dj/venv/bin/python manage.py collectstatic --noinput -v0")
    return "/srv/dj/mysite"


def manage(host, project, *args, background=False):
    command = " ".join(shlex.quote(a) for a in ["/srv/dj/venv/bin/python", "manage.py", *args])
    if background:
        return host.ssh(f"cd {project} && (setsid timeout 600 {command} > /tmp/runmodwsgi.log 2>&1 < /dev/null &)")
    return host.ssh(f"cd {project} && {command}", check=False, timeout=120)


def test_runmodwsgi_serves_the_project_and_its_static_files(host, django_project):
    manage(host, django_project, "runmodwsgi", "--port", "8110", "--user", "www-data", "--request-timeout", "30",
           background=True)
    try:
        assert wait_for(lambda: get(host, 8110, "/", timeout=5).status == 200, 30), \
            host.ssh("cat /tmp/runmodwsgi.log").stdout
        assert b"django" in get(host, 8110, "/").body.lower()
        css = get(host, 8110, "/static/admin/css/base.css")
        assert css.status == 200 and css.body == host.ssh(
            f"cat {django_project}/collected/admin/css/base.css").stdout.encode()
        conf = host.ssh("cat /tmp/wsgi-express-8110/httpd.conf").stdout
        assert f'Alias "/static" "{django_project}/collected"' in conf
        assert f"home={django_project} " in conf and "request-timeout=30" in conf
        seen = host.ssh("cat /tmp/wsgi-express-8110/handler.wsgi").stdout
        assert "'mysite.wsgi:application'" in seen and "'DJANGO_SETTINGS_MODULE': 'mysite.settings'" in seen
    finally:
        host.ssh("kill -TERM $(cat /tmp/wsgi-express-8110/httpd.pid) 2>/dev/null || true")
    assert wait_for(lambda: get(host, 8110, "/", timeout=2).status is None, 20)


def test_runmodwsgi_setup_only_as_public_projects_use_it(host, django_project):
    """./manage.py runmodwsgi --setup-only --port ... --server-root ..., then the generated apachectl."""
    root = "/tmp/runmodwsgi-setup-only"
    done = manage(host, django_project, "runmodwsgi", "--setup-only", "--port", "8111", "--user", "www-data",
                  "--server-root", root)
    assert done.returncode == 0 and not processes_of(host, root), done
    host.ssh(f"{root}/apachectl start")
    try:
        assert wait_for(lambda: get(host, 8111, "/", timeout=5).status == 200, 30)
    finally:
        host.ssh(f"{root}/apachectl stop")


def test_runmodwsgi_without_wsgi_application_says_so(host, django_project):
    done = manage(host, django_project, "runmodwsgi", "--settings", "mysite.nowsgi", "--user", "www-data")
    assert done.returncode == 2
    assert "settings.WSGI_APPLICATION is None: set it to the project's WSGI application" in done.stderr


def test_runmodwsgi_needs_the_app_in_installed_apps(host, django_project):
    done = manage(host, django_project, "runmodwsgi", "--settings", "mysite.noapp")
    assert done.returncode != 0 and "Unknown command: 'runmodwsgi'" in done.stderr
