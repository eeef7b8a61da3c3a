"""Make the collection importable as ansible_collections.wsgi.apache from the checkout, and the tools of
the interpreter running the tests (ansible-playbook, ansible-galaxy, ...) the ones their commands find,
however pytest was started."""
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".collections"
LINK = COLLECTIONS / "ansible_collections" / "wsgi" / "apache"
if not LINK.exists():
    LINK.parent.mkdir(parents=True, exist_ok=True)
    LINK.symlink_to(pathlib.Path("../../.."))
sys.path.insert(0, str(COLLECTIONS))
sys.path.insert(0, str(ROOT / "tools"))
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin")

MARKERS = {"unit": "unit", "package": "package", "integration": "host"}


def pytest_collection_modifyitems(items):
    """Each test gets the marker of its directory (pytest.ini lists them)."""
    import pytest  # pylint: disable=import-outside-toplevel
    for item in items:
        part = pathlib.Path(item.fspath).relative_to(ROOT / "tests").parts[0]
        if part in MARKERS:
            item.add_marker(getattr(pytest.mark, MARKERS[part]))
