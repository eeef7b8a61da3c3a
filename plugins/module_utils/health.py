# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An app's health URL asked from its host, and what its answer means for a release that just went live."""

from __future__ import annotations

import urllib.error

from ansible.module_utils.urls import open_url

NOT_YET = (502, 503, 504)  # a gateway's answers while the app is not there yet


def ask(url, host, timeout=5):
    """(status, reason) of one GET of ``url`` with ``Host: host``, redirects not followed; None when nothing
    answered (refused, reset, timed out)."""
    try:
        response = open_url(url, headers={"Host": host}, timeout=timeout, follow_redirects="none",
                            validate_certs=False)
        response.read()
        return response.status, response.reason
    except urllib.error.HTTPError as exc:
        return exc.code, exc.reason
    except (urllib.error.URLError, OSError, ValueError):
        return None


def verdict(answer, statuses):
    """'good', 'not yet' (no answer, or a gateway's), or 'bad' (an answer outside ``statuses``)."""
    if answer is None or answer[0] in NOT_YET:
        return "not yet"
    return "good" if answer[0] in statuses else "bad"
