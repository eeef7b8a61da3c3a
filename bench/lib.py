"""What the benchmarks share: test hosts, plays, wrk runs, process-tree memory, tables.

Every server runs on a throwaway bookworm test host (tools/testhost.py); wrk runs on this machine
against the host's own address. Every run is bounded: wrk by its duration, waits by a deadline.
"""
import contextlib
import errno
import json
import os
import pathlib
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from testhost import Host, cgroup, cgroup_pids  # noqa: E402  pylint: disable=wrong-import-position
BENCH = ROOT / "bench"
TESTHOST = [sys.executable, str(ROOT / "tools" / "testhost.py")]
WRK_REPORT = BENCH / "wrk_report.lua"
PHASES_CALLBACK_DIR = BENCH / "callback_plugins"

# The bench host's apps (bench/playbooks/peers.yml) as wsgi.apache.site writes them, and a
# configuration file of the benchmarks' own that tune.py and serving.py add and remove.
HELLO_VHOST = "/etc/apache2/sites-available/wsgi-hello.conf"
BENCH_CONF = "/etc/apache2/conf-enabled/zz-bench-tune.conf"


def embedded(apps):
    """An experiment, never a default: (change, undo) that put the given site apps inside Apache's
    own processes (embedded mode: no daemon process group, so none of the daemon options), which
    measures what mod_wsgi's daemon hop costs. apps: {name: (its WSGI script, relative to the app's
    code; what else its sys.path needs)}. The script is the app's own: the role's entry script reads
    an environment file that only the app's user may read. The undo puts the role's vhosts back."""
    conf = ["WSGIRestrictEmbedded Off"]
    path, change, undo = [], [], []
    for name, (script, extra_path) in apps.items():
        vhost, code = f"/etc/apache2/sites-available/wsgi-{name}.conf", f"/srv/wsgi-apache/{name}/app"
        conf += [f"<Directory {code}>", "Require all granted", "</Directory>"]
        path += [code, *extra_path]
        change.append(f"cp {vhost} {vhost}.bench && sed -i -e 's|WSGIProcessGroup {name}|WSGIProcessGroup "
                      f"%{{GLOBAL}}|' -e 's|WSGIScriptAlias / .*|WSGIScriptAlias / {code}/{script}|' {vhost} && "
                      f"grep -q 'WSGIProcessGroup %{{GLOBAL}}' {vhost}")
        undo.append(f"mv {vhost}.bench {vhost}")
    conf.append("WSGIPythonPath " + ":".join(path))
    write = "printf '%s\\n' " + " ".join(f"'{line}'" for line in conf) + f" > {BENCH_CONF}"
    return " && ".join([*change, write]), " && ".join([*undo, f"rm -f {BENCH_CONF}"])


EMBEDDED_ON, EMBEDDED_OFF = embedded({"hello": ("hello.py", [])})


def need_command(command, package):
    """A command of this machine, installed from Debian's packages on first use."""
    if shutil.which(command) is None:
        subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", package], check=True,
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


def machine_busy():
    """CPU seconds this machine's cores have spent busy (neither idle nor waiting for I/O) since boot."""
    ticks = [int(x) for x in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def host_cpu(name):
    """CPU seconds a test host's processes have used, from its cgroup's cpu.stat."""
    stat = dict(line.split() for line in (cgroup(name) / "cpu.stat").read_text().splitlines())
    return int(stat["usage_usec"]) / 1e6


class Play:
    """One ansible-playbook run: wall time, recap counts, the phase callback's record, and the CPU
    seconds spent meanwhile by the whole machine, by the controller (ansible-playbook and its ssh
    clients) and by each of the given hosts."""

    def __init__(self, playbook, inv, extra=None, check=False, hosts=(), env=None, fails=False):
        with tempfile.TemporaryDirectory() as tmp:
            phases = pathlib.Path(tmp) / "phases.json"
            extra_file = pathlib.Path(tmp) / "extra.json"
            extra_file.write_text(json.dumps(extra or {}))
            env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CALLBACK_PLUGINS": str(PHASES_CALLBACK_DIR),
                   "ANSIBLE_CALLBACKS_ENABLED": "phase_times", "BENCH_PHASES_FILE": str(phases), **(env or {})}
            before = (machine_busy(), resource.getrusage(resource.RUSAGE_CHILDREN),
                      {h.name: host_cpu(h.name) for h in hosts})
            started = time.monotonic()
            proc = subprocess.run(["ansible-playbook", "-i", str(inv), str(playbook), "-e", f"@{extra_file}",
                                   *(["--check"] if check else [])],
                                  text=True, capture_output=True, cwd=ROOT, env=env, timeout=3600, check=False)
            self.wall = time.monotonic() - started
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.cpu = {"machine": machine_busy() - before[0],
                        "controller": children.ru_utime + children.ru_stime - before[1].ru_utime - before[1].ru_stime,
                        "hosts": {name: host_cpu(name) - cpu for name, cpu in before[2].items()}}
            self.record = json.loads(phases.read_text()) if phases.exists() else {}
        self.rc, self.output = proc.returncode, proc.stdout + proc.stderr
        self.changed = sum(int(n) for n in re.findall(r"changed=(\d+)", self.output))
        if (self.rc != 0) != fails:  # fails: the play is meant to fail (a release the roles refuse)
            raise SystemExit(f"{playbook.name} {'passed' if fails else 'failed'} (rc {self.rc}):\n{self.output[-4000:]}")


def get_status(url, timeout=5, context=None):
    """The HTTP status of a GET, or None when there was no answer (refused, reset, timed out); an https URL's
    certificate checked by context (Python's default when None)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


def wait_for(predicate, seconds, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def restart_apache(host, url, change=None):
    """Restart the host's Apache, after a change made on the host if given, and wait until url
    answers 200 (30 s at most)."""
    # reset-failed: the benchmarks restart Apache more often than systemd's start rate limit allows.
    restart = "systemctl reset-failed apache2; systemctl restart apache2"
    host.ssh(f"{change} && {{ {restart}; }}" if change else restart)
    if not wait_for(lambda: get_status(url) == 200, 30):
        raise SystemExit(f"Apache does not answer {url} after: {change or 'a restart'}")


@contextlib.contextmanager
def client_port_reuse():
    """This machine reuses its TIME_WAIT ports for new outgoing connections to the test hosts
    (net.ipv4.tcp_tw_reuse 1; Linux's default 2 reuses them only on loopback) while the block runs.
    A server that closes every connection (gunicorn's sync workers) makes wrk open thousands of
    connections a second: without reuse its 28,232 ports run out within seconds and wrk's
    connect() scans for a free one, which measures the client, not the server."""
    knob = pathlib.Path("/proc/sys/net/ipv4/tcp_tw_reuse")
    before = knob.read_text()
    knob.write_text("1\n")
    try:
        yield
    finally:
        knob.write_text(before)


def wrk(url, duration, threads=2, connections=32, body_bytes=0, statuses=False):
    """One wrk run with --latency (a POST of body_bytes each when given; with statuses, the non-2xx
    answers counted by status); its figures from the report script's JSON line, and the CPU seconds
    wrk itself used."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < connections + 64 <= hard:  # a file descriptor per connection
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    env = {**os.environ, "WRK_BODY_BYTES": str(body_bytes), **({"WRK_STATUSES": "1"} if statuses else {})}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
                           "--timeout", "10s", "-s", str(WRK_REPORT), url], text=True, capture_output=True,
                          timeout=duration + 60, check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("{")))
    seconds = report["duration_us"] / 1e6
    return {"req_s": report["requests"] / seconds, "p50_ms": report["p50_us"] / 1000,
            "p99_ms": report["p99_us"] / 1000, "errors": report["errors"], "requests": report["requests"],
            "socket_errors": report["socket_errors"], "timeouts": report["timeouts"],
            "statuses": {int(s): n for s, n in report["non_2xx"].items()},
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


def global_pids(name):
    """{pid inside the test host: pid on this machine} of every process in the host's cgroup."""
    found = {}
    for pid in cgroup_pids(cgroup(name)):
        try:
            status = pathlib.Path(f"/proc/{pid}/status").read_text()
        except OSError:  # gone since it was listed
            continue
        nspids = next(line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:"))
        found[int(nspids[-1])] = pid
    return found


def dso_kind(dso):
    """Which code a sample's shared object is: the kernel, Python, mod_wsgi, Apache, libc or other."""
    base = pathlib.Path(dso.strip("()")).name
    if dso.startswith("[kernel") or base.startswith("[kernel"):
        return "kernel"
    for kind, prefixes in (("Python", ("libpython", "python3")), ("mod_wsgi", ("mod_wsgi",)),
                           ("Apache", ("apache2", "httpd", "libapr", "mod_")), ("libc", ("libc.", "libc-"))):
        if base.startswith(prefixes):
            return kind
    return "other"


def profile(part_of, run):
    """Samples of the whole machine (perf record -a, cpu-clock, 999 Hz) while run() runs, as
    {part: {kind of code: share of all samples}} and {part: [(share, symbol), ...]}, biggest first;
    part_of(pid on this machine, command name) names the part a sample belongs to. run's result
    is returned third."""
    lines, result = perf_run(["-a", "-F", "999"], "comm,pid,ip,sym,dso", run)
    samples = {}
    for line in lines:
        match = re.match(r"\s*(.*?)\s+(\d+)\s+[0-9a-f]+\s+(.*?)\s*(\([^()]*\))\s*$", line)
        if match:
            key = (part_of(int(match[2]), match[1]), match[3] or "[unknown]", dso_kind(match[4]))
            samples[key] = samples.get(key, 0) + 1
    total = sum(samples.values()) or 1
    shares, top = {}, {}
    for (part, symbol, kind), count in sorted(samples.items(), key=lambda kv: -kv[1]):
        by_kind = shares.setdefault(part, {})
        by_kind[kind] = by_kind.get(kind, 0) + count / total
        top.setdefault(part, []).append((count / total, f"{symbol} [{kind}]"))
    return shares, top, result


def syscall_names():
    """{number: name} of this machine's system calls, from the kernel headers (linux-libc-dev's
    asm/unistd_64.h); empty without them, and the calls are then shown by number."""
    header = pathlib.Path(f"/usr/include/{sysconfig.get_config_var('MULTIARCH')}/asm/unistd_64.h")
    if not header.exists():
        return {}
    return {int(number): name for name, number in re.findall(r"#define __NR_(\w+) (\d+)", header.read_text())}


def perf_run(record, fields, run):
    """perf record with the arguments record while run() runs, then perf script's lines with
    fields, and run's result. perf's events are off until it acknowledges an "enable" on its
    control fifo and off again once it acknowledges a "disable", so they cover run and nothing else."""
    need_command("perf", "linux-perf")
    with tempfile.TemporaryDirectory() as tmp:
        data, ctl, ack = (pathlib.Path(tmp) / name for name in ("perf.data", "ctl", "ack"))
        os.mkfifo(ctl)
        os.mkfifo(ack)
        perf = subprocess.Popen(["perf", "record", *record, "-D", "-1", "--control", f"fifo:{ctl},{ack}", "-o", str(data)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        fds = []
        try:
            fds.append(_open_fifo(ctl, os.O_WRONLY, perf))
            fds.append(_open_fifo(ack, os.O_RDONLY, perf))
            control, acks = fds
            _perf_command(control, acks, "enable")
            result = run()
            _perf_command(control, acks, "disable")
        finally:
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=120)
            for fd in fds:
                os.close(fd)
        lines = subprocess.run(["perf", "script", "-i", str(data), "-F", fields], text=True,
                               capture_output=True, check=True, timeout=900).stdout.splitlines()
    return lines, result


def _open_fifo(path, flags, perf):
    """path opened without blocking once perf has its other end (a minute at most)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return os.open(path, flags | os.O_NONBLOCK)
        except OSError as error:  # ENXIO: no reader yet
            if error.errno != errno.ENXIO or perf.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"perf record did not open its control fifo (exit status {perf.poll()})") from error
            time.sleep(0.1)


def _perf_command(control, acks, command):
    """Sends perf record a command on its control fifo and waits for its ack (a minute at most)."""
    os.write(control, f"{command}\n".encode())
    if not select.select([acks], [], [], 60)[0] or not os.read(acks, 64):
        raise SystemExit(f"perf record did not acknowledge {command!r}")


def syscalls(pids, run):
    """The system calls that the processes pids (pids on this machine, all their threads) enter
    while run() runs (perf's raw_syscalls:sys_enter tracepoint), as {pid: {system call: count}},
    and run's result."""
    names = syscall_names()
    lines, result = perf_run(["-e", "raw_syscalls:sys_enter", "-p", ",".join(str(p) for p in pids)], "pid,trace", run)
    counts = {}
    for line in lines:
        match = re.match(r"\s*(\d+)\s+NR (\d+) ", line)
        if match:
            per_pid = counts.setdefault(int(match[1]), {})
            name = names.get(int(match[2]), f"NR {match[2]}")
            per_pid[name] = per_pid.get(name, 0) + 1
    return counts, result


def rss_mib(tree, args_prefix=""):
    return sum(rss for rss, args in tree.values() if args.startswith(args_prefix)) / 1024


def median(values):
    return statistics.median(values)


KINDS = ("kernel", "Python", "mod_wsgi", "Apache", "libc", "other")


def profile_table(shares, parts):
    """One row per part: its share of all samples, split by kind of code."""
    table(["part", "all", *KINDS], [[part, f"{sum(shares.get(part, {}).values()):.1%}",
                                     *(f"{shares.get(part, {}).get(k, 0):.1%}" for k in KINDS)] for part in parts])


def table(headers, rows):
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows)]
    for row in [headers, *rows]:
        print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths)))


def verdict(name, ok, figure):
    print(f"{'PASS' if ok else 'MISS'}  {name}: {figure}")
    return ok
