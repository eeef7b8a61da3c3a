"""What the benchmarks share: test hosts, plays, wrk runs, process-tree memory, tables.

Every server runs on a throwaway bookworm test host (tools/testhost.py); wrk runs on this machine
against the host's own address. Every run is bounded: wrk by its duration, waits by a deadline.
"""
import json
import os
import pathlib
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from testhost import Host  # noqa: E402  pylint: disable=wrong-import-position
BENCH = ROOT / "bench"
TESTHOST = [sys.executable, str(ROOT / "tools" / "testhost.py")]
WRK_REPORT = BENCH / "wrk_report.lua"
PHASES_CALLBACK_DIR = BENCH / "callback_plugins"


def need_wrk():
    """wrk from Debian's packages, installed on first use."""
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"], check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def hosts(names, fresh):
    """Start the named bookworm hosts (stopping them first when fresh); reuse running ones otherwise."""
    if fresh:
        stop(names)
    running = {h["instance"]: h for h in json.loads(subprocess.run(
        [*TESTHOST, "list"], text=True, capture_output=True, check=True).stdout)}
    missing = [n for n in names if n not in running]
    if missing:
        started = subprocess.run([*TESTHOST, "start", *missing], text=True, capture_output=True, check=False)
        if started.returncode != 0:
            raise SystemExit(f"could not start test hosts {missing}: {started.stderr}")
        running.update({h["instance"]: h for h in json.loads(started.stdout)})
    return [Host(running[n]) for n in names]


def stop(names):
    subprocess.run([*TESTHOST, "stop", *names], check=False, capture_output=True)


def inventory(hosts_, directory):
    path = pathlib.Path(directory) / "inventory.ini"
    path.write_text("".join(h.inventory_line() + "\n" for h in hosts_))
    return path


class Play:
    """One ansible-playbook run: wall time, recap counts, and the phase callback's record."""

    def __init__(self, playbook, inv, extra=None, check=False):
        with tempfile.TemporaryDirectory() as tmp:
            phases = pathlib.Path(tmp) / "phases.json"
            extra_file = pathlib.Path(tmp) / "extra.json"
            extra_file.write_text(json.dumps(extra or {}))
            env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CALLBACK_PLUGINS": str(PHASES_CALLBACK_DIR),
                   "ANSIBLE_CALLBACKS_ENABLED": "phase_times", "BENCH_PHASES_FILE": str(phases)}
            started = time.monotonic()
            proc = subprocess.run(["ansible-playbook", "-i", str(inv), str(playbook), "-e", f"@{extra_file}",
                                   *(["--check"] if check else [])],
                                  text=True, capture_output=True, cwd=ROOT, env=env, timeout=3600, check=False)
            self.wall = time.monotonic() - started
            self.record = json.loads(phases.read_text()) if phases.exists() else {}
        self.rc, self.output = proc.returncode, proc.stdout + proc.stderr
        self.changed = sum(int(n) for n in re.findall(r"changed=(\d+)", self.output))
        if self.rc != 0:
            raise SystemExit(f"{playbook.name} failed (rc {self.rc}):\n{self.output[-4000:]}")


def get_status(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status
    except OSError:
        return None


def wait_for(predicate, seconds, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def wrk(url, duration, threads=2, connections=32):
    """One wrk run with --latency; its figures from the report script's JSON line, and the CPU
    seconds wrk itself used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
                           "-s", str(WRK_REPORT), url], text=True, capture_output=True,
                          timeout=duration + 60, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("{")))
    seconds = report["duration_us"] / 1e6
    return {"req_s": report["requests"] / seconds, "p50_ms": report["p50_us"] / 1000,
            "p99_ms": report["p99_us"] / 1000, "errors": report["errors"], "requests": report["requests"],
            "wrk_cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime}


def cpu_seconds(host, pids):
    """{pid: user + system CPU seconds so far}, from /proc/PID/stat on the host."""
    out = host.ssh("getconf CLK_TCK; cd /proc && cat " + " ".join(f"{pid}/stat" for pid in pids) + " 2>/dev/null",
                   check=False).stdout.splitlines()
    ticks = int(out[0])
    found = {}
    for line in out[1:]:
        fields = line.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
        found[int(line.split()[0])] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def process_tree(host, root_pid):
    """Pids and RSS (KiB) of root_pid and its descendants, read from ps on the host."""
    rows = [line.split(None, 3) for line in host.ssh("ps -eo pid=,ppid=,rss=,args=").stdout.splitlines()]
    children = {}
    for pid, ppid, *_rest in rows:
        children.setdefault(int(ppid), []).append(int(pid))
    by_pid = {int(r[0]): (int(r[2]), r[3] if len(r) > 3 else "") for r in rows}
    tree, todo = {}, [root_pid]
    while todo:
        pid = todo.pop()
        if pid in by_pid and pid not in tree:
            tree[pid] = by_pid[pid]
            todo.extend(children.get(pid, []))
    return tree


def rss_mib(tree, args_prefix=""):
    return sum(rss for rss, args in tree.values() if args.startswith(args_prefix)) / 1024


def median(values):
    return statistics.median(values)


def table(headers, rows):
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows)]
    for row in [headers, *rows]:
        print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths)))


def verdict(name, ok, figure):
    print(f"{'PASS' if ok else 'MISS'}  {name}: {figure}")
    return ok
