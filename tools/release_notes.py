"""CHANGELOG.md: the released versions' notes, from changelogs/changelog.yaml; or a preview of the next
release's notes, with the fragments waiting in changelogs/fragments/.

CHANGELOG.md ships in the collection and holds released versions only (`make release` records one).
The preview runs antsibull-changelog's release on a copy of what it reads, touching neither file
(antsibull-changelog lists a plugin only when ansible-doc finds its file inside the collection, so the
plugins and roles are copied, not linked).

    python tools/release_notes.py             rewrite CHANGELOG.md
    python tools/release_notes.py --check     exit 1 if CHANGELOG.md is not what changelog.yaml gives
    python tools/release_notes.py --preview   write build/release-notes.md: CHANGELOG.md after the next release
"""

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import generated

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHANGELOG = "CHANGELOG.md"
PREVIEW = ROOT / "build" / "release-notes.md"
# A fixed date: the Markdown output shows none, and the result must not depend on the day.
DATE = "2000-01-01"
# What antsibull-changelog reads: the collection's metadata, its plugins and roles, the changes.
COPIED = ("galaxy.yml", "meta", "plugins", "roles", "playbooks", "changelogs")


def antsibull(args, cwd, env=None):
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "antsibull-changelog"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        sys.exit("antsibull-changelog %s failed: %s%s" % (args[0], done.stdout, done.stderr))


def released():
    """The CHANGELOG.md text of the released versions."""
    with tempfile.TemporaryDirectory(prefix="wsgi-apache-notes-") as tmp:
        output = pathlib.Path(tmp) / CHANGELOG
        antsibull(["generate", "--output", str(output)], ROOT)
        return output.read_text()


def preview():
    """The CHANGELOG.md text the release of galaxy.yml's version would write."""
    with tempfile.TemporaryDirectory(prefix="wsgi-apache-notes-") as tmp:
        copy = pathlib.Path(tmp) / "ansible_collections" / "wsgi" / "apache"
        copy.mkdir(parents=True)
        for name in COPIED:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, copy / name, symlinks=True)
            elif (ROOT / name).exists():
                shutil.copy2(ROOT / name, copy / name)
        antsibull(["release", "--reload-plugins", "--date", DATE], copy, {**os.environ, "ANSIBLE_COLLECTIONS_PATH": tmp})
        return (copy / CHANGELOG).read_text()


if __name__ == "__main__":
    if sys.argv[1:] == ["--preview"]:
        PREVIEW.parent.mkdir(exist_ok=True)
        PREVIEW.write_text(preview())
        print("wrote %s" % PREVIEW)
        sys.exit(0)
    sys.exit(generated.main(__doc__.split("\n\n", maxsplit=1)[0], ROOT / CHANGELOG, lambda current: released()))
