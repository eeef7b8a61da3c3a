"""What runs in the daemon: loading the app, one-line load failures, restarting on code changes."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from wsgi_express import runtime


def call(application):
    seen = {}
    body = application({"REQUEST_METHOD": "GET"}, lambda status, headers: seen.setdefault("status", status))
    return seen["status"], b"".join(body)


APP = "def application(environ, start_response):\n    start_response('200 OK', [])\n    return [b'%s']\n"


def test_script_and_module(tmp_path, monkeypatch):
    (tmp_path / "app.wsgi").write_text(APP % "script")
    assert call(runtime.load("script", str(tmp_path / "app.wsgi"))) == ("200 OK", b"script")
    (tmp_path / "webmod.py").write_text((APP % "module").replace("def application", "def app"))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert call(runtime.load("module", "webmod:app")) == ("200 OK", b"module")
    with pytest.raises(LookupError) as err:
        runtime.load("module", "webmod")
    assert "defines no WSGI callable named 'application'" in str(err.value)


@pytest.mark.parametrize("source,expected", [
    ("import no_such_module_here\n", "ModuleNotFoundError: No module named 'no_such_module_here' ({path}, line 1)"),
    ("x = 1\nraise RuntimeError('no database')\n", "RuntimeError: no database ({path}, line 2)"),
    ("def application(:\n", "SyntaxError: invalid syntax ({path}, line 1)"),
])
def test_check_reports_one_line(tmp_path, source, expected):
    path = tmp_path / "app.wsgi"
    path.write_text(source)
    done = subprocess.run([sys.executable, "-c", "from wsgi_express.runtime import check_main; check_main()",
                           "script", str(path), "application"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.strip() == expected.format(path=path)


def test_monitor_interrupts_the_process_when_a_file_changes(tmp_path):
    """The daemon process signals itself with SIGINT (mod_wsgi's shutdown), as in a daemon process."""
    watched = tmp_path / "app.wsgi"
    watched.write_text("one\n")
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from wsgi_express import runtime
        runtime.monitor(0.1, [sys.argv[1]])
        print("watching", flush=True)
        time.sleep(30)
        """), str(watched)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "watching"
        time.sleep(0.3)
        assert child.poll() is None
        os.utime(watched, (time.time() + 5, time.time() + 5))
        assert child.wait(timeout=10) == -signal.SIGINT or child.returncode == 1
        assert "%s changed, restarting daemon process %d" % (watched, child.pid) in child.stderr.read()
    finally:
        child.kill()
        child.wait()
