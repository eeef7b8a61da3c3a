"""Tuning benchmark: a site app under each candidate default, in alternating rounds.

    python3 bench/tune.py [--rounds 3] [--duration 10] [--workload hello|page] [--beside PATH] [--only NAME ...]

What the serving benchmark cannot tell apart in one run (its ±8 % run-to-run noise), this one
measures in rounds: each round applies every variant in turn to the bench host (serving.py's),
restarts Apache, warms up for 2 s and runs `wrk -t2 -c32 -d10s` on the workload's app (the hello
world, or the Django page of serving.py); medians over rounds. A variant is either other role
variables (the daemon's processes and threads), applied by the bench play, or a change made on the
host (MPM, BufferedLogs, keep-alive, application group, the interpreter's switch interval through a
.pth file in the apps' virtualenvs) and undone after its measurement. One variant is an experiment,
not a candidate default: embedded mode, the same app run inside Apache's own processes (no daemon,
so none of the daemon options), which measures what the daemon hop costs. This machine reuses its
TIME_WAIT ports while wrk runs (lib.client_port_reuse), as in serving.py: without keep-alive wrk
opens a connection a request. With --beside PATH, a second wrk keeps 2 connections on PATH of the
same app during each measurement (such as the page app's /ping, a request that needs little Python,
served by the same daemons as the page) and its figures are reported beside the workload's.
"""
import argparse
import concurrent.futures
import json
import tempfile

import yaml

import lib
from serving import APPS

PLAYBOOK = lib.BENCH / "playbooks" / "peers.yml"
PORTS = {name: app["site_port"] for name, app in APPS.items()}
VHOST, TUNE_CONF = lib.HELLO_VHOST, lib.BENCH_CONF
WORKER_MPM = "a2dismod -q mpm_event && a2enmod -q mpm_worker"
EVENT_MPM = "a2dismod -q mpm_worker; a2enmod -q mpm_event"


SITE_PACKAGES = "/srv/wsgi-apache/*/venv/lib/python3*/site-packages"
SWITCH_PTH = "zz-bench-switch-interval.pth"


def daemon(processes, threads):
    """The role's daemon defaults with processes x threads."""
    defaults = yaml.safe_load((lib.ROOT / "roles" / "site" / "defaults" / "main.yml").read_text())["site_daemon_defaults"]
    return {"site_daemon_defaults": {**defaults, "processes": processes, "threads": threads}}


def switch_interval(seconds):
    """(change, undo): every site app's Python switches threads every seconds (5 ms by default)."""
    return (f"for d in {SITE_PACKAGES}; do echo 'import sys; sys.setswitchinterval({seconds})' > $d/{SWITCH_PTH}; done",
            f"rm -f {SITE_PACKAGES}/{SWITCH_PTH}")


# name: (role variables, command on the host before the restart, command after the measurement)
VARIANTS = {
    "role defaults": ({}, None, None),
    "1 process x 15 threads": (daemon(1, 15), None, None),
    "4 processes x 15 threads": (daemon(4, 15), None, None),
    "2 processes x 5 threads": (daemon(2, 5), None, None),
    "2 processes x 3 threads": (daemon(2, 3), None, None),
    "5 processes x 1 thread": (daemon(5, 1), None, None),
    "5 processes x 3 threads": (daemon(5, 3), None, None),
    "switch interval 20 ms": ({}, *switch_interval(0.02)),
    "switch interval 100 ms": ({}, *switch_interval(0.1)),
    "BufferedLogs On": ({}, f"echo 'BufferedLogs On' > {TUNE_CONF}", f"rm -f {TUNE_CONF}"),
    "MaxKeepAliveRequests 0 (unlimited)": ({}, f"echo 'MaxKeepAliveRequests 0' > {TUNE_CONF}", f"rm -f {TUNE_CONF}"),
    "KeepAlive Off": ({}, f"echo 'KeepAlive Off' > {TUNE_CONF}", f"rm -f {TUNE_CONF}"),
    "worker MPM": ({}, WORKER_MPM, EVENT_MPM),
    "application group %{RESOURCE}": ({}, f"sed -i 's/WSGIApplicationGroup %{{GLOBAL}}/WSGIApplicationGroup %{{RESOURCE}}/' {VHOST} "
                                      f"&& grep -q 'WSGIApplicationGroup %{{RESOURCE}}' {VHOST}",
                                      f"sed -i 's/WSGIApplicationGroup %{{RESOURCE}}/WSGIApplicationGroup %{{GLOBAL}}/' {VHOST}"),
    "embedded mode (experiment)": ({}, lib.EMBEDDED_ON, lib.EMBEDDED_OFF),
}
# Host changes first, role changes last: a play runs only when the role variables differ from
# those last applied.
ORDER = ["role defaults", "BufferedLogs On", "MaxKeepAliveRequests 0 (unlimited)", "KeepAlive Off", "worker MPM",
         "application group %{RESOURCE}", "switch interval 20 ms", "switch interval 100 ms", "embedded mode (experiment)",
         "1 process x 15 threads", "4 processes x 15 threads", "2 processes x 5 threads", "2 processes x 3 threads",
         "5 processes x 1 thread", "5 processes x 3 threads"]
HELLO_ONLY = ("embedded mode (experiment)",)  # lib.EMBEDDED_ON configures the hello app


def measure(url, duration, beside):
    """The workload's wrk figures, and those of 2 connections on the beside URL meanwhile (or None)."""
    if not beside:
        return lib.wrk(url, duration), None
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        side = pool.submit(lib.wrk, beside, duration, 1, 2)
        return lib.wrk(url, duration), side.result()


def summary(runs):
    """Table cells of runs: the medians of req/s, p50 and p99, and the errors summed."""
    return [f"{lib.median([r['req_s'] for r in runs]):.0f}", f"{lib.median([r['p50_ms'] for r in runs]):.2f}",
            f"{lib.median([r['p99_ms'] for r in runs]):.2f}", f"{sum(r['errors'] for r in runs)}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workload", choices=sorted(PORTS), default="hello", help="the app measured")
    parser.add_argument("--only", nargs="*", choices=ORDER, help="variants to run (default: all)")
    parser.add_argument("--beside", metavar="PATH", help="meanwhile, 2 connections on this path of the same app, reported apart")
    args = parser.parse_args()
    names = [n for n in args.only or ORDER if args.workload == "hello" or n not in HELLO_ONLY]
    lib.need_command("wrk", "wrk")
    (host,) = lib.hosts(["bench"], False)
    url = f"http://{host.address}:{PORTS[args.workload]}/"
    beside = url + args.beside.lstrip("/") if args.beside else None
    results = {name: [] for name in names}
    besides = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp, lib.client_port_reuse():
        inv = lib.inventory([host], tmp)
        applied = None
        for _round in range(args.rounds):
            for name in names:
                extra, before, after = VARIANTS[name]
                if extra != applied:
                    lib.Play(PLAYBOOK, inv, extra)
                    applied = extra
                lib.restart_apache(host, url, before)
                lib.wrk(url, 2)
                figures, side = measure(url, args.duration, beside)
                results[name].append(figures)
                besides[name].append(side)
                if after:
                    host.ssh(after)
        lib.Play(PLAYBOOK, inv, {})
        host.ssh("systemctl restart apache2")
    base = lib.median([r["req_s"] for r in results[names[0]]])
    meanwhile = f", and wrk -t1 -c2 on {args.beside} meanwhile" if beside else ""
    print(f"\nsite {args.workload} app, wrk -t2 -c32 -d{args.duration}s{meanwhile}; medians of {args.rounds} rounds (variants alternating)")
    side_columns = [f"{args.beside} {c}" for c in ("req/s", "p50 ms", "p99 ms", "errors")] if beside else []
    lib.table(["variant", f"vs {names[0]}", "req/s", "p50 ms", "p99 ms", "errors", "each round req/s", *side_columns],
              [[name, f"{lib.median([r['req_s'] for r in rs]) / base:.2f}", *summary(rs), " ".join(f"{r['req_s']:.0f}" for r in rs),
                *(summary(besides[name]) if beside else [])] for name, rs in results.items()])
    keys = ("req_s", "p50_ms", "p99_ms", "errors")
    print(json.dumps({name: [{**{k: r[k] for k in keys}, **({"beside": {k: s[k] for k in keys}} if s else {})}
                             for r, s in zip(rs, besides[name])] for name, rs in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
