"""One list of supported platforms (plugins/module_utils/platforms.py): the test hosts start those
releases, and the Molecule scenarios test each of them and nothing else."""
import pathlib

import yaml

import testhost
from ansible_collections.wsgi.apache.plugins.module_utils.platforms import DEBIAN

ROOT = pathlib.Path(__file__).resolve().parents[3]


def molecule_releases():
    found = set()
    for scenario in sorted((ROOT / "molecule").glob("*/molecule.yml")):
        for platform in yaml.safe_load(scenario.read_text())["platforms"]:
            found.add(platform.get("release", testhost.DEFAULT_RELEASE))
    return found


def test_the_test_hosts_start_the_supported_releases():
    assert set(testhost.RELEASES) == set(DEBIAN.values())
    assert testhost.DEFAULT_RELEASE in DEBIAN.values()


def test_molecule_tests_every_supported_release_and_no_other():
    assert molecule_releases() == set(DEBIAN.values())


def test_each_role_claims_the_supported_platforms():
    for meta in sorted((ROOT / "roles").glob("*/meta/main.yml")):
        platforms = yaml.safe_load(meta.read_text())["galaxy_info"]["platforms"]
        assert platforms == [{"name": "Debian", "versions": list(DEBIAN.values())}], meta
