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

from ansible_collections.wsgi.apache.plugins.module_utils.tls import acme_cannot_validate, is_address

# A user name is at most 32 characters and the default user is "wsgi-" + the name.
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,26}$")
WSGI_MODULE_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
ROOT_ACCOUNT = "root"
# A host name's label (RFC 1123); an alias may hold Apache's wildcards * and ?.
LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
WILD_LABEL_RE = re.compile(r"^[A-Za-z0-9*?-]{1,63}$")
SHARED = "shared"  # ROOT/shared/NAME: an app's directories that outlive its releases
SHARED_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MODE_RE = re.compile(r"^0?[0-7]{3}$")
SHARED_MODE = "0750"
# An entry's state: deployed, or removed from the host (its shared data kept unless it says remove_shared).
STATES = ("present", "absent")


def _show(value):
    return json.dumps(value)


def _where(variable, app):
    name = app.get("name") if isinstance(app, dict) else None
    return "%s[%s]" % (variable, name if isinstance(name, str) and name else "?")


def state(app):
    """The entry's state: present (the default) or absent."""
    return app.get("state", "present") if isinstance(app, dict) else "present"


def _name(app, where):
    name = app.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        yield ("%s.name=%s must be 1 to 27 lower-case letters, digits, _ and -, a letter first: it names the "
               "app's user (wsgi-NAME, at most 32 characters), daemon process group and files"
               % (where, _show(name)))


def _absent(app, where):
    """The rules of an entry that removes its app: a name, and nothing that would deploy it."""
    yield from _name(app, where)
    if not isinstance(app.get("remove_shared", False), bool):
        yield ("%s.remove_shared=%s is not true or false: true also deletes the app's shared data"
               % (where, _show(app["remove_shared"])))


def _common(app, where):
    """The rules of every app entry, whichever role deploys it."""
    name = app.get("name")
    yield from _name(app, where)
    if "remove_shared" in app:
        yield ("%s.remove_shared is for an app being removed: set state: absent with it, or leave it out"
               % where)
    if ("src" in app) == ("path" in app):
        yield ("%s: give exactly one of src (a directory on the controller, copied to the host) and path "
               "(a directory already on the host)" % where)
    elif "src" in app and not os.path.isdir(str(app["src"])):
        yield ("%s.src=%s is not a directory on the controller: set it to the app's source directory"
               % (where, _show(app["src"])))
    elif "path" in app and not str(app["path"]).startswith("/"):
        yield ("%s.path=%s is not absolute: set it to the app's directory on the host, such as /srv/myapp"
               % (where, _show(app["path"])))
    requirements = app.get("requirements")
    if requirements and "src" in app and os.path.isdir(str(app["src"])) and \
            not os.path.isfile(os.path.join(str(app["src"]), str(requirements))):
        yield ("%s.requirements=%s is not a file of the app's src (%s): give its path relative to src, such as "
               "requirements.txt" % (where, _show(requirements), app["src"]))
    for key in ("user", "group"):
        if app.get(key) == ROOT_ACCOUNT:
            yield ("%s.%s=%s: an app never runs as root (mod_wsgi refuses it): leave %s unset for a dedicated "
                   "wsgi-%s account, or name an unprivileged one" % (where, key, _show(ROOT_ACCOUNT), key, name))
    daemon = app.get("daemon") or {}
    for key in ("user", "group"):
        if key in daemon:
            yield ("%s.daemon.%s is set by the role: set the app's own %s key instead" % (where, key, key))
    yield from _shared_errors(app, where)


def _shared_errors(app, where):
    shared = app.get("shared", [])
    if not isinstance(shared, list) or not all(isinstance(entry, dict) for entry in shared):
        yield ("%s.shared=%s is not a list of directories: write each as name: media (and env, link or mode)"
               % (where, _show(shared)))
        return
    names = [entry.get("name") for entry in shared]
    environment = app.get("environment") or {}
    for entry in shared:
        name, at = entry.get("name"), "%s.shared[%s]" % (where, entry.get("name"))
        if not isinstance(name, str) or not SHARED_NAME_RE.match(name):
            yield ("%s.name=%s must be lower-case letters, digits, _, . and -, such as media: it names "
                   "%s/NAME under the app's directory" % (at, _show(name), SHARED))
        env = entry.get("env")
        if env is not None and (not isinstance(env, str) or not ENV_NAME_RE.match(env)):
            yield "%s.env=%s is not an environment variable's name, such as MEDIA_ROOT" % (at, _show(env))
        elif env is not None and env in environment:
            yield ("%s.env=%s is in the app's environment too: the role gives it the directory's path, "
                   "remove it from environment" % (at, _show(env)))
        link = entry.get("link")
        if link is not None:
            parts = str(link).split("/")
            if not isinstance(link, str) or link.startswith("/") or any(part in ("", ".", "..") for part in parts):
                yield ("%s.link=%s is not a path inside the app's code: give one relative to it, such as media"
                       % (at, _show(link)))
            elif "path" in app:
                yield ("%s.link=%s: an app given as path keeps its own directory, which the role does not change: "
                       "use env instead" % (at, _show(link)))
        mode = entry.get("mode", SHARED_MODE)
        if not isinstance(mode, str) or not MODE_RE.match(mode):
            yield ("%s.mode=%s is not an octal mode as a string, such as \"0750\" (\"0755\" for a directory Apache "
                   "serves)" % (at, _show(mode)))
    for name in sorted({name for name in names if names.count(name) > 1}, key=str):
        yield "%s.shared: name=%s is given twice" % (where, _show(name))
    links = [entry.get("link") for entry in shared if entry.get("link") is not None]
    for link in sorted({link for link in links if links.count(link) > 1}, key=str):
        yield "%s.shared: link=%s is given twice" % (where, _show(link))
    envs = [entry.get("env") for entry in shared if entry.get("env") is not None]
    for env in sorted({env for env in envs if envs.count(env) > 1}, key=str):
        yield "%s.shared: env=%s is given twice" % (where, _show(env))


def host_name_error(value, wildcards=False):
    """Why ``value`` is not a host name Apache can match (a DNS name, or an IP address), or None."""
    if not isinstance(value, str) or not value:
        return "is not a host name"
    if is_address(value):
        return None
    labels = value.rstrip(".").split(".")
    pattern = WILD_LABEL_RE if wildcards else LABEL_RE
    if len(value) > 253 or not all(pattern.match(label) for label in labels):
        return "is not a host name (letters, digits and - in dot-separated labels%s)" % (
            ", with * or ? as wildcards" if wildcards else "")
    return None


def port_error(value):
    """Why ``value`` is not a TCP port (a number, or a string of digits, in 1-65535), or None."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        return "is not a port: give a number in 1-65535"
    return None


def _names(app):
    """The host names an app's vhosts answer for."""
    aliases = app.get("server_aliases") or []
    return [app.get("server_name")] + (list(aliases) if isinstance(aliases, list) else [])


def _site(app, where, settings):
    if "server_name" not in app:
        yield "%s: give server_name, the site's name, such as blog.example.com" % where
        return
    name_error = host_name_error(app.get("server_name"))
    if name_error:
        yield ("%s.server_name=%s %s: give the site's name, such as blog.example.com" % (
            where, _show(app.get("server_name")), name_error))
    aliases = app.get("server_aliases", [])
    if not isinstance(aliases, list):
        yield "%s.server_aliases=%s is not a list: give a list of host names" % (where, _show(aliases))
    else:
        for alias in aliases:
            alias_error = host_name_error(alias, wildcards=True)
            if alias_error:
                yield "%s.server_aliases: %s %s" % (where, _show(alias), alias_error)
    for key in ("port", "https_port"):
        if app.get(key) is not None and port_error(app[key]):
            yield "%s.%s=%s %s" % (where, key, _show(app[key]), port_error(app[key]))
    static = app.get("static", [])
    urls = [entry.get("url") for entry in static if isinstance(entry, dict)] if isinstance(static, list) else []
    for url in urls:
        if not isinstance(url, str) or not url.startswith("/") or url.rstrip("/") == "":
            yield ("%s.static: url=%s is not a URL path under the app: give one that starts with / and is not / "
                   "itself (the app answers there), such as /static" % (where, _show(url)))
    for url in sorted({url for url in urls if urls.count(url) > 1}, key=str):
        yield "%s.static: url=%s is given twice: each URL serves one directory" % (where, _show(url))
    if ("wsgi_script" in app) == ("wsgi_module" in app):
        yield ("%s: give exactly one of wsgi_script (a file under the app, such as app.wsgi) and wsgi_module "
               "(such as mysite.wsgi:application)" % where)
    elif "wsgi_module" in app and not WSGI_MODULE_RE.match(str(app["wsgi_module"])):
        yield ("%s.wsgi_module=%s is not module:callable: write it like mysite.wsgi:application"
               % (where, _show(app["wsgi_module"])))
    if ("tls_certificate" in app) != ("tls_certificate_key" in app):
        yield ("%s: give tls_certificate and tls_certificate_key together, or neither for a self-signed pair"
               % where)
    if app.get("tls_acme", settings.get("tls_acme")):
        yield from _acme(app, where, settings)
    if "access_script" in app and settings.get("restrict_embedded", True):
        yield ("%s.access_script=%s runs in Apache's own processes, which site_restrict_embedded=true forbids: "
               "set site_restrict_embedded to false to use it" % (where, _show(app["access_script"])))


def _acme(app, where, settings):
    """An app whose certificate comes from an ACME CA over http-01 (mod_md)."""
    if not app.get("https_port", settings.get("https_port")):
        yield "%s.tls_acme needs https_port, the port its certificate serves (such as 443)" % where
    if "tls_certificate" in app:
        yield ("%s: give tls_certificate and tls_certificate_key, or tls_acme for a certificate from the ACME CA, "
               "not both" % where)
    if not settings.get("acme_terms_agreed"):
        yield ("%s.tls_acme asks the ACME CA for a certificate, and site_acme_terms_agreed is false: read the terms "
               "of service of site_acme_ca's CA, then set site_acme_terms_agreed to true" % where)
    if not settings.get("acme_contact"):
        yield ("%s.tls_acme asks the ACME CA for a certificate, and site_acme_contact is empty: mod_md opens the "
               "account at the CA only with a contact address (MDContactEmail), and without one no certificate ever "
               "comes; set site_acme_contact to an e-mail address that reads the CA's notices" % where)
    for name in _names(app):
        if not isinstance(name, str) or host_name_error(name, wildcards=True):
            continue  # said above
        if acme_cannot_validate(name):
            yield ("%s.tls_acme: %s cannot be validated over HTTP (a wildcard or an IP address): leave it out of "
                   "server_aliases, or give tls_certificate" % (where, _show(name)))


def _express(app, where, settings):
    if "entry" not in app:
        yield ("%s: give entry, the app's WSGI script (such as app.wsgi) or, with application_type module, its "
               "module" % where)
    if app.get("port") is not None and port_error(app["port"]):
        yield "%s.port=%s %s" % (where, _show(app["port"]), port_error(app["port"]))
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


def shared(app, root):
    """The app's shared directories: ROOT/NAME/shared/DIR, the app's user's and group's, with the
    environment variable and the link in its code (relative) that give it, where the entry asks."""
    owner = account(app, root)
    return [{"app": app["name"], "name": entry["name"],
             "path": "%s/%s/%s" % (owner["home"], SHARED, entry["name"]),
             "owner": owner["user"], "group": owner["group"], "mode": entry.get("mode", SHARED_MODE),
             "env": entry.get("env"), "link": entry.get("link")} for entry in app.get("shared") or []]


def app_errors(apps, role, settings=None):
    """Every refusal for a role's list of app entries (empty when all are acceptable).

    ``settings`` holds the role-wide values some rules depend on: the role's app defaults (such as
    ``port`` and ``application_type``) and ``restrict_embedded`` (site)."""
    variable, specific = ROLES[role]
    settings = settings or {}
    errors = []
    for app in apps:
        where = _where(variable, app)
        if not isinstance(app, dict):
            errors.append("%s=%s is not a dictionary: write each app as name: ..., src: ..." % (where, _show(app)))
        elif state(app) not in STATES:
            errors.append("%s.state=%s is not one of %s: absent removes the app from the host"
                          % (where, _show(app["state"]), ", ".join(STATES)))
        elif state(app) == "absent":
            errors.extend(_absent(app, where))
        else:
            errors.extend(_common(app, where))
            errors.extend(specific(app, where, settings))
    errors.extend(_unique(apps, variable, "name", None))
    deployed = [app for app in apps if state(app) == "present"]
    if role == "express":
        errors.extend(_unique(deployed, variable, "port", settings.get("port")))
    else:
        errors.extend(_same_vhost(deployed, variable, settings))
    return errors


def _same_vhost(apps, variable, settings):
    """Two site apps answering the same host name on the same port: Apache would send every request to the
    first, and the second would never be reached."""
    claimed = {}
    for app in apps:
        if not isinstance(app, dict):
            continue
        for key in ("port", "https_port"):
            port = app.get(key, settings.get("port", 80) if key == "port" else None)
            if port is None or port_error(port):
                continue
            for name in _names(app):
                if isinstance(name, str):
                    claimed.setdefault((int(str(port)), name.lower()), []).append(app.get("name"))
    for (port, name), owners in sorted(claimed.items()):
        if len(set(owners)) > 1:
            yield ("%s: apps %s both answer %s on port %d: give each its own server_name (or alias) or port, or "
                   "the second is never reached" % (variable, ", ".join(sorted(set(map(str, owners)))), name, port))


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
