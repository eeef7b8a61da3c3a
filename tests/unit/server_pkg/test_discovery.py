"""Finding the mod_wsgi module, and refusing one built for another Python."""
import os
import re
import subprocess

import pytest

from wsgi_express import discovery
from wsgi_express._shared.layout import MODULE_FILENAME, libpython_from_ldd
from wsgi_express.errors import ConfigurationError


def test_the_roles_build_comes_before_the_packaged_module(tmp_path, build_module):
    build_module(tmp_path / "mod_wsgi.so")
    assert discovery.module_location(None, str(tmp_path)) == str(tmp_path / "mod_wsgi.so")
    build_module(tmp_path / MODULE_FILENAME)
    assert discovery.module_location(None, str(tmp_path)) == str(tmp_path / MODULE_FILENAME)


def test_a_given_path_wins(tmp_path, build_module):
    build_module(tmp_path / MODULE_FILENAME)
    other = build_module(tmp_path / "other.so")
    assert discovery.module_location(str(other), str(tmp_path)) == str(other)


def test_no_module_names_the_role_and_the_flag(tmp_path):
    with pytest.raises(ConfigurationError) as err:
        discovery.module_location(None, str(tmp_path))
    assert MODULE_FILENAME in str(err.value) and "--module-path" in str(err.value)


def test_module_python_from_the_libpython_it_links(tmp_path, build_module):
    linked = build_module(tmp_path / "linked.so", link_python=True)
    flags = subprocess.run(["python3-config", "--ldflags", "--embed"], capture_output=True, text=True, check=False).stdout
    major, minor = re.search(r"-lpython(\d+)\.(\d+)", flags).groups()
    assert discovery.module_python(str(linked)) == (int(major), int(minor))
    unlinked = build_module(tmp_path / "plain.so")
    assert discovery.module_python(str(unlinked)) is None


def test_a_module_for_another_python_is_refused(tmp_path, build_module):
    linked = str(build_module(tmp_path / "linked.so", link_python=True))
    embedded = discovery.module_python(linked)
    discovery.check_module_python(linked, embedded)
    other = (embedded[0], embedded[1] + 1)
    with pytest.raises(ConfigurationError) as err:
        discovery.check_module_python(linked, other)
    assert "embeds Python %d.%d" % embedded in str(err.value)
    assert "runs on Python %d.%d" % other in str(err.value)


@pytest.mark.parametrize("output,expected", [
    ("\tlinux-vdso.so.1 (0x00007ffd)\n\tlibpython3.11.so.1.0 => /lib/x86_64-linux-gnu/libpython3.11.so.1.0 (0x7f)\n",
     {"needed": "libpython3.11.so.1.0", "path": "/lib/x86_64-linux-gnu/libpython3.11.so.1.0", "python": (3, 11)}),
    ("\tlibpython3.13.so.1.0 => not found\n", {"needed": "libpython3.13.so.1.0", "path": None, "python": (3, 13)}),
    ("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x7f)\n", {"needed": None, "path": None, "python": None}),
])
def test_ldd_output(output, expected):
    assert libpython_from_ldd(output) == expected


def test_module_dirs_and_httpd_given_must_exist(tmp_path):
    with pytest.raises(ConfigurationError) as err:
        discovery.modules_directory(str(tmp_path / "none"))
    assert "--modules-directory=" in str(err.value)
    plain = tmp_path / "httpd"
    plain.write_text("")
    with pytest.raises(ConfigurationError) as err:
        discovery.httpd_executable(str(plain))
    assert "--httpd-executable=%s is not an executable file" % plain in str(err.value)
    plain.chmod(0o755)
    assert discovery.httpd_executable(str(plain)) == str(plain)


def test_load_modules_skips_built_in_ones(tmp_path):
    (tmp_path / "mod_alias.so").write_bytes(b"")
    wanted = [("unixd_module", "mod_unixd.so"), ("alias_module", "mod_alias.so")]
    assert discovery.load_modules({"mod_unixd.c"}, str(tmp_path), wanted) == \
        [("alias_module", os.path.join(str(tmp_path), "mod_alias.so"))]
    with pytest.raises(ConfigurationError) as err:
        discovery.load_modules(set(), str(tmp_path), wanted)
    assert "mod_unixd.so is missing" in str(err.value)
