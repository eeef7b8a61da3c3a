"""A play on localhost with the test suite's callback plugins (tools/ansible_callbacks), for their tests."""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]


def run(tmp_path, play, callbacks, cache=None, collections=None, **env):
    """ansible-playbook of PLAY (text) in tmp_path with the named callbacks enabled (none when empty),
    WSGIAH_PAYLOAD_CACHE=cache when given, the collections of the checkout's .collections unless given, and env's
    other variables; its output (stdout, then stderr). A failed play fails the test."""
    collections = collections or ROOT / ".collections"
    book = tmp_path / "play.yml"
    book.write_text(play)
    env = dict(os.environ, ANSIBLE_HOME=str(tmp_path / "home"), ANSIBLE_COLLECTIONS_PATH=str(collections),
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "tools" / "ansible_callbacks"),
               ANSIBLE_CALLBACKS_ENABLED=",".join(callbacks), **env)
    env.pop("WSGIAH_PAYLOAD_CACHE", None)
    if not callbacks:
        env.pop("ANSIBLE_CALLBACKS_ENABLED")
    if cache:
        env.update(WSGIAH_PAYLOAD_CACHE=str(cache))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(book)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr
