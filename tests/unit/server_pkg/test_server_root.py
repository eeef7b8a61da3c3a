"""A restart with the same options reuses the server root: the stamp, and the memo of apxs and httpd -l."""
import os

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
    setup = server.Setup({"server_root": str(root), "httpd": httpd, "document_root": str(root / "htdocs"),
                          "value": value}, (("httpd.conf", 0o644),), [], discovery.Memo())
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
