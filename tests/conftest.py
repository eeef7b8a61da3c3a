"""Make the collection importable as ansible_collections.wsgi.apache from the checkout."""
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
