"""What runs inside the daemon processes (and in the import check): load the app, watch its code."""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import runpy
import signal
import sys
import threading
import time
import traceback


def load(application_type, entry_point, callable_object="application"):
    """The WSGI callable of a script file or of a module ('pkg.mod' or 'pkg.mod:name')."""
    if application_type == "script":
        namespace = runpy.run_path(entry_point, run_name="_wsgi_express_script")
        name, application = callable_object, namespace.get(callable_object)
    else:
        module_name, dummy, name = entry_point.partition(":")
        name = name or callable_object
        application = getattr(importlib.import_module(module_name), name, None)
    if not callable(application):
        raise LookupError("%s defines no WSGI callable named %r (see --callable-object)" % (entry_point, name))
    return application


def _failure(exc):
    """One line for an exception: its type, message and the line of the app that raised it."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return "%s: %s (%s, line %s)" % (type(exc).__name__, exc.msg, exc.filename, exc.lineno)
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
              if "importlib" not in frame.filename and frame.filename != __file__ and "runpy" not in frame.filename]
    where = " (%s, line %d)" % (frames[-1].filename, frames[-1].lineno) if frames else ""
    return "%s: %s%s" % (type(exc).__name__, exc, where)


def check_main():
    """``python -c 'from wsgi_express.runtime import check_main; check_main()' TYPE ENTRY CALLABLE``:
    load the app as a daemon process would (the working directory first on sys.path); exit 1
    with one line on stderr if that fails."""
    application_type, entry_point, callable_object = sys.argv[1:4]
    sys.path.insert(0, os.getcwd())
    try:
        load(application_type, entry_point, callable_object)
    except BaseException as exc:  # the app's own failure, whatever it is, is the report
        sys.stderr.write(_failure(exc) + "\n")
        sys.exit(1)
    # What the app loaded, and the directories that held it: the launcher skips the next check
    # while all of them are as they were (see server._ImportCheck).
    files = _loaded_files([])
    sys.stdout.write(json.dumps(file_states(files | {os.path.dirname(path) for path in files})))


def file_states(paths):
    """{path: [size, mtime_ns]} of those of ``paths`` that exist."""
    states = {}
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        states[path] = [st.st_size, st.st_mtime_ns]
    return states


def _loaded_files(extra):
    files = set(extra)
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path:
            files.add(path)
    return files


# Each watched file's (size, mtime_ns) as the process loaded it: taken by monitor() for what is
# loaded when it is called, and for each module imported later by its import itself, so that a
# change made before the watcher's next scan is still a change.
_baseline = {}


def _state(path):
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _note(path):
    try:
        _baseline.setdefault(path, _state(path))
    except OSError:
        pass


def _note_imports():
    """Record each source file's state when an import reads it (CPython asks path_stats of every one)."""
    loader = importlib.machinery.SourceFileLoader
    original = loader.path_stats
    if getattr(original, "_wsgi_express", False):
        return

    def path_stats(self, path):
        _note(path)
        return original(self, path)

    path_stats._wsgi_express = True
    loader.path_stats = path_stats


def _changed(extra):
    """The first loaded file whose state differs from its baseline, or None."""
    for path in _loaded_files(extra):
        try:
            state = _state(path)
        except OSError:
            continue
        if _baseline.setdefault(path, state) != state:
            return path
    return None


def _watch(interval, extra):
    while True:
        path = _changed(extra)
        if path:
            sys.stderr.write("wsgi-express: %s changed, restarting daemon process %d\n" % (path, os.getpid()))
            sys.stderr.flush()
            # mod_wsgi shuts a daemon process down on SIGINT; Apache starts a new one.
            os.kill(os.getpid(), signal.SIGINT)
            return
        time.sleep(interval)


def monitor(interval, extra_files=()):
    """Restart this daemon process when a loaded Python file (or one of ``extra_files``) changes.

    Changes count from this call for what is loaded already, and from its import for a module
    imported later."""
    extra = list(extra_files)
    _note_imports()
    for path in _loaded_files(extra):
        _note(path)
    thread = threading.Thread(target=_watch, args=(interval, extra), name="wsgi-express-monitor")
    thread.daemon = True
    thread.start()
    return thread
