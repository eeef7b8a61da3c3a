"""What this machine's pip is configured with: its package index and its CA bundle. The test hosts'
images take the index (tools/testhost.py), and tools/express_upstream.py reads mod_wsgi's sdist from it."""

import os
import subprocess
import sys


def get(name):
    """A value of pip's configuration (such as global.index-url), or ''."""
    done = subprocess.run([sys.executable, "-m", "pip", "config", "get", name], capture_output=True, text=True,
                          check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def index():
    """The package index this machine's pip uses, if set to a network one, else ''."""
    url = get("global.index-url") or os.environ.get("PIP_INDEX_URL", "")
    return url if url.startswith(("http://", "https://")) else ""


def cert():
    """The CA bundle pip trusts, if configured, else ''."""
    return os.environ.get("PIP_CERT") or get("global.cert")
