#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: mod_wsgi_info
short_description: Report the mod_wsgi module built by wsgi.apache.mod_wsgi, and its Apache
version_added: 0.1.0
description:
  - Reports the path of the installed mod_wsgi module, the release compiled into it (read from
    the module file itself), the libpython it links and whether the dynamic loader finds it,
    the version and MPM of Apache httpd, and the build fingerprint the role stored.
  - Only reads; changes nothing.
author: wsgi.apache contributors (@wsgi-apache)
extends_documentation_fragment:
  - wsgi.apache.attributes.info
options:
  path:
    description:
      - The module file. By default C(mod_wsgi_src.so) in the LIBEXECDIR that O(apxs) reports, or
        without apxs (a host that got its module from the build cache has no apxs) in the first of
        the distributions' module directories that exists.
    type: path
  apxs:
    description: The apxs program of the Apache to inspect.
    type: path
    default: /usr/bin/apxs
  apachectl:
    description:
      - The Apache control program. By default the first of C(apache2ctl) and C(apachectl) found.
    type: path
  service:
    description: The systemd unit of Apache, whose state RV(apache) reports as C(service) (not read when not given).
    type: str
  sites_dir:
    description:
      - The directory of the sites Apache has enabled (Debian's C(/etc/apache2/sites-enabled)), whose
        entries RV(apache) lists as C(sites) (not read when not given).
    type: path
  mods_dir:
    description:
      - The directory of the modules Apache has enabled (Debian's C(/etc/apache2/mods-enabled)), whose
        entries RV(apache) lists as C(mods) (not read when not given).
    type: path
  packages:
    description:
      - Whether to list the packages of the distribution that are installed, as RV(installed_packages).
    type: bool
    default: false
  fingerprint_path:
    description: Where the role stores the build fingerprint.
    type: path
    default: /var/lib/wsgi-apache/mod_wsgi.json
"""

EXAMPLES = r"""
- name: Read what is installed
  wsgi.apache.mod_wsgi_info:
  register: info

- name: Show the release
  ansible.builtin.debug:
    msg: "mod_wsgi {{ info.version }} for Python {{ info.fingerprint.build.python_version }}"
"""

RETURN = r"""
installed:
  description: Whether the module file exists.
  returned: always
  type: bool
module_path:
  description: The module file (where it is, or where the role installs it).
  returned: always
  type: str
  sample: /usr/lib/apache2/modules/mod_wsgi_src.so
libexecdir:
  description: Apache's module directory as apxs reports it, else the first distribution module directory found, else null.
  returned: always
  type: str
version:
  description: The mod_wsgi release compiled into the module file, or null.
  returned: always
  type: str
  sample: 6.1.1
sha256:
  description: SHA-256 of the module file, or null.
  returned: always
  type: str
libpython:
  description: The libpython the module links (C(needed)) and where the loader finds it (C(path), null if not found).
  returned: always
  type: dict
  sample: {needed: libpython3.11.so.1.0, path: /lib/x86_64-linux-gnu/libpython3.11.so.1.0}
apache:
  description:
    - Apache httpd's C(version) and C(mpm), and C(modules), the names C(apachectl -M) lists (all three
      null when Apache is not installed), and C(apachectl).
    - With O(service), C(service) says whether systemd has that unit C(active) and C(enabled) (both
      false without systemd).
    - With O(sites_dir), C(sites) lists the names in that directory, sorted (empty when it does not exist);
      with O(mods_dir), C(mods) those of that one.
  returned: always
  type: dict
  sample: {version: 2.4.62, mpm: event, modules: [core_module, so_module, wsgi_module], apachectl: /usr/sbin/apache2ctl,
           service: {name: apache2, active: true, enabled: true}, sites: [000-default.conf],
           mods: [mpm_event.load, wsgi_src.load]}
installed_packages:
  description: The names of the packages the package manager lists as installed, sorted (empty without O(packages)).
  returned: always
  type: list
  elements: str
  sample: [apache2, apache2-bin, dpkg]
fingerprint:
  description: The build fingerprint stored by the role, or null.
  returned: always
  type: dict
fingerprint_path:
  description: Where the fingerprint is stored.
  returned: always
  type: str
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wsgi.apache.plugins.module_utils.layout import (
    FINGERPRINT_PATH,
    MODULE_DIRS,
    MODULE_FILENAME,
    file_sha256,
    libpython_from_ldd,
    module_version,
    read_fingerprint,
)


def apxs_query(module, apxs, name):
    if not os.access(apxs, os.X_OK):
        return None
    rc, out, dummy = module.run_command([apxs, "-q", name])
    return out.strip() or None if rc == 0 else None


def linked_libpython(module, path):
    ldd = module.get_bin_path("ldd")
    if not ldd:
        return {"needed": None, "path": None}
    dummy, out, dummy = module.run_command([ldd, path])
    found = libpython_from_ldd(out)
    return {"needed": found["needed"], "path": found["path"]}


def service_state(module, name):
    systemctl = module.get_bin_path("systemctl")
    state = {"name": name, "active": False, "enabled": False}
    if systemctl:
        for key, word in (("active", "is-active"), ("enabled", "is-enabled")):
            dummy, out, dummy = module.run_command([systemctl, word, name])
            state[key] = out.strip() == key
    return state


def listing(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def installed_packages(module):
    """The packages dpkg lists as installed (not those removed with their configuration kept)."""
    dummy, out, dummy = module.run_command(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\n"])
    return sorted({line.split()[0] for line in out.splitlines() if line.endswith(" installed")})


def apache_info(module, apachectl, service, dirs):
    ctl = apachectl or module.get_bin_path("apache2ctl") or module.get_bin_path("apachectl")
    info = {"version": None, "mpm": None, "modules": None, "apachectl": ctl}
    if service:
        info["service"] = service_state(module, service)
    info.update((key, listing(directory)) for key, directory in dirs.items() if directory)
    if not ctl or not os.access(ctl, os.X_OK):
        return info
    dummy, out, dummy = module.run_command([ctl, "-V"])
    version = re.search(r"Server version:\s*Apache/(\d+\.\d+\.\d+)", out)
    mpm = re.search(r"Server MPM:\s*(\S+)", out)
    info["version"] = version.group(1) if version else None
    info["mpm"] = mpm.group(1).lower() if mpm else None
    if info["version"]:
        rc, out, dummy = module.run_command([ctl, "-M"])
        info["modules"] = re.findall(r"^\s*(\w+_module) \(", out, re.M) if rc == 0 else None
    return info


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path"),
            apxs=dict(type="path", default="/usr/bin/apxs"),
            apachectl=dict(type="path"),
            service=dict(type="str"),
            sites_dir=dict(type="path"),
            mods_dir=dict(type="path"),
            packages=dict(type="bool", default=False),
            fingerprint_path=dict(type="path", default=FINGERPRINT_PATH),
        ),
        supports_check_mode=True,
    )
    libexecdir = apxs_query(module, module.params["apxs"], "LIBEXECDIR") or next(
        (d for d in MODULE_DIRS if os.path.isdir(d)), None)
    path = module.params["path"] or (os.path.join(libexecdir, MODULE_FILENAME) if libexecdir else None)
    installed = bool(path) and os.path.isfile(path)
    module.exit_json(
        changed=False,
        installed=installed,
        module_path=path,
        libexecdir=libexecdir,
        version=module_version(path) if installed else None,
        sha256=file_sha256(path) if installed else None,
        libpython=linked_libpython(module, path) if installed else {"needed": None, "path": None},
        apache=apache_info(module, module.params["apachectl"], module.params["service"],
                           {"sites": module.params["sites_dir"], "mods": module.params["mods_dir"]}),
        installed_packages=installed_packages(module) if module.params["packages"] else [],
        fingerprint=read_fingerprint(module.params["fingerprint_path"]),
        fingerprint_path=module.params["fingerprint_path"],
    )


if __name__ == "__main__":
    main()
