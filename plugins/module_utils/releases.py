# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An app's releases on its host: each deployed version of its code, environment and entry point in
a directory of its own, the live one reached through one link that is switched atomically.

    ROOT/releases/ID/code/          the app's files (or a link to the app's own directory, for path apps)
    ROOT/releases/ID/env.json       its environment (0640, the app's group)
    ROOT/releases/ID/release.json   id, digest, created, entry point, virtualenv
    ROOT/releases/ID/venv           link to ROOT/venvs/KEY, when the app has requirements
    ROOT/venvs/KEY/                 a virtualenv, shared by the releases of the same requirements and Python
    ROOT/current                    the live release: a link to releases/ID, the one link a switch changes
    ROOT/app                        link to current/code: the live release's code
    ROOT/venv                       link to current/venv: the live release's virtualenv (python-home)
    ROOT/env.json                   link to current/env.json: the live release's environment
    ROOT/history.json               the ids in the order they went live (rollback goes one back)

An ID is the UTC time it was made and the first 12 hex digits of its digest, so ids sort by age and
the same content never makes a second release.  Only the host's root writes here; the app's user
reads.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shlex
import shutil
import tempfile
import time

RELEASES = "releases"
VENVS = "venvs"
CURRENT = "current"
LIVE = "app"
VENV = "venv"
CODE = "code"
IMPORT_TIMEOUT = 300  # seconds the import check may take
COMMAND_TIMEOUT = 600  # seconds a build or release command may take
BUILD_LOG = "build.log"  # in the release: what its build commands printed
RELEASE_LOG = "release.log"  # in the release: what its release commands printed
RELEASED = "released.json"  # in the release: the release commands that succeeded against it
TIMED_OUT, TIMED_OUT_KILLED = 124, 137  # coreutils timeout's exit status: TERM, or KILL after it
HISTORY = "history.json"
RELEASE_FILE = "release.json"
ENV_FILE = "env.json"
STAGING = ".staging-"
INCOMPLETE = ".incomplete"
LEGACY = "-legacy"
RENAME_EXCHANGE = 2
AT_FDCWD = -100


class ReleaseError(Exception):
    """Something the user can act on; the module reports its text."""


def digest_of(parts):
    """SHA-256 of a JSON-able description (sorted keys): the identity of a release's content."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def new_id(digest, now=None):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)) + "-" + digest[:12]


def _write(path, text, mode, gid=-1):
    """Write a file whole, with its mode and group set before it takes its name."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chown(tmp, 0, gid)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _link(path, target):
    """Point the link ``path`` at ``target`` in one rename (readers see the old or the new one)."""
    if os.path.islink(path) and os.readlink(path) == target:
        return False
    tmp = os.path.join(os.path.dirname(path), ".link-%d-%s" % (os.getpid(), os.path.basename(path)))
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, path)
    return True


def exchange(a, b):
    """Swap two paths in one step (renameat2 RENAME_EXCHANGE), such as a directory and a link."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, "cannot exchange %s and %s: %s" % (a, b, os.strerror(code)))


def tree_size(path):
    total = 0
    for top, dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(top, name)).st_size
            except OSError:
                pass
    return total


class Releases(object):
    def __init__(self, root):
        self.root = root
        self.releases = os.path.join(root, RELEASES)
        self.venvs = os.path.join(root, VENVS)
        self.current_link = os.path.join(root, CURRENT)
        self.live_link = os.path.join(root, LIVE)
        self.venv_link = os.path.join(root, VENV)
        self.env_link = os.path.join(root, ENV_FILE)
        self.history_file = os.path.join(root, HISTORY)

    # ------------------------------------------------------------------ reading

    def path(self, rid):
        return os.path.join(self.releases, rid)

    def read(self, rid):
        """A complete release's release.json, or None."""
        try:
            with open(os.path.join(self.path(rid), RELEASE_FILE)) as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def ids(self):
        """The complete releases, oldest first (by the time recorded when each was made)."""
        if not os.path.isdir(self.releases):
            return []
        records = [(name, self.read(name)) for name in os.listdir(self.releases) if not name.startswith(".")]
        return [name for name, record in sorted(
            ((name, record) for name, record in records if record is not None),
            key=lambda pair: (str(pair[1].get("created") or ""), pair[0]))]

    def find(self, digest):
        """The newest complete release with this digest, or None."""
        for rid in reversed(self.ids()):
            if (self.read(rid) or {}).get("digest") == digest:
                return rid
        return None

    def legacy(self):
        """The app's code is a plain directory at ROOT/app, as 0.1.0 of the roles left it."""
        return os.path.isdir(self.live_link) and not os.path.islink(self.live_link)

    def live(self):
        """The live release's id, or None (no release yet, or the legacy layout)."""
        if not os.path.islink(self.current_link):
            return None
        parts = os.readlink(self.current_link).split(os.sep)
        return parts[1] if len(parts) == 2 and parts[0] == RELEASES else None

    def history(self):
        try:
            with open(self.history_file) as fh:
                return [rid for rid in json.load(fh) if isinstance(rid, str)]
        except (OSError, ValueError):
            return []

    def previous(self):
        """The release that was live before the live one, if it is still there."""
        live, kept = self.live(), set(self.ids())
        earlier = [rid for rid in self.history() if rid != live and rid in kept]
        return earlier[-1] if earlier else None

    def report(self):
        live, previous = self.live(), self.previous()
        return [dict(id=rid, created=(self.read(rid) or {}).get("created"), live=rid == live,
                     previous=rid == previous, size=tree_size(self.path(rid)),
                     venv=(self.read(rid) or {}).get("venv")) for rid in self.ids()]

    # ------------------------------------------------------------------ making

    def staging(self, rid):
        return os.path.join(self.releases, STAGING + rid)

    def begin(self, rid):
        """An empty staging directory for a release (a leftover of an interrupted run is removed)."""
        staging = self.staging(rid)
        if os.path.lexists(staging):
            shutil.rmtree(staging)
        os.makedirs(staging, mode=0o755)
        os.chmod(self.root, 0o755)
        os.chmod(self.releases, 0o755)
        return staging

    def finish(self, rid, record, environment, gid, venv_key=None):
        """Write the release's files into its staging directory and give it its name."""
        staging = self.staging(rid)
        _write(os.path.join(staging, ENV_FILE), json.dumps(environment, indent=1, sort_keys=True) + "\n", 0o640, gid)
        if venv_key:
            os.symlink(os.path.join("..", "..", VENVS, venv_key), os.path.join(staging, VENV))
        _write(os.path.join(staging, RELEASE_FILE), json.dumps(record, indent=1, sort_keys=True) + "\n", 0o644)
        os.rename(staging, self.path(rid))

    def keep_log(self, rid, name, text, gid, staged=False):
        """What a release's commands printed, kept in it (readable by root and the app's group)."""
        _write(os.path.join(self.staging(rid) if staged else self.path(rid), name), text, 0o640, gid)

    def released(self, rid):
        """The release commands that succeeded against ``rid`` (None if none did)."""
        try:
            with open(os.path.join(self.path(rid), RELEASED)) as fh:
                return json.load(fh)["commands"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def mark_released(self, rid, commands):
        _write(os.path.join(self.path(rid), RELEASED), json.dumps(dict(commands=commands)) + "\n", 0o644)

    def discard(self, rid):
        shutil.rmtree(self.staging(rid), ignore_errors=True)

    # ------------------------------------------------------------------ virtualenvs

    def venv_path(self, key):
        return os.path.join(self.venvs, key)

    def venv(self, key, python, requirements, extra, run):
        """Make the virtualenv of ``key`` unless it is there complete; True if it was made.

        A venv records its own path in its scripts, so it is built where it stays, marked
        incomplete until pip is done; an incomplete one is built again."""
        path = self.venv_path(key)
        marker = os.path.join(path, INCOMPLETE)
        if os.path.isdir(path) and not os.path.exists(marker):
            return False
        if os.path.lexists(path):
            shutil.rmtree(path)
        os.makedirs(self.venvs, mode=0o755, exist_ok=True)
        run([python, "-m", "venv", path], "make the virtualenv %s" % path)
        open(marker, "w").close()
        pip = [os.path.join(path, "bin", "pip"), "install", "--disable-pip-version-check", "-q"]
        if requirements:
            run(pip + ["-r", requirements], "install %s into %s" % (requirements, path))
        if extra:
            run(pip + list(extra), "install %s into %s" % (" ".join(extra), path))
        os.unlink(marker)
        return True

    # ------------------------------------------------------------------ going live

    def switch(self, rid):
        """Make ``rid`` the live release in one step; returns the id that was live (None if none).

        The first switch of an app in the legacy layout exchanges its ROOT/app directory (and its
        ROOT/venv directory) with the links (renameat2), so that there is no moment without them,
        and keeps what they held as a release of its own."""
        if self.read(rid) is None:
            raise ReleaseError("release %s of %s does not exist (or is incomplete): it cannot go live"
                               % (rid, self.root))
        was = self.live()
        _link(self.current_link, os.path.join(RELEASES, rid))
        old_code = self._swap(self.live_link, os.path.join(CURRENT, CODE))
        old_venv = self._swap(self.venv_link, os.path.join(CURRENT, VENV))
        if old_code:
            was = self._keep_legacy(old_code, old_venv, (self.read(rid) or {}).get("entry"))
        elif old_venv:
            shutil.rmtree(old_venv)
        _link(self.env_link, os.path.join(CURRENT, ENV_FILE))  # replaces 0.1.0's file (kept above)
        if was != rid:
            history = [h for h in self.history() if h != rid] + [rid]
            _write(self.history_file, json.dumps(history) + "\n", 0o644)
        return was

    def _swap(self, path, target):
        """Point the link ``path`` at ``target``. A directory there (the legacy layout) is exchanged
        with the new link in one step and returned under its temporary name."""
        if os.path.isdir(path) and not os.path.islink(path):
            tmp = os.path.join(self.root, ".legacy-%d-%s" % (os.getpid(), os.path.basename(path)))
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(target, tmp)
            exchange(tmp, path)
            return tmp
        _link(path, target)
        return None

    def _keep_legacy(self, old_code, old_venv, entry):
        """0.1.0's code directory (and virtualenv, and environment file), swapped out by the first
        switch, become a release of their own, which a rollback can go back to (with the entry point
        of the release that replaced it). Returns its id."""
        made = os.stat(old_code).st_mtime
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(made))
        rid = stamp + LEGACY
        target = self.path(rid)
        os.makedirs(target)
        os.rename(old_code, os.path.join(target, CODE))
        key = None
        if old_venv:
            key = rid
            os.makedirs(self.venvs, mode=0o755, exist_ok=True)
            os.rename(old_venv, self.venv_path(key))
            os.symlink(os.path.join("..", "..", VENVS, key), os.path.join(target, VENV))
        old_env = os.path.join(self.root, ENV_FILE)
        if os.path.isfile(old_env) and not os.path.islink(old_env):
            shutil.copy2(old_env, os.path.join(target, ENV_FILE))
            st = os.stat(old_env)
            os.chown(os.path.join(target, ENV_FILE), st.st_uid, st.st_gid)
        _write(os.path.join(target, RELEASE_FILE), json.dumps(
            dict(id=rid, digest=None, created=time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(made)),
                 legacy=True, entry=entry, venv=key), indent=1) + "\n", 0o644)
        _write(self.history_file, json.dumps([rid]) + "\n", 0o644)
        return rid

    # ------------------------------------------------------------------ pruning

    def prune(self, keep):
        """Remove the oldest releases beyond ``keep`` (never the live or the previous one), then
        the virtualenvs no release uses. Returns the ids removed."""
        live, previous = self.live(), self.previous()
        ids = self.ids()
        removable = [rid for rid in ids if rid not in (live, previous)]
        excess = max(0, len(ids) - max(keep, 0))
        removed = removable[:excess]
        for rid in removed:
            shutil.rmtree(self.path(rid))
        used = {(self.read(rid) or {}).get("venv") for rid in self.ids()}
        if os.path.isdir(self.venvs):
            for key in os.listdir(self.venvs):
                if key not in used and not key.startswith("."):
                    shutil.rmtree(os.path.join(self.venvs, key))
        for name in os.listdir(self.releases) if os.path.isdir(self.releases) else []:
            if name.startswith(STAGING):
                shutil.rmtree(os.path.join(self.releases, name), ignore_errors=True)
        if removed:
            kept = set(self.ids())
            _write(self.history_file, json.dumps([h for h in self.history() if h in kept]) + "\n", 0o644)
        return removed


def _tool(name):
    """A program of the host, wherever it has it (the commands it runs get a PATH of their own)."""
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin") or name


def confined(argv, user=None, env=None, timeout=None):
    """The command line that runs ``argv`` as ``user``, with only ``env`` in its environment (None:
    the caller's), and stops it with everything it started after ``timeout`` seconds: coreutils'
    timeout puts the command in a process group of its own and signals the group (TERM, then KILL
    10 s later)."""
    prefix = []
    if timeout:
        prefix += [_tool("timeout"), "--kill-after=10", str(timeout)]
    if env is not None:
        prefix += [_tool("env"), "-i"] + ["%s=%s" % item for item in sorted(env.items())]
    if user:
        prefix += [_tool("runuser"), "-u", user, "--"]
    return prefix + list(argv)


def run_checked(run, argv, what, cwd=None, user=None):
    """Run a command through ``run`` (AnsibleModule.run_command's signature and result); its stdout,
    or ReleaseError with its last lines if it fails."""
    rc, out, err = run(confined(argv, user=user), cwd=cwd)
    if rc != 0:
        lines = (err.strip() or out.strip()).splitlines()
        raise ReleaseError("could not %s: %s" % (what, " | ".join(lines[-3:]) or "exit status %d" % rc))
    return out


def status_text(codes):
    """HTTP statuses as ranges: [200, 201, 202, 301] is '200-202,301'."""
    parts, codes = [], sorted(set(int(code) for code in codes))
    for code in codes:
        if parts and parts[-1][1] == code - 1:
            parts[-1][1] = code
        else:
            parts.append([code, code])
    return ",".join("%d-%d" % (low, high) if high > low else "%d" % low for low, high in parts)


def import_error(run, loader, python, code, entry, env_file, user, timeout=IMPORT_TIMEOUT, health=None):
    """Load the app as its daemon would (its Python, its user, its environment, its code first on
    sys.path) and, with ``health`` ({path, host, status}), ask it for its health URL once, through
    ``run`` (as run_checked's): None when it loads and answers, else the one line saying why not.

    After ``timeout`` seconds the loader prints where the app is (faulthandler), and coreutils' timeout
    stops it 2 s later with everything it started."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    argv = [python, loader, entry["type"], entry["value"], entry.get("callable", "application"), env_file,
            "--timeout", str(timeout)]
    if health:
        argv += ["--get", health["path"], "--host", health.get("host") or "localhost",
                 "--port", str(health.get("port") or 80), "--status", status_text(health["status"])]
    rc, dummy, err = run(confined(argv, user=user, env=env, timeout=timeout + 2), cwd=code)
    if rc == 0:
        return None
    lines = err.strip().splitlines()
    if rc in (TIMED_OUT, TIMED_OUT_KILLED):
        frames = [line.strip() for line in lines if line.strip().startswith("File ") and "<frozen" not in line
                  and "importlib" not in line and os.path.basename(loader) not in line]
        where = "; it was at " + frames[0] if frames else ""
        return "it did not load%s within %d s%s" % (" and answer" if health else "", timeout, where)
    return lines[-1] if lines else "exit status %d" % rc


def command_env(environment, code, venv=None):
    """The environment of a build or release command: the app's own, its code on PYTHONPATH (as the
    daemon's python-path), the release's virtualenv first on PATH."""
    path = "/usr/local/bin:/usr/bin:/bin"
    env = dict(environment, LANG=environment.get("LANG", "C.UTF-8"), PYTHONPATH=code,
               PATH=os.path.join(venv, "bin") + ":" + path if venv else path)
    if venv:
        env["VIRTUAL_ENV"] = venv
    return env


def run_commands(run, commands, code, user, env, timeout, step):
    """Run each command (split as a shell splits words; no shell runs it) in ``code`` as ``user``
    with only ``env``, each stopped with everything it started after ``timeout`` seconds, up to the
    first that fails. Returns what they printed and None, or the reason of the one that failed,
    naming the step, the command, its exit status (or the time limit) and its last lines."""
    transcript = []
    for command in commands:
        rc, out, err = run(confined(shlex.split(command), user=user, env=env, timeout=timeout), cwd=code)
        transcript.append("$ %s\n%s%s" % (command, out, err))
        if rc != 0:
            lines = [line for line in (out + err).strip().splitlines() if line.strip()]
            why = ("did not end within %d s (stopped with every process it started)" % timeout
                   if rc in (TIMED_OUT, TIMED_OUT_KILLED) else "exited with status %d" % rc)
            return "".join(transcript), "%s command '%s' %s%s" % (
                step, command, why, ": " + " | ".join(lines[-5:]) if lines else "")
    return "".join(transcript), None


def errno_of(exc):
    return getattr(exc, "errno", None) or errno.EIO
