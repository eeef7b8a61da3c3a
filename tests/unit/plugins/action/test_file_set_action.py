"""file_set end to end through its action plugin: ansible-playbook on this machine (connection local)."""
import grp
import json
import os
import pathlib
import pwd
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
# The owner of what it writes: the module's default (root) as root, else the developer's own user and group.
OWN = "" if os.geteuid() == 0 else "owner: %s, group: %s" % (
    pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name)

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Write
      wsgi.apache.file_set:
        directories: [{{path: {out}/conf, {own}}}]
        trees: [{{src: {tree}, dest: {out}/code, {own}}}]
        files:
          - {{dest: {out}/conf/app.conf, content: "{{{{ body }}}}\\n", {own}}}
          - {{dest: {out}/conf/env.json, content: "{{{{ body }}}}\\n", mode: "0640", secret: true, {own}}}
        links: [{{dest: {out}/enabled.conf, target: {out}/conf/app.conf}}]
        backup: true
      register: written
    - name: Show the result
      ansible.builtin.copy:
        content: "{{{{ written | to_json }}}}"
        dest: {out}.json
      check_mode: false
      diff: false
"""


def play(tmp_path, body, *flags):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True, exist_ok=True)
    (tree / "a.txt").write_text("a\n")
    (tree / "sub" / "run.sh").write_text("#!/bin/sh\n")
    (tree / "sub" / "run.sh").chmod(0o755)
    if not (tree / "sub" / "loop").is_symlink():
        (tree / "sub" / "loop").symlink_to("..")  # a cycle
    (tree / "__pycache__").mkdir(exist_ok=True)  # the controller's bytecode: never copied
    (tree / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\x00" + body.encode())
    (tree / "stale.pyc").write_bytes(b"\x00")
    book = tmp_path / "play.yml"
    book.write_text(PLAY.format(out=tmp_path / "out", tree=tree, own=OWN))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_LOCALHOST_WARNING="false")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(book),
                           "-e", f"body={body}", *flags], capture_output=True, text=True, env=env, cwd=tmp_path,
                          check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((tmp_path / "out.json").read_text()), proc.stdout


@pytest.mark.slow
def test_writes_then_changes_nothing_then_shows_and_makes_a_change(tmp_path):
    out = tmp_path / "out"
    first = play(tmp_path, "one")[0]
    assert first["changed"] is True
    assert (out / "conf" / "app.conf").read_text() == "one\n"
    assert os.readlink(out / "enabled.conf") == "conf/app.conf"
    assert oct((out / "code" / "sub" / "run.sh").stat().st_mode & 0o777) == "0o755"
    assert oct((out / "conf" / "env.json").stat().st_mode & 0o777) == "0o640"
    assert list((out / "code" / "sub" / "loop").iterdir()) == []  # a link back up the tree: not walked again
    assert not (out / "code" / "__pycache__").exists() and not (out / "code" / "stale.pyc").exists()

    again = play(tmp_path, "one")[0]
    assert again["changed"] is False and again["files"] == []
    assert len(first["digest"]) == 64 and again["digest"] == first["digest"]

    checked, stdout = play(tmp_path, "two", "--check", "--diff")
    assert checked["changed"] is True and (out / "conf" / "app.conf").read_text() == "one\n"
    assert "-one\n+two" in stdout
    assert "secret content hidden" in stdout and stdout.count("-one") == 1  # env.json's text not shown
    assert all("before" not in report for report in checked["files"])

    changed = play(tmp_path, "two")[0]
    assert changed["digest"] != first["digest"]  # what is given changed
    assert sorted(r["dest"] for r in changed["files"]) == [str(out / "conf" / "app.conf"), str(out / "conf" / "env.json")]
    backups = [r["backup_file"] for r in changed["files"]]
    assert [pathlib.Path(b).read_text() for b in backups] == ["one\n", "one\n"]
    assert (out / "conf" / "app.conf").read_text() == "two\n"


def test_a_relative_destination_is_refused_naming_it(tmp_path):
    book = tmp_path / "bad.yml"
    book.write_text("- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"
                    "    - wsgi.apache.file_set:\n        files: [{dest: conf/x.conf, content: x}]\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".collections"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(book)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=120)
    assert proc.returncode != 0
    assert "dest='conf/x.conf' is not an absolute path" in proc.stdout + proc.stderr
    assert not (tmp_path / "conf").exists()
