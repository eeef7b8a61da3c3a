# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which mod_wsgi release builds against which Python and Apache.

This table is the one place these facts live: the role's preflight reads it
through the ``mod_wsgi_release`` filter; later users import it from here.
"""

from __future__ import annotations

# Releases the role can pick for ``mod_wsgi_version: auto``, newest first.
# Each is published on PyPI as an sdist; older 4.x releases can still be asked
# for explicitly (any X.Y.Z >= 4.1.0 is accepted when the Python fits).
AUTO_CANDIDATES = ("6.1.1", "5.0.2")

OLDEST_SUPPORTED = "4.1.0"

# The oldest mod_wsgi release whose C code compiles against a Python minor
# version (from the mod_wsgi release notes).  A Python newer than the last row
# needs at least that row's release.
PYTHON_MINIMUM_RELEASE = (
    ((3, 11), "4.9.1"),
    ((3, 12), "5.0.0"),
    ((3, 13), "5.0.1"),
)

# Per release line: the oldest Python and Apache it supports.
LINE_REQUIREMENTS = (
    # (first release of the line, oldest Python, oldest Apache)
    ("6.0.0", (3, 10), (2, 4)),
    ("5.0.0", (3, 8), (2, 2)),
    ("4.1.0", (2, 6), (2, 0)),
)

# Releases refused whatever the Python: (first, last, why, the first release that fixed it).
REFUSED_RELEASES = (
    ("6.0.0", "6.0.4", "mod_wsgi 6.0.0 to 6.0.4 cut off request bodies (a POST's) in daemon mode with "
     "WSGIScriptReloading Off and queue-timeout 0, as the roles run it (its 6.0.5 release notes)", "6.0.5"),
)


def parse_version(text):
    """'3.11.2' -> (3, 11, 2); raises ValueError on anything else."""
    parts = str(text).strip().split(".")
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError("not a dotted version: %r" % (text,))
    return tuple(int(p) for p in parts)


def _fmt(version):
    return ".".join(str(p) for p in version)


def minimum_for_python(python):
    """The oldest release that compiles against this Python (major, minor...)."""
    needed = OLDEST_SUPPORTED
    for minor, release in PYTHON_MINIMUM_RELEASE:
        if tuple(python[:2]) >= minor:
            needed = release
    return needed


def refused(release):
    """The row of REFUSED_RELEASES that holds ``release`` (a version tuple), or None."""
    for row in REFUSED_RELEASES:
        if parse_version(row[0]) <= release <= parse_version(row[1]):
            return row
    return None


def line_of(release):
    for first, python_min, apache_min in LINE_REQUIREMENTS:
        if release >= parse_version(first):
            return first, python_min, apache_min
    return None


def incompatibility(release, python, apache=None):
    """Why ``release`` does not build against ``python``/``apache``, or ''.

    ``release``, ``python`` and ``apache`` are version tuples; ``apache`` may
    be None when Apache is not installed yet.
    """
    line = line_of(release)
    if line is None:
        return "mod_wsgi %s is older than %s, the oldest release this role builds" % (_fmt(release), OLDEST_SUPPORTED)
    first, python_min, apache_min = line
    if tuple(python[:2]) < python_min:
        return "mod_wsgi %s.x needs Python >= %s, and this Python is %s" % (
            first.split(".", maxsplit=1)[0], _fmt(python_min), _fmt(python[:3]))
    needed = minimum_for_python(python)
    if release < parse_version(needed):
        return "mod_wsgi %s does not build against Python %s: the oldest release that does is %s" % (
            _fmt(release), _fmt(python[:2]), needed)
    if apache is not None and tuple(apache[:2]) < apache_min:
        return "mod_wsgi %s.x needs Apache >= %s, and this Apache is %s" % (
            first.split(".", maxsplit=1)[0], _fmt(apache_min), _fmt(apache[:3]))
    refusal = refused(release)
    return refusal[2] if refusal else ""


def resolve(requested, python, apache=None, variable="mod_wsgi_version"):
    """Pick the release to build.

    Returns ``(version, error)``: the concrete version string and '' when it
    builds, or ``(None, message)`` where the message names the variable, the
    value and the fix.
    """
    try:
        python_v = parse_version(python)
        apache_v = parse_version(apache) if apache else None
    except ValueError as exc:
        return None, "cannot compare versions: %s" % exc
    if str(requested) == "auto":
        for candidate in AUTO_CANDIDATES:
            if not incompatibility(parse_version(candidate), python_v, apache_v):
                return candidate, ""
        return None, (
            "%s=auto: none of %s builds against Python %s%s; set %s to a release that does, "
            "or use another Python" % (
                variable, ", ".join(AUTO_CANDIDATES), _fmt(python_v[:3]),
                " and Apache %s" % _fmt(apache_v[:3]) if apache_v else "", variable))
    try:
        release = parse_version(requested)
    except ValueError:
        return None, "%s=%r is not a version: use 'auto' or a release such as %s" % (
            variable, requested, AUTO_CANDIDATES[0])
    if len(release) != 3:
        return None, "%s=%r: give a full X.Y.Z release such as %s, or 'auto'" % (
            variable, requested, AUTO_CANDIDATES[0])
    why = incompatibility(release, python_v, apache_v)
    if why:
        best, dummy = resolve("auto", python, apache, variable)
        best = " (%s here)" % best if best else ""
        line = line_of(release)
        refusal = refused(release)
        if refusal:
            fix = "set %s to %s or newer, or to 'auto'%s" % (variable, refusal[3], best)
        elif line and (tuple(python_v[:2]) < line[1] or (apache_v and tuple(apache_v[:2]) < line[2])):
            fix = "set %s to 'auto'%s or a release older than %s" % (variable, best, line[0])
        else:
            fix = "set %s to %s or newer, or to 'auto'%s" % (variable, minimum_for_python(python_v), best)
        return None, "%s=%s is refused: %s; %s" % (variable, requested, why, fix)
    return _fmt(release), ""
