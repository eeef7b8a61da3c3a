"""What runs in the daemon: loading the app, one-line load failures, restarting on code changes."""
import importlib
import importlib.machinery
import os
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


def test_mounted_gives_the_mount_point_as_script_name():
    seen = []

    def app(environ, start_response):
        seen.append((environ["SCRIPT_NAME"], environ["PATH_INFO"]))
        return []
    for script_name, path_info in (("/sub/x", "/y"), ("/sub", ""), ("/other", "/z")):
        runtime.mounted(app, "/sub")({"SCRIPT_NAME": script_name, "PATH_INFO": path_info}, None)
    runtime.mounted(app, "/")({"SCRIPT_NAME": "/x", "PATH_INFO": "/y"}, None)
    assert seen == [("/sub", "/x/y"), ("/sub", ""), ("/other", "/z"), ("", "/x/y")]


def test_resources_dispatch_by_extension_to_handle_request_or_application(tmp_path):
    (tmp_path / "one.wsgi").write_text("def handle_request(environ, start_response):\n"
                                       "    start_response('200 OK', [])\n    return [b'one']\n")
    (tmp_path / "two.wsgi").write_text(APP % "two")
    handle = runtime.resources([(".py", str(tmp_path / "one.wsgi")), (".txt", str(tmp_path / "two.wsgi"))])
    for filename, body in (("/srv/a.py", b"one"), ("/srv/b.txt", b"two")):
        seen = {}
        got = handle({"SCRIPT_FILENAME": filename}, lambda status, headers, s=seen: s.setdefault("status", status))
        assert (seen["status"], b"".join(got)) == ("200 OK", body)
    (tmp_path / "none.wsgi").write_text("x = 1\n")
    with pytest.raises(LookupError, match="defines neither handle_request nor application"):
        runtime.resources([(".x", str(tmp_path / "none.wsgi"))])


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
    """The daemon process signals itself with SIGINT (mod_wsgi's shutdown), as in a daemon process.

    The child handles SIGINT itself, as mod_wsgi does in a daemon process, so that the test does not
    depend on the disposition it inherits (a background job of a non-interactive shell ignores it)."""
    watched = tmp_path / "app.wsgi"
    watched.write_text("one\n")
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import os, signal, sys, time
        from wsgi_express import runtime
        signal.signal(signal.SIGINT, lambda *_: os._exit(42))
        runtime.monitor(0.1, [sys.argv[1]])
        print("watching", flush=True)
        time.sleep(60)
        """), str(watched)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "watching"
        time.sleep(0.3)
        assert child.poll() is None
        os.utime(watched, (time.time() + 5, time.time() + 5))
        assert child.wait(timeout=30) == 42
        assert "%s changed, restarting daemon process %d" % (watched, child.pid) in child.stderr.read()
    finally:
        child.kill()
        child.wait()


@pytest.fixture
def unstarted_monitor(monkeypatch):
    """monitor() with a fresh baseline and without its thread: the test scans with _changed itself."""
    monkeypatch.setattr(runtime, "_baseline", {})
    monkeypatch.setattr(importlib.machinery.SourceFileLoader, "path_stats",
                        importlib.machinery.SourceFileLoader.path_stats)
    monkeypatch.setattr(runtime.threading.Thread, "start", lambda self: None)


def test_a_change_right_after_monitor_returns_is_seen(tmp_path, unstarted_monitor):
    watched = tmp_path / "app.wsgi"
    watched.write_text("one\n")
    runtime.monitor(0.1, [str(watched)])
    assert runtime._changed([str(watched)]) is None
    watched.write_text("two\n")  # before the watcher's first scan
    assert runtime._changed([str(watched)]) == str(watched)


def test_a_module_changed_between_its_import_and_the_next_scan_is_seen(tmp_path, monkeypatch, unstarted_monitor):
    runtime.monitor(0.1)
    module = tmp_path / "late_module_for_monitor.py"
    module.write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "late_module_for_monitor", raising=False)
    importlib.import_module("late_module_for_monitor")
    module.write_text("VALUE = 22\n")  # imported after monitor(), changed before any scan saw it
    assert runtime._changed([]) == str(module)


def test_a_change_of_size_alone_is_seen(tmp_path, unstarted_monitor):
    watched = tmp_path / "app.wsgi"
    watched.write_text("one\n")
    before = watched.stat()
    runtime.monitor(0.1, [str(watched)])
    watched.write_text("three\n")
    os.utime(watched, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert watched.stat().st_mtime_ns == before.st_mtime_ns
    assert runtime._changed([str(watched)]) == str(watched)
