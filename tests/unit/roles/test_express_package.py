"""The express role copies exactly the package's files: every one of them, and no build debris."""
import fnmatch
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "server_pkg"


def test_the_role_copies_every_file_of_the_package():
    globs = yaml.safe_load((ROOT / "roles" / "express" / "vars" / "main.yml").read_text())["_express_package_files"]
    files = {str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*")
             if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path)}
    covered = {name for name in files if any(fnmatch.fnmatch(name, glob) and
                                             name.count("/") == glob.count("/") for glob in globs)}
    assert covered == files, "not copied by the role: %s" % sorted(files - covered)
    for glob in globs:
        assert any(fnmatch.fnmatch(name, glob) for name in files), "%s matches nothing" % glob


def test_the_package_and_the_collection_have_one_version():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    namespace = {}
    exec((PACKAGE / "src" / "wsgi_express" / "__init__.py").read_text(), namespace)  # pylint: disable=exec-used
    assert namespace["__version__"] == galaxy
