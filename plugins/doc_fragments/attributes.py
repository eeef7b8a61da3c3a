# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The attributes the collection's modules share; a module's own entry replaces the fragment's."""

    # A module whose changes have no text to show.
    DOCUMENTATION = r"""
attributes:
  diff_mode:
    support: none
    description: Nothing to show.
"""

    # A module that only reads (an _info module).
    INFO = r"""
attributes:
  check_mode:
    support: full
    description: Only reads, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so has no diff.
"""
