"""The sample WSGI app: it reports where it runs (process group, mod_wsgi release, Python)."""
import json
import os
import sys


def application(environ, start_response):
    body = json.dumps({
        "pid": os.getpid(),
        "process_group": environ.get("mod_wsgi.process_group"),
        "mod_wsgi_version": list(environ.get("mod_wsgi.version", ())),
        "python": "%d.%d.%d" % sys.version_info[:3],
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
