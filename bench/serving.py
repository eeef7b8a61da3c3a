"""Serving benchmark: the site role's defaults against mod_wsgi-express, gunicorn and static files.

    python3 bench/serving.py [--duration 10] [--rounds 1] [--extra-vars JSON] [--fresh] [--profile]

One bookworm test host ("bench"; reused if running, --fresh starts it anew) gets the hello app
(12-byte body) from wsgi.apache.site with the role's defaults, and the peers in a virtualenv of
the system Python. Each server in turn gets `wrk -t2 -c32 -d10s --latency` from this machine
after a 2 s warm-up; --rounds repeats the whole turn, and each figure is the median over rounds.
Printed: req/s, p50, p99, errors, daemon RSS and whole-tree RSS, ratios, and the targets. One
more server is an experiment, not a candidate: the same app in embedded mode (lib.EMBEDDED_ON,
set for its measurement and undone after), which shows what the daemon hop costs.
With --profile, one more wrk run per server (the site, mod_wsgi-express, the static file) under
`perf record -a`: the samples of both cores by part (wrk, front end, daemons, the rest) and by
kind of code (kernel, Python, mod_wsgi, Apache, libc), and the parts' top symbols.
"""
import argparse
import contextlib
import json
import tempfile

import lib

EMBEDDED = "site, embedded (experiment)"
PORTS = {"site": 8080, "static": 8080, EMBEDDED: 8080, "mod_wsgi-express": 8001, "gunicorn": 8002}
PATHS = {"static": "/static/hello.txt"}
# How each server's daemons or workers are told from the rest of its process tree (the start of
# their command line); None: it has none. The peers are started for each measurement, the others
# are the bench host's Apache.
DAEMONS = {"site": "(wsgi:hello)", "static": None, EMBEDDED: None, "mod_wsgi-express": "(wsgi:", "gunicorn": ""}
PEERS = ("mod_wsgi-express", "gunicorn")
# What an Apache server needs changed on the host while it is measured, and how that is undone.
HOST_CHANGES = {EMBEDDED: (lib.EMBEDDED_ON, lib.EMBEDDED_OFF)}
VENV = "/opt/bench/venv"
APP_DIR = "/srv/bench/hello"


def peer_command(name, cores):
    if name == "mod_wsgi-express":
        return (f"{VENV}/bin/mod_wsgi-express start-server --application-type module --entry-point hello "
                f"--callable-object application --working-directory {APP_DIR} --port 8001 "
                "--user www-data --group www-data --server-root /tmp/mwe-8001")
    return (f"{VENV}/bin/gunicorn --chdir {APP_DIR} --workers {2 * cores + 1} --bind 0.0.0.0:8002 "
            "--user www-data --group www-data hello:application")


def url_of(host, name):
    return f"http://{host.address}:{PORTS[name]}{PATHS.get(name, '/')}"


@contextlib.contextmanager
def running(host, name, cores):
    """The server answering, as the pid at the root of its process tree: a peer started for the
    measurement and stopped after it, or the bench host's Apache (in embedded mode for the
    experiment, and back to the role's vhost after it)."""
    if name not in PEERS:
        change, undo = HOST_CHANGES.get(name, (None, None))
        if change:
            lib.restart_apache(host, url_of(host, name), change)
        try:
            yield int(host.ssh("systemctl show -p MainPID --value apache2").stdout)
        finally:
            if undo:
                lib.restart_apache(host, url_of(host, "site"), undo)
        return
    pid = int(host.ssh(f"cd /tmp && (setsid timeout 900 {peer_command(name, cores)} > /tmp/{name}.log 2>&1 "
                       "< /dev/null & echo $!)").stdout.strip())
    try:
        if not lib.wait_for(lambda: lib.get_status(url_of(host, name)) == 200, 60):
            raise SystemExit(f"{name} did not answer: {host.ssh(f'cat /tmp/{name}.log', check=False).stdout}")
        yield pid
    finally:
        host.ssh(f"kill -TERM {pid} 2>/dev/null; for i in $(seq 50); do kill -0 {pid} 2>/dev/null || exit 0; "
                 "sleep 0.2; done; kill -KILL -{pid} 2>/dev/null; true")


def measure(host, name, root_pid, duration):
    """wrk's figures, RSS, and CPU microseconds per request of wrk, the daemons and the rest of
    the server's tree (for the site: Apache's front end, which also runs the access log)."""
    url, daemon_prefix = url_of(host, name), DAEMONS[name]
    lib.wrk(url, 2)
    tree = lib.process_tree(host, root_pid)
    before = lib.cpu_seconds(host, tree)
    figures = lib.wrk(url, duration)
    after = lib.cpu_seconds(host, tree)
    tree = lib.process_tree(host, root_pid)
    figures["daemon_mib"] = lib.rss_mib(tree, daemon_prefix) if daemon_prefix is not None else None
    figures["tree_mib"] = lib.rss_mib(tree)
    used = {pid: after[pid] - before.get(pid, 0.0) for pid in after if pid in tree}
    daemon = sum(s for pid, s in used.items() if daemon_prefix is not None and tree[pid][1].startswith(daemon_prefix))
    per_request = 1e6 / figures["requests"]
    figures["cpu_us"] = {"wrk": figures["wrk_cpu_s"] * per_request, "daemons": daemon * per_request,
                         "server": (sum(used.values()) - daemon) * per_request}
    return figures


def one_round(host, duration, cores):
    results = {}
    for name in ("site", "static", *PEERS, EMBEDDED):
        with running(host, name, cores) as root:
            results[name] = measure(host, name, root, duration)
    return results


PROFILED = ("site", "mod_wsgi-express", "static")
PARTS = ("wrk", "front end", "daemons", "other")


def profile_servers(host, duration, cores):
    """perf's samples of the whole machine during one wrk run per server, by part (wrk, the
    server's front end, its daemons, the rest) and kind of code, and each part's top symbols."""
    for name in PROFILED:
        prefix, url = DAEMONS[name], url_of(host, name)
        with running(host, name, cores) as root:
            lib.wrk(url, 2)
            tree, to_global = lib.process_tree(host, root), lib.global_pids(host.name)
            parts = {to_global[p]: "daemons" if prefix and args.startswith(prefix) else "front end"
                     for p, (_rss, args) in tree.items() if p in to_global}
            shares, top, figures = lib.profile(
                lambda gpid, comm: "wrk" if comm == "wrk" else parts.get(gpid, "other"),
                lambda url=url: lib.wrk(url, duration))
        print(f"\n{name}: {figures['req_s']:.0f} req/s under perf; shares of all samples of both cores")
        lib.profile_table(shares, PARTS)
        for part in ("front end", "daemons"):
            if part in top:
                print(f"   {part}, top symbols: " + ", ".join(f"{sym} {share:.1%}" for share, sym in top[part][:10]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured wrk run")
    parser.add_argument("--rounds", type=int, default=1, help="turns over all servers; medians are reported")
    parser.add_argument("--extra-vars", default="{}", help="JSON for the site role, e.g. to try other defaults")
    parser.add_argument("--fresh", action="store_true", help="start the bench host anew")
    parser.add_argument("--profile", action="store_true",
                        help="then one more wrk run per server under perf record: where the CPU goes")
    args = parser.parse_args()
    lib.need_command("wrk", "wrk")
    (host,) = lib.hosts(["bench"], args.fresh)
    with tempfile.TemporaryDirectory() as tmp:
        lib.Play(lib.BENCH / "playbooks" / "peers.yml", lib.inventory([host], tmp), json.loads(args.extra_vars))
    cores = int(host.ssh("nproc").stdout)
    with lib.client_port_reuse():
        rounds = [one_round(host, args.duration, cores) for _round in range(args.rounds)]
    names = ["site", "mod_wsgi-express", "gunicorn", "static", EMBEDDED]
    med = {n: {k: (lib.median([r[n][k] for r in rounds]) if rounds[0][n][k] is not None else None)
               for k in rounds[0][n] if k != "cpu_us"} for n in names}
    for n in names:
        med[n]["cpu_us"] = {k: lib.median([r[n]["cpu_us"][k] for r in rounds]) for k in rounds[0][n]["cpu_us"]}
    print(f"\nhello world, 12-byte body; wrk -t2 -c32 -d{args.duration}s --latency from this machine; "
          f"{cores} cores on the host; medians of {args.rounds} round(s)")
    site = med["site"]
    lib.table(["server", "req/s", "p50 ms", "p99 ms", "errors", "daemon MiB", "tree MiB", "site/this req/s"],
              [[n, f"{med[n]['req_s']:.0f}", f"{med[n]['p50_ms']:.2f}", f"{med[n]['p99_ms']:.2f}",
                f"{med[n]['errors']:.0f}", "-" if med[n]["daemon_mib"] is None else f"{med[n]['daemon_mib']:.1f}",
                f"{med[n]['tree_mib']:.1f}", f"{site['req_s'] / med[n]['req_s']:.2f}"] for n in names])
    print("\nwhere the time goes: CPU microseconds per request (both cores: 2,000,000 us per second)")
    lib.table(["server", "wrk", "front end", "daemons / workers", "all", "x 2 cores' worth"],
              [[n, *(f"{med[n]['cpu_us'][k]:.0f}" for k in ("wrk", "server", "daemons")),
                f"{sum(med[n]['cpu_us'].values()):.0f}",
                f"{sum(med[n]['cpu_us'].values()) * med[n]['req_s'] / 2e6:.2f}"] for n in names])
    print()
    ok = [lib.verdict("site >= 1.3 x mod_wsgi-express req/s", site["req_s"] >= 1.3 * med["mod_wsgi-express"]["req_s"],
                      f"{site['req_s'] / med['mod_wsgi-express']['req_s']:.2f}x"),
          lib.verdict("site p99 < mod_wsgi-express p99", site["p99_ms"] < med["mod_wsgi-express"]["p99_ms"],
                      f"{site['p99_ms']:.2f} ms vs {med['mod_wsgi-express']['p99_ms']:.2f} ms"),
          lib.verdict("site >= gunicorn req/s", site["req_s"] >= med["gunicorn"]["req_s"],
                      f"{site['req_s'] / med['gunicorn']['req_s']:.2f}x"),
          lib.verdict("site >= 0.5 x static-file req/s", site["req_s"] >= 0.5 * med["static"]["req_s"],
                      f"{site['req_s'] / med['static']['req_s']:.2f}x"),
          lib.verdict("site serves without errors", site["errors"] == 0,
                      ", ".join(f"{n} {med[n]['errors']:.0f}" for n in names))]
    embedded = med[EMBEDDED]["req_s"]
    print(f"   the experiment, embedded mode (no daemon hop, no daemon options): {embedded / med['site']['req_s']:.2f}x "
          f"the site's req/s; {embedded / med['mod_wsgi-express']['req_s']:.2f}x mod_wsgi-express's, "
          f"{embedded / med['gunicorn']['req_s']:.2f}x gunicorn's, {embedded / med['static']['req_s']:.2f}x the static file's")
    print(json.dumps({"medians": med}, indent=None))
    if args.profile:
        with lib.client_port_reuse():
            profile_servers(host, args.duration, cores)
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
