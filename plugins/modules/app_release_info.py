#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_release_info
short_description: List an app's releases, the live one and the one a rollback goes back to
version_added: 0.2.0
description:
  - Reads the releases that M(wsgi.apache.app_release) made under an app's directory (as the site
    and express roles deploy them), oldest first. Changes nothing.
author: wsgi.apache contributors (@wsgi-apache)
extends_documentation_fragment: [wsgi.apache.app_root, wsgi.apache.attributes.info]
attributes:
  platform:
    platforms: posix
    support: full
    description: Any POSIX host.
"""

EXAMPLES = r"""
- name: What can blog go back to?
  wsgi.apache.app_release_info:
    root: /srv/wsgi-apache/blog
  register: blog

- name: Show them
  ansible.builtin.debug:
    msg: "{{ blog.releases | map(attribute='id') }} (live {{ blog.live }}, previous {{ blog.previous }})"
"""

RETURN = r"""
releases:
  description: Each release, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: "Its id: the UTC time it was made and the start of its content's digest.", type: str}
    created: {description: When it was made (UTC)., type: str}
    live: {description: It is the live release., type: bool}
    previous: {description: It was live before the live one (a rollback goes to it)., type: bool}
    size: {description: Bytes of its files (a virtualenv it shares is not counted)., type: int}
    venv: {description: "The key of its virtualenv, if it has one.", type: str}
live:
  description: The live release's id (null if none, or in the layout of 0.1.0 of the roles).
  returned: always
  type: str
previous:
  description: The release a rollback goes back to (null if none).
  returned: always
  type: str
legacy:
  description: The app is still in the layout of 0.1.0 of the roles (its next deploy moves it).
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wsgi.apache.plugins.module_utils.releases import Releases


def main():
    module = AnsibleModule(argument_spec=dict(root=dict(type="str", required=True)), supports_check_mode=True)
    releases = Releases(module.params["root"])
    module.exit_json(changed=False, releases=releases.report(), live=releases.live(), previous=releases.previous(),
                     legacy=releases.legacy())


if __name__ == "__main__":
    main()
