"""Galaxy's importer (galaxy-importer, what Galaxy runs on an upload) accepts the tarball with no
error and no warning: the collection's metadata, every role's README, the docs of every plugin
(through ansible-doc), ansible-lint's view of the roles, the changelog."""
import json
import os
import re
import subprocess
import sys

from conftest import BUILD


def test_galaxy_importer_accepts_the_tarball_without_a_warning(tarball):
    work = BUILD / "importer"
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    env = {**os.environ,
           "HOME": str(work),  # the importer's ansible-lint and ansible-doc write under ~/.ansible and ~/.cache
           "GALAXY_IMPORTER_TMP_ROOT_DIR": str(work / "tmp"),
           "GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP": str(work / "tmp"),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}  # its ansible-doc, ansible-lint
    for variable in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_CONFIG"):  # it must see the tarball only
        env.pop(variable, None)
    done = subprocess.run([sys.executable, "-m", "galaxy_importer.main", str(tarball)], cwd=work, env=env,
                          capture_output=True, text=True, check=False, timeout=900)
    output = done.stdout + done.stderr
    print(output)
    assert done.returncode == 0, output
    assert not re.findall(r"^(?:ERROR|WARNING)\b.*$", output, re.M), output
    result = json.loads((work / "importer_result.json").read_text())
    assert result["metadata"]["name"] == "apache" and result["metadata"]["namespace"] == "wsgi"
    roles = sorted(item["name"] for item in result["contents"] if item["content_type"] == "role")
    assert roles == sorted(p.name for p in (BUILD.parents[1] / "roles").iterdir() if p.is_dir()), roles
