"""file_set's module side on real files. As root (make test) they get the module's default owner, root,
and a system group; as a developer's own user (make quick), that user and its group, as only root can
give a file to another owner."""
import base64
import grp
import hashlib
import json
import os
import pwd
import stat

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.wsgi.apache.plugins.modules import file_set

ROOT = os.geteuid() == 0
GROUP = "daemon" if ROOT else grp.getgrgid(os.getegid()).gr_name  # daemon: a group every Debian host has
OWNER = {} if ROOT else {"owner": pwd.getpwuid(os.geteuid()).pw_name, "group": GROUP}


def run(capsys, entries, **params):
    with patch_module_args({"entries": entries, **params}), pytest.raises(SystemExit):
        file_set.main()
    return json.loads(capsys.readouterr().out)


def a_file(path, text, **attrs):
    data = text.encode()
    return {"path": str(path), "state": "file", "sha256": hashlib.sha256(data).hexdigest(),
            "content": base64.b64encode(data).decode(), **OWNER, **attrs}


@pytest.fixture
def wanted(tmp_path):
    site = tmp_path / "srv" / "app"
    return [
        {"path": str(site), "state": "directory", "mode": "0755", **OWNER},
        a_file(site / "env.json", "{}\n", group=GROUP, mode="0640", secret=True),
        a_file(site / "entry.wsgi", "app = None\n"),
        {"path": str(tmp_path / "enabled.conf"), "state": "link", "target": str(site / "entry.wsgi")},
    ]


def test_a_probe_reports_what_is_missing_and_changes_nothing(capsys, tmp_path, wanted):
    result = run(capsys, wanted)
    assert result["changed"] is False
    assert [(f["dest"], f["created"], f["differs"]) for f in result["files"]] == [
        (e["path"], True, ["type"]) for e in wanted]
    assert sorted(os.listdir(tmp_path)) == []


def test_apply_makes_every_entry_and_a_second_probe_finds_nothing(capsys, tmp_path, wanted):
    result = run(capsys, wanted, apply=True)
    assert result["changed"] is True and len(result["files"]) == 4
    env = os.stat(tmp_path / "srv" / "app" / "env.json")
    assert (stat.S_IMODE(env.st_mode), env.st_uid, env.st_gid) == (0o640, os.geteuid(), grp.getgrnam(GROUP).gr_gid)
    assert (tmp_path / "srv" / "app" / "entry.wsgi").read_text() == "app = None\n"
    assert os.readlink(tmp_path / "enabled.conf") == "srv/app/entry.wsgi"  # relative, as a2enmod makes it
    assert not [name for name in os.listdir(tmp_path / "srv" / "app") if name.startswith(".file_set")]
    again = run(capsys, wanted)
    assert again["changed"] is False and again["files"] == []


def test_changed_content_is_backed_up_and_its_before_text_reported(capsys, tmp_path, wanted):
    run(capsys, wanted, apply=True)
    entry = tmp_path / "srv" / "app" / "entry.wsgi"
    wanted[2] = a_file(entry, "app = 1\n")
    probe = run(capsys, wanted, want_before=True)
    assert [(f["dest"], f["differs"], f["before"]) for f in probe["files"]] == [(str(entry), ["content"], "app = None\n")]
    applied = run(capsys, [wanted[2]], apply=True, backup=True)
    backup = applied["files"][0]["backup_file"]
    assert open(backup).read() == "app = None\n" and entry.read_text() == "app = 1\n"


def test_a_secret_file_never_shows_its_before_text(capsys, tmp_path, wanted):
    run(capsys, wanted, apply=True)
    wanted[1] = a_file(tmp_path / "srv" / "app" / "env.json", '{"TOKEN": "x"}\n', group=GROUP, mode="0640", secret=True)
    probe = run(capsys, wanted, want_before=True)
    assert probe["files"][0]["differs"] == ["content"] and probe["files"][0]["before"] is None


def test_attributes_alone_are_put_right_without_rewriting(capsys, tmp_path, wanted):
    run(capsys, wanted, apply=True)
    env = tmp_path / "srv" / "app" / "env.json"
    os.chmod(env, 0o644)
    inode = os.stat(env).st_ino
    assert run(capsys, wanted)["files"][0]["differs"] == ["mode"]
    run(capsys, wanted, apply=True)
    assert stat.S_IMODE(os.stat(env).st_mode) == 0o640 and os.stat(env).st_ino == inode


def test_an_unknown_group_fails_before_anything_changes(capsys, tmp_path, wanted):
    wanted[1]["group"] = "no-such-group-here"
    with patch_module_args({"entries": wanted, "apply": True}), pytest.raises(SystemExit):
        file_set.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and "no-such-group-here" in result["msg"] and "nothing was changed" in result["msg"]
    assert os.listdir(tmp_path) == []


def test_a_directory_in_the_way_of_a_file_is_an_error_naming_it(capsys, tmp_path, wanted):
    (tmp_path / "srv" / "app" / "entry.wsgi").mkdir(parents=True)
    with patch_module_args({"entries": wanted, "apply": True}), pytest.raises(SystemExit):
        file_set.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and "entry.wsgi is in the way" in result["msg"] and "nothing was changed" in result["msg"]
    assert os.listdir(tmp_path / "srv" / "app") == ["entry.wsgi"]  # env.json, listed before it, was not written
