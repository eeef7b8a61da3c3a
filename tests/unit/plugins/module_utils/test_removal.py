"""Removing an app: which apps a role's list no longer deploys, and what of each is deleted and kept."""
import json
import os
import subprocess
import sys

from ansible_collections.wsgi.apache.plugins.module_utils.removal import plan, processes, remove_files

MISSING = "wsgi-apache-test-no-such-user"


def app_dir(root, name, record=None, shared=()):
    path = root / name
    (path / "releases" / "r1").mkdir(parents=True)
    (path / "app").symlink_to("releases/r1")
    if record is not None:
        (path / "app.json").write_text(json.dumps(record))
    for entry in shared:
        (path / "shared" / entry).mkdir(parents=True)
        (path / "shared" / entry / "upload.txt").write_text("kept")
    return path


def test_dropped_apps_and_absent_entries_are_found_kept_apps_are_not(tmp_path):
    app_dir(tmp_path, "blog")
    app_dir(tmp_path, "shop", {"user": MISSING, "group": MISSING})
    app_dir(tmp_path, "wiki")
    (tmp_path / "notes").mkdir()  # no releases, no app.json: not an app of the role
    (tmp_path / ".hidden").mkdir()
    found = plan(str(tmp_path), {"blog"}, [{"name": "wiki", "remove_shared": True}, {"name": "never"}])
    assert [(app["name"], app["remove_shared"]) for app in found] == [("shop", False), ("wiki", True)]
    shop = found[0]
    assert shop["path"] == str(tmp_path / "shop") and shop["user"] == MISSING
    assert shop["account"] is False  # named by the entry, not the role's wsgi-shop: never removed


def test_the_roles_account_is_wsgi_name(tmp_path):
    app_dir(tmp_path, "shop", {"user": "wsgi-shop", "group": "wsgi-shop"})
    found = plan(str(tmp_path), set(), [])
    assert (found[0]["user"], found[0]["group"]) == ("wsgi-shop", "wsgi-shop")


def test_removal_keeps_the_shared_data_and_a_second_plan_finds_nothing(tmp_path):
    path = app_dir(tmp_path, "shop", shared=["media"])
    [app] = plan(str(tmp_path), set(), [])
    remove_files(app, owner=(os.getuid(), os.getgid()))  # root, on a host (the host tests): here, who runs them
    assert sorted(os.listdir(path)) == ["shared"]
    assert (path / "shared" / "media" / "upload.txt").read_text() == "kept"
    assert plan(str(tmp_path), set(), []) == []  # no longer an app of the role: nothing to find
    [again] = plan(str(tmp_path), set(), [{"name": "shop", "remove_shared": True}])
    remove_files(again)
    assert not path.exists()


def test_removal_without_shared_data_deletes_the_directory(tmp_path):
    path = app_dir(tmp_path, "shop")
    remove_files(plan(str(tmp_path), set(), [])[0])
    assert not path.exists()


def test_the_processes_of_an_account_are_found_by_their_real_uid(tmp_path):
    for pid, uids in (("10", "1001 1001 1001 1001"), ("11", "0 1001 0 0"), ("12", "1002 1002 1002 1002")):
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "status").write_text("Name:\tpython3\nUid:\t%s\n" % uids)
    (tmp_path / "self").mkdir()
    (tmp_path / "13").mkdir()  # gone meanwhile: no status
    assert sorted(processes(1001, proc=str(tmp_path))) == [10]
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert child.pid in processes(os.getuid())
    finally:
        child.kill()
        child.wait()
