"""The page wsgi-express serves when it is given no application: the install works, and how to go on."""

from __future__ import annotations

import html
import os
import sys

from wsgi_express import __version__

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>wsgi-express is working</title></head>
<body>
<h1>wsgi-express is working</h1>
<p>Apache httpd and mod_wsgi %(mod_wsgi)s serve this page from a daemon process (pid %(pid)d) of
wsgi-express %(version)s, with Python %(python)s.</p>
<p>To serve your application instead, name its WSGI script file:
<code>wsgi-express start-server wsgi.py</code>; for Django, add <code>wsgi_express.django</code> to
INSTALLED_APPS and run <code>python manage.py runmodwsgi</code>. <code>wsgi-express start-server --help</code>
lists the options.</p>
</body></html>
"""


def application(environ, start_response):
    try:
        import mod_wsgi  # pylint: disable=import-outside-toplevel,import-error  # only inside mod_wsgi
        module = ".".join(str(part) for part in mod_wsgi.version)
    except ImportError:
        module = "(not loaded)"
    body = (PAGE % {"mod_wsgi": html.escape(module), "pid": os.getpid(), "version": html.escape(__version__),
                    "python": html.escape(sys.version.split()[0])}).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body] if environ["REQUEST_METHOD"] != "HEAD" else []
