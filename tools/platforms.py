"""The supported platforms, from plugins/module_utils/platforms.py, in each role's meta/main.yml and
in the mod_wsgi role's preflight variable (roles/mod_wsgi/vars/main.yml).

    python tools/platforms.py           rewrite them
    python tools/platforms.py --check   exit 1 if one is not what the list gives
"""

import importlib.util
import pathlib
import re
import sys

import generated

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCE = ROOT / "plugins" / "module_utils" / "platforms.py"
VARS = ROOT / "roles" / "mod_wsgi" / "vars" / "main.yml"
META_BLOCK = re.compile(r"^  platforms:\n(?:    .*\n)+", re.M)
VARS_LINE = re.compile(r"^_mod_wsgi_debian_releases: .*\n", re.M)


def debian():
    """{major: codename} of the supported Debian releases (loaded by path: neither Ansible nor the
    collection's import path needed; tools/testhost.py uses it too)."""
    spec = importlib.util.spec_from_file_location("wsgi_apache_platforms", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DEBIAN


def meta(current):
    block = "  platforms:\n    - name: Debian\n      versions: [%s]\n" % ", ".join(debian().values())
    if not META_BLOCK.search(current):
        sys.exit("no galaxy_info.platforms block to rewrite")
    return META_BLOCK.sub(block, current, count=1)


def variables(current):
    line = "_mod_wsgi_debian_releases: {%s}\n" % ", ".join('"%s": %s' % item for item in debian().items())
    if not VARS_LINE.search(current):
        sys.exit("%s has no _mod_wsgi_debian_releases line to rewrite" % VARS)
    return VARS_LINE.sub(line, current, count=1)


def files():
    wanted = {path: meta for path in sorted((ROOT / "roles").glob("*/meta/main.yml"))}
    wanted[VARS] = variables
    return wanted


if __name__ == "__main__":
    sys.exit(generated.main_many(__doc__.split("\n\n", maxsplit=1)[0], files()))
