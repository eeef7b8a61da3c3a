"""Find Apache httpd, its modules and the mod_wsgi module, and check the module fits this Python."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from wsgi_express._shared.layout import FINGERPRINT_PATH, MODULE_DIRS, MODULE_FILENAME, libpython_from_ldd, read_fingerprint
from wsgi_express.errors import ConfigurationError

APXS_NAMES = ("apxs", "apxs2")
HTTPD_NAMES = ("apache2", "httpd")
# Where distributions put httpd when apxs (the -dev package) is missing.
SBIN_DIRS = ("/usr/sbin", "/usr/local/apache2/bin", "/usr/local/sbin")
PACKAGED_MODULE = "mod_wsgi.so"
MIME_TYPES = ("/etc/mime.types", "/etc/apache2/mime.types", "/etc/httpd/conf/mime.types")


def _which(names, extra_dirs=()):
    path = os.pathsep.join([os.environ.get("PATH", "")] + list(extra_dirs))
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


APXS_VARIABLES = ("SBINDIR", "TARGET", "LIBEXECDIR")


class Memo(object):
    """What apxs and ``httpd -l`` answered (~45 ms of Perl and httpd), kept in a file of the server
    root and trusted while the program asked is the same file (path, size, modification time)."""

    def __init__(self, path=None):
        self.path, self.answers, self.used = path, {}, {}
        if path:
            try:
                with open(path) as fh:
                    self.answers = json.load(fh)
            except (OSError, ValueError):
                self.answers = {}

    def ask(self, program, question, compute):
        try:
            st = os.stat(program)
        except OSError:
            return compute()
        key = "%s %d %d %s" % (program, st.st_size, st.st_mtime_ns, question)
        self.used[key] = self.answers[key] if key in self.answers else compute()
        return self.used[key]

    def save(self):
        """Keep this run's answers (only these) for the next start."""
        if self.path and self.used != self.answers:
            write_json(self.path, self.used)


def write_json(path, data):
    """Replace ``path`` with ``data`` as JSON in one step (a reader sees the old file or the new)."""
    with open(path + ".new", "w") as out:
        json.dump(data, out)
    os.replace(path + ".new", path)


MEMO = Memo()


def remember_in(path):
    """Keep apxs's and httpd's answers in ``path`` (see Memo) from now on; returns the Memo."""
    global MEMO  # pylint: disable=global-statement
    MEMO = Memo(path)
    return MEMO


def _apxs_ask(apxs):
    """All of APXS_VARIABLES at once, in parallel: apxs's multi-variable form does not separate
    the answers reliably."""
    running = {}
    for name in APXS_VARIABLES:
        try:
            running[name] = subprocess.Popen([apxs, "-q", name], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                             text=True)
        except OSError:
            running[name] = None
    answers = {}
    for name, proc in running.items():
        try:
            answers[name] = proc.communicate(timeout=30)[0].strip() or None if proc else None
        except subprocess.SubprocessError:
            proc.kill()
            answers[name] = None
    return answers


def apxs_query(name):
    """``apxs -q NAME`` (one of APXS_VARIABLES), or None without apxs."""
    apxs = _which(APXS_NAMES, ("/usr/bin", "/usr/local/apache2/bin"))
    if not apxs:
        return None
    return MEMO.ask(apxs, "-q " + " ".join(APXS_VARIABLES), lambda: _apxs_ask(apxs))[name]


def httpd_executable(given=None):
    if given:
        if not (os.path.isfile(given) and os.stat(given).st_mode & 0o111):
            raise ConfigurationError("--httpd-executable=%s is not an executable file: give the path of "
                                     "Apache's httpd (apache2 on Debian)" % given)
        return given
    sbindir, target = apxs_query("SBINDIR"), apxs_query("TARGET")
    if sbindir and target and os.access(os.path.join(sbindir, target), os.X_OK):
        return os.path.join(sbindir, target)
    found = _which(HTTPD_NAMES, SBIN_DIRS)
    if not found:
        raise ConfigurationError("Apache httpd is not installed (no apxs, no apache2 or httpd in PATH or %s): "
                                 "install it (the wsgi.apache.mod_wsgi role does) or give --httpd-executable"
                                 % ", ".join(SBIN_DIRS))
    return found


def modules_directory(given=None):
    if given:
        if not os.path.isdir(given):
            raise ConfigurationError("--modules-directory=%s is not a directory: give the directory of "
                                     "Apache's modules (apxs -q LIBEXECDIR)" % given)
        return given
    libexecdir = apxs_query("LIBEXECDIR")
    if libexecdir and os.path.isdir(libexecdir):
        return libexecdir
    for candidate in MODULE_DIRS:
        if os.path.isdir(candidate):
            return candidate
    raise ConfigurationError("Apache's modules directory is not found (no apxs, none of %s): "
                             "give --modules-directory" % ", ".join(MODULE_DIRS))


def module_location(given=None, modules_dir=None):
    """The mod_wsgi module: the given path, else the role's build, else the packaged mod_wsgi.so."""
    if given:
        if not os.path.isfile(given):
            raise ConfigurationError("--module-path=%s does not exist: give the path of a mod_wsgi module "
                                     "(see wsgi-express module-location)" % given)
        return os.path.abspath(given)
    modules_dir = modules_dir or modules_directory()
    for name in (MODULE_FILENAME, PACKAGED_MODULE):
        candidate = os.path.join(modules_dir, name)
        if os.path.isfile(candidate):
            return candidate
    raise ConfigurationError("no mod_wsgi module in %s (neither %s, built by the wsgi.apache.mod_wsgi role, "
                             "nor %s): build it with the role, or give --module-path"
                             % (modules_dir, MODULE_FILENAME, PACKAGED_MODULE))


def module_python(path):
    """The Python (major, minor) a module embeds: from the role's fingerprint for the role's
    build, else from the libpython it links; None when neither tells."""
    if os.path.basename(path) == MODULE_FILENAME:
        build = (read_fingerprint(FINGERPRINT_PATH) or {}).get("build") or {}
        version = str(build.get("python_version") or "")
        if version.count(".") >= 1:
            return tuple(int(part) for part in version.split(".")[:2])
    ldd = shutil.which("ldd")
    if not ldd:
        return None
    try:
        out = subprocess.run([ldd, path], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return libpython_from_ldd(out)["python"]


def check_module_python(path, python=None):
    """Refuse a module built for another Python than the one running wsgi-express."""
    python = tuple(python or sys.version_info[:2])
    embedded = module_python(path)
    if embedded is not None and embedded != python:
        raise ConfigurationError(
            "%s embeds Python %d.%d, and wsgi-express runs on Python %d.%d: run wsgi-express from a "
            "Python %d.%d environment, or give --module-path of a mod_wsgi built for Python %d.%d"
            % (path, embedded[0], embedded[1], python[0], python[1], embedded[0], embedded[1], python[0], python[1]))


def compiled_in(httpd):
    """The modules built into httpd (``httpd -l``), such as {'mod_unixd.c', ...}."""
    def ask():
        try:
            out = subprocess.run([httpd, "-l"], capture_output=True, text=True, timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise ConfigurationError("cannot run %s -l: %s" % (httpd, exc))
        return sorted(line.strip() for line in out.splitlines() if line.strip().endswith(".c"))

    return set(MEMO.ask(httpd, "-l", ask))


def rotatelogs():
    """Apache's rotatelogs: next to httpd (apxs's SBINDIR), else on PATH or in /usr/bin."""
    sbindir = apxs_query("SBINDIR")
    return _which(["rotatelogs"], ([sbindir] if sbindir else []) + list(SBIN_DIRS) + ["/usr/bin"])


def bash():
    """bash, for an apachectl that renames the process it starts (exec -a); None if there is none."""
    return _which(["bash"], ["/bin", "/usr/bin"])


def mime_types():
    return next((path for path in MIME_TYPES if os.path.isfile(path)), None)


def load_modules(builtin, modules_dir, wanted):
    """(name, path) to load for each of ``wanted`` ((module_name, file) pairs, such as
    ('alias_module', 'mod_alias.so')) that is not in ``builtin`` (see compiled_in)."""
    lines = []
    for name, filename in wanted:
        if filename.replace(".so", ".c") in builtin:
            continue
        path = os.path.join(modules_dir, filename)
        if not os.path.isfile(path):
            raise ConfigurationError("Apache module %s is missing from %s: install it, or give "
                                     "--modules-directory" % (filename, modules_dir))
        lines.append((name, path))
    return lines


def mpm_module(builtin, modules_dir, preferred=()):
    """The MPM to load: the first of ``preferred`` (--server-mpm) whose module is there, else event, worker,
    prefork; None when httpd has one built in."""
    if builtin & {"event.c", "worker.c", "prefork.c"}:
        return None
    for mpm in list(preferred) + ["event", "worker", "prefork"]:
        if os.path.isfile(os.path.join(modules_dir, "mod_mpm_%s.so" % mpm)):
            return ("mpm_%s_module" % mpm, "mod_mpm_%s.so" % mpm)
    raise ConfigurationError("no Apache MPM module (mod_mpm_event.so, ...) in %s: give --modules-directory"
                             % modules_dir)
