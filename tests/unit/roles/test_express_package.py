"""The express role copies exactly the package's files: every one of them, and no build debris."""
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "server_pkg"


def test_the_role_copies_every_file_of_the_package():
    tasks = yaml.safe_load((ROOT / "roles" / "express" / "tasks" / "install.yml").read_text())
    copy = next(task["wsgi.apache.file_set"] for task in tasks if "trees" in task.get("wsgi.apache.file_set", {}))
    trees = [tree["src"].split("}}/", 1)[1] for tree in copy["trees"]]  # relative to _express_package_src
    top = {file["dest"].rsplit("/", 1)[1] for file in copy["files"]}
    files = {str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*")
             if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path)}
    covered = {name for name in files if name in top or any(name.startswith(tree + "/") for tree in trees)}
    assert covered == files, "not copied by the role: %s" % sorted(files - covered)
    assert top <= files and all((PACKAGE / tree).is_dir() for tree in trees)


def test_the_package_and_the_collection_have_one_version():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    namespace = {}
    exec((PACKAGE / "src" / "wsgi_express" / "__init__.py").read_text(), namespace)  # pylint: disable=exec-used
    assert namespace["__version__"] == galaxy
