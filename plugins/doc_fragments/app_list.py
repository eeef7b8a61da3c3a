# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The input of the filters that read a role's list of apps."""

    DOCUMENTATION = r"""
options:
  _input:
    description: The app entries (each with at least C(name)).
    type: list
    elements: dict
    required: true
  root:
    description: The directory the apps' directories are in, such as C(/srv/wsgi-apache).
    type: str
    required: true
"""
