"""What runs inside the daemon processes (and in the import check): load the app, watch its code."""

from __future__ import annotations

import importlib
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


def _watch(interval, extra):
    seen = {}
    while True:
        for path in _loaded_files(extra):
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue
            if seen.setdefault(path, mtime) != mtime:
                sys.stderr.write("wsgi-express: %s changed, restarting daemon process %d\n" % (path, os.getpid()))
                sys.stderr.flush()
                # mod_wsgi shuts a daemon process down on SIGINT; Apache starts a new one.
                os.kill(os.getpid(), signal.SIGINT)
                return
        time.sleep(interval)


def monitor(interval, extra_files=()):
    """Restart this daemon process when a loaded Python file (or one of ``extra_files``) changes."""
    thread = threading.Thread(target=_watch, args=(interval, list(extra_files)), name="wsgi-express-monitor")
    thread.daemon = True
    thread.start()
    return thread
