"""wsgi-express from the command line: each bad input is one line naming the flag, and exit status 2."""
import json
import os
import socket
import subprocess
import sys

import pytest

from wsgi_express._shared import rlimits

EXPRESS = [sys.executable, "-m", "wsgi_express"]


def express(*args, cwd=None, prefix=()):
    return subprocess.run([*prefix, *EXPRESS, *args], capture_output=True, text=True, timeout=60, cwd=cwd, check=False)


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "app.wsgi"
    path.write_text("def application(environ, start_response):\n"
                    "    start_response('200 OK', [])\n    return [b'ok']\n")
    return str(path)


@pytest.fixture
def busy_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def user_flags():
    """As root, the launcher insists on an unprivileged user; these tests run as root in CI."""
    return ["--user", "nobody"] if os.geteuid() == 0 else []


@pytest.fixture
def as_root():
    """The command line prefix that runs a command as root: none for root, else a user namespace of
    its own in which the developer's user is root (unshare --map-root-user)."""
    if os.geteuid() == 0:
        return []
    if subprocess.run(["unshare", "--map-root-user", "true"], check=False).returncode != 0:
        pytest.fail("this test checks what the launcher does for root: run it as root, or where user namespaces work")
    return ["unshare", "--map-root-user"]


CASES = [
    (["start-server", "/nonexistent/app.wsgi"], "SCRIPT=/nonexistent/app.wsgi does not exist"),
    (["start-server", "{script}", "--embedded-mode"], "--embedded-mode is refused: wsgi-express runs every app in daemon"),
    (["start-server", "{script}", "--debug-mode"], "--debug-mode is refused"),
    (["start-server", "{script}", "--https-only"], "--https-only needs --https-port"),
    (["start-server", "{script}", "--ssl-certificate-chain-file", "{script}"],
     "--ssl-certificate-chain-file needs --https-port"),
    (["start-server", "{script}", "--https-port", "8443", "--ssl-certificate", "/nonexistent/site"],
     "--ssl-certificate=/nonexistent/site.crt does not exist"),
    (["start-server", "{script}", "--initial-workers", "1.5"], "--initial-workers=1.5 is not a fraction"),
    (["start-server", "{script}", "--error-log-name", "logs/error"], "--error-log-name=logs/error is not a file name"),
    (["start-server", "{script}", "--max-log-size", "0"], "--max-log-size=0 is not a size"),
    (["start-server", "{script}", "--header-timeout", "-1"], "--header-timeout=-1 is not a whole number"),
    (["start-server", "/nonexistent/app.ini", "--application-type", "paste"],
     "SCRIPT=/nonexistent/app.ini does not exist: give the path of the Paste Deploy configuration file"),
    (["start-server", "/nonexistent/htdocs", "--application-type", "static"],
     "SCRIPT=/nonexistent/htdocs does not exist or is not a directory"),
    (["start-server", "{script}", "--service-user", "tasks", "nobody"], "--service-user tasks: no --service-script"),
    (["start-server", "{script}", "--telemetry-service", "udp:127.0.0.1:9"], "is not a local socket"),
    (["start-server", "{script}", "--free-threading"], "--free-threading needs a free-threaded Python"),
    (["start-server", "{script}", "--auth-group-script", "{script}"], "--auth-group-script needs --auth-user-script"),
    (["start-server", "{script}", "--ignore-activity", "health"], "--ignore-activity=health is not a URL path"),
    (["start-server", "{script}", "--server-mpm", "winnt"], "argument --server-mpm: invalid choice"),
    (["start-server", "--application-type", "module", "--entry-point", "not a module"],
     "--entry-point=not a module is not a module"),
    (["start-server", "{script}", "--port", "http"], "--port=http is not a port number"),
    (["start-server", "{script}", "--https-port", "8443"], "--https-port=8443 needs --ssl-certificate-file"),
    (["start-server", "{script}", "--acme-ca", "https://ca.test/dir"], "--acme-ca needs --https-port"),
    (["start-server", "{script}", "--https-port", "8443", "--acme-ca", "https://ca.test/dir"],
     "--acme-ca needs --server-name: the name the certificate is for"),
    (["start-server", "{script}", "--https-port", "8443", "--server-name", "app.test", "--acme-ca", "https://ca.test/dir"],
     "--acme-ca needs --acme-terms-agreed: read the CA's terms of service first"),
    (["start-server", "{script}", "--https-port", "8443", "--server-name", "app.test", "--acme-ca", "https://ca.test/dir",
      "--acme-terms-agreed"],
     "--acme-ca needs --acme-contact: mod_md opens the account at the CA only with a contact address"),
    (["start-server", "{script}", "--acme-terms-agreed"], "--acme-terms-agreed needs --acme-ca"),
    (["start-server", "{script}", "--https-port", "8443", "--server-name", "app.test", "--server-alias", "*.app.test",
      "--acme-ca", "https://ca.test/dir", "--acme-terms-agreed", "--acme-contact", "ops@app.test"],
     "--acme-ca: the CA cannot validate *.app.test"),
    (["start-server", "{script}", "--https-port", "8443", "--server-name", "app.test", "--server-alias", "10.0.0.1",
      "--acme-ca", "https://ca.test/dir", "--acme-terms-agreed", "--acme-contact", "ops@app.test"],
     "--acme-ca: the CA cannot validate 10.0.0.1"),
    (["start-server", "{script}", "--https-port", "8443", "--server-name", "app.test", "--acme-ca", "https://ca.test/d",
      "--acme-terms-agreed", "--acme-contact", "ops@app.test", "--ssl-certificate-file", "{script}"],
     "--acme-ca gets the certificate from the CA, and --ssl-certificate-file gives one"),
    (["start-server", "{script}", "--memory-limit", "512M"], "--memory-limit=512M is not a byte count"),
    (["start-server", "{script}", "--threads", "0"], "--threads=0 is out of range"),
    (["start-server", "{script}", "--python-hash-seed", "often"], "--python-hash-seed='often' is not valid"),
    (["start-server", "{script}", "--url-alias", "static", "/tmp"], "--url-alias static /tmp: the URL must start"),
    (["start-server", "{script}", "--url-alias", "/s", "/nonexistent"], "/nonexistent does not exist"),
    (["start-server", "{script}", "--include-file", "/nonexistent.conf"], "--include-file=/nonexistent.conf"),
    (["start-server", "{script}", "--module-path", "/nonexistent.so", "--port", "{free}",
      "--httpd-executable", "/bin/true", "--modules-directory", "/tmp"], "--module-path=/nonexistent.so does not exist"),
    (["start-server", "{script}", "--httpd-executable", "{script}", "--port", "{free}"],
     "--httpd-executable={script} is not an executable file"),
    (["start-server", "{script}", "--port", "{busy}"], "is already in use"),
    (["setup-server", "{script}", "--threads", "-1"], "--threads=-1 is out of range"),
    (["setup-server", "{script}", "--limit-request-body", "10M"], "--limit-request-body=10M is not a whole number"),
    (["start-server", "{script}", "--keep-alive-timeout", "-1"], "--keep-alive-timeout=-1 is not a whole number"),
    (["setup-server", "{script}", "--umask", "0029"], "--umask=0029 is not a umask"),
    (["check-rlimits", "--cpu-time-limit", "1.5"], "--cpu-time-limit=1.5 is not a whole number"),
    (["module-location", "--module-path", "/nonexistent.so"], "--module-path=/nonexistent.so does not exist"),
]


@pytest.mark.parametrize("args,message", CASES, ids=[" ".join(c[0][:3]) for c in CASES])
def test_bad_input_is_one_line_and_status_2(args, message, script, busy_port):
    with socket.socket() as probe:
        probe.bind(("", 0))
        free = probe.getsockname()[1]
    filled = [a.format(script=script, busy=busy_port, free=free) for a in args]
    if filled[0] in ("start-server", "setup-server"):
        filled += user_flags()
    done = express(*filled)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert message.format(busy=busy_port, script=script) in lines[0]
    assert done.stdout == ""


def test_unknown_flag_is_one_line_and_status_2(script):
    done = express("start-server", script, "--request-timout", "5")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["wsgi-express: error: unrecognized arguments: --request-timout 5"]


def test_root_needs_an_unprivileged_user(script, as_root):
    assert "--user is required when wsgi-express runs as root" in express("start-server", script, prefix=as_root).stderr
    refused = express("start-server", script, "--user", "root", prefix=as_root)
    assert refused.returncode == 2 and "--user=root has uid 0" in refused.stderr
    unknown = express("start-server", script, "--user", "no-such-user", prefix=as_root)
    assert "--user=no-such-user is not a user" in unknown.stderr


@pytest.mark.slow
def test_check_rlimits_reports_what_a_direct_probe_shows():
    limit = 256 * 2 ** 20
    done = express("check-rlimits", "--json", "--memory-limit", str(limit), "--cpu-time-limit", "10")
    report = json.loads(done.stdout)
    for name in ("RLIMIT_DATA", "RLIMIT_AS", "RLIMIT_VMEM", "RLIMIT_CPU"):
        direct = rlimits.probe(name, limit if name == "RLIMIT_DATA" else 10 if name == "RLIMIT_CPU" else None)
        assert {k: report["rlimits"][name][k] for k in ("defined", "accepted", "enforced")} == \
            {k: direct[k] for k in ("defined", "accepted", "enforced")}, name
    assert done.returncode == (1 if report["unenforced"] else 0)
    assert report["options"]["memory-limit"]["asked"] == limit


@pytest.mark.slow
def test_check_rlimits_table_for_people():
    done = express("check-rlimits")
    rows = done.stdout.splitlines()
    assert rows[0].split()[:5] == ["option", "rlimit", "defined", "accepted", "enforced"]
    assert {row.split()[1] for row in rows[1:] if row.split()[0].endswith("limit")} == \
        {"RLIMIT_DATA", "RLIMIT_AS", "RLIMIT_VMEM", "RLIMIT_CPU"}
    assert done.returncode == 0


@pytest.mark.slow
def test_check_rlimits_fails_when_a_limit_asked_for_cannot_be_set():
    """A limit above the hard limit is refused by setrlimit, so it is not enforced: status 1."""
    done = subprocess.run(["sh", "-c", "ulimit -d 1048576 && exec \"$@\"", "sh", *EXPRESS, "check-rlimits",
                           "--json", "--memory-limit", str(4 * 2 ** 30)], capture_output=True, text=True, timeout=60, check=False)
    report = json.loads(done.stdout)
    assert report["rlimits"]["RLIMIT_DATA"]["accepted"] is False
    assert report["unenforced"] == ["memory-limit"] and done.returncode == 1


def test_install_module_copies_once_and_prints_the_lines_that_load_it(tmp_path, build_module):
    module = build_module(tmp_path / "mod_wsgi-built.so")
    modules = tmp_path / "modules"
    modules.mkdir()
    first = express("install-module", "--module-path", str(module), "--modules-directory", str(modules))
    assert first.returncode == 0, first.stderr
    target = modules / "mod_wsgi-built.so"
    assert target.read_bytes() == module.read_bytes() and oct(target.stat().st_mode & 0o777) == "0o644"
    assert first.stdout.splitlines() == ['LoadModule wsgi_module "%s"' % target, 'WSGIPythonHome "%s"' % sys.prefix]
    assert "installed" in first.stderr
    again = express("install-module", "--module-path", str(module), "--modules-directory", str(modules))
    assert again.returncode == 0 and again.stdout == first.stdout and "installed" not in again.stderr
