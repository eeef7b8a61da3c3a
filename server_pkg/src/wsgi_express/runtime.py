"""What runs inside the daemon processes (and in the import check): load the app, watch its code."""

from __future__ import annotations

import importlib.machinery
import json
import os
import runpy
import signal
import sys
import threading
import time

from wsgi_express._shared import apploader


def load(application_type, entry_point, callable_object="application"):
    """The WSGI callable of a script file or of a module ('pkg.mod' or 'pkg.mod:name')."""
    try:
        return apploader.load(application_type, entry_point, callable_object)
    except LookupError as exc:
        raise LookupError("%s (see --callable-object)" % exc) from None


def mounted(application, mount_point):
    """The app as WSGIHandlerScript (--document-root) should call it: Apache splits a URL at its first
    path segment that is no file, so SCRIPT_NAME becomes the mount point and PATH_INFO the rest again."""
    prefix = mount_point.rstrip("/")

    def handle(environ, start_response):
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if path == prefix or path.startswith(prefix + "/"):
            environ["SCRIPT_NAME"], environ["PATH_INFO"] = prefix, path[len(prefix):]
        return application(environ, start_response)

    return handle


def resources(scripts):
    """The --add-handler handler: a document-root file is handled by the script of its extension
    ((extension, script) pairs), with the script's handle_request, else its application (as mod_wsgi-express)."""
    handlers = {}
    for extension, script in scripts:
        namespace = runpy.run_path(script, run_name="_wsgi_resource_%s" % extension.strip(".").replace(".", "_"))
        handler = namespace.get("handle_request") or namespace.get("application")
        if not callable(handler):
            raise LookupError("%s (--add-handler %s) defines neither handle_request nor application" % (script, extension))
        handlers[extension] = handler

    def handle(environ, start_response):
        return handlers[os.path.splitext(environ["SCRIPT_FILENAME"])[1]](environ, start_response)

    return handle


def read_environment(path):
    """Update os.environ from a JSON object in ``path`` (--environment-file), if there is one."""
    try:
        with open(path) as fh:
            values = json.load(fh)
    except FileNotFoundError:
        return
    os.environ.update({str(name): str(value) for name, value in values.items()})


def pin_working_directory():
    """Put the working directory, as the kernel resolved it when the process went there, first on sys.path."""
    here = os.getcwd()
    if not sys.path or sys.path[0] != here:
        sys.path.insert(0, here)


def _failure(exc):
    return apploader.failure(exc, skip=(__file__,))


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
