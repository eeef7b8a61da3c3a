"""Fixtures of the plugins' unit tests."""
import os

import pytest

from ansible_collections.wsgi.apache.plugins.module_utils.releases import Releases


@pytest.fixture
def releases(tmp_path, monkeypatch):
    """An app directory for releases, in a temporary directory."""
    monkeypatch.setattr(os, "chown", lambda *args: None)  # the tests do not run as root everywhere
    root = tmp_path / "blog"
    root.mkdir()
    return Releases(str(root))
