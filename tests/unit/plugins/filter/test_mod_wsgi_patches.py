"""The mod_wsgi role's patch set: each file's header, and which patches a release gets."""
import hashlib
import pathlib
import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.filter.mod_wsgi_patches import FilterModule, KEYS, parse

FILTER = FilterModule().filters()["mod_wsgi_patches"]
PATCHES = pathlib.Path(__file__).resolve().parents[4] / "roles" / "mod_wsgi" / "files" / "patches"
DIFF = "--- a/src/x.c\n+++ b/src/x.c\n@@ -1 +1 @@\n-a\n+b\n"


def patch(tmp_path, file, name, releases, **extra):
    header = {"Patch": name, "Subject": "s", "Releases": releases, "Problem": "p\n  goes on", "Test": "t", "Upstream": "u",
              **extra}
    text = "".join(f"{key}: {value}\n" for key, value in header.items() if value is not None) + "---\n" + DIFF
    path = tmp_path / file
    path.write_text(text)
    return str(path)


def test_a_release_gets_the_files_whose_releases_hold_it_in_file_order(tmp_path):
    paths = [patch(tmp_path, "0002-b-6.patch", "b", ">=6.0.5"), patch(tmp_path, "0001-a-6.patch", "a", ">=6.0.5, <=6.1.1"),
             patch(tmp_path, "0001-a-5.patch", "a", "<6.0.0")]
    got = FILTER(paths, "6.1.1")
    assert [p["file"] for p in got["apply"]] == ["0001-a-6.patch", "0002-b-6.patch"]
    assert got["apply"][0]["sha256"] == hashlib.sha256(pathlib.Path(paths[1]).read_bytes()).hexdigest()
    assert got["skipped"] == []
    assert [p["file"] for p in FILTER(paths, "5.0.2")["apply"]] == ["0001-a-5.patch"]


def test_a_release_no_file_of_a_patch_is_for_reports_it_skipped(tmp_path):
    paths = [patch(tmp_path, "0001-a-6.patch", "a", ">=6.0.5, <=6.1.1"), patch(tmp_path, "0001-a-5.patch", "a", ">=4.9.4, <6.0.0")]
    got = FILTER(paths, "6.2.0")
    assert got == {"apply": [], "skipped": [{"name": "a", "releases": ">=4.9.4, <6.0.0; >=6.0.5, <=6.1.1"}],
                   "keeps_socket_path": False}


def test_a_continued_value_joins_its_lines(tmp_path):
    header = parse(pathlib.Path(patch(tmp_path, "0001-a.patch", "a", ">=6")).read_text(), "0001-a.patch")
    assert header["Problem"] == "p goes on"


@pytest.mark.parametrize("extra, words", [
    ({"Test": None}, "0001-a.patch: the header has no Test"),
    ({"Releases": "six"}, "0001-a.patch: Releases: Invalid specifier"),
])
def test_a_bad_header_names_the_file_and_what_is_wrong(tmp_path, extra, words):
    path = patch(tmp_path, "0001-a.patch", "a", ">=6", **extra)
    with pytest.raises(AnsibleFilterError, match=re.escape(words)):
        FILTER([path], "6.1.1")


def test_two_files_of_one_patch_for_the_same_release_are_refused(tmp_path):
    paths = [patch(tmp_path, "0001-a-6.patch", "a", ">=6"), patch(tmp_path, "0001-a-x.patch", "a", ">=6.1")]
    with pytest.raises(AnsibleFilterError, match="0001-a-6.patch and 0001-a-x.patch are both patch a for mod_wsgi 6.1.1"):
        FILTER(paths, "6.1.1")


def test_the_roles_patches_have_every_key_and_a_diff_after_the_header():
    files = sorted(PATCHES.glob("*.patch"))
    assert files
    for path in files:
        text = path.read_text()
        header = parse(text, path.name)
        assert set(KEYS) <= set(header)
        assert "\n---\n--- a/" in text, path.name
        assert header["Test"].startswith("tests/") and (PATCHES.parents[3] / header["Test"].split("::")[0]).is_file(), header["Test"]


@pytest.mark.parametrize("release, files, skips", [
    ("6.1.1", ["0001-daemon-socket-missing.patch", "0002-daemon-token-kept.patch", "0003-replay-unanswered.patch",
               "0004-restart-waits-shutdown-timeout.patch", "0005-server-addr-family.patch"], False),
    ("6.0.1", ["0005-server-addr-family.patch"], True),  # the first with the address lookup; not the restart fixes
    ("5.0.2", [], True),  # Debian 11's: built as published, with a warning
])
def test_the_releases_the_roles_build_get_the_patch_set(release, files, skips):
    got = FILTER([str(p) for p in PATCHES.glob("*.patch")], release)
    assert [p["file"] for p in got["apply"]] == files
    assert bool(got["skipped"]) == skips
    # WSGISocketRotation Off only with the patches that need it
    assert got["keeps_socket_path"] == ("0002-daemon-token-kept.patch" in files)
