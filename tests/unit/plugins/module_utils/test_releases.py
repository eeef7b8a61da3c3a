"""An app's releases in a real directory: made, found by digest, switched atomically, pruned; the
0.1.0 layout moved to releases by the first switch."""
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.wsgi.apache.plugins.module_utils import apploader
from ansible_collections.wsgi.apache.plugins.module_utils.releases import (
    ReleaseError, command_env, digest_of, exchange, import_error, new_id, run_commands)


def make(releases, content, environment=None, venv=None):
    """A complete release whose code holds one file with ``content``."""
    digest = digest_of({"code": content})
    rid = new_id(digest)
    staging = releases.begin(rid)
    os.makedirs(os.path.join(staging, "code"))
    with open(os.path.join(staging, "code", "app.py"), "w") as fh:
        fh.write(content)
    made = "%.6f" % time.time()  # the module records an ISO time with microseconds: it sorts the same way
    releases.finish(rid, {"id": rid, "digest": digest, "created": made, "entry": None, "venv": venv},
                    environment or {}, os.getgid())
    return rid


def test_ids_sort_by_time_and_carry_the_digest():
    digest = digest_of({"code": "x"})
    rid = new_id(digest, now=0)
    assert rid == "19700101T000000Z-" + digest[:12]
    assert new_id(digest, now=60) > rid


def test_a_release_is_found_by_its_digest_and_only_when_complete(releases):
    rid = make(releases, "one")
    assert releases.find(digest_of({"code": "one"})) == rid
    assert releases.find(digest_of({"code": "two"})) is None
    releases.begin("20990101T000000Z-aaaaaaaaaaaa")  # staged, never finished
    assert releases.ids() == [rid]
    env = os.stat(os.path.join(releases.path(rid), "env.json"))
    assert oct(env.st_mode & 0o777) == "0o640"


def test_switch_is_one_link_and_history_gives_previous(releases):
    first = make(releases, "one")
    assert releases.switch(first) is None
    assert releases.live() == first and os.readlink(releases.current_link) == os.path.join("releases", first)
    assert os.readlink(releases.live_link) == "current/code"
    assert os.readlink(releases.venv_link) == "current/venv"
    assert os.readlink(releases.env_link) == "current/env.json"
    second = make(releases, "two")
    assert releases.switch(second) == first
    assert releases.live() == second and releases.previous() == first
    with open(os.path.join(releases.live_link, "app.py")) as fh:
        assert fh.read() == "two"
    assert releases.switch(first) == second  # a rollback
    assert releases.previous() == second
    with pytest.raises(ReleaseError, match="does not exist"):
        releases.switch("20990101T000000Z-bbbbbbbbbbbb")


def test_an_app_whose_code_is_a_link_elsewhere_gets_its_own_environment(releases, tmp_path):
    """A path app's release holds a link to the app's own directory: ROOT/env.json must still be the
    release's, not a file beside where that link leads."""
    elsewhere = tmp_path / "srv" / "other" / "code"
    elsewhere.mkdir(parents=True)
    (elsewhere / "app.py").write_text("theirs")
    (elsewhere.parent / "env.json").write_text('{"THEIRS": "1"}')
    rid = new_id(digest_of({"path": str(elsewhere)}))
    staging = releases.begin(rid)
    os.symlink(str(elsewhere), os.path.join(staging, "code"))
    releases.finish(rid, {"id": rid, "digest": "x", "created": "1", "entry": None, "venv": None},
                    {"OURS": "1"}, os.getgid())
    releases.switch(rid)
    with open(releases.env_link) as fh:
        assert json.load(fh) == {"OURS": "1"}
    with open(os.path.join(releases.live_link, "app.py")) as fh:
        assert fh.read() == "theirs"


def test_readers_never_miss_the_live_link_while_it_switches(releases):
    """A thread opening ROOT/app/app.py over and over sees one release or the other, never nothing."""
    ids = [make(releases, "one"), make(releases, "two")]
    releases.switch(ids[0])
    seen, stop = set(), threading.Event()

    def read():
        while not stop.is_set():
            try:
                with open(os.path.join(releases.live_link, "app.py")) as fh:
                    seen.add(fh.read())
            except OSError as exc:
                seen.add(repr(exc))
    reader = threading.Thread(target=read)
    reader.start()
    for turn in range(300):
        releases.switch(ids[turn % 2])
    stop.set()
    reader.join()
    assert seen <= {"one", "two"}, seen


def test_the_legacy_layout_moves_to_releases_in_one_step(releases):
    root = releases.root
    os.makedirs(os.path.join(root, "app"))
    with open(os.path.join(root, "app", "app.py"), "w") as fh:
        fh.write("legacy")
    os.makedirs(os.path.join(root, "venv", "lib"))
    with open(os.path.join(root, "env.json"), "w") as fh:
        json.dump({"A": "1"}, fh)
    assert releases.legacy() and releases.live() is None
    rid = make(releases, "new")
    was = releases.switch(rid)
    assert was.endswith("-legacy") and releases.live() == rid and releases.previous() == was
    assert not releases.legacy()
    with open(os.path.join(releases.path(was), "code", "app.py")) as fh:
        assert fh.read() == "legacy"
    assert os.path.isdir(os.path.join(releases.path(was), "venv", "lib")), "0.1.0's virtualenv kept with its code"
    with open(os.path.join(releases.path(was), "env.json")) as fh:
        assert json.load(fh) == {"A": "1"}
    assert os.path.islink(os.path.join(root, "env.json"))
    releases.switch(was)  # and back, should the new release fail its health check
    with open(os.path.join(root, "app", "app.py")) as fh:
        assert fh.read() == "legacy"


def test_exchange_swaps_a_directory_and_a_link(tmp_path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to("elsewhere")
    exchange(str(tmp_path / "link"), str(tmp_path / "dir"))
    assert (tmp_path / "dir").is_symlink() and (tmp_path / "link").is_dir()


def test_prune_keeps_the_newest_the_live_and_the_previous(releases):
    ids = [make(releases, "r%d" % n, venv="v%d" % (n % 2)) for n in range(7)]
    os.makedirs(os.path.join(releases.venvs, "v0"))
    os.makedirs(os.path.join(releases.venvs, "v1"))
    os.makedirs(os.path.join(releases.venvs, "unused"))
    releases.switch(ids[0])
    releases.switch(ids[1])  # live: ids[1], previous: ids[0], both old
    removed = releases.prune(3)
    assert removed == ids[2:6]
    assert releases.ids() == [ids[0], ids[1], ids[6]]
    assert sorted(os.listdir(releases.venvs)) == ["v0", "v1"]
    assert releases.prune(3) == []


# As root the import check switches to the app's user with runuser (root here); as a developer's own
# user it runs as that user, without runuser.
USER = "root" if os.geteuid() == 0 else None


def run(argv, cwd=None):
    """AnsibleModule.run_command's signature and result, for the module_utils that take one."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def test_the_import_check_runs_the_shared_loader(tmp_path):
    """import_error runs apploader.py as a daemon would load the app (here as the current user)."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "good.py").write_text("import os\ndef application(e, s): return [os.environ['GREETING'].encode()]\n")
    (code / "bad.py").write_text("import not_installed_anywhere\n")
    env = tmp_path / "env.json"
    env.write_text(json.dumps({"GREETING": "hi"}))
    loader = tmp_path / "apploader.py"
    loader.write_text(open(apploader.__file__).read())
    for path in (tmp_path, code):
        os.chmod(path, 0o755)
    for path in (env, loader, code / "good.py", code / "bad.py"):
        os.chmod(path, 0o644)
    assert import_error(run, str(loader), sys.executable, str(code), {"type": "module", "value": "good:application"},
                        str(env), USER) is None
    failed = import_error(run, str(loader), sys.executable, str(code), {"type": "module", "value": "bad:application"},
                          str(env), USER)
    assert failed == "ModuleNotFoundError: No module named 'not_installed_anywhere' (%s, line 1)" % (code / "bad.py")
    assert subprocess.run([sys.executable, str(loader), "module", "good", "application", str(env)], cwd=code,
                          check=False).returncode == 0


@pytest.mark.slow
def test_an_import_that_hangs_is_stopped_at_the_timeout_with_what_it_started(tmp_path):
    """The import check's whole process group goes at its timeout: the app's own child too."""
    code = tmp_path / "code"
    code.mkdir()
    marker = tmp_path / "child.pid"
    (code / "hangs.py").write_text(
        "import subprocess, time\n"
        f"open({str(marker)!r}, 'w').write(str(subprocess.Popen(['sleep', '600']).pid))\n"
        "time.sleep(600)\n")
    env = tmp_path / "env.json"
    env.write_text("{}")
    loader = tmp_path / "apploader.py"
    loader.write_text(open(apploader.__file__).read())
    started = time.monotonic()
    failed = import_error(run, str(loader), sys.executable, str(code), {"type": "module", "value": "hangs:application"},
                          str(env), USER, timeout=2)
    assert failed == 'it did not load within 2 s; it was at File "%s", line 3 in <module>' % (code / "hangs.py")
    assert time.monotonic() - started < 30
    child = int(marker.read_text())
    for dummy in range(50):  # the kernel reaps it once its parent is gone; bounded wait
        if not os.path.exists(f"/proc/{child}") or open(f"/proc/{child}/stat").read().split()[2] == "Z":
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the app's child {child} still runs after the import check's timeout")


@pytest.mark.parametrize("path, status, found", [
    ("/ok", [200, 204], None),
    ("/fail", list(range(200, 400)), "GET /fail (Host blog.test) answered 500 Internal Server Error, where 200-399 passes"),
    ("/missing", [200], "GET /missing (Host blog.test) answered 404 Not Found, where 200 passes"),
])
def test_the_check_asks_the_health_url_through_the_callable(tmp_path, path, status, found):
    """With health, the release's app answers one GET as a WSGI server would hand it: its status decides."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(
        "def application(environ, start_response):\n"
        "    statuses = {'/ok': '200 OK', '/fail': '500 Internal Server Error'}\n"
        "    assert environ['HTTP_HOST'] == 'blog.test' and environ['wsgi.url_scheme'] == 'http'\n"
        "    start_response(statuses.get(environ['PATH_INFO'], '404 Not Found'), [])\n"
        "    return [b'']\n")
    env = tmp_path / "env.json"
    env.write_text("{}")
    loader = tmp_path / "apploader.py"
    loader.write_text(open(apploader.__file__).read())
    for path_ in (tmp_path, code):
        os.chmod(path_, 0o755)
    for path_ in (env, loader, code / "app.py"):
        os.chmod(path_, 0o644)
    failed = import_error(run, str(loader), sys.executable, str(code), {"type": "module", "value": "app"}, str(env),
                          USER, health={"path": path, "host": "blog.test", "status": status})
    assert failed == found


def test_statuses_read_ranges_and_codes():
    assert apploader.statuses("200-204,301") == {200, 201, 202, 203, 204, 301}


def test_status_text_is_what_statuses_reads():
    from ansible_collections.wsgi.apache.plugins.module_utils.releases import status_text
    codes = [200, 201, 202, 204, 301, 302, 303]
    assert status_text(codes) == "200-202,204,301-303"
    assert apploader.statuses(status_text(codes)) == set(codes)


def test_commands_run_in_the_code_with_the_release_environment_and_venv_first(tmp_path):
    """A build or release command finds the release's virtualenv first on PATH, its code on
    PYTHONPATH and only the app's environment (no variable of the caller's)."""
    code = tmp_path / "code"
    code.mkdir()
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (code / "show.py").write_text("import os, sys\nprint(sys.executable, os.environ['GREETING'], os.getcwd(),"
                                  " os.environ['PYTHONPATH'])\n")
    for path in (tmp_path, code, venv, venv / "bin"):
        os.chmod(path, 0o755)
    os.chmod(code / "show.py", 0o644)
    env = command_env({"GREETING": "hi"}, str(code), str(venv))
    out, failed = run_commands(run, ["python show.py 'a b'"], str(code), USER, env, 60, "build")
    assert failed is None
    assert out.splitlines() == ["$ python show.py 'a b'", f"{venv}/bin/python hi {code} {code}"]


def test_the_first_failing_command_stops_the_rest_and_is_named_with_its_last_lines(tmp_path):
    out, failed = run_commands(run, ["sh -c 'echo one'", "sh -c 'echo migrating; echo no such table >&2; exit 3'",
                                     "sh -c 'echo never'"], str(tmp_path), None, command_env({}, str(tmp_path)),
                               60, "release")
    assert failed == "release command 'sh -c 'echo migrating; echo no such table >&2; exit 3'' exited with status 3: " \
                     "migrating | no such table"
    assert "never" not in out and "one" in out


@pytest.mark.slow
def test_a_command_that_hangs_is_stopped_at_its_timeout_with_what_it_started(tmp_path):
    marker = tmp_path / "child.pid"
    started = time.monotonic()
    out, failed = run_commands(run, [f"sh -c 'sleep 600 & echo $! > {marker}; wait'"], str(tmp_path), None,
                               command_env({}, str(tmp_path)), 2, "release")
    assert failed.endswith("did not end within 2 s (stopped with every process it started)"), failed
    assert time.monotonic() - started < 30
    child = int(marker.read_text())
    for dummy in range(50):  # reaped once its parent is gone; bounded wait
        if not os.path.exists(f"/proc/{child}") or open(f"/proc/{child}/stat").read().split()[2] == "Z":
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the command's child {child} still runs after its timeout")
