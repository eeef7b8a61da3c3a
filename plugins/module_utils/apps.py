# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an app entry of the site and express roles may hold: one set of rules, one message style.

Each refusal names the app and key (``site_apps[blog].path``), the value, what is wrong and the
fix.  Rules that need the host (an existing user's uid) stay in the roles' preflight tasks;
these are the ones that the entries alone decide.
"""

from __future__ import annotations

import json
import os
import re

# A user name is at most 32 characters and the default user is "wsgi-" + the name.
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,26}$")
WSGI_MODULE_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
ROOT_ACCOUNT = "root"


def _show(value):
    return json.dumps(value)


def _where(variable, app):
    name = app.get("name") if isinstance(app, dict) else None
    return "%s[%s]" % (variable, name if isinstance(name, str) and name else "?")


def _common(app, where):
    """The rules of every app entry, whichever role deploys it."""
    name = app.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        yield ("%s.name=%s must be 1 to 27 lower-case letters, digits, _ and -, a letter first: it names the "
               "app's user (wsgi-NAME, at most 32 characters), daemon process group and files"
               % (where, _show(name)))
    if ("src" in app) == ("path" in app):
        yield ("%s: give exactly one of src (a directory on the controller, copied to the host) and path "
               "(a directory already on the host)" % where)
    elif "src" in app and not os.path.isdir(str(app["src"])):
        yield ("%s.src=%s is not a directory on the controller: set it to the app's source directory"
               % (where, _show(app["src"])))
    elif "path" in app and not str(app["path"]).startswith("/"):
        yield ("%s.path=%s is not absolute: set it to the app's directory on the host, such as /srv/myapp"
               % (where, _show(app["path"])))
    for key in ("user", "group"):
        if app.get(key) == ROOT_ACCOUNT:
            yield ("%s.%s=%s: an app never runs as root (mod_wsgi refuses it): leave %s unset for a dedicated "
                   "wsgi-%s account, or name an unprivileged one" % (where, key, _show(ROOT_ACCOUNT), key, name))
    daemon = app.get("daemon") or {}
    for key in ("user", "group"):
        if key in daemon:
            yield ("%s.daemon.%s is set by the role: set the app's own %s key instead" % (where, key, key))


def _site(app, where, settings):
    if ("wsgi_script" in app) == ("wsgi_module" in app):
        yield ("%s: give exactly one of wsgi_script (a file under the app, such as app.wsgi) and wsgi_module "
               "(such as mysite.wsgi:application)" % where)
    elif "wsgi_module" in app and not WSGI_MODULE_RE.match(str(app["wsgi_module"])):
        yield ("%s.wsgi_module=%s is not module:callable: write it like mysite.wsgi:application"
               % (where, _show(app["wsgi_module"])))
    if ("tls_certificate" in app) != ("tls_certificate_key" in app):
        yield ("%s: give tls_certificate and tls_certificate_key together, or neither for a self-signed pair"
               % where)
    if "access_script" in app and settings.get("restrict_embedded", True):
        yield ("%s.access_script=%s runs in Apache's own processes, which site_restrict_embedded=true forbids: "
               "set site_restrict_embedded to false to use it" % (where, _show(app["access_script"])))


def _express(app, where, settings):
    kind = app.get("application_type", settings.get("application_type", "script"))
    if kind == "script" and str(app.get("entry", "")).startswith("/"):
        yield ("%s.entry=%s is absolute: with application_type script, give the script's path relative to the "
               "app directory, such as app.wsgi" % (where, _show(app["entry"])))


ROLES = {"site": ("site_apps", _site), "express": ("express_apps", _express)}


def account(app, root):
    """The app's user, its primary group and its home: wsgi-NAME and the user's name by default,
    the app's directory (which it cannot write) as home."""
    user = app.get("user") or "wsgi-" + app["name"]
    return {"user": user, "group": app.get("group") or user, "home": "%s/%s" % (root.rstrip("/"), app["name"])}


def app_errors(apps, role, settings=None):
    """Every refusal for a role's list of app entries (empty when all are acceptable).

    ``settings`` holds the role-wide values some rules depend on: ``restrict_embedded`` (site),
    ``application_type`` and ``port`` defaults (express)."""
    variable, specific = ROLES[role]
    settings = settings or {}
    errors = []
    for app in apps:
        where = _where(variable, app)
        if not isinstance(app, dict):
            errors.append("%s=%s is not a dictionary: write each app as name: ..., src: ..." % (where, _show(app)))
            continue
        errors.extend(_common(app, where))
        errors.extend(specific(app, where, settings))
    errors.extend(_unique(apps, variable, "name", None))
    if role == "express":
        errors.extend(_unique(apps, variable, "port", settings.get("port")))
    return errors


def _unique(apps, variable, key, default):
    seen = {}
    for app in apps:
        if isinstance(app, dict):
            seen.setdefault(app.get(key, default), []).append(app.get("name"))
    for value, names in sorted(seen.items(), key=lambda kv: str(kv[0])):
        if len(names) > 1:
            yield ("%s: apps %s share %s=%s: every app needs its own %s" % (
                variable, ", ".join(str(n) for n in names), key, _show(value),
                "name (it names its user, daemon group and files)" if key == "name" else "port (each is its own Apache)"))
