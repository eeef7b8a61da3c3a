"""app_release's own steps, on a real release tree: static files carried from the live release, links to
shared directories put in a new release."""
import os

import pytest

from ansible_collections.wsgi.apache.plugins.module_utils.releases import ReleaseError, digest_of, new_id
from ansible_collections.wsgi.apache.plugins.modules.app_release import carry_static, link_shared


def live_release(releases, files, links=None):
    rid = new_id(digest_of(files))
    code = os.path.join(releases.begin(rid), "code")
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(code, path)), exist_ok=True)
        with open(os.path.join(code, path), "w") as fh:
            fh.write(text)
    for path, target in (links or {}).items():
        os.symlink(target, os.path.join(code, path))
    releases.finish(rid, {"id": rid, "digest": digest_of(files), "created": "0", "entry": None, "venv": None},
                    {}, os.getgid())
    releases.switch(rid)
    return rid


def tree(directory):
    return sorted(os.path.relpath(os.path.join(top, name), directory)
                  for top, dirs, files in os.walk(directory) for name in files)


def test_the_live_releases_static_files_the_new_one_lacks_are_carried_into_it(releases, tmp_path):
    shared = tmp_path / "shared-media"
    shared.mkdir()
    (shared / "upload.png").write_text("an upload")
    live = live_release(releases, {"staticfiles/site.1a.css": "old", "staticfiles/js/app.9f.js": "old js",
                                   "staticfiles/site.css": "old unhashed"}, links={"media": str(shared)})
    code = tmp_path / "new" / "code"
    (code / "staticfiles").mkdir(parents=True)
    (code / "staticfiles" / "site.2b.css").write_text("new")
    (code / "staticfiles" / "site.css").write_text("new unhashed")
    os.symlink(str(shared), code / "media")
    carry_static(releases, str(code), ["staticfiles", "media", "missing"])
    assert tree(code / "staticfiles") == ["js/app.9f.js", "site.1a.css", "site.2b.css", "site.css"]
    assert (code / "staticfiles" / "site.css").read_text() == "new unhashed"  # the new release's own file stays
    old = os.path.join(releases.path(live), "code", "staticfiles", "site.1a.css")
    assert os.stat(code / "staticfiles" / "site.1a.css").st_ino == os.stat(old).st_ino  # a hard link, not a copy
    assert os.listdir(shared) == ["upload.png"]


def test_shared_directories_are_linked_into_the_code_where_an_empty_directory_gives_way(tmp_path):
    code = tmp_path / "code"
    (code / "media").mkdir(parents=True)
    (code / "var").mkdir()
    (code / "var" / "keep.txt").write_text("committed")
    link_shared({"links": {"media": "/srv/x/shared/media", "data/cache": "/srv/x/shared/cache"}, "path": None},
                str(code))
    assert os.readlink(code / "media") == "/srv/x/shared/media"
    assert os.readlink(code / "data" / "cache") == "/srv/x/shared/cache"
    with pytest.raises(ReleaseError, match=r"links: var is in the app's code already"):
        link_shared({"links": {"var": "/srv/x/shared/var"}, "path": None}, str(code))
    with pytest.raises(ReleaseError, match=r"an app given as path keeps its own directory"):
        link_shared({"links": {"media": "/x"}, "path": "/srv/app"}, str(code))
