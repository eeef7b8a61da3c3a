# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platforms the collection supports and its tests run: Debian releases, major version and codename.

The one list: tools/platforms.py writes it into every role's meta/main.yml and into the mod_wsgi
role's preflight variables (make platforms; make test fails when a copy differs), and the test
hosts (tools/testhost.py) and Molecule platforms are releases of it.
"""

from __future__ import annotations

DEBIAN = {"11": "bullseye", "12": "bookworm", "13": "trixie"}
