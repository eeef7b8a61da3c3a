# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TLS settings both app roles give Apache by default: Mozilla's "intermediate" configuration.

https://ssl-config.mozilla.org/ (guidelines 5.7): TLS 1.2 and 1.3, forward-secret AEAD ciphers
for TLS 1.2, the client's cipher order, no session tickets.  The site role's defaults repeat these
values (a unit test keeps them equal); the wsgi-express launcher imports them. And which host names a
certificate from an ACME CA can be for (both roles' and the launcher's check).
"""

from __future__ import annotations

import ipaddress

PROTOCOLS = "-all +TLSv1.2 +TLSv1.3"
CIPHERS = ":".join((
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305",
))


def is_address(name):
    """Whether a host name is an IP address (an IPv6 one maybe in brackets)."""
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def acme_cannot_validate(name):
    """Whether an ACME CA cannot validate ``name`` over HTTP: a wildcard, or an IP address."""
    return "*" in name or "?" in name or is_address(name)
