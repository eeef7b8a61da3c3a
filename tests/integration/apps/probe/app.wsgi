# PROBE-SOURCE-MARKER: if a client ever sees this line, the source was served.
"""A WSGI app whose endpoints report what the behaviour tests observe."""
import grp
import importlib
import json
import os
import pwd
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _json(start_response, data, status="200 OK", headers=()):
    body = json.dumps(data).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))] + list(headers))
    return [body]


def _query(environ):
    pairs = (item.split("=", 1) for item in environ.get("QUERY_STRING", "").split("&") if "=" in item)
    return dict(pairs)


def _umask():
    """The process's umask as Linux reports it (no os.umask() round trip, which other threads would see)."""
    with open("/proc/self/status") as status:
        return next((line.split()[1] for line in status if line.startswith("Umask:")), None)


def _server_metrics():
    """Whether mod_wsgi.server_metrics() gives this process Apache's scoreboard."""
    try:
        import mod_wsgi  # pylint: disable=import-outside-toplevel
        return mod_wsgi.server_metrics() is not None
    except Exception:  # pylint: disable=broad-except
        return False


_PROCESS = {}


def _process():
    """What stays the same for the life of a process (its accounts, libraries, umask), read once per process:
    the tests' load asks /env hundreds of times a second, and reading /proc/self/maps each time doubled the
    host's CPU per request."""
    if _PROCESS.get("pid") != os.getpid():
        _PROCESS.clear()
        _PROCESS.update({
            "pid": os.getpid(),
            "user": pwd.getpwuid(os.getuid()).pw_name,
            "group": grp.getgrgid(os.getgid()).gr_name,
            "groups": sorted(grp.getgrgid(g).gr_name for g in os.getgroups()),
            "python_version": "%d.%d.%d" % sys.version_info[:3],
            "python_base_prefix": sys.base_prefix,
            "libpython": sorted({line.split()[-1] for line in open("/proc/self/maps") if "/libpython" in line}),
            "umask": _umask(),
            "server_metrics": _server_metrics(),
        })
    return _PROCESS


def env(environ, start_response):
    if os.environ.get("PROBE_UNHEALTHY"):  # a release that loads but does not work
        return _json(start_response, {"unhealthy": True}, "503 Service Unavailable")
    if os.environ.get("PROBE_UNHEALTHY_LIVE") and "mod_wsgi.process_group" in environ:  # only once it serves
        return _json(start_response, {"unhealthy": True}, "500 Internal Server Error")
    return _json(start_response, {
        **_process(),
        "wsgi_version": list(environ["wsgi.version"]),
        "url_scheme": environ["wsgi.url_scheme"],
        "has_HTTPS": "HTTPS" in environ,
        "cwd": os.getcwd(),
        "sys_path": sys.path[:3],
        "process_group": environ.get("mod_wsgi.process_group"),
        "application_group": environ.get("mod_wsgi.application_group"),
        "hash_x": hash("x"),
        "dont_write_bytecode": sys.dont_write_bytecode,
        "environment": {k: v for k, v in os.environ.items() if k.startswith("PROBE_")},
    })


def sleep(environ, start_response):
    seconds = float(_query(environ).get("s", "1"))
    started = time.time()
    time.sleep(seconds)
    return _json(start_response, {"slept": time.time() - started, "pid": os.getpid(), "reloaded": RELOADED})


def header(environ, start_response):
    size = int(_query(environ).get("size", "20000"))
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Big", "b" * size)])
    return [b"big header sent"]


AUTH_HEADERS = ['Basic realm="probe, with comma"', 'Digest realm="probe", nonce="abc, def", qop="auth"']


def auth(environ, start_response):
    start_response("401 Unauthorized", [("Content-Type", "text/plain")]
                   + [("WWW-Authenticate", value) for value in AUTH_HEADERS])
    return [b"who are you?"]


def alloc(environ, start_response):
    mib = int(_query(environ).get("mb", "16"))
    try:
        block = bytearray(mib * 2 ** 20)
        block[-1] = 1
    except MemoryError:
        return _json(start_response, {"allocated": False, "pid": os.getpid()}, "507 Insufficient Storage")
    return _json(start_response, {"allocated": True, "pid": os.getpid()})


def bytecode(environ, start_response):
    directory = tempfile.mkdtemp(prefix="probe-bytecode-")
    name = "probe_fresh_%d_%d" % (os.getpid(), int(time.time() * 1e6))
    with open(os.path.join(directory, name + ".py"), "w") as source:
        source.write("VALUE = 42\n")
    sys.path.insert(0, directory)
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(directory)
    cache = os.path.join(directory, "__pycache__")
    written = sorted(os.listdir(cache)) if os.path.isdir(cache) else []
    return _json(start_response, {"value": module.VALUE, "pyc": written})


def file(environ, start_response):
    handle = open(os.path.join(HERE, "static", "blob.bin"), "rb")
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return environ["wsgi.file_wrapper"](handle, 8192)


TEXT = "na\u00efve caf\u00e9 \u2603 \u20ac"


def unicode(environ, start_response):
    encoded = TEXT.encode("utf-8") + b"|" + TEXT.encode("ascii", "xmlcharrefreplace")
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                              ("X-Application-Group", environ.get("mod_wsgi.application_group", "?"))])
    return [encoded]


# A test appends RELOADED = "yes" to this file on a host: a process that reloaded the app says so.
RELOADED = "no"


def reloaded(environ, start_response):
    return _json(start_response, {"reloaded": globals()["RELOADED"]})


def upload(environ, start_response):
    """Write ?text= into the file ?name= of the directory PROBE_UPLOADS names (a shared directory)."""
    query = _query(environ)
    path = os.path.join(os.environ["PROBE_UPLOADS"], os.path.basename(query["name"]))
    try:
        with open(path, "w") as fh:
            fh.write(query.get("text", ""))
    except OSError as exc:
        return _json(start_response, {"written": False, "error": str(exc)}, "403 Forbidden")
    return _json(start_response, {"written": path})


def uploaded(environ, start_response):
    """Read the file ?name= through the link uploads in the app's code."""
    path = os.path.join(HERE, "uploads", os.path.basename(_query(environ)["name"]))
    if not os.path.isfile(path):
        return _json(start_response, {"found": False}, "404 Not Found")
    with open(path) as fh:
        return _json(start_response, {"text": fh.read()})


def index(environ, start_response):
    """The default health URL of the roles."""
    return _json(start_response, {"probe": True})


ROUTES = {"/": index, "/reloaded": reloaded, "/env": env, "/sleep": sleep, "/header": header, "/auth": auth, "/alloc": alloc,
          "/bytecode": bytecode, "/file": file, "/unicode": unicode, "/upload": upload, "/uploaded": uploaded}


def application(environ, start_response):
    handler = ROUTES.get(environ.get("PATH_INFO", ""))
    if handler is None:
        return _json(start_response, {"path": environ.get("PATH_INFO")}, "404 Not Found")
    return handler(environ, start_response)
