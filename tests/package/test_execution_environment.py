"""ansible-builder: the example EE definition makes a build context, and the build's own introspection
step finds the Python and system packages meta/execution-environment.yml names."""
import os
import re
import subprocess
import sys

import yaml

from conftest import ROOT


def test_create_makes_a_context_that_installs_the_collection(tmp_path):
    done = subprocess.run(["ansible-builder", "create", "-f", str(ROOT / "examples" / "execution-environment.yml"),
                           "-c", str(tmp_path / "context"), "--output-filename", "Containerfile"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    requirements = yaml.safe_load((tmp_path / "context" / "_build" / "requirements.yml").read_text())
    assert requirements["collections"] == [{"name": "wsgi.apache", "version": ">=0.2.0"}]
    containerfile = (tmp_path / "context" / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "introspect.py introspect" in containerfile


def test_the_base_image_is_pinned():
    """A base image by a version tag or a digest, never a moving tag such as latest."""
    image = yaml.safe_load((ROOT / "examples" / "execution-environment.yml").read_text())["images"]["base_image"]["name"]
    reference = image.rsplit("/", 1)[-1]
    assert "@sha256:" in reference or re.fullmatch(r"[^:]+:[0-9]+(\.[0-9]+)+", reference), image


def test_the_build_s_introspection_names_the_collection_s_dependencies(tmp_path, tarball):
    """What the builder stage runs, run here on the collection installed from its tarball."""
    installed = tmp_path / "usr" / "share" / "ansible" / "collections"
    # only the new path is configured: the checkout's own copy must not count as installed
    subprocess.run(["ansible-galaxy", "collection", "install", str(tarball), "-p",
                    str(installed)], check=True, capture_output=True,
                   env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(installed)})
    subprocess.run(["ansible-builder", "create", "-f", str(ROOT / "examples" / "execution-environment.yml"),
                    "-c", str(tmp_path / "context")], check=True, capture_output=True, timeout=120)
    script = tmp_path / "context" / "_build" / "scripts" / "introspect.py"
    done = subprocess.run([sys.executable, str(script), "introspect", str(installed),
                           "--write-bindep", str(tmp_path / "bindep.txt"), "--write-pip", str(tmp_path / "pip.txt")],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    system = (tmp_path / "bindep.txt").read_text()
    assert "openssh-client [platform:dpkg]" in system and "openssh-clients [platform:rpm]" in system, system
    assert "from collection wsgi.apache" in done.stdout, done.stdout
    python = (tmp_path / "pip.txt").read_text() if (tmp_path / "pip.txt").exists() else ""
    assert not [line for line in python.splitlines() if line.strip() and not line.startswith("#")], python
