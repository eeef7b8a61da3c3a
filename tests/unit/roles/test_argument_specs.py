"""Every role's argument_specs and defaults agree on keys and values."""
import pathlib

import pytest
import yaml

ROLES = pathlib.Path(__file__).resolve().parents[3] / "roles"


def role_dirs():
    return sorted(p for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").exists())


@pytest.mark.parametrize("role", role_dirs(), ids=lambda p: p.name)
def test_specs_and_defaults_agree(role):
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    assert set(specs) == set(defaults), "keys differ: only in specs %s, only in defaults %s" % (
        sorted(set(specs) - set(defaults)), sorted(set(defaults) - set(specs)))
    for name, spec in specs.items():
        assert "default" in spec, "%s: argument_specs has no default" % name
        assert spec["default"] == defaults[name], "%s: specs say %r, defaults say %r" % (
            name, spec["default"], defaults[name])
        if "choices" in spec:
            assert defaults[name] in spec["choices"], name


def test_every_role_has_specs():
    assert [p.name for p in role_dirs()] == sorted(p.name for p in ROLES.iterdir() if p.is_dir())
