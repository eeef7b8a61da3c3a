"""CHANGELOG.md with the next version's notes: antsibull-changelog's release, done on a copy.

antsibull-changelog renders only released versions.  This renders CHANGELOG.md as the release of
galaxy.yml's version would, from changelogs/changelog.yaml and the fragments waiting in
changelogs/fragments/, without touching either: the release runs on a copy of what it reads
(antsibull-changelog lists a plugin only when ansible-doc finds its file inside the collection, so
the plugins and roles are copied, not linked).

    python tools/release_notes.py           rewrite CHANGELOG.md
    python tools/release_notes.py --check   exit 1 if CHANGELOG.md is not what the fragments give
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
# A fixed date: the Markdown output shows none, and the result must not depend on the day.
DATE = "2000-01-01"
# What antsibull-changelog reads: the collection's metadata, its plugins and roles, the changes.
COPIED = ("galaxy.yml", "meta", "plugins", "roles", "playbooks", "changelogs")


def render():
    """The CHANGELOG.md text the release of galaxy.yml's version would write."""
    with tempfile.TemporaryDirectory(prefix="wsgi-apache-notes-") as tmp:
        copy = pathlib.Path(tmp) / "ansible_collections" / "wsgi" / "apache"
        copy.mkdir(parents=True)
        for name in COPIED:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, copy / name, symlinks=True)
            elif (ROOT / name).exists():
                shutil.copy2(ROOT / name, copy / name)
        env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": tmp}
        done = subprocess.run(["antsibull-changelog", "release", "--reload-plugins", "--date", DATE],
                              cwd=copy, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit("antsibull-changelog release failed: %s%s" % (done.stdout, done.stderr))
        return (copy / CHANGELOG).read_text()


if __name__ == "__main__":
    sys.exit(generated.main(__doc__.split("\n\n", maxsplit=1)[0], ROOT / CHANGELOG, lambda current: render(),
                            "release-notes"))
