# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: app_state
short_description: The site or express role's app entries in one state
version_added: 0.3.0
description:
  - The entries whose C(state) is O(state) (an entry without one is C(present)), in their order.
options:
  _input:
    description: The app entries.
    type: list
    elements: dict
    required: true
  state:
    description: C(present) for the apps to deploy, C(absent) for those to remove.
    type: str
    choices: [present, absent]
    required: true
"""

EXAMPLES = r"""
- name: The site role's apps to deploy
  ansible.builtin.debug:
    msg: "{{ site_apps | wsgi.apache.app_state('present') }}"
"""

RETURN = r"""
_value:
  description: The entries in that state.
  type: list
  elements: dict
"""

from ansible_collections.wsgi.apache.plugins.module_utils.apps import state as app_state_of


def app_state(apps, state):
    return [app for app in apps if app_state_of(app) == state]


class FilterModule(object):
    def filters(self):
        return {"app_state": app_state}
