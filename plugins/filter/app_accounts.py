# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: app_accounts
short_description: The system accounts of the site or express role's apps
version_added: 0.2.0
description:
  - For each app entry, its user (C(wsgi-NAME) unless the entry names one), its primary group (the
    user's name unless the entry names one) and its home (the app's directory under O(root)), as
    C(plugins/module_utils/apps.py) defines them for both roles.
extends_documentation_fragment: [wsgi.apache.app_list]
"""

EXAMPLES = r"""
- name: The accounts of the site role's apps
  ansible.builtin.debug:
    msg: "{{ site_apps | wsgi.apache.app_accounts(site_root) }}"
  # [{user: wsgi-blog, group: wsgi-blog, home: /srv/wsgi-apache/blog}]
"""

RETURN = r"""
_value:
  description: One account per app, in the apps' order.
  type: list
  elements: dict
"""

from ansible_collections.wsgi.apache.plugins.module_utils.apps import account


def app_accounts(apps, root):
    return [account(app, root) for app in apps]


class FilterModule(object):
    def filters(self):
        return {"app_accounts": app_accounts}
