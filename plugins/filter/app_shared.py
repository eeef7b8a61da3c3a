# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: app_shared
short_description: The shared directories of the site or express role's apps
version_added: 0.3.0
description:
  - For each directory of each app's C(shared) list, its path (C(ROOT/NAME/shared/DIR)), owner and group
    (the app's user and group), mode (C(0750) unless the entry gives one), and the environment variable and
    the link in the app's code that give it to the app, as C(plugins/module_utils/apps.py) defines them
    for both roles.
extends_documentation_fragment: [wsgi.apache.app_list]
"""

EXAMPLES = r"""
- name: The shared directories of the site role's apps
  ansible.builtin.debug:
    msg: "{{ site_apps | wsgi.apache.app_shared(site_root) }}"
  # [{app: blog, name: media, path: /srv/wsgi-apache/blog/shared/media, owner: wsgi-blog, group: wsgi-blog,
  #   mode: "0750", env: MEDIA_ROOT, link: null}]
"""

RETURN = r"""
_value:
  description: One entry per shared directory, app after app.
  type: list
  elements: dict
"""

from ansible_collections.wsgi.apache.plugins.module_utils.apps import shared


def app_shared(apps, root):
    return [entry for app in apps for entry in shared(app, root)]


class FilterModule(object):
    def filters(self):
        return {"app_shared": app_shared}
