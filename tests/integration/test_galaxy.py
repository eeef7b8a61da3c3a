"""The collection as users get it, under every ansible-core series it supports.

For each release of tests/ansible_cores.yml (one per series that meta/runtime.yml admits), on the
controller tools/controllers.py finds for it: the tarball installs with that release's ansible-galaxy
(no overrides: a requires_ansible that excludes the release fails here), ansible-doc renders every
module, filter and role, and deploy.yml converges a fresh bookworm host by FQCN (0 failed), then a
second run changes nothing.  No run prints a warning: the newest release also runs the express
role, twice.

deploy.yml converges here under every release but the one the checkout's tools run on (PINNED, of
requirements/test.txt): under that one the Molecule scenario `site` converges deploy.yml on a fresh bookworm
host and runs it again, test_site_role converges its host and runs the role again with no warning, and every
other test runs it; the tarball those converges do not use is the same file the other releases install and
run here.
"""
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import BUILD_CACHE, ROOT, count_play, stop_hosts
from controllers import controller_for
from helpers import get, warnings_in

CORES = yaml.safe_load((ROOT / "tests" / "ansible_cores.yml").read_text())
RUNTIME = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
NEWEST = CORES[-1]["core"]
PINNED = re.search(r"^ansible-core==([0-9.]+)$", (ROOT / "requirements" / "test.txt").read_text(), re.M).group(1)
CONVERGED = [entry for entry in CORES if entry["core"] != PINNED]
# The controllers in this order, so that the converge test's releases (a subset, parametrized) share them: pytest
# tells a module-scoped fixture's params apart by their position.
CONTROLLERS = CONVERGED + [entry for entry in CORES if entry["core"] == PINNED]
# What ansible-doc must list: one module per file, one filter per file, one role per directory.
EXPECTED = {
    "module": sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py")),
    "filter": sorted(p.stem for p in (ROOT / "plugins" / "filter").glob("*.py")),
    "role": sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir()),
}
EXPRESS_PLAY = """
- name: Run the sample app with wsgi-express under systemd
  hosts: all
  roles:
    - role: wsgi.apache.express
      vars:
        express_apps:
          - name: express-sample
            src: "{{ playbook_dir }}/examples/sample"
            application_type: module
            entry: app:app
            requirements: requirements.txt
            port: 8000
"""


def series(version):
    return tuple(int(part) for part in version.split(".")[:2])


def test_the_matrix_is_every_series_requires_ansible_admits():
    """From the lower bound of requires_ansible, every minor up to the newest tested, each once."""
    bounds = dict(re.findall(r"(>=|<)\s*([0-9.]+)", RUNTIME["requires_ansible"]))
    tested = [series(entry["core"]) for entry in CORES]
    assert tested[0] == series(bounds[">="]), (tested, RUNTIME["requires_ansible"])
    assert tested == [(tested[0][0], minor) for minor in range(tested[0][1], tested[-1][1] + 1)]
    if "<" in bounds:  # an upper bound must admit the newest tested release and no untested series
        assert series(bounds["<"]) == (tested[-1][0], tested[-1][1] + 1), RUNTIME["requires_ansible"]
    assert PINNED in [entry["core"] for entry in CORES] and NEWEST != PINNED


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    work = tmp_path_factory.mktemp("galaxy")
    subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(work), str(ROOT)],
                   check=True, capture_output=True, cwd=work)
    return next(work.glob("wsgi-apache-*.tar.gz"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """What a user has next to the installed collection: deploy.yml, the sample app, the express play."""
    work = tmp_path_factory.mktemp("user")
    shutil.copy(ROOT / "deploy.yml", work / "deploy.yml")
    shutil.copytree(ROOT / "examples" / "sample", work / "examples" / "sample")
    (work / "express.yml").write_text(EXPRESS_PLAY)
    return work


@pytest.fixture(scope="module")
def trixie_host(start_host):
    """The trixie test host that controllers run on when this machine has no Python they support."""
    hosts = []

    def get():
        if not hosts:
            hosts.append(start_host("controller", release="trixie"))
        return hosts[0]
    return get


@pytest.fixture(scope="module", params=CONTROLLERS, ids=[entry["core"] for entry in CONTROLLERS])
def controller(request, trixie_host, tarball, workdir):
    made = controller_for(request.param, trixie_host)
    made.entry = request.param
    request.config.pluginmanager.get_plugin("terminalreporter").write_line(
        f"\nansible-core {made.entry['core']} runs on {made.where}: {made.python_shown}")
    made.tarball = made.put(tarball)
    made.user_dir = made.put(workdir)
    made.collections = made.user_dir + "/collections"
    # The run's build cache, a copy of it on a controller of its own (as a user's CI job would restore one).
    made.build_cache = str(BUILD_CACHE) if made.where == "this machine" else made.put(BUILD_CACHE)
    yield made
    made.close()


def test_galaxy_installs_the_tarball_without_overrides(controller):
    env = {"ANSIBLE_COLLECTIONS_PATH": controller.collections}
    done = controller.run("ansible-galaxy", "collection", "install", controller.tarball, "-p", controller.collections,
                          env=env)
    assert done.returncode == 0, done.output
    assert f"wsgi.apache:{GALAXY['version']} was installed successfully" in done.stdout, done.output
    assert not warnings_in(done.output), done.output
    listed = controller.run("ansible-galaxy", "collection", "list", "wsgi.apache", env=env)
    assert f"{controller.collections}/ansible_collections" in listed.stdout and GALAXY["version"] in listed.stdout
    version = controller.run("ansible", "--version")
    assert f"core {controller.entry['core']}]" in version.stdout, version.output


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_ansible_doc_lists_and_renders_every_plugin_and_role(controller, kind):
    env = {"ANSIBLE_COLLECTIONS_PATH": controller.collections}
    listed = controller.run("ansible-doc", "-t", kind, "-l", "wsgi.apache", env=env)
    assert listed.returncode == 0 and not warnings_in(listed.output), listed.output
    names = sorted(set(re.findall(r"^wsgi\.apache\.(\w+)", listed.stdout, re.M)))
    assert names == EXPECTED[kind], listed.stdout
    fqcns = [f"wsgi.apache.{name}" for name in names]
    text = controller.run("ansible-doc", "-t", kind, *fqcns, env=env)
    assert text.returncode == 0 and not warnings_in(text.output) and "[ERROR]" not in text.output, text.output
    assert all(fqcn in text.stdout for fqcn in fqcns)


@pytest.fixture(scope="module")
def target(controller, start_host, tmp_path_factory):
    """A fresh bookworm host for this release, and an inventory for it on the controller."""
    host = start_host("galaxy-" + controller.entry["core"].replace(".", "-"))
    inventory = tmp_path_factory.mktemp("inventory") / f"{host.name}.ini"
    inventory.write_text(f"{host.name} ansible_host={host.address} ansible_user=root "
                         f"ansible_ssh_private_key_file={controller.key} ansible_python_interpreter=/usr/bin/python3\n")
    host.inventory_on_controller = controller.put(inventory)
    yield host
    stop_hosts([host.name], __name__)


def play(controller, target, playbook):
    # host keys are not recorded: a controller on this machine would write them into root's ~/.ssh/known_hosts
    env = {"ANSIBLE_COLLECTIONS_PATH": controller.collections, "ANSIBLE_HOST_KEY_CHECKING": "False",
           "ANSIBLE_SSH_COMMON_ARGS": "-o UserKnownHostsFile=/dev/null"}
    done = controller.run("ansible-playbook", "-i", target.inventory_on_controller, playbook,
                          "-e", f"mod_wsgi_build_cache_dir={controller.build_cache}",
                          env=env, cwd=controller.user_dir)
    count_play()
    recap = re.search(r"changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", done.stdout)
    assert recap, done.output[-3000:]
    return done, int(recap.group(1)), int(recap.group(3))


@pytest.mark.parametrize("controller", CONVERGED, ids=[entry["core"] for entry in CONVERGED], indirect=True)
def test_deploy_converges_by_fqcn_then_changes_nothing_and_warns_of_nothing(controller, target):
    """deploy.yml twice; under the newest release the express role too (a play of its own, twice)."""
    playbooks = ["deploy.yml"] + (["express.yml"] if controller.entry["core"] == NEWEST else [])
    for playbook in playbooks:
        done, changed, failed = play(controller, target, playbook)
        assert done.returncode == 0 and failed == 0 and changed > 0, (playbook, done.output[-3000:])
        assert not warnings_in(done.output), (playbook, warnings_in(done.output))
        again, changed, failed = play(controller, target, playbook)
        assert again.returncode == 0 and failed == 0 and changed == 0, (playbook, again.output[-3000:])
        assert not warnings_in(again.output), (playbook, warnings_in(again.output))
    assert get(target, 8080, "/").status == 200
    if "express.yml" in playbooks:
        assert get(target, 8000, "/").status == 200
