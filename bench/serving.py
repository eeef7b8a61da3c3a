"""Serving benchmark: the site role's defaults against the stacks people deploy Python apps on,
on the same workloads.

    python3 bench/serving.py [--duration 8] [--rounds 3] [--workloads hello,page] [--stacks ...]
                             [--extra-vars JSON] [--python-build] [--fresh] [--profile] [--syscalls WORKLOAD]

One bookworm test host ("bench"; reused if running, --fresh starts it anew) gets, from
bench/playbooks/peers.yml: the hello app (bench/apps/hello) and a Django 5.2 project
(bench/apps/page: 50 rows from SQLite through the ORM, a base template and a for-loop table) from
wsgi.apache.site with the role's defaults, and the peers from Debian's packages (nginx, Apache) and
PyPI (gunicorn, uWSGI, Granian, mod_wsgi-express 6.1.1) in a virtualenv of the system Python, each run with
its documented production settings (STACKS below). With --python-build, the site's mod_wsgi and
apps run on CPython compiled by wsgi.apache.python (its defaults: PGO and LTO; python.org's 3.11.2,
the system's release, from the Debian mirror) instead of Debian's libpython3.11; the peers keep the
system Python.

Workloads (WORKLOADS): the hello world; the Django page; an endpoint that waits 50 ms, at 256
connections (capacity) and at 1024 (overload: the non-2xx answers by status); 1 MiB through
wsgi.file_wrapper (the site with WSGIEnableSendfile Off, its default, and On); a 1 MiB POST body.
Each stack in turn (the starting stack rotated each round) gets `wrk -t2 -cN -dD --latency` from
this machine after a 2 s warm-up; each figure is the median over rounds. Printed per workload:
req/s, p50, p99, errors, memory, CPU per request by process (the front end: Apache or nginx; the
workers: mod_wsgi's daemons, gunicorn's, uWSGI's or Granian's workers), and the ratio site / stack; then the
verdicts. "CPU app" is the page's own CPU time per request (its X-Thread-CPU-Us header, median of
up to 100 requests sampled during the run): the same Django code, timed inside each server.
Experiments, not candidates: the site's apps in mod_wsgi embedded mode; the site's file workload
with sendfile on; nginx + gunicorn with gunicorn's Python on Debian's shared libpython3.11 (the
library that mod_wsgi and uWSGI embed) instead of the python3.11 executable. With --profile, one
more wrk run of the Django page per stack under `perf record -a`: the samples by part and by kind
of code, and the parts' top symbols. With --syscalls WORKLOAD, one more wrk run of that workload per
stack with perf counting the system calls of its processes: the calls a request makes in the front
end and in the workers.
"""
import argparse
import contextlib
import json
import shlex
import tempfile
import threading
import urllib.request

import lib
import testhost

VENV = "/opt/bench/venv"
RUN = "/run/bench"
APPS = {"hello": {"dir": "/srv/bench/hello", "module": "hello:application", "site_port": 8080},
        "page": {"dir": "/srv/bench/page", "module": "page.wsgi:application", "site_port": 8090}}
MIB = 1 << 20
WORKLOADS = {
    "hello": {"app": "hello", "path": "/", "connections": 32},
    "page": {"app": "page", "path": "/", "connections": 32},
    "capacity": {"app": "hello", "path": "/wait", "connections": 256},
    "overload": {"app": "hello", "path": "/wait", "connections": 1024, "statuses": True},
    "file": {"app": "hello", "path": "/file", "connections": 32},
    "post": {"app": "hello", "path": "/upload", "connections": 32, "body_bytes": MIB},
}

SITE = "site"
EMBEDDED = "site in embedded mode (experiment)"
SENDFILE = "site with sendfile on (experiment)"
STATIC = "static file (Apache)"
# gunicorn's Python on Debian's shared libpython3.11, the library mod_wsgi and uWSGI embed
# (python-shared: a main() that calls Py_BytesMain, built by peers.yml).
LIBPYTHON = "nginx + gunicorn sync on libpython (experiment)"
FRONT_PORT = 8100   # nginx or Apache in front of a peer
ALONE_PORT = 8102   # a peer serving HTTP itself


def gunicorn(app, cores, bind, threads=0, python=""):
    """gunicorn as its docs deploy it: (2 x cores) + 1 sync workers, or gthread workers; run by the
    virtualenv's python (Debian's python3.11 executable) unless another is given."""
    kind = f"--worker-class gthread --workers {cores} --threads {threads}" if threads else f"--workers {2 * cores + 1}"
    return (f"{python} {VENV}/bin/gunicorn --chdir {APPS[app]['dir']} {kind} --bind {bind} "
            f"--user www-data --group www-data {APPS[app]['module']}").lstrip()


def uwsgi(app, cores, socket_option):
    """uWSGI with its docs' production options (master, one interpreter, strict, no request log:
    nginx logs the requests), cores processes x 8 threads."""
    return (f"{VENV}/bin/uwsgi --master --strict --need-app --single-interpreter --die-on-term --vacuum "
            f"--disable-logging --processes {cores} --threads 8 {socket_option} --chmod-socket=666 "
            f"--chdir {APPS[app]['dir']} --module {APPS[app]['module']} --uid www-data --gid www-data")


def granian(app, cores, address, port):
    """Granian (its WSGI interface) as its docs deploy it: a worker process per core, its default threads,
    blocking threads and backpressure, no access log (its default); as www-data, which setpriv switches to
    (Granian has no user option)."""
    return (f"cd {APPS[app]['dir']} && exec setpriv --reuid www-data --regid www-data --init-groups "
            f"{VENV}/bin/granian --interface wsgi --workers {cores} --host {address} --port {port} {APPS[app]['module']}")


def nginx(conf, upstream):
    """nginx in the foreground with the gunicorn docs' proxy settings (conf "proxy") or uwsgi_pass
    (conf "uwsgi"), and an access log as Debian's default configuration has."""
    location = (f"include /etc/nginx/uwsgi_params; uwsgi_pass {upstream};" if conf == "uwsgi" else
                f"proxy_set_header Host $http_host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; "
                f"proxy_redirect off; proxy_pass http://{upstream};")
    text = (f"user www-data; worker_processes auto; pid {RUN}/nginx.pid; error_log /tmp/nginx-error.log; "
            f"events {{ worker_connections 4096; }} "
            f"http {{ include /etc/nginx/mime.types; access_log /tmp/nginx-access.log; sendfile on; "
            f"keepalive_timeout 65; client_max_body_size 4m; "
            f"server {{ listen {FRONT_PORT} backlog=4096; location / {{ {location} }} }} }}")
    return f"printf '%s\\n' '{text}' > {RUN}/nginx-{conf}.conf && nginx -c {RUN}/nginx-{conf}.conf -g 'daemon off;'"


def apache_proxy(upstream_socket):
    """A second Apache (event MPM, Debian's modules) that proxies to a unix socket with mod_proxy_http."""
    modules = "/usr/lib/apache2/modules"
    lines = ["ServerRoot /etc/apache2", f"PidFile {RUN}/proxy-apache.pid", f"DefaultRuntimeDir {RUN}",
             f"Listen {FRONT_PORT}", "User www-data", "Group www-data", "ServerName bench",
             *(f"LoadModule {m}_module {modules}/mod_{m}.so" for m in
               ("mpm_event", "authz_core", "proxy", "proxy_http")),  # unixd, log_config: built in
             "ErrorLog /tmp/proxy-apache-error.log", 'LogFormat "%h %l %u %t \\"%r\\" %>s %O" common',
             "CustomLog /tmp/proxy-apache-access.log common",
             f"ProxyPass / unix:{upstream_socket}|http://localhost/", "ProxyPassReverse / http://localhost/"]
    conf = f"{RUN}/proxy-apache.conf"
    return "printf '%s\\n' " + " ".join(f"'{line}'" for line in lines) + f" > {conf} && apache2 -f {conf} -DFOREGROUND"


def peer_stacks():
    """{stack: (port, function(app, cores) -> the shell commands that run it)}."""
    sock = f"{RUN}/app.sock"
    return {
        "nginx + gunicorn sync": (FRONT_PORT, lambda app, cores: [
            gunicorn(app, cores, f"unix:{sock}"), nginx("proxy", f"unix:{sock}")]),
        "nginx + gunicorn gthread": (FRONT_PORT, lambda app, cores: [
            gunicorn(app, cores, f"unix:{sock}", threads=8), nginx("proxy", f"unix:{sock}")]),
        "Apache mod_proxy + gunicorn": (FRONT_PORT, lambda app, cores: [
            gunicorn(app, cores, f"unix:{sock}"), apache_proxy(sock)]),
        "nginx + uWSGI http": (FRONT_PORT, lambda app, cores: [
            uwsgi(app, cores, "--http-socket 127.0.0.1:9001"), nginx("proxy", "127.0.0.1:9001")]),
        "nginx + uWSGI uwsgi": (FRONT_PORT, lambda app, cores: [
            uwsgi(app, cores, f"--socket {sock}"), nginx("uwsgi", f"unix:{sock}")]),
        LIBPYTHON: (FRONT_PORT, lambda app, cores: [
            gunicorn(app, cores, f"unix:{sock}", python=f"{VENV}/bin/python-shared"), nginx("proxy", f"unix:{sock}")]),
        "nginx + Granian": (FRONT_PORT, lambda app, cores: [
            granian(app, cores, "127.0.0.1", 9002), nginx("proxy", "127.0.0.1:9002")]),
        "gunicorn alone": (ALONE_PORT, lambda app, cores: [gunicorn(app, cores, f"0.0.0.0:{ALONE_PORT}")]),
        "Granian alone": (ALONE_PORT, lambda app, cores: [granian(app, cores, "0.0.0.0", ALONE_PORT)]),
        "mod_wsgi-express": (ALONE_PORT, lambda app, cores: [
            f"{VENV}/bin/mod_wsgi-express start-server --application-type module --entry-point "
            "{0} --callable-object {2} ".format(*APPS[app]['module'].partition(':')) +
            f"--working-directory {APPS[app]['dir']} --port {ALONE_PORT} --user www-data --group www-data "
            f"--server-root /tmp/mwe-{ALONE_PORT}"]),
    }


PEERS = peer_stacks()
STACKS = (SITE, *PEERS, STATIC, EMBEDDED, SENDFILE)
# Which workloads a stack runs: the static file only serves a file of the same size; the sendfile
# experiment only the file.
ONLY = {STATIC: ("hello", "file"), SENDFILE: ("file",)}
STATIC_PATHS = {"hello": "/static/hello.txt", "file": "/files/file.bin"}
WORKERS = ("(wsgi:", f"{VENV}/bin/python", f"{VENV}/bin/uwsgi")


def apache_change(host, stack):
    """(change, undo) of the bench host's Apache for a stack: none for the role's vhosts, or an
    experiment's configuration (and how it is put back)."""
    if stack == EMBEDDED:
        site_packages = host.ssh("ls -d /srv/wsgi-apache/page/venv/lib/python3*/site-packages").stdout.strip()
        return lib.embedded({"hello": ("hello.py", []), "page": ("page/wsgi.py", [site_packages])})
    if stack == SENDFILE:
        return f"echo 'WSGIEnableSendfile On' > {lib.BENCH_CONF}", f"rm -f {lib.BENCH_CONF}"
    return None, None


def runs(stack, workload):
    return workload in ONLY.get(stack, WORKLOADS)


def url_of(host, stack, workload):
    spec = WORKLOADS[workload]
    if stack in PEERS:
        return f"http://{host.address}:{PEERS[stack][0]}{spec['path']}"
    if stack == STATIC:
        return f"http://{host.address}:{APPS['hello']['site_port']}{STATIC_PATHS[workload]}"
    return f"http://{host.address}:{APPS[spec['app']]['site_port']}{spec['path']}"


@contextlib.contextmanager
def running(host, stack, app, cores):
    """The stack serving app, as the pid at the root of its process tree: a peer's processes started
    for the measurement (one session, stopped after it), or the bench host's Apache."""
    if stack not in PEERS:
        change, undo = apache_change(host, stack)
        probe = url_of(host, SITE, "page" if app == "page" else "hello")
        if change:
            lib.restart_apache(host, probe, change)
        try:
            yield int(host.ssh("systemctl show -p MainPID --value apache2").stdout)
        finally:
            if undo:
                lib.restart_apache(host, probe, undo)
        return
    port, commands = PEERS[stack]
    script = " & ".join(f"( {c} )" for c in commands(app, cores)) + " & wait"
    pid = int(host.ssh(f"install -d -o www-data -g www-data {RUN} && cd /tmp && (setsid timeout 1800 sh -c {shlex.quote(script)} "
                       f"> /tmp/stack.log 2>&1 < /dev/null & echo $!)").stdout.strip())
    try:
        probe = f"http://{host.address}:{port}/"
        if not lib.wait_for(lambda: lib.get_status(probe) == 200, 60):
            raise SystemExit(f"{stack} did not answer: {host.ssh('cat /tmp/stack.log', check=False).stdout}")
        yield pid
    finally:
        host.ssh(f"kill -TERM -{pid} 2>/dev/null; for i in $(seq 50); do kill -0 -{pid} 2>/dev/null || exit 0; "
                 f"sleep 0.2; done; kill -KILL -{pid} 2>/dev/null; rm -f {RUN}/*.sock; true")


class AppCPU:
    """While wrk runs: the page's X-Thread-CPU-Us (the app's own CPU time for a request) of up to 100
    requests of our own, one every 50 ms; median() is theirs."""

    def __init__(self, url):
        self.url, self.seen, self.done = url, [], threading.Event()
        self.thread = threading.Thread(target=self._sample)
        self.thread.start()

    def _sample(self):
        for _request in range(100):
            if self.done.wait(0.05):
                return
            try:
                with urllib.request.urlopen(self.url, timeout=10) as resp:
                    self.seen.append(int(resp.headers["X-Thread-CPU-Us"]))
            except (OSError, TypeError, ValueError):
                continue

    def median(self):
        self.done.set()
        self.thread.join(30)
        return lib.median(self.seen) if self.seen else None


def load_of(workload):
    """lib.wrk's arguments for workload."""
    spec = WORKLOADS[workload]
    return {"connections": spec["connections"], "body_bytes": spec.get("body_bytes", 0),
            "statuses": spec.get("statuses", False)}


def measure(host, stack, workload, root_pid, duration):
    """wrk's figures, RSS of the workers and of the whole tree, CPU microseconds per request of wrk,
    the front end (Apache or nginx: the rest of the tree) and the workers, and for the page the
    app's own (its X-Thread-CPU-Us header)."""
    url, load = url_of(host, stack, workload), load_of(workload)
    lib.wrk(url, 2, **load)
    tree = lib.process_tree(host, root_pid)
    before = lib.cpu_seconds(host, tree)
    app_cpu = AppCPU(url) if workload == "page" else None
    figures = lib.wrk(url, duration, **load)
    figures["app_cpu_us"] = app_cpu.median() if app_cpu else None
    after = lib.cpu_seconds(host, tree)
    tree = lib.process_tree(host, root_pid)
    workers = {pid for pid, (_rss, args) in tree.items() if args.startswith(WORKERS)}
    figures["workers_mib"] = sum(tree[pid][0] for pid in workers) / 1024
    figures["tree_mib"] = lib.rss_mib(tree)
    used = {pid: after[pid] - before.get(pid, 0.0) for pid in after if pid in tree}
    per_request = 1e6 / max(figures["requests"], 1)
    figures["cpu_us"] = {"wrk": figures["wrk_cpu_s"] * per_request,
                         "workers": sum(s for pid, s in used.items() if pid in workers) * per_request,
                         "front": sum(s for pid, s in used.items() if pid not in workers) * per_request}
    return figures


def one_round(host, duration, cores, stacks, workloads, turn):
    """Every stack on every workload it runs, the stacks' order rotated by turn."""
    order = stacks[turn % len(stacks):] + stacks[:turn % len(stacks)]
    results = {}
    for stack in order:
        for app in APPS:
            # the overload last: a stack that queues it (gunicorn's sync workers) is still working off
            # its backlog for seconds after wrk stops, and the next workload would measure that
            todo = sorted((w for w in workloads if WORKLOADS[w]["app"] == app and runs(stack, w)),
                          key=lambda w: w == "overload")
            if todo:
                with running(host, stack, app, cores) as root:
                    for workload in todo:
                        results[(stack, workload)] = measure(host, stack, workload, root, duration)
    return results


def medians(rounds):
    """{(stack, workload): figures}: each figure the median over rounds (statuses: summed)."""
    med = {}
    for key in rounds[0]:
        runs_ = [r[key] for r in rounds]
        med[key] = {k: lib.median([r[k] for r in runs_]) if runs_[0][k] is not None else None
                    for k in runs_[0] if k not in ("cpu_us", "statuses")}
        med[key]["cpu_us"] = {k: lib.median([r["cpu_us"][k] for r in runs_]) for k in runs_[0]["cpu_us"]}
        statuses = {}
        for r in runs_:
            for status, count in r["statuses"].items():
                statuses[status] = statuses.get(status, 0) + count
        med[key]["statuses"] = statuses
    return med


def report(med, stacks, workloads, duration, rounds, cores):
    print(f"\nwrk -t2 -d{duration}s --latency from this machine; {cores} cores on the host; medians of {rounds} "
          "round(s); CPU in microseconds per request (2 cores: 2,000,000 us a second)")
    for workload in workloads:
        spec = WORKLOADS[workload]
        rows = [s for s in stacks if (s, workload) in med]
        if not rows:
            continue
        site = med.get((SITE, workload))
        print(f"\n{workload}: {spec['app']} {spec['path']}, {spec['connections']} connections"
              + (", 1 MiB POST" if spec.get("body_bytes") else ""))
        lib.table(["stack", "req/s", "p50 ms", "p99 ms", "errors", "non-2xx", "workers MiB", "tree MiB",
                   "CPU front", "CPU workers", "CPU wrk", "CPU app", "site / this"],
                  [[s, f"{m['req_s']:.0f}", f"{m['p50_ms']:.1f}", f"{m['p99_ms']:.1f}", f"{m['errors']:.0f}",
                    " ".join(f"{k}:{v}" for k, v in sorted(m["statuses"].items())) or "-",
                    f"{m['workers_mib']:.0f}", f"{m['tree_mib']:.0f}", f"{m['cpu_us']['front']:.0f}",
                    f"{m['cpu_us']['workers']:.0f}", f"{m['cpu_us']['wrk']:.0f}",
                    "-" if m["app_cpu_us"] is None else f"{m['app_cpu_us']:.0f}",
                    f"{site['req_s'] / m['req_s']:.2f}" if site and m["req_s"] else "-"]
                   for s in rows for m in [med[(s, workload)]]])


def verdicts(med):
    """Issue 18's targets, with issue 27's Granian stacks, on what was measured."""
    ok = []

    def figure(stack, workload, key="req_s"):
        return med[(stack, workload)][key] if (stack, workload) in med else None

    candidates = [s for s in PEERS if "experiment" not in s]
    gunicorns = [s for s in candidates if "gunicorn" in s or "Granian" in s]  # page: the site at 1.0x
    uwsgis = [s for s in candidates if "uWSGI" in s]  # page: at 0.95x
    if figure(SITE, "page"):
        site = figure(SITE, "page")
        for peer in gunicorns + uwsgis:
            if figure(peer, "page"):
                need = 1.0 if peer in gunicorns else 0.95
                ok.append(lib.verdict(f"page: site >= {need:.2f} x {peer} req/s", site >= need * figure(peer, "page"),
                                      f"{site / figure(peer, 'page'):.2f}x"))
        peers_p99 = [(figure(p, "page", "p99_ms"), p) for p in gunicorns + uwsgis if figure(p, "page")]
        if peers_p99:
            best = min(peers_p99)
            ok.append(lib.verdict("page: site p99 no worse than the best peer's", figure(SITE, "page", "p99_ms") <= best[0],
                                  f"{figure(SITE, 'page', 'p99_ms'):.1f} ms vs {best[0]:.1f} ms ({best[1]})"))
    if figure(SITE, "hello"):
        for peer in [s for s in gunicorns if "gunicorn" in s]:
            if figure(peer, "hello"):
                ok.append(lib.verdict(f"hello: site >= {peer} req/s", figure(SITE, "hello") >= figure(peer, "hello"),
                                      f"{figure(SITE, 'hello') / figure(peer, 'hello'):.2f}x"))
    below = [w for w in WORKLOADS if w != "overload" and (SITE, w) in med]
    if below:
        errors = {w: med[(SITE, w)]["errors"] for w in below}
        ok.append(lib.verdict("site: 0 errors below capacity", not any(errors.values()),
                              ", ".join(f"{w} {n:.0f}" for w, n in errors.items())))
    if (SITE, "overload") in med:
        over = med[(SITE, "overload")]
        fast = over["p99_ms"] <= 2 * med[(SITE, "capacity")]["p99_ms"] if (SITE, "capacity") in med else False
        ok.append(lib.verdict("site fails fast under overload (a clear status, p99 within 2x capacity's)",
                              fast and bool(over["statuses"]) and over["socket_errors"] == 0,
                              f"p99 {over['p99_ms']:.0f} ms, statuses {over['statuses']}, "
                              f"socket errors {over['socket_errors']:g}, timeouts {over['timeouts']:g}"))
    return ok


def parts_of(host, root):
    """{pid on this machine: "workers" or "front end"} of the processes of the tree at root."""
    tree, to_global = lib.process_tree(host, root), lib.global_pids(host.name)
    return {to_global[p]: "workers" if args.startswith(WORKERS) else "front end"
            for p, (_rss, args) in tree.items() if p in to_global}


def syscall_stacks(host, stacks, workload, duration, cores):
    """The system calls a request of workload costs each stack's front end and workers (perf's
    raw_syscalls:sys_enter tracepoint over one wrk run), the most frequent first."""
    for stack in stacks:
        if not runs(stack, workload):
            continue
        url, load = url_of(host, stack, workload), load_of(workload)
        with running(host, stack, WORKLOADS[workload]["app"], cores) as root:
            lib.wrk(url, 2, **load)
            parts = parts_of(host, root)
            counts, figures = lib.syscalls(sorted(parts), lambda url=url: lib.wrk(url, duration, **load))
        per_part = {}
        for pid, calls in counts.items():
            into = per_part.setdefault(parts.get(pid, "other"), {})
            for name, count in calls.items():
                into[name] = into.get(name, 0) + count / max(figures["requests"], 1)
        names_ = sorted({n for calls in per_part.values() for n in calls},
                        key=lambda n: -sum(calls.get(n, 0) for calls in per_part.values()))
        columns = [part for part in ("front end", "workers", "other") if part in per_part]
        print(f"\n{stack}, {workload}: {figures['req_s']:.0f} req/s while traced; system calls a request")
        lib.table(["system call", *columns],
                  [[name, *(f"{per_part[part].get(name, 0):.2f}" for part in columns)] for name in names_[:20]]
                  + [["all", *(f"{sum(per_part[part].values()):.2f}" for part in columns)]])


def profile_stacks(host, stacks, duration, cores):
    """perf's samples of the whole machine during one wrk run of the Django page per stack, by part
    (wrk, front end, workers, the rest) and kind of code, and the parts' top symbols."""
    for stack in stacks:
        if not runs(stack, "page"):
            continue
        url = url_of(host, stack, "page")
        with running(host, stack, "page", cores) as root:
            lib.wrk(url, 2)
            parts = parts_of(host, root)
            shares, top, figures = lib.profile(
                lambda gpid, comm: "wrk" if comm == "wrk" else parts.get(gpid, "other"),
                lambda url=url: lib.wrk(url, duration))
        print(f"\n{stack}, page: {figures['req_s']:.0f} req/s under perf; shares of all samples of both cores")
        lib.profile_table(shares, ("wrk", "front end", "workers", "other"))
        for part in ("front end", "workers"):
            if part in top:
                print(f"   {part}, top symbols: " + ", ".join(f"{sym} {share:.1%}" for share, sym in top[part][:12]))


def names(text, known, what):
    chosen = [n.strip() for n in text.split(",")] if text else list(known)
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise SystemExit(f"--{what}: {unknown} unknown; choose from {list(known)}")
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds of each measured wrk run")
    parser.add_argument("--rounds", type=int, default=1, help="turns over all stacks; medians are reported")
    parser.add_argument("--workloads", default="", help=f"comma-separated, of {', '.join(WORKLOADS)} (default all)")
    parser.add_argument("--stacks", default="", help="comma-separated stack names (default all)")
    parser.add_argument("--extra-vars", default="{}", help="JSON for the site role, e.g. to try other defaults")
    parser.add_argument("--python-build", action="store_true",
                        help="the site on CPython compiled by wsgi.apache.python (with PGO and LTO)")
    parser.add_argument("--fresh", action="store_true", help="start the bench host anew")
    parser.add_argument("--profile", action="store_true",
                        help="then one more wrk run of the Django page per stack under perf record")
    parser.add_argument("--syscalls", choices=list(WORKLOADS),
                        help="then one more wrk run of this workload per stack, counting the system calls a request")
    args = parser.parse_args()
    workloads, stacks = names(args.workloads, WORKLOADS, "workloads"), names(args.stacks, STACKS, "stacks")
    lib.need_command("wrk", "wrk")
    (host,) = lib.hosts(["bench"], args.fresh)
    with tempfile.TemporaryDirectory() as tmp:
        extra = {**(testhost.cpython_source() if args.python_build else {}), **json.loads(args.extra_vars)}
        lib.Play(lib.BENCH / "playbooks" / "peers.yml", lib.inventory([host], tmp), extra)
    home = host.ssh("grep -ho 'python-home=[^ ]*' /etc/apache2/sites-enabled/*.conf | head -1").stdout.strip().split("=")[-1]
    site_python = host.ssh(f"{home}/bin/python -c 'import sys; print(sys.version.split()[0], sys.base_prefix)'").stdout
    print(f"the site's Python (its page app's virtualenv): {site_python.strip()}")
    cores = int(host.ssh("nproc").stdout)
    with lib.client_port_reuse():
        rounds = [one_round(host, args.duration, cores, stacks, workloads, turn) for turn in range(args.rounds)]
    med = medians(rounds)
    report(med, stacks, workloads, args.duration, args.rounds, cores)
    print()
    ok = verdicts(med)
    print(json.dumps({"medians": {f"{s} | {w}": m for (s, w), m in med.items()}}, indent=None))
    if args.profile:
        with lib.client_port_reuse():
            profile_stacks(host, stacks, args.duration, cores)
    if args.syscalls:
        with lib.client_port_reuse():
            syscall_stacks(host, stacks, args.syscalls, args.duration, cores)
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
