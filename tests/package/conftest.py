"""The collection's tarball, built once for the package tests as `ansible-galaxy collection build`
makes it, in build/package/ (make package)."""
import pathlib
import shutil
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "package"
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())


@pytest.fixture(scope="session")
def tarball():
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    done = subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(BUILD), str(ROOT)],
                          capture_output=True, text=True, check=False, cwd=BUILD)
    assert done.returncode == 0, done.stdout + done.stderr
    path = BUILD / f"wsgi-apache-{GALAXY['version']}.tar.gz"
    assert path.is_file(), list(BUILD.iterdir())
    return path
