"""The health URL asked as the daemon restart asks it, from a real HTTP server on loopback."""
import http.server
import threading

import pytest

from ansible_collections.wsgi.apache.plugins.module_utils.health import ask, verdict


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = {"/ok": 200, "/moved": 302, "/broken": 500, "/gateway": 503}.get(self.path, 404)
        self.send_response(code)
        if code == 302:
            self.send_header("Location", "/elsewhere")
        body = self.headers["Host"].encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()


@pytest.mark.parametrize("path, status, found", [
    ("/ok", 200, "good"), ("/moved", 302, "good"), ("/broken", 500, "bad"), ("/gateway", 503, "not yet"),
    ("/missing", 404, "bad"),
])
def test_each_answer_and_what_it_means(server, path, status, found):
    answer = ask(server + path, "blog.test")
    assert answer[0] == status
    assert verdict(answer, list(range(200, 400))) == found


def test_no_answer_is_not_yet():
    answer = ask("http://127.0.0.1:9/", "blog.test", timeout=2)  # the discard port: nothing listens
    assert answer is None and verdict(answer, [200]) == "not yet"
