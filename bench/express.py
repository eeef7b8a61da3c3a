"""Express launcher benchmark: wsgi-express against mod_wsgi-express, start to first 200, and memory.

    python3 bench/express.py [--runs 7] [--fresh]

On the bench host (see serving.py; the same playbook sets it up), each launcher starts the same
hello app with the same ten mod_wsgi-express options (OPTIONS), alternating ours and theirs, --runs times each, each in a server root of its own that
it keeps from one start to the next (both launchers' default); ours is also timed with its server
root removed before each start (rendering, configuration test and discovery all done anew). A timer on the host itself (no SSH in
the measured path) starts the command and polls the port every 10 ms until a 200; then the RSS of
the launcher's whole process tree is summed, and the server is stopped with SIGTERM. Medians.
"""
import argparse
import json
import tempfile

import lib

VENV = "/opt/bench/venv"
APP_DIR = "/srv/bench/hello"
# Ten options of those public projects use most, given to both launchers as they are.
OPTIONS = ("--processes 2 --threads 4 --request-timeout 30 --limit-request-body 1048576 --keep-alive-timeout 5 "
           "--access-log --compress-responses --trust-proxy-header X-Forwarded-For --setenv STAGE bench "
           "--server-status")
COMMON = f"--port 8003 --user www-data --group www-data {OPTIONS}"
OURS = (f"{VENV}/bin/wsgi-express start-server --application-type module --entry-point hello:application "
        f"--working-directory {APP_DIR} {COMMON} --server-root /tmp/express-bench-ours")
# name: (command, directory removed before each start, untimed)
LAUNCHERS = {
    "wsgi-express": (OURS, None),
    "wsgi-express, new server root": (OURS, "/tmp/express-bench-ours"),
    "mod_wsgi-express": (f"{VENV}/bin/mod_wsgi-express start-server --application-type module --entry-point hello "
                         f"--callable-object application --working-directory {APP_DIR} {COMMON} "
                         f"--server-root /tmp/express-bench-theirs", None),
}

# Runs on the host: start the command, time the first 200, sum the tree's RSS, SIGTERM, wait (all bounded).
TIMER = r'''
import json, os, shlex, shutil, signal, subprocess, sys, time, urllib.request
command, fresh = sys.argv[1], sys.argv[2]
if fresh:
    shutil.rmtree(fresh, ignore_errors=True)
started = time.monotonic()
proc = subprocess.Popen(shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        start_new_session=True)
first = None
while time.monotonic() - started < 60 and proc.poll() is None:
    try:
        with urllib.request.urlopen("http://127.0.0.1:8003/", timeout=2) as resp:
            if resp.status == 200:
                first = time.monotonic() - started
                break
    except OSError:
        time.sleep(0.01)
time.sleep(1)  # let the tree settle before reading its memory
rows = [l.split() for l in subprocess.run(["ps", "-eo", "pid=,sid=,rss="], capture_output=True, text=True).stdout.splitlines()]
rss = sum(int(r[2]) for r in rows if int(r[1]) == proc.pid)
os.killpg(proc.pid, signal.SIGTERM)
try:
    proc.wait(30)
except subprocess.TimeoutExpired:
    os.killpg(proc.pid, signal.SIGKILL)
deadline = time.monotonic() + 30
while time.monotonic() < deadline and any(int(l.split()[0]) == proc.pid for l in subprocess.run(
        ["ps", "-eo", "sid="], capture_output=True, text=True).stdout.splitlines()):
    time.sleep(0.1)
print(json.dumps({"first_200_s": first, "tree_mib": rss / 1024}))
'''


# Runs on the host: start the command, then ask it what a client asks, and print what came back.
SEEN = r'''
import gzip, json, os, shlex, signal, subprocess, sys, time, urllib.error, urllib.request
proc = subprocess.Popen(shlex.split(sys.argv[1]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        start_new_session=True)

def ask(path, body=None, headers=None):
    request = urllib.request.Request("http://127.0.0.1:8003" + path, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
    except OSError:
        return None, {}, b""

deadline = time.monotonic() + 60
while ask("/")[0] != 200 and time.monotonic() < deadline and proc.poll() is None:
    time.sleep(0.05)
seen = {}
status, headers, body = ask("/", headers={"Accept-Encoding": "gzip"})
seen["GET / with gzip"] = [status, headers.get("Content-Encoding"), gzip.decompress(body).decode()
                           if headers.get("Content-Encoding") == "gzip" else body.decode()]
seen["POST of 2 MiB"] = ask("/", body=b"x" * 2 * 1024 * 1024)[0]
status, headers, body = ask("/server-status?auto")
seen["/server-status?auto"] = [status, b"ServerMPM" in body]
seen["Server header"] = ask("/")[1].get("Server")
os.killpg(proc.pid, signal.SIGTERM)
try:
    proc.wait(30)
except subprocess.TimeoutExpired:
    os.killpg(proc.pid, signal.SIGKILL)
print(json.dumps(seen))
'''


def compare(host):
    """What a client sees from each launcher with the same command line: (rows, all the same)."""
    seen = {name: json.loads(host.ssh(f"python3 - {json.dumps(command)}", stdin=SEEN, timeout=180).stdout)
            for name, (command, clean) in LAUNCHERS.items() if clean is None}
    ours, theirs = seen.values()
    rows = [[what, json.dumps(ours[what]), json.dumps(theirs[what])] for what in theirs]
    return rows, ours == theirs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=7, help="starts of each launcher (alternating)")
    parser.add_argument("--fresh", action="store_true", help="start the bench host anew")
    args = parser.parse_args()
    (host,) = lib.hosts(["bench"], args.fresh)
    with tempfile.TemporaryDirectory() as tmp:
        lib.Play(lib.BENCH / "playbooks" / "peers.yml", lib.inventory([host], tmp))
    runs = {name: [] for name in LAUNCHERS}
    for _run in range(args.runs):
        for name, (command, clean) in LAUNCHERS.items():
            out = host.ssh(f"python3 - {json.dumps(command)} '{clean or ''}'", stdin=TIMER, timeout=180).stdout
            result = json.loads(out)
            if result["first_200_s"] is None:
                raise SystemExit(f"{name} never answered 200: {command}")
            runs[name].append(result)
    med = {name: {key: lib.median([r[key] for r in rs]) for key in ("first_200_s", "tree_mib")}
           for name, rs in runs.items()}
    ours, cold, theirs = (med[name] for name in LAUNCHERS)
    print(f"\nstart-server to first 200 and process-tree RSS; medians of {args.runs} alternating runs each")
    lib.table(["launcher", "first 200 s", "tree MiB", "all starts s"],
              [[name, f"{m['first_200_s']:.3f}", f"{m['tree_mib']:.1f}",
                " ".join(f"{r['first_200_s']:.2f}" for r in runs[name])] for name, m in med.items()])
    print()
    ok = [lib.verdict("wsgi-express start no slower", ours["first_200_s"] <= theirs["first_200_s"],
                      f"{ours['first_200_s'] / theirs['first_200_s']:.2f}x mod_wsgi-express's time"),
          lib.verdict("wsgi-express start no slower, new server root", cold["first_200_s"] <= theirs["first_200_s"],
                      f"{cold['first_200_s'] / theirs['first_200_s']:.2f}x mod_wsgi-express's time"),
          lib.verdict("wsgi-express tree no larger", ours["tree_mib"] <= theirs["tree_mib"],
                      f"{ours['tree_mib'] / theirs['tree_mib']:.2f}x mod_wsgi-express's RSS")]
    rows, same = compare(host)
    print("\nwhat a client sees, the same command line on both")
    lib.table(["request", "wsgi-express", "mod_wsgi-express"], rows)
    ok.append(lib.verdict("a client sees the same", same, "%d requests compared" % len(rows)))
    print(json.dumps({"medians": med}))
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
