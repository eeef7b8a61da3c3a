# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load a WSGI application as a daemon process would, and say in one line why it fails.

One implementation for the wsgi-express launcher (its daemon processes and its import check, through
the package's ``_shared`` link) and for the roles' check of a new release, which runs this file with
the release's Python as the app's user:

    python apploader.py KIND ENTRY CALLABLE [ENV_JSON] [--get PATH --host HOST --port N --status CODES] [--timeout S]

exits 0 when the app loads (and, with --get, answers GET PATH with one of CODES, such as 200-399),
or 1 with the failure on stderr.  With --timeout, an app still loading (or answering) after S seconds
prints its threads' stacks (faulthandler): whoever runs it stops it, with what it started, soon after.
Standard library only: it runs in the app's own Python.
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib
import io
import json
import os
import runpy
import sys
import traceback


def load(application_type, entry_point, callable_object="application"):
    """The WSGI callable of a script file, of a module ('pkg.mod' or 'pkg.mod:name') or of a Paste
    Deploy configuration file (paste)."""
    if application_type == "script":
        namespace = runpy.run_path(entry_point, run_name="_wsgi_app_script")
        name, application = callable_object, namespace.get(callable_object)
    elif application_type == "paste":
        from paste.deploy import loadapp  # pylint: disable=import-outside-toplevel,import-error
        name, application = "main", loadapp("config:%s" % os.path.abspath(entry_point))
    else:
        module_name, dummy, name = entry_point.partition(":")
        name = name or callable_object
        application = getattr(importlib.import_module(module_name), name, None)
    if not callable(application):
        raise LookupError("%s defines no WSGI callable named %r" % (entry_point, name))
    return application


def failure(exc, skip=()):
    """One line for an exception: its type, message and the line of the app that raised it (not
    a line of this file, of the import machinery, or of the files in ``skip``)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return "%s: %s (%s, line %s)" % (type(exc).__name__, exc.msg, exc.filename, exc.lineno)
    ours = {__file__} | set(skip)
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
              if "importlib" not in frame.filename and frame.filename not in ours and "runpy" not in frame.filename]
    where = " (%s, line %d)" % (frames[-1].filename, frames[-1].lineno) if frames else ""
    return "%s: %s%s" % (type(exc).__name__, exc, where)


def statuses(text):
    """The HTTP statuses of '200-399' or '200,204' (ranges and codes, comma-separated)."""
    codes = set()
    for part in text.split(","):
        low, dummy, high = part.strip().partition("-")
        codes.update(range(int(low), int(high or low) + 1))
    return codes


def request(application, path, host, port=80):
    """The status line the app answers one GET of ``path`` for ``host`` on ``port`` with, as a WSGI
    server hands it the request; the body is read and closed as a server would."""
    path, dummy, query = path.partition("?")
    environ = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
               "SERVER_NAME": host, "SERVER_PORT": str(port), "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_HOST": host if int(port) == 80 else "%s:%s" % (host, port),
               "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
               "wsgi.multiprocess": True, "wsgi.run_once": False}
    seen = []

    def start_response(status, headers, exc_info=None):  # pylint: disable=unused-argument
        seen.append(status)
        return lambda data: None

    body = application(environ, start_response)
    try:
        for dummy in body:
            pass
    finally:
        if hasattr(body, "close"):
            body.close()
    return seen[-1] if seen else "no status (start_response was not called)"


def main(argv=None):
    """Load the app with the working directory first on sys.path (and the environment of ENV_JSON,
    if given), and with --get ask it once; exit 1 with one line on stderr if that fails."""
    parser = argparse.ArgumentParser(prog="apploader.py")
    for name in ("kind", "entry", "callable"):
        parser.add_argument(name)
    parser.add_argument("env_json", nargs="?")
    parser.add_argument("--get", metavar="PATH", help="ask the app for PATH once it is loaded")
    parser.add_argument("--host", default="localhost", help="the host name that request is for")
    parser.add_argument("--port", type=int, default=80, help="the port it came to")
    parser.add_argument("--status", default="200-399", help="the statuses that pass, such as 200-399")
    parser.add_argument("--timeout", type=float, help="seconds before the stacks are printed")
    args = parser.parse_args(argv)
    if args.timeout:
        faulthandler.dump_traceback_later(args.timeout)
    if args.env_json:
        with open(args.env_json) as fh:
            os.environ.update(json.load(fh))
    sys.path.insert(0, os.getcwd())
    try:
        application = load(args.kind, args.entry, args.callable)
        if args.get:
            status = request(application, args.get, args.host, args.port)
            if not status[:3].isdigit() or int(status[:3]) not in statuses(args.status):
                sys.stderr.write("GET %s (Host %s) answered %s, where %s passes\n"
                                 % (args.get, args.host, status, args.status))
                return 1
    except BaseException as exc:  # the app's own failure, whatever it is, is the report
        sys.stderr.write(failure(exc) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
