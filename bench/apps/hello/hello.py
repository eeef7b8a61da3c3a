"""The benchmarks' small app, the same for every server: a 12-byte body at /, and the workloads
that measure a server rather than the app: /wait (50 ms asleep, then 12 bytes), /file (the 1 MiB
file BENCH_FILE through wsgi.file_wrapper) and /upload (reads the request body, answers its length)."""
import os
import time

BODY = b"Hello world!"
FILE = os.environ.get("BENCH_FILE", "/srv/bench/files/file.bin")


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/wait":
        time.sleep(0.05)
    elif path == "/file":
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(os.path.getsize(FILE)))])
        return environ["wsgi.file_wrapper"](open(FILE, "rb"), 65536)  # pylint: disable=consider-using-with
    elif path == "/upload":
        stream, left, total = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0), 0
        while left > 0:
            chunk = stream.read(min(left, 65536))
            if not chunk:
                break
            total, left = total + len(chunk), left - len(chunk)
        body = str(total).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
