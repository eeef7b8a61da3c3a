# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WSGIDaemonProcess options: one table, its validation and its rendering.

This is the one place these facts live.  The ``wsgi.apache.daemon_process``
filter (and through it the site role's template and preflight), the role's
argument_specs text, the express launcher's command line options and the docs
derive from ``OPTIONS``.  The server-wide settings whose meaning depends on the
mod_wsgi release (``WSGIPythonHashSeed``) are here too.

Facts come from mod_wsgi's own sources and release notes: ranges and defaults
are those of ``wsgi_daemon.c`` (6.1.1); ``since`` is the first release that
accepts the option, or 4.1.0 (the oldest release this collection builds) for
options that are older than that; ``until`` is the first release that no
longer accepts it (None: every release since).  The table has every option
mod_wsgi 6.1.1 parses, and the two that 6.0.0 removed.
"""

from __future__ import annotations

import difflib
import re

# Option kinds: how a value is checked and written.
#   int    whole number in [minimum, maximum]
#   bytes  whole number of bytes in [minimum, maximum]; '512M' is refused
#   float  number > minimum
#   name   user or group name
#   names  list of group names, written comma separated
#   path   absolute path
#   paths  list of absolute paths, written colon separated
#   text   free text, quoted when it holds spaces
#   octal  permission bits as a string of octal digits (umask), 0 to 0777
#   flag   On or Off (true or false)
INT_MAX = 2 ** 31 - 1
INT64_MAX = 2 ** 63 - 1


class Option(object):
    __slots__ = ("name", "kind", "unit", "minimum", "maximum", "default", "since", "doc", "until")

    def __init__(self, name, kind, unit, minimum, maximum, default, since, doc, until=None):
        self.name = name
        self.kind = kind
        self.unit = unit
        self.minimum = minimum
        self.maximum = maximum
        self.default = default
        self.since = since
        self.doc = doc
        self.until = until

    @property
    def key(self):
        """The variable name users write: request_timeout for request-timeout."""
        return self.name.replace("-", "_")


def _o(name, kind, unit, minimum, maximum, default, since, doc, until=None):
    return Option(name, kind, unit, minimum, maximum, default, since, doc, until)


# In the order they are written into the directive.
OPTIONS = (
    _o("user", "name", None, None, None, "Apache's User", "4.1.0",
       "User the daemon processes run as; never root (mod_wsgi refuses uid 0)."),
    _o("group", "name", None, None, None, "Apache's Group", "4.1.0",
       "Primary group of the daemon processes."),
    _o("supplementary-groups", "names", None, None, None, None, "4.1.0",
       "The only supplementary groups the daemon processes have, instead of the user's own."),
    _o("processes", "int", "processes", 1, INT_MAX, 1, "4.1.0",
       "Number of daemon processes in the group."),
    _o("threads", "int", "threads", 1, 0xffff - 2, 15, "4.1.0",
       "Request threads in each daemon process."),
    _o("display-name", "text", None, None, None, None, "4.1.0",
       "Process name shown by ps; %{GROUP} expands to the group name."),
    _o("umask", "octal", None, 0, 0o777, None, "4.1.0",
       "umask of the daemon processes, as octal digits such as '0027' (default: the one Apache started with)."),
    _o("chroot", "path", None, None, None, None, "4.1.0",
       "Run the daemon processes in this chroot jail (Apache must start as root; mod_wsgi calls it deprecated)."),
    _o("script-user", "name", None, None, None, None, "4.1.0",
       "Answer 403 unless the WSGI script file is owned by this user (name or #uid); not with script-group."),
    _o("script-group", "name", None, None, None, None, "4.1.0",
       "Answer 403 unless the WSGI script file belongs to this group (name or #gid); not with script-user."),
    _o("home", "path", None, None, None, None, "4.1.0",
       "Working directory of the daemon processes; since 4.1.0 also puts '' first on sys.path."),
    _o("python-home", "path", None, None, None, None, "4.1.0",
       "sys.prefix of the Python environment (a virtualenv) the processes use."),
    _o("python-path", "paths", None, None, None, None, "4.1.0",
       "Directories added to sys.path."),
    _o("python-eggs", "path", None, None, None, None, "4.1.0",
       "The Python egg cache directory (PYTHON_EGG_CACHE); it must exist, writable by the daemon user."),
    _o("lang", "text", None, None, None, None, "4.1.0", "LANG of the daemon processes."),
    _o("locale", "text", None, None, None, None, "4.1.0", "Locale (LC_ALL) of the daemon processes."),
    _o("stack-size", "bytes", "bytes", 1, INT_MAX, None, "4.1.0",
       "Stack size of each request thread (default: the system's)."),
    _o("maximum-requests", "int", "requests", 0, INT_MAX, 0, "4.1.0",
       "Restart a process after this many requests; 0: never."),
    _o("startup-timeout", "int", "seconds", 0, INT_MAX, 0, "4.5.6",
       "Restart a process whose WSGI script keeps failing to load for this long; 0: off."),
    _o("shutdown-timeout", "int", "seconds", 0, INT_MAX, 5, "4.1.0",
       "How long a process may take to shut down before it is killed."),
    _o("deadlock-timeout", "int", "seconds", 0, INT_MAX, 300, "4.1.0",
       "Restart a process whose Python GIL has been held this long."),
    _o("inactivity-timeout", "int", "seconds", 0, INT_MAX, 0, "4.1.0",
       "Restart a process idle for this long; since 4.1.0 a long request is not interrupted; 0: off."),
    _o("request-timeout", "int", "seconds", 0, INT_MAX, 0, "4.1.0",
       "Restart a process when a request (averaged over threads) runs longer than this; 0: off."),
    _o("interrupt-timeout", "int", "seconds", 0, INT_MAX, 0, "6.0.0",
       "Raise an exception in a request past request-timeout before restarting; 0: off."),
    _o("graceful-timeout", "int", "seconds", 0, INT_MAX, 15, "4.1.0",
       "On maximum-requests, cpu-time-limit or a graceful signal: how long active requests may finish."),
    _o("eviction-timeout", "int", "seconds", 0, INT_MAX, 0, "4.4.7",
       "On a graceful restart of Apache: how long active requests may finish."),
    _o("restart-interval", "int", "seconds", 0, INT_MAX, 0, "4.5.12",
       "Restart processes after this long, gracefully when graceful-timeout is set; 0: never."),
    _o("connect-timeout", "int", "seconds", 0, INT_MAX, 15, "4.1.0",
       "How long an Apache worker tries to connect to the daemon socket."),
    _o("socket-timeout", "int", "seconds", 0, INT_MAX, None, "4.1.0",
       "Timeout of reads and writes between Apache worker and daemon (default: Apache's Timeout)."),
    _o("queue-timeout", "int", "seconds", 0, INT_MAX, 0, "4.1.0",
       "A request not taken by a daemon process within this long gets 504 (every release's code; the 4.1.0 notes say 503); 0: off."),
    _o("listen-backlog", "int", "connections", 0, INT_MAX, 100, "4.1.0",
       "Backlog of the daemon's listening socket."),
    _o("socket-user", "name", None, None, None, None, "4.4.1",
       "Owner of the daemon's listening socket (name or #uid), for Apache children that run as another user."),
    _o("send-buffer-size", "bytes", "bytes", 512, INT_MAX, 0, "4.1.0",
       "Socket buffer for data from the daemon to Apache; 0: the system's default."),
    _o("receive-buffer-size", "bytes", "bytes", 512, INT_MAX, 0, "4.1.0",
       "Socket buffer for data from Apache to the daemon; 0: the system's default."),
    _o("header-buffer-size", "bytes", "bytes", 8192, INT_MAX, 32768, "4.1.0",
       "Largest response header line the daemon may return; mod_wsgi's minimum is 8192."),
    _o("response-buffer-size", "bytes", "bytes", 65536, INT_MAX, 65536, "4.4.7",
       "Buffer for response content from the daemon; mod_wsgi's minimum is 65536."),
    _o("response-socket-timeout", "int", "seconds", 0, INT_MAX, 0, "4.5.13",
       "Timeout of writes of the response to the client; 0: socket-timeout's."),
    _o("response-flush-delay", "int", "milliseconds", 0, INT_MAX, None, "6.1.0",
       "Delay before a partial response is flushed to the client."),
    _o("switch-interval", "float", "seconds", 0.0, None, None, "6.0.0",
       "Python's thread switch interval (sys.setswitchinterval) in the daemon."),
    _o("cpu-time-limit", "int", "seconds", 0, INT_MAX, 0, "4.1.0",
       "RLIMIT_CPU of each process: restart it after this much CPU time; 0: off."),
    _o("cpu-priority", "int", None, -20, 19, 0, "4.1.0", "Scheduling priority (nice) of the processes."),
    _o("memory-limit", "bytes", "bytes", 0, INT64_MAX, 0, "4.1.0",
       "RLIMIT_DATA of each process, in bytes; enforced only where the platform does (see rlimit_info)."),
    _o("virtual-memory-limit", "bytes", "bytes", 0, INT64_MAX, 0, "4.1.0",
       "RLIMIT_AS (or RLIMIT_VMEM) of each process, in bytes; enforced only where the platform does."),
    _o("server-metrics", "flag", None, None, None, "Off", "4.2.0",
       "Let the app read Apache's scoreboard through mod_wsgi.server_metrics()."),
    _o("newrelic-config-file", "path", None, None, None, None, "4.1.0",
       "New Relic agent configuration file for the daemon processes.", until="6.0.0"),
    _o("newrelic-environment", "text", None, None, None, None, "4.1.0",
       "New Relic agent environment for the daemon processes.", until="6.0.0"),
)

BY_KEY = dict((option.key, option) for option in OPTIONS)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_ID = re.compile(r"^#[0-9]+$")  # a user or group by number, as Apache's User and Group take them
_OCTAL = re.compile(r"^[0-7]{1,4}$")
_FLAGS = {"on": "On", "off": "Off", "true": "On", "false": "Off"}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT])(?:i?[bB])?\s*$")
_SIZE_FACTOR = {"k": 2 ** 10, "m": 2 ** 20, "g": 2 ** 30, "t": 2 ** 40}


class OptionError(ValueError):
    """A value that mod_wsgi would refuse, or that would not do what was meant."""


def version_tuple(text):
    return tuple(int(part) for part in str(text).split("."))


def _is_int(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.match(r"^-?[0-9]+$", value.strip()) is not None


def _byte_count_hint(value):
    match = _SIZE.match(str(value))
    if not match:
        return "a whole number of bytes, such as 536870912 for 512M"
    count = int(float(match.group(1)) * _SIZE_FACTOR[match.group(2).lower()])
    return "%d (that is %s) as a whole number of bytes" % (count, str(value).strip())


def _shown(option, value, where):
    """How errors name an option: ``site_apps[blog].daemon.threads=0``, or ``--threads=0`` on a command line."""
    if where is None:
        return "--%s=%s" % (option.name, value)
    return "%s.%s=%r" % (where, option.key, value)


def check_value(option, value, where):
    """The value mod_wsgi gets for ``option``, or OptionError naming ``where``, the value and the fix.

    ``where`` names the options in messages (``site_apps[blog].daemon``); None
    names them as command line flags (``--threads``).
    """
    shown = _shown(option, value, where)
    if option.kind in ("int", "bytes"):
        if not _is_int(value):
            if option.kind == "bytes":
                raise OptionError("%s is not a byte count: mod_wsgi takes %s" % (shown, _byte_count_hint(value)))
            raise OptionError("%s is not a whole number: set it to an integer%s" % (
                shown, " of %s" % option.unit if option.unit else ""))
        number = int(value)
        if number == option.default:  # mod_wsgi takes its default even outside the range (buffer sizes' 0)
            return number
        if number < option.minimum or (option.maximum is not None and number > option.maximum):
            raise OptionError("%s is out of range: %s must be between %d and %d%s%s" % (
                shown, option.name, option.minimum, option.maximum,
                " %s" % option.unit if option.unit else "",
                " (or %d, mod_wsgi's default)" % option.default
                if isinstance(option.default, int) and option.default < option.minimum else ""))
        return number
    if option.kind == "octal":
        if not isinstance(value, str) or not _OCTAL.match(value.strip()) or int(value, 8) > option.maximum:
            raise OptionError("%s is not a umask: write it as a quoted string of octal digits, such as '0027'%s" % (
                shown, " (YAML reads an unquoted 0027 as the number 23)" if isinstance(value, int) else ""))
        return "0%03o" % int(value, 8)
    if option.kind == "flag":
        text = str(value).strip().lower()
        if text not in _FLAGS:
            raise OptionError("%s is not On or Off: set it to true or false" % shown)
        return _FLAGS[text]
    if option.kind == "float":
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if isinstance(value, bool) or number is None or number <= option.minimum:
            raise OptionError("%s is not a positive number of %s" % (shown, option.unit))
        return number
    if option.kind == "name":
        if not isinstance(value, str) or not (_NAME.match(value) or _ID.match(value)):
            raise OptionError("%s is not a user or group name (or #number)" % shown)
        return value
    if option.kind in ("names", "paths"):
        items = value.split("," if option.kind == "names" else ":") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not items:
            raise OptionError("%s: give a non-empty list" % shown)
        single = BY_KEY["group" if option.kind == "names" else "home"]
        checked = []
        for item in items:
            try:
                checked.append(check_value(single, item, where))
            except OptionError:
                raise OptionError("%s: %r is not %s" % (
                    shown, item, "a group name" if option.kind == "names" else "an absolute path"))
        return checked
    if option.kind == "path":
        if not isinstance(value, str) or not value.startswith("/"):
            raise OptionError("%s is not an absolute path: mod_wsgi needs a path starting with /" % shown)
        return value
    if not isinstance(value, str) or not value or "\n" in value:
        raise OptionError("%s must be a non-empty single line of text" % shown)
    return value


def closest(key):
    """The valid option name nearest to a misspelt one, or None."""
    found = difflib.get_close_matches(str(key).replace("-", "_"), list(BY_KEY), n=1, cutoff=0.6)
    return found[0] if found else None


def validate(options, module_version=None, where="daemon"):
    """Check ``options`` (keys as in BY_KEY); return them as mod_wsgi gets them, in table order.

    ``module_version`` is the mod_wsgi release that will load the directive;
    options newer than it are refused.  Errors name ``where`` (None: command
    line flags), the option, the value and the fix.
    """
    if not isinstance(options, dict):
        raise OptionError("%s must be a dictionary of WSGIDaemonProcess options, not %r" % (where, options))
    for key in options:
        if key not in BY_KEY:
            near = closest(key)
            raise OptionError("%s.%s is not a WSGIDaemonProcess option: %s" % (
                where, key, "did you mean %s?" % near if near else "see the option table in the role's docs"))
    checked = []
    for option in OPTIONS:
        if option.key not in options or options[option.key] is None:
            continue
        if module_version and version_tuple(module_version) < version_tuple(option.since):
            if where is None:
                raise OptionError("--%s needs mod_wsgi %s or newer, and the module is mod_wsgi %s: "
                                  "remove the option or use a module built from %s or newer" % (
                                      option.name, option.since, module_version, option.since))
            raise OptionError("%s.%s needs mod_wsgi %s or newer, and this host gets mod_wsgi %s: "
                              "remove the option or set mod_wsgi_version to %s or newer" % (
                                  where, option.key, option.since, module_version, option.since))
        if module_version and option.until and version_tuple(module_version) >= version_tuple(option.until):
            if where is None:
                raise OptionError("--%s was removed in mod_wsgi %s, and the module is mod_wsgi %s: "
                                  "remove the option" % (option.name, option.until, module_version))
            raise OptionError("%s.%s was removed in mod_wsgi %s, and this host gets mod_wsgi %s: "
                              "remove the option, or set mod_wsgi_version to a release before %s" % (
                                  where, option.key, option.until, module_version, option.until))
        checked.append((option, check_value(option, options[option.key], where)))
    if {"script_user", "script_group"} <= set(option.key for option, value in checked):
        raise OptionError("%s sets both script-user and script-group: mod_wsgi takes one of them, remove the other"
                          % ("the command line" if where is None else where))
    return checked


def _quote(text):
    text = str(text)
    if text and not re.search(r"[\s\"'\\]", text):
        return text
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def render_value(option, value):
    if option.kind == "names":
        return _quote(",".join(value))
    if option.kind == "paths":
        return _quote(":".join(value))
    return _quote(value)


def render(name, options, module_version=None, where="daemon"):
    """The WSGIDaemonProcess directive for group ``name``."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise OptionError("%s: %r is not a usable daemon process group name (letters, digits, _ . -)" % (where, name))
    parts = ["WSGIDaemonProcess", name]
    for option, value in validate(options, module_version, where):
        parts.append("%s=%s" % (option.name, render_value(option, value)))
    return " ".join(parts)


HASH_SEED_MAX = 2 ** 32 - 1
# mod_wsgi 6.x reads WSGIPythonHashSeed with atol(), so 'random' becomes seed 0, which turns
# hash randomisation off (seen on 6.1.1).  Leaving the directive out gives Python's default,
# a random seed, which is what 'random' asks for.
HASH_SEED_RANDOM_BROKEN_SINCE = "6.0.0"


def python_hash_seed(seed, module_version=None, where="python_hash_seed"):
    """The WSGIPythonHashSeed value to write for ``seed``, or None to leave the directive out.

    ``seed`` is None (unset), 'random' or an integer in [0, 2**32-1].
    """
    if seed is None:
        return None
    text = str(seed).strip()
    if text != "random" and (isinstance(seed, bool) or not re.match(r"^[0-9]+$", text) or int(text) > HASH_SEED_MAX):
        raise OptionError("%s=%r is not valid for WSGIPythonHashSeed: use 'random' or an integer in [0, %d]"
                          " (or leave it unset)" % (where, seed, HASH_SEED_MAX))
    if text == "random" and module_version and \
            version_tuple(module_version) >= version_tuple(HASH_SEED_RANDOM_BROKEN_SINCE):
        return None
    return text


def doc_line(option):
    """One line describing ``option`` for argument_specs and the docs."""
    facts = [option.kind]
    if option.unit:
        facts.append(option.unit)
    if option.minimum is not None and option.kind in ("int", "bytes"):
        facts.append(">= %d" % option.minimum)
    if option.default is not None:
        facts.append("mod_wsgi default %s" % option.default)
    facts.append("since %s" % option.since)
    if option.until:
        facts.append("removed in %s" % option.until)
    return "C(%s) (%s): %s" % (option.key, ", ".join(facts), option.doc)
