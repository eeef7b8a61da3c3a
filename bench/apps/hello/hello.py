"""The benchmarks' app: a 12-byte body, the same for every server."""
BODY = b"Hello world!"


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
