"""The collection as users get it: built, installed from the tarball, used by FQCN.

The play runs first under ansible-core 2.18 (the bottom of meta/runtime.yml's requires_ansible)
on a fresh host, then under the pinned 2.19, which must find nothing to change.
"""
import os
import subprocess
import sys
import tarfile

import pytest
import yaml

from conftest import ROOT, run_play

PLAYBOOK = """
- name: Use the installed collection by FQCN
  hosts: all
  roles:
    - role: wsgi.apache.mod_wsgi
  tasks:
    - name: Read the module through the collection's own info module
      wsgi.apache.mod_wsgi_info:
      register: info
    - name: It is the release auto picks on bookworm
      ansible.builtin.assert:
        that: info.installed and info.version == (info.fingerprint.build.version)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("galaxy")
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(work), str(ROOT)],
                   check=True, capture_output=True, cwd=work)
    tarball = next(work.glob("wsgi-apache-*.tar.gz"))
    collections = work / "collections"
    # only the temporary path is configured: the checkout's own copy must not count as installed
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(collections)}
    installing = subprocess.run(["ansible-galaxy", "collection", "install", str(tarball), "-p", str(collections)],
                                check=True, capture_output=True, text=True, cwd=work, env=env)
    assert "wsgi.apache:0.1.0 was installed successfully" in installing.stdout, installing.stdout
    return work, tarball, collections


@pytest.fixture(scope="module")
def old_ansible(tmp_path_factory):
    """A venv with the oldest ansible-core that requires_ansible admits."""
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    oldest = runtime["requires_ansible"].split(",")[0].lstrip(">=")
    venv = tmp_path_factory.mktemp("ansible-old") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    series = ".".join(oldest.split(".")[:2])
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"ansible-core~={series}.0"], check=True)
    return venv / "bin"


def test_tarball_holds_the_collection_and_no_dev_files(installed):
    dummy, tarball, dummy = installed
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    assert {"MANIFEST.json", "meta/runtime.yml", "roles/mod_wsgi/tasks/main.yml",
            "roles/mod_wsgi/meta/argument_specs.yml", "plugins/modules/mod_wsgi_info.py",
            "plugins/filter/mod_wsgi_release.py", "plugins/module_utils/compat.py"} <= names
    assert not [n for n in names if n.startswith((".venv", "tools/", ".ci", "build/", ".collections"))]


def test_installed_collection_deploys_under_oldest_and_pinned_ansible(installed, old_ansible, start_host):
    work, dummy, collections = installed
    host = start_host("galaxy")
    playbook = work / "use.yml"
    playbook.write_text(PLAYBOOK)
    env = {"ANSIBLE_COLLECTIONS_PATH": str(collections), "ANSIBLE_HOST_KEY_CHECKING": "False"}
    listed = subprocess.run([str(old_ansible / "ansible-galaxy"), "collection", "list", "wsgi.apache"],
                            capture_output=True, text=True, check=True, cwd=work, env={**os.environ, **env}).stdout
    assert f"# {collections}/ansible_collections" in listed and "wsgi.apache" in listed, listed
    version = subprocess.run([str(old_ansible / "ansible"), "--version"], capture_output=True, text=True, check=True)
    assert "core 2.18." in version.stdout
    first = run_play(playbook, host.inventory(work), env=env, cwd=work,
                     ansible_playbook=str(old_ansible / "ansible-playbook"))
    assert first.rc == 0, first
    assert first.changed > 0, first
    second = run_play(playbook, host.inventory(work), env=env, cwd=work)
    assert second.rc == 0 and second.changed == 0, second
