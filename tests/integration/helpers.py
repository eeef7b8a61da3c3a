"""Helpers of the behaviour tests: requests to a host, what ps shows, bounded waits."""
import http.client
import json
import os
import re
import ssl
import subprocess
import threading
import time

from conftest import ROOT, run_play
from wrkload import Load

WARNING = re.compile(r"^\s*\[(DEPRECATION WARNING|WARNING)\]", re.M)
# Warnings ansible-core prints whatever the collection: ansible-doc -t role of 2.20 warns about
# ansible-core's own internal collection (ansible._protomatter), for any role of any collection.
NOT_OURS = (re.compile(r"Collection at '.*/ansible/_internal/ansible_collections/ansible/_protomatter' does not have "
                       r"a MANIFEST\.json file"),)


def warnings_in(text):
    """The warnings in ansible's output that our collection causes (empty when there are none)."""
    return [line for line in text.splitlines()
            if WARNING.match(line) and not any(known.search(line) for known in NOT_OURS)]


class Answer:
    def __init__(self, status, headers, body, elapsed):
        self.status, self.headers, self.body, self.elapsed = status, headers, body, elapsed

    def json(self):
        return json.loads(self.body)

    def all(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]


def get(host, port, path, https=False, timeout=60, body=None, headers=None):
    """One request from this machine to host (a test host, or this machine), a POST of body when given,
    with the given request headers; errors of the connection are an Answer too."""
    if https:
        conn = http.client.HTTPSConnection(host.address, port, timeout=timeout,
                                           context=ssl._create_unverified_context())
    else:
        conn = http.client.HTTPConnection(host.address, port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request("GET" if body is None else "POST", path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Answer(resp.status, resp.getheaders(), resp.read(), time.monotonic() - started)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, [], repr(exc).encode(), time.monotonic() - started)
    finally:
        conn.close()


def handshake(host, port, version, cipher_level=""):
    """openssl s_client from this machine: (accepted, what it printed)."""
    args = ["openssl", "s_client", "-connect", f"{host.address}:{port}", f"-{version}"]
    if cipher_level:  # let this machine's client offer what its own defaults no longer do
        args += ["-cipher", f"DEFAULT@SECLEVEL={cipher_level}"]
    done = subprocess.run(args, input="", capture_output=True, text=True, timeout=30, check=False)
    shown = done.stdout + done.stderr
    # "New, TLSv1.3, Cipher is ..." once the handshake is done ("New, (NONE), Cipher is (NONE)" when refused)
    return bool(re.search(r"^New, TLSv1\.[23], Cipher is [A-Z0-9_-]+$", shown, re.M)) and done.returncode == 0, shown


def tls_12_and_13_only(host, port):
    """TLS 1.0 and 1.1 are refused by the server (its alert, though this client offers them), 1.2 and 1.3 accepted."""
    for version in ("tls1", "tls1_1"):
        accepted, shown = handshake(host, port, version, cipher_level="0")
        assert not accepted and "alert protocol version" in shown, shown[-800:]
    for version in ("tls1_2", "tls1_3"):
        accepted, shown = handshake(host, port, version)
        assert accepted, shown[-1500:]


# The tests' load: 16 connections, each asking again 100 ms after its answer (up to 160 requests a
# second, one every 6 ms or so at the server), so that a moment without an answer fails requests (a
# reload's window without the patch set was 40 ms), while the play under test keeps the machine's
# cores: wrk unpaced took most of them, and at a 20 ms pace Apache's processes had about a quarter of
# the CPU that top sampled during a CI run on two cores. Measured on a test host with the probe app:
# 312 requests a second at a 50 ms pace cost 15 % of a core there and 2 % here; 158 at 100 ms, 8 % and 1 %.
PACE_MS = 100
CLIENT_TIMEOUT = 30  # seconds: an answer later than that failed (see load())


def load(host, port, path="/env", headers=(), https=False):
    """wrk against one URL of the host until stop() (wrkload.Load), paced, with the given request headers;
    an answer counts as failed (timeout) after CLIENT_TIMEOUT seconds, as a browser or a load balancer
    gives up, not after wrk's 2 s: a machine busy with a deploy's builds answers slowly, and slow is not failed."""
    scheme = "https" if https else "http"
    return Load(f"{scheme}://{host.address}:{port}{path}", pace_ms=PACE_MS, timeout=CLIENT_TIMEOUT, headers=headers)


def in_background(host, port, path, **kwargs):
    """Start a request in a thread; join() returns its Answer."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("answer", get(host, port, path, **kwargs)))
    thread.start()

    def join(timeout=90):
        thread.join(timeout)
        return box.get("answer")
    return join


def daemon_pids(host, label):
    """Pids of the daemon processes whose ps name starts with label (display-name)."""
    out = host.ssh("ps -eo pid=,args=").stdout
    return {int(line.split(None, 1)[0]) for line in out.splitlines()
            if len(line.split(None, 1)) == 2 and line.split(None, 1)[1].startswith(label)}


def wait_for(predicate, seconds, step=0.5):
    """Poll predicate until it is truthy or seconds pass (bounded); return its last value."""
    deadline = time.monotonic() + seconds
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(step)
        value = predicate()
    return value


def files_digest(host, where="/etc /srv /var/lib/wsgi-apache /usr/local"):
    """One digest of every regular file and symlink (path and content or target) under where."""
    return host.ssh(f"(find {where} -xdev \\( -type f -o -type l \\) -print0 2>/dev/null | sort -z | xargs -0 sha256sum; "
                    f"find {where} -xdev -type l -printf '%p -> %l\\n' | sort) | sha256sum").stdout.split()[0]


def run_adhoc(host, inventory, module, args):
    """Run one module on the host; its result as a dict."""
    proc = subprocess.run(["ansible", "-i", str(inventory), "all", "-o", "-m", module, "-a", args], text=True,
                          capture_output=True, cwd=ROOT, timeout=300, check=False, stdin=subprocess.DEVNULL,
                          env={**os.environ, "ANSIBLE_NOCOLOR": "1"})
    assert proc.returncode == 0 and " => " in proc.stdout, proc.stdout + proc.stderr
    return json.loads(proc.stdout.split(" => ", 1)[1])


def check_mode_on_a_fresh_host(host, playbook, inventory, extra):
    """A --check run on a host the role never ran on: it passes, reports changes and writes no file."""
    before = files_digest(host)
    result = run_play(playbook, inventory, extra, check=True)
    assert result.rc == 0 and result.changed > 0, result
    assert not warnings_in(result.output), warnings_in(result.output)
    assert files_digest(host) == before, "the --check run changed files"
