"""What the tarball holds: the collection a user runs, its licence and its docs; nothing of the
tests, benchmarks, developer tools or configuration, which cannot run from it."""
import fnmatch
import subprocess
import tarfile

from conftest import GALAXY, ROOT

# Everything the tarball may hold, as patterns of its paths: a file outside them fails the test, so
# that a new top-level directory is a decision (ship it, or add it to galaxy.yml's build_ignore).
SHIPPED = (
    "MANIFEST.json", "FILES.json", "README.md", "COPYING", "CHANGELOG.md", "deploy.yml",
    "changelogs/changelog.yaml", "changelogs/config.yaml",
    "meta/*", "plugins/*", "roles/*", "playbooks/*", "examples/*", "server_pkg/*",
    "docs/deploying.md", "docs/wsgi-express.md", "docs/wsgi-express-migration.md", "docs/behaviour.md",
    "docs/benchmarks.md", "docs/mod_wsgi-patches.md",
)
# Every role: its README (Galaxy's importer requires one) and the files that make it run.
ROLE_FILES = ("README.md", "meta/main.yml", "meta/argument_specs.yml", "tasks/main.yml")


def members(tarball):
    with tarfile.open(tarball) as tar:
        return {m.name: m for m in tar.getmembers() if not m.isdir()}


def test_the_tarball_holds_only_what_users_run(tarball):
    names = members(tarball)
    unexpected = sorted(n for n in names if not any(fnmatch.fnmatch(n, pattern) for pattern in SHIPPED))
    assert not unexpected, f"not meant to ship (add to SHIPPED or to galaxy.yml's build_ignore): {unexpected}"
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".tar.gz"))]
    unpacked = sum(m.size for m in names.values())
    print(f"\n{tarball.name}: {tarball.stat().st_size} bytes, {len(names)} files, {unpacked} bytes unpacked")


def test_every_file_of_what_ships_is_in_the_tarball(tarball):
    """The patterns do not lose a file: what git tracks under them is all there."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    ignored = GALAXY["build_ignore"]
    wanted = {path for path in tracked
              if any(fnmatch.fnmatch(path, pattern) for pattern in SHIPPED)
              and not any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/") for pattern in ignored)}
    missing = sorted(wanted - set(members(tarball)))
    assert not missing, missing


def test_every_role_ships_its_readme_and_entry_point(tarball):
    names = members(tarball)
    roles = sorted({n.split("/")[1] for n in names if n.startswith("roles/")})
    assert roles == sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
    missing = [f"roles/{role}/{name}" for role in roles for name in ROLE_FILES if f"roles/{role}/{name}" not in names]
    assert not missing, missing


def test_the_licence_ships_and_is_the_one_galaxy_yml_declares(tarball):
    with tarfile.open(tarball) as tar:
        text = tar.extractfile("COPYING").read().decode()
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 3, 29 June 2007" in text
    assert GALAXY["license"] == ["GPL-3.0-or-later"]
    assert "license_file" not in GALAXY  # galaxy.yml takes the SPDX identifier or a file, not both


def test_galaxy_yml_names_no_placeholder_url():
    for key in ("repository", "documentation", "homepage", "issues"):
        value = GALAXY.get(key) or ""
        assert not any(word in value for word in ("example.", ".invalid", "localhost")), (key, value)
