# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The option naming an app's directory, shared by the modules that handle its releases."""

    DOCUMENTATION = r"""
options:
  root:
    description: The app's directory on the host, such as C(/srv/wsgi-apache/blog).
    type: str
    required: true
"""
