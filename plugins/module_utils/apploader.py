# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load a WSGI application as a daemon process would, and say in one line why it fails.

One implementation for the wsgi-express launcher (its daemon processes and its import check, through
the package's ``_shared`` link) and for the roles' import check of a new release, which runs this
file with the release's Python as the app's user:

    python apploader.py KIND ENTRY CALLABLE [ENV_JSON]

exits 0 when the app loads, or 1 with the failure on stderr.  Standard library only: it runs in
the app's own Python.
"""

from __future__ import annotations

import importlib
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


def main(argv=None):
    """Load the app with the working directory first on sys.path (and the environment of ENV_JSON,
    if given); exit 1 with one line on stderr if that fails."""
    args = sys.argv[1:] if argv is None else argv
    application_type, entry_point, callable_object = args[:3]
    if len(args) > 3:
        with open(args[3]) as fh:
            os.environ.update(json.load(fh))
    sys.path.insert(0, os.getcwd())
    try:
        load(application_type, entry_point, callable_object)
    except BaseException as exc:  # the app's own failure, whatever it is, is the report
        sys.stderr.write(failure(exc) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
