"""Load that runs while something else happens: wrk against one URL from start until stop(), and
what clients saw. The tests and the deploy benchmark share it.
"""
import re
import signal
import subprocess
import tempfile
import time


class Load:
    """wrk (2 threads, ``connections`` connections) against ``url`` from now until stop().

    ``pace_ms``: each connection waits that long after an answer before its next request (wrk's
    delay() hook), a steady load that leaves the machine's cores to what happens meanwhile; None:
    as fast as the server answers (the benchmarks). ``timeout``: seconds after which wrk counts an
    answer not yet there as a timeout (a socket error; wrk's default is 2). ``headers``: request headers
    such as "Connection: close" (a connection per request)."""

    def __init__(self, url, connections=16, settle=2, pace_ms=None, timeout=None, headers=()):
        self.url, self.settle = url, settle
        self.script = None
        argv = ["wrk", "-t2", f"-c{connections}", "-d3600s", url]
        if timeout:
            argv[1:1] = ["--timeout", f"{timeout}s"]
        for header in headers:
            argv[1:1] = ["-H", header]
        if pace_ms:
            self.script = tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="wrk-pace-")
            self.script.write("function delay()\n  return %d\nend\n" % pace_ms)
            self.script.flush()
            argv[1:1] = ["-s", self.script.name]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.started = time.monotonic()
        time.sleep(settle)  # under load before what is measured starts

    def stop(self):
        """{requests, non_2xx, socket_errors, socket_error_kinds ({"connect": n, "read": n, ...}), failed
        (non_2xx + socket_errors), seconds, output}."""
        time.sleep(self.settle)  # and after it ends
        self.proc.send_signal(signal.SIGINT)  # wrk sets its own handler: it stops and prints its counts
        out = self.proc.communicate(timeout=60)[0]
        if self.script:
            self.script.close()
        requests = re.search(r"(\d+) requests in", out)
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if not requests:
            raise RuntimeError(f"wrk against {self.url} printed no counts: {out}")
        kinds = dict(zip(("connect", "read", "write", "timeout"), map(int, errors.groups() if errors else (0,) * 4)))
        counts = {"requests": int(requests.group(1)), "socket_errors": sum(kinds.values()), "socket_error_kinds": kinds,
                  "non_2xx": int(non_2xx.group(1)) if non_2xx else 0, "output": out,
                  "seconds": time.monotonic() - self.started}
        counts["failed"] = counts["socket_errors"] + counts["non_2xx"]
        return counts
