"""Every role's argument_specs and defaults agree on keys and values."""
import pathlib

import pytest
import yaml

ROLES = pathlib.Path(__file__).resolve().parents[3] / "roles"


def role_dirs():
    return sorted(p for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").exists())


@pytest.mark.parametrize("role", role_dirs(), ids=lambda p: p.name)
def test_specs_and_defaults_agree(role):
    """Every default is documented with the same value, in the main entry point (or, for a role
    that only has task entry points, in the one that uses it); a required option has no default."""
    entry_points = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    if "main" in entry_points:
        specs = entry_points["main"]["options"]
    else:
        specs = {name: spec for entry in entry_points.values() for name, spec in entry["options"].items()
                 if "default" in spec}
    defaults_file = role / "defaults" / "main.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) or {} if defaults_file.exists() else {}
    specs = {name: spec for name, spec in specs.items() if not spec.get("required")}
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


# Only name: an entry with state absent needs nothing else (apps.py requires server_name or entry of the others).
@pytest.mark.parametrize("role,required", [("site", {"name"}), ("express", {"name"})])
def test_app_defaults_are_app_options(role, required):
    specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())
    apps = specs["argument_specs"]["main"]["options"]["%s_apps" % role]
    defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text())["%s_app_defaults" % role]
    assert set(defaults) <= set(apps["options"]), set(defaults) - set(apps["options"])
    assert {name for name, spec in apps["options"].items() if spec.get("required")} == required
    assert not required & set(defaults)


def test_site_daemon_docs_come_from_the_option_table():
    from ansible_collections.wsgi.apache.plugins.module_utils.daemon_options import OPTIONS, doc_line
    spec = yaml.safe_load((ROLES / "site" / "meta" / "argument_specs.yml").read_text())
    lines = spec["argument_specs"]["main"]["options"]["site_apps"]["options"]["daemon"]["description"][1:]
    assert lines == [doc_line(option) for option in OPTIONS]


def test_mod_wsgi_entry_points_share_the_options():
    spec = yaml.safe_load((ROLES / "mod_wsgi" / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    assert set(spec) == {"main", "check", "apply", "live", "back"}
    assert all(entry["options"] == spec["main"]["options"] for entry in spec.values())


def test_site_tls_defaults_are_the_shared_ones():
    from ansible_collections.wsgi.apache.plugins.module_utils import tls
    defaults = yaml.safe_load((ROLES / "site" / "defaults" / "main.yml").read_text())
    assert defaults["site_tls_protocols"] == tls.PROTOCOLS
    assert defaults["site_tls_ciphers"] == tls.CIPHERS
