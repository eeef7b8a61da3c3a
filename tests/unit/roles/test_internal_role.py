"""wsgi.apache.internal refuses to run unless the site or express role included it."""
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
PLAY = """
- name: Use the internal role directly
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Include it
      ansible.builtin.include_role:
        name: wsgi.apache.internal
        tasks_from: {entry}
      vars:  # what each entry point's argument spec requires
        _internal_accounts: []
        _internal_shared: []
        _internal_where: x
        _internal_root: /nonexistent
        _internal_live: {{release: r, was: w}}
        _internal_first: false
        _internal_health: {{url: "http://127.0.0.1:9/", host: x, status: [200], display_name: x, drain: 1}}
        _internal_health_timeout: 1
        _internal_apps: []
        _internal_variable: site_apps
        _internal_keep_releases: 3
        _internal_module_held: false
"""


@pytest.mark.parametrize("entry", ["main", "preflight", "release", "activate", "accounts", "shared", "health"])
def test_a_play_that_names_the_internal_role_is_refused(tmp_path, entry):
    play = tmp_path / "play.yml"
    play.write_text(PLAY.format(entry=entry))
    done = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", str(play)], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "wsgi.apache.internal is internal to the wsgi.apache collection" in done.stdout, done.stdout
