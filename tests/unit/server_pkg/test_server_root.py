"""A restart with the same options reuses the server root: the stamp, and the memo of apxs and httpd -l."""
import os
import shutil

import pytest

from wsgi_express import discovery, server
from wsgi_express.errors import ConfigurationError


def program(path, text="#!/bin/sh\necho answer\n"):
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def test_the_memo_asks_once_and_again_when_the_program_changes(tmp_path):
    prog = program(tmp_path / "apxs")
    asked = []

    def compute():
        asked.append(1)
        return {"LIBEXECDIR": "/x"}

    first = discovery.Memo(str(tmp_path / "memo.json"))
    assert first.ask(prog, "-q", compute) == {"LIBEXECDIR": "/x"}
    first.save()
    again = discovery.Memo(str(tmp_path / "memo.json"))
    assert again.ask(prog, "-q", compute) == {"LIBEXECDIR": "/x"} and len(asked) == 1
    program(tmp_path / "apxs", "#!/bin/sh\necho another answer\n")  # another size: another program
    assert discovery.Memo(str(tmp_path / "memo.json")).ask(prog, "-q", compute) and len(asked) == 2


def test_the_memo_keeps_only_what_the_last_start_asked(tmp_path):
    one, two = program(tmp_path / "one"), program(tmp_path / "two")
    memo = discovery.Memo(str(tmp_path / "memo.json"))
    memo.ask(one, "-l", lambda: ["a.c"])
    memo.ask(two, "-l", lambda: ["b.c"])
    memo.save()
    memo = discovery.Memo(str(tmp_path / "memo.json"))
    memo.ask(one, "-l", lambda: ["a.c"])
    memo.save()
    assert len(discovery.Memo(str(tmp_path / "memo.json")).answers) == 1


def setup_for(root, value, httpd="/bin/true", files=True):
    """A Setup with given files (no template rendering) deciding ``value``; httpd -t is ``httpd``."""
    logs = {"directory": str(root), "files": []}
    setup = server.Setup({"server_root": str(root), "httpd": httpd, "document_root": str(root / "htdocs"),
                          "mount_point": "/", "logs": logs, "value": value}, (("httpd.conf", 0o644),), [])
    if files:
        setup._files = {"httpd.conf": ("Listen %s\n" % value, 0o644)}  # pylint: disable=protected-access
    return setup


def test_the_same_decisions_reuse_the_files_without_rendering_them(tmp_path):
    root = tmp_path / "root"
    assert server.write(setup_for(root, 8000)) == ["httpd.conf"]
    # no files given: rendering them would fail on this context, so reuse must not render
    assert server.write(setup_for(root, 8000, files=False)) == []
    assert (root / "httpd.conf").read_text() == "Listen 8000\n"


def test_a_file_changed_by_hand_or_another_decision_is_written_again(tmp_path):
    root = tmp_path / "root"
    server.write(setup_for(root, 8000))
    (root / "httpd.conf").write_text("Listen 9999\n")
    assert not setup_for(root, 8000, files=False).current()
    assert server.write(setup_for(root, 8000)) == ["httpd.conf"]
    assert (root / "httpd.conf").read_text() == "Listen 8000\n"
    os.chmod(root / "httpd.conf", 0o600)
    assert not setup_for(root, 8000, files=False).current()
    server.write(setup_for(root, 8000))
    assert not setup_for(root, 8001, files=False).current()


def test_a_configuration_httpd_refuses_leaves_the_stamp_and_files_as_they_were(tmp_path):
    root = tmp_path / "root"
    server.write(setup_for(root, 8000))
    stamp = (root / server.STAMP).read_text()
    with pytest.raises(ConfigurationError):
        server.write(setup_for(root, 8001, httpd="/bin/false"))
    assert (root / "httpd.conf").read_text() == "Listen 8000\n" and (root / server.STAMP).read_text() == stamp
    assert setup_for(root, 8000, files=False).current()


def test_the_import_check_is_skipped_only_while_what_the_app_loaded_is_unchanged(tmp_path):
    (tmp_path / "root").mkdir()
    record = str(tmp_path / "root" / "record.json")  # the server root, apart from the app
    tmp_path = tmp_path / "app"
    tmp_path.mkdir()
    app = tmp_path / "app.py"
    app.write_text("import helper\napplication = helper.application\n")
    helper = tmp_path / "helper.py"
    helper.write_text("def application(environ, start_response):\n    return []\n")

    def check():
        found = server._ImportCheck(("module", "app", "application"), str(tmp_path), [], {}, None, None, record)  # pylint: disable=protected-access
        found.result()
        found.save()
        return found

    assert not check().skipped
    assert check().skipped
    helper.write_text("def application(environ, start_response):\n    return [b'changed']\n")
    assert not check().skipped  # a module the app imported changed
    assert check().skipped
    (tmp_path / "new.py").write_text("")
    assert not check().skipped  # a file appeared where the app's code is
    helper.write_text("raise ImportError('broken on purpose')\n")
    with pytest.raises(ConfigurationError) as err:
        check()
    assert "broken on purpose" in str(err.value)


def test_a_new_login_does_not_repeat_the_import_check_but_another_setting_does(tmp_path, monkeypatch):
    (tmp_path / "root").mkdir()
    record = str(tmp_path / "root" / "record.json")
    tmp_path = tmp_path / "app"
    tmp_path.mkdir()
    (tmp_path / "app.py").write_text("application = None or (lambda environ, start_response: [])\n")

    def check():
        found = server._ImportCheck(("module", "app", "application"), str(tmp_path), [], {}, None, None, record)  # pylint: disable=protected-access
        found.result()
        found.save()
        return found

    monkeypatch.setenv("SSH_CLIENT", "10.0.0.1 40000 22")
    assert not check().skipped
    monkeypatch.setenv("SSH_CLIENT", "10.0.0.1 40001 22")
    assert check().skipped
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "site.settings")
    assert not check().skipped


def test_logs_are_made_private_and_an_open_one_is_narrowed(tmp_path):
    root = tmp_path / "root"
    setup = setup_for(root, 8000)
    setup.context["logs"].update(files=[str(root / "error_log")])
    old = os.umask(0o022)
    try:
        assert server.write(setup) == ["httpd.conf"]
    finally:
        os.umask(old)
    assert oct(os.stat(root / "error_log").st_mode & 0o777) == "0o640"
    os.chmod(root / "error_log", 0o644)  # as an earlier release left it
    again = setup_for(root, 8000, files=False)
    again.context["logs"].update(files=[str(root / "error_log")])
    assert server.write(again, dry_run=True) == ["error_log"]
    assert oct(os.stat(root / "error_log").st_mode & 0o777) == "0o644", "a dry run changed it"
    assert server.write(again) == ["error_log"]
    assert oct(os.stat(root / "error_log").st_mode & 0o777) == "0o640"
    assert server.write(again) == []


def test_a_removed_log_directory_is_made_again_when_the_files_are_reused(tmp_path):
    root, logs = tmp_path / "root", tmp_path / "logs"
    setup = setup_for(root, 8000)
    setup.context["logs"].update(directory=str(logs), files=[str(logs / "error_log")])
    assert server.write(setup) == ["httpd.conf"]
    shutil.rmtree(logs)
    again = setup_for(root, 8000, files=False)  # the same decisions: the files are reused as they are
    again.context["logs"].update(directory=str(logs), files=[str(logs / "error_log")])
    assert server.write(again) == []
    assert oct(os.stat(logs / "error_log").st_mode & 0o777) == "0o640"
