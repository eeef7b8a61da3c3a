"""mod_wsgi_info against a real shared object, with stand-ins for apxs and apachectl."""
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.wsgi.apache.plugins.module_utils.layout import MODULE_FILENAME
from ansible_collections.wsgi.apache.plugins.modules import mod_wsgi_info


@pytest.fixture
def apache(tmp_path, build_module):
    libexec = tmp_path / "modules"
    libexec.mkdir()
    build_module(libexec / MODULE_FILENAME)
    apxs = tmp_path / "apxs"
    apxs.write_text(f'#!/bin/sh\n[ "$1 $2" = "-q LIBEXECDIR" ] && echo {libexec}\n')
    ctl = tmp_path / "apachectl"
    ctl.write_text("#!/bin/sh\ncase $1 in\n"
                   "-V) echo 'Server version: Apache/2.4.62 (Debian)'; echo 'Server MPM:     event';;\n"
                   "-M) echo 'Loaded Modules:'; echo ' core_module (static)'; echo ' python_module (shared)';;\n"
                   "esac\n")
    fingerprint = tmp_path / "fp.json"
    fingerprint.write_text(json.dumps({"build": {"version": "5.0.2"}, "module_sha256": "x"}))
    for exe in (apxs, ctl):
        exe.chmod(0o755)
    return {"apxs": str(apxs), "apachectl": str(ctl), "fingerprint_path": str(fingerprint), "libexec": libexec}


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        mod_wsgi_info.main()
    return json.loads(capsys.readouterr().out)


def test_reports_module_apache_and_fingerprint(apache, capsys):
    libexec = apache.pop("libexec")
    result = run_module(capsys, apache)
    assert result["changed"] is False
    assert result["installed"] is True
    assert result["module_path"] == str(libexec / MODULE_FILENAME)
    assert result["version"] == "5.0.2"
    assert len(result["sha256"]) == 64
    assert result["apache"] == {"version": "2.4.62", "mpm": "event", "modules": ["core_module", "python_module"],
                                "apachectl": apache["apachectl"]}
    assert result["fingerprint"]["build"]["version"] == "5.0.2"
    assert result["libpython"] == {"needed": None, "path": None}  # this object links no libpython


def test_without_apxs_the_module_is_looked_for_in_the_distributions_module_directory(apache, capsys, tmp_path,
                                                                                     monkeypatch):
    """A host that took its module from the build cache has no apxs (no apache2-dev)."""
    libexec = apache.pop("libexec")
    monkeypatch.setattr(mod_wsgi_info, "MODULE_DIRS", (str(tmp_path / "absent"), str(libexec)))
    result = run_module(capsys, {**apache, "apxs": str(tmp_path / "no-apxs")})
    assert result["libexecdir"] == str(libexec)
    assert result["module_path"] == str(libexec / MODULE_FILENAME) and result["installed"] is True


def test_nothing_installed(apache, capsys, tmp_path):
    apache.pop("libexec")
    result = run_module(capsys, {**apache, "path": str(tmp_path / "absent.so"),
                                 "apachectl": str(tmp_path / "no-apachectl"), "fingerprint_path": str(tmp_path / "none")})
    assert result["installed"] is False
    assert result["version"] is None and result["sha256"] is None and result["fingerprint"] is None
    assert result["apache"]["version"] is None


def test_links_libpython_reported(tmp_path, capsys, build_module):
    """A module linked against the machine's libpython reports it and where the loader finds it."""
    so = build_module(tmp_path / "linked.so", link_python=True)
    result = run_module(capsys, {"path": str(so), "apxs": "/nonexistent", "fingerprint_path": str(tmp_path / "x")})
    assert result["libpython"]["needed"].startswith("libpython3")
    assert result["libpython"]["path"]


@pytest.mark.parametrize("option, key, names", [
    ("sites_dir", "sites", ["wsgi-b.conf", "000-default.conf"]),
    ("mods_dir", "mods", ["wsgi.load", "mpm_event.load"]),
])
def test_a_directory_of_enabled_names_is_listed_sorted_and_empty_where_it_is_missing(apache, capsys, tmp_path, option,
                                                                                     key, names):
    apache.pop("libexec")
    enabled = tmp_path / "enabled"
    enabled.mkdir()
    for name in names:
        (enabled / name).write_text("")
    assert run_module(capsys, {**apache, option: str(enabled)})["apache"][key] == sorted(names)
    assert run_module(capsys, {**apache, option: str(tmp_path / "absent")})["apache"][key] == []
    assert key not in run_module(capsys, apache)["apache"]


def test_installed_packages_are_those_dpkg_lists_as_installed(apache, capsys):
    """This machine's own dpkg database: dpkg is installed on every Debian, the other name is no package."""
    apache.pop("libexec")
    installed = run_module(capsys, {**apache, "packages": True})["installed_packages"]
    assert "dpkg" in installed and "no-such-package-of-wsgi-apache" not in installed
    assert installed == sorted(installed)
    assert run_module(capsys, apache)["installed_packages"] == []
