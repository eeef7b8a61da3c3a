"""Deploy benchmark: what clients see while each app role deploys each kind of change, next to the
previous behaviour (the code copied over the live tree, then a reload or restart), and what an Apache
graceful alone does to daemon-mode requests on each mod_wsgi release the roles build.

    python3 bench/deploy.py [--releases 6.1.1,5.0.2] [--reloads 3] [--fresh]

wrk (-t2 -c16) runs from this machine against the app on a bookworm test host from 2 s before each
action until 2 s after it; "failed" is wrk's non-2xx responses plus its socket errors.

1. For each role (site on "bdep-site", express on "bdep-express"), the probe app (2 processes x 4
   threads) is converged; a code change and a rerun that changes nothing are timed without load
   (seconds from the play's start until the new code answers, and the rerun's: target <= 10 s each);
   then, under load, it is changed once per kind, each by one run of the role's play: code, requirements,
   environment, a daemon option (processes 2 -> 3), and the server's configuration (site: an alias
   added to the vhost; express: a URL alias added); an unhealthy release that its check catches before
   the switch (it answers its health URL 503) and one that is unhealthy only once it serves (500 under
   mod_wsgi), each of which the play refuses (and the rate's seconds that failed); and a rerun that
   changes nothing.
1b. The shop Django project (tests/integration/apps/shop) on PostgreSQL on a host of its own
   ("bdep-db"), by the site role on "bdep-shop": v1, then v2 (collectstatic, an additive migration) under
   load.
2. The previous behaviour, in the same run: the roles of 0.1.0 (the newest commit of its release
   date in changelogs/changelog.yaml, from this repository's history), which copy the code over the live tree, then reload
   Apache (site) or restart the app's service (express), on hosts of their own ("bdep-old-site",
   "bdep-old-express"): the same code change and rerun, timed without load, and the code change under
   load.
3. For each mod_wsgi release (host "bdep-NNN", the site role with mod_wsgi_version and an app whose
   certificate comes from an ACME CA: pebble on "bdep-ca", tests/integration/acme_ca.py), with the mod_wsgi
   role's patch set and then without it (mod_wsgi_patches false, a build of its own; a release none of the
   patches is for is built as published either way): under wrk, --reloads `systemctl reload apache2`,
   failed requests per reload; Debian's daily log rotation (logrotate.service, with the state of a server
   whose Apache logs are due: its postrotate reloads Apache); a certificate renewal (forced by a renew
   window longer than the certificate's life; wrk on the HTTPS port until the new certificate is served);
   and a 5 s request in flight at a reload: its status and when it ended. Each with the event MPM (the
   default) and the worker MPM (mod_wsgi_apache_mpm), whose reloads reset no kept-alive connection; without
   the patch set also with WSGISocketRotation Off (upstream's advice against these failures, mod_wsgi issue
   #929; in a configuration file of the benchmark's own).
The hosts are stopped at the end unless --keep.
"""
import argparse
import json
import pathlib
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import yaml

import lib
from wrkload import Load

sys.path.insert(0, str(lib.ROOT / ".collections"))
from ansible_collections.wsgi.apache.plugins.filter.mod_wsgi_patches import select  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(lib.ROOT / "tests" / "integration"))
import acme_ca  # noqa: E402  pylint: disable=wrong-import-position
import shop  # noqa: E402  pylint: disable=wrong-import-position

PROBE = lib.ROOT / "tests" / "integration" / "apps" / "probe"
SHOP = lib.ROOT / "tests" / "integration" / "apps" / "shop"
UNHEALTHY_BEFORE = "unhealthy release (its check)"
UNHEALTHY_LIVE = "unhealthy only once live"
DJANGO = "Django release (collectstatic, migrate)"
PLAYBOOK = lib.BENCH / "playbooks" / "deploy.yml"
CODE_TARGET_S = 10
ROLES = {
    "site": {"host": "bdep-site", "role": "wsgi.apache.site", "port": 8081, "apps": "site_apps",
             "root": "/srv/wsgi-apache/bench", "service": "apache2", "reload": "systemctl reload apache2",
             "app": {"name": "bench", "server_name": "bench.test", "port": 8081, "wsgi_script": "app.wsgi"},
             "config": {"server_aliases": ["alias.bench.test"]}},
    "express": {"host": "bdep-express", "role": "wsgi.apache.express", "port": 8000, "apps": "express_apps",
                "root": "/srv/wsgi-express/bench", "reload": "systemctl restart wsgi-express-bench",
                "app": {"name": "bench", "port": 8000, "entry": "app.wsgi"},
                "config": {"options": {"url_alias": [["/more", "/srv/wsgi-express/bench/app/static"]]}}},
}
DAEMON = {"processes": 2, "threads": 4, "eviction_timeout": 30}


class App:
    """The probe app of one role on its host, deployed by the role's play from a copy here."""

    def __init__(self, role, host, directory, extra=None, collections=None, entry=None):
        self.spec, self.host = ROLES[role], host
        self.env = {"ANSIBLE_COLLECTIONS_PATH": collections} if collections else None
        self.inventory = lib.inventory([host], directory)
        self.src = pathlib.Path(directory) / "probe"
        shutil.copytree(PROBE, self.src)
        (self.src / "requirements.txt").write_text("# none yet\n")
        self.entry = {**self.spec["app"], "src": str(self.src), "requirements": "requirements.txt",
                      "health_url": "/env", "daemon": dict(DAEMON), **(entry or {})}
        if collections:  # 0.1.0 had no health check
            del self.entry["health_url"]
        self.extra = dict(extra or {})
        self.version = 0
        self.new_code()
        self.play()

    def url(self, path="/env", https=False):
        return (f"https://{self.host.address}:{self.entry['https_port']}{path}" if https
                else f"http://{self.host.address}:{self.entry['port']}{path}")

    def new_code(self):
        self.version += 1
        with open(self.src / "app.wsgi", "a") as fh:
            fh.write(f"\nRELOADED = 'v{self.version}'\n")
        return f"v{self.version}"

    def play(self, fails=False):
        return lib.Play(PLAYBOOK, self.inventory,
                        {"bench_role": self.spec["role"], self.spec["apps"]: [self.entry], **self.extra}, env=self.env,
                        fails=fails)

    def refused(self):
        """A play the role fails: its release never goes live, or is put back."""
        return self.play(fails=True)

    def answers(self, marker):
        return answers(self.url("/reloaded"), "reloaded", marker)


def answers(url, key, marker):
    """Whether the JSON that url answers has marker as its key (the new code is live)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.loads(resp.read())[key] == marker
    except (OSError, ValueError, KeyError):
        return False


def under_load(app, action, marker=None, load=True):
    """Run action() under wrk (unless not load); failed requests, requests, the action's seconds, and the
    seconds from its start until the app answers marker (when given)."""
    seen = {}
    load = Load(app.url()) if load else None
    started = time.monotonic()

    def watch():
        if marker and lib.wait_for(lambda: app.answers(marker), 600, step=0.1):
            seen["live"] = time.monotonic() - started
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        action()
        took = time.monotonic() - started
        watcher.join(600)
    finally:
        counts = load.stop() if load else {"failed": "-", "requests": "-"}
    return {"failed": counts["failed"], "requests": counts["requests"], "seconds": took,
            "live_after": seen.get("live"),
            # The failed requests in seconds of the load's rate (a second of requests: 1.00).
            "failed_s": counts["failed"] * counts["seconds"] / counts["requests"] if load and counts["requests"] else None}


def table_row(role, kind, how, result):
    """One row of the changes table from what under_load() measured."""
    live = f"{result['live_after']:.1f}" if result.get("live_after") is not None else "-"
    return [role, kind, how, result["failed"], result["requests"], f"{result['seconds']:.1f}", live,
            f"{result['failed_s']:.2f}" if result.get("failed_s") is not None else "-"]


def role_changes(role, host, directory):
    app = App(role, host, directory)
    rows = []

    def row(kind, how, result):
        rows.append(table_row(role, kind, how, result))

    marker = app.new_code()
    row("code", "role, no load", under_load(app, app.play, marker, load=False))
    row("nothing (rerun)", "role, no load", under_load(app, app.play, load=False))
    marker = app.new_code()
    row("code", "role", under_load(app, app.play, marker))
    (app.src / "requirements.txt").write_text("six\n")
    row("requirements", "role", under_load(app, app.play))
    app.entry["environment"] = {"BENCH_ROUND": "2"}
    row("environment", "role", under_load(app, app.play))
    app.entry["daemon"]["processes"] = 3
    row("daemon option", "role", under_load(app, app.play))
    app.entry.update(ROLES[role]["config"])
    row("server config", "role", under_load(app, app.play))
    app.entry["environment"] = {"BENCH_ROUND": "2", "PROBE_UNHEALTHY": "1"}
    row(UNHEALTHY_BEFORE, "role (refused)", under_load(app, app.refused))
    app.entry["environment"] = {"BENCH_ROUND": "2", "PROBE_UNHEALTHY_LIVE": "1"}
    row(UNHEALTHY_LIVE, "role (put back)", under_load(app, app.refused))
    app.entry["environment"] = {"BENCH_ROUND": "2"}
    row("nothing (rerun)", "role", under_load(app, app.play))
    return rows


class Shop:
    """The shop Django project on its host, against PostgreSQL on another, deployed by the site role."""

    def __init__(self, db, host, directory):
        self.host = host
        password = secrets.token_hex(16)
        (directory / "db").mkdir()
        lib.Play(lib.ROOT / "tests" / "integration" / "playbooks" / "postgres.yml", lib.inventory([db], directory / "db"),
                 {"shop_client": host.address, "shop_db_password": password})
        self.spec = {"src": directory / "shop", "password": password, "db": db.address}
        shutil.copytree(SHOP, self.spec["src"])
        self.inventory = lib.inventory([host], directory)
        self.play()

    def url(self, path="/"):
        return f"http://{self.host.address}:{shop.PORT}{path}"

    def play(self):
        return lib.Play(PLAYBOOK, self.inventory, {"bench_role": "wsgi.apache.site", "site_apps": [shop.entry(self.spec)]})

    def answers(self, marker):
        return answers(self.url("/health"), "version", marker)


def django_release(db, host, directory):
    """The shop's v1, then v2 (collectstatic and an additive migration) under load."""
    app = Shop(db, host, directory)
    shop.make_v2(app.spec["src"])
    return [table_row("site", DJANGO, "role", under_load(app, app.play, "v2"))]


def previous_changes(role, host, directory, collections):
    """The code change and the rerun by 0.1.0's role."""
    app = App(role, host, directory, collections=collections)
    how = "0.1.0 role, " + ("copy + Apache reload" if role == "site" else "copy + service restart")
    rows = []

    def row(kind, suffix, result):
        rows.append(table_row(role, kind, how + suffix, result))
    row("code", ", no load", under_load(app, app.play, app.new_code(), load=False))
    row("nothing (rerun)", ", no load", under_load(app, app.play, load=False))
    row("code", "", under_load(app, app.play, app.new_code()))
    return rows


def previous_collection(directory):
    """The collection as 0.1.0 released it: the newest commit of its release date (changelogs/changelog.yaml)."""
    released = yaml.safe_load((lib.ROOT / "changelogs" / "changelog.yaml").read_text())["releases"]["0.1.0"]["release_date"]
    commit = subprocess.run(["git", "log", "-1", "--format=%H", f"--before={released} 23:59:59 +0000"], cwd=lib.ROOT,
                            text=True, capture_output=True, check=True).stdout.strip()
    if not commit:
        raise SystemExit(f"no commit of this repository is from 0.1.0's release date, {released}")
    where = pathlib.Path(directory) / "previous"
    target = where / "ansible_collections" / "wsgi" / "apache"
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=lib.ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return str(where), commit[:10]


RELOAD = "systemctl reload apache2"
# Debian's daily job, with the state of a server whose Apache logs were last rotated long ago: it rotates
# them, then its postrotate reloads Apache.
LOGROTATE = ("for log in /var/log/apache2/*.log; do printf '\"%s\" 2026-1-1-0:0:0\\n' \"$log\"; done"
             " | sed '1i logrotate state -- version 2' > /var/lib/logrotate/status && systemctl start logrotate.service")


def renewal(app):
    """A renewal by mod_md, forced by a renew window longer than the certificate's life: the play, then the
    wait (bounded) until Apache serves the new certificate, which the path unit's reload puts live."""
    def force():
        app.extra["site_acme_renew_window"] = "3650d"
        app.play()
        del app.extra["site_acme_renew_window"]
    if not acme_ca.renewed(app.host, force):
        raise SystemExit(f"{app.host.name}: no renewed certificate served within 180 s:\n" + app.host.ssh(
            "grep -h 'md\\[\\|md:\\|AH100' /var/log/apache2/error.log | tail -15; ls -lR /var/lib/apache2/md/staging; "
            "journalctl -u wsgi-apache-md.service --no-pager | tail -8", check=False).stdout)
    time.sleep(3)


def wrk_counts(app, action, https=False):
    """"non-2xx / socket errors" of wrk while action() runs, and which socket errors (read, connect...) if any."""
    running = Load(app.url(https=https))
    try:
        action()
    finally:
        counts = running.stop()
    which = ", ".join(f"{kind} {n}" for kind, n in counts["socket_error_kinds"].items() if n)
    return f"{counts['non_2xx']} / {counts['socket_errors']}" + (f" ({which})" if which else "")


def reloads(app, count):
    """wrk's non-2xx answers and socket errors through each of ``count`` reloads of Apache, the daily log
    rotation and a certificate renewal (on the HTTPS port), and a 5 s request in flight at a reload."""
    failed = [wrk_counts(app, lambda: (app.host.ssh(RELOAD), time.sleep(6))) for dummy in range(count)]
    rotated = wrk_counts(app, lambda: (app.host.ssh(LOGROTATE), time.sleep(6)))
    renewed = wrk_counts(app, lambda: renewal(app), https=True)
    app.play()  # the app's own renew window again
    box = {}

    def slow():
        started = time.monotonic()
        box["status"] = lib.get_status(app.url("/sleep?s=5"), timeout=30)
        box["after"] = time.monotonic() - started
    request = threading.Thread(target=slow)
    request.start()
    time.sleep(1)
    app.host.ssh(RELOAD)
    request.join(60)
    time.sleep(6)
    return ["; ".join(failed), rotated, renewed, f"{box.get('status') or 'no answer'} after {box.get('after', 0):.1f} s"]


def socket_rotation(host):
    """The WSGISocketRotation in force on the host (the last one Apache reads; On, mod_wsgi's default, if none)."""
    lines = host.ssh("cat /etc/apache2/mods-enabled/*.load "
                     "/etc/apache2/conf-enabled/*.conf | grep -i '^WSGISocketRotation'", check=False).stdout.split()
    return lines[-1] if lines else "On"


def patched(release):
    """The names of the role's patches for the release."""
    return [patch["name"] for patch in select(PATCHES, release)["apply"]]


PATCHES = [str(path) for path in (lib.ROOT / "roles" / "mod_wsgi" / "files" / "patches").glob("*.patch")]
PUBLISHED = "none (as published)"


def acme_name(host_name):
    return f"{host_name}.acme.test"


def report(rows):
    """The table of changes and the verdicts on the rows there are."""
    print("\nEach kind of change under wrk -t2 -c16 (failed = non-2xx + socket errors)")
    lib.table(["role", "change", "how", "failed", "requests", "seconds", "new code answers after s",
               "failed, s of requests"], rows)
    role_code = [r for r in rows if r[1] == "code" and r[2] == "role, no load"]
    if not role_code:  # only the Django release
        lib.verdict("the Django release fails no request", all(r[3] == 0 for r in rows), str([r[3] for r in rows]))
        return
    lib.verdict("code change live within 10 s (site, express)",
                all(r[6] != "-" and float(r[6]) <= CODE_TARGET_S for r in role_code),
                ", ".join(f"{r[0]} {r[6]} s" for r in role_code))
    lib.verdict("code, requirements and environment changes fail no request",
                all(r[3] == 0 for r in rows if r[2] == "role" and r[1] in ("code", "requirements", "environment")),
                ", ".join(f"{r[0]} {r[1]} {r[3]}" for r in rows if r[2] == "role" and r[1] in ("code", "requirements", "environment")))
    reruns = [r for r in rows if r[1] == "nothing (rerun)" and r[2] == "role, no load"]
    lib.verdict("a rerun that changes nothing within 10 s", all(float(r[5]) <= CODE_TARGET_S for r in reruns),
                ", ".join(f"{r[0]} {r[5]} s" for r in reruns))
    before = [r for r in rows if r[1] in (UNHEALTHY_BEFORE, DJANGO)]
    lib.verdict("an unhealthy release its check catches, and the Django release, fail no request",
                all(r[3] == 0 for r in before), ", ".join(f"{r[0]} {r[1]} {r[3]}" for r in before))
    live = [r for r in rows if r[1] == UNHEALTHY_LIVE]
    lib.verdict("a release unhealthy only once live fails at most 1 s of requests", all(float(r[7]) <= 1 for r in live),
                ", ".join(f"{r[0]} {r[3]} of {r[4]} ({r[7]} s)" for r in live))


PARTS = ("changes", "previous", "django", "reloads")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--releases", default="6.1.1,5.0.2")
    parser.add_argument("--reloads", type=int, default=3)
    parser.add_argument("--only", default=",".join(PARTS), help="the parts to run, of " + ", ".join(PARTS))
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    parts = args.only.split(",")
    if set(parts) - set(PARTS):
        parser.error(f"--only: {', '.join(sorted(set(parts) - set(PARTS)))} is not one of {', '.join(PARTS)}")
    lib.need_command("wrk", "wrk")
    releases = args.releases.split(",") if "reloads" in parts else []
    release_hosts = {r: "bdep-" + r.replace(".", "") for r in releases}
    ca_host = ["bdep-ca"] if releases else []
    old_hosts = {role: "bdep-old-" + role for role in ROLES} if "previous" in parts else {}
    names = [*([ROLES["site"]["host"], ROLES["express"]["host"]] if "changes" in parts else []),
             *old_hosts.values(), *(["bdep-db", "bdep-shop"] if "django" in parts else []), *release_hosts.values(), *ca_host]
    hosts = dict(zip(names, lib.hosts(names, args.fresh)))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows = []
            if old_hosts:
                previous, commit = previous_collection(tmp)
                print(f"\n0.1.0: commit {commit}")
            for role in ROLES:
                if "changes" in parts:
                    directory = pathlib.Path(tmp) / role
                    directory.mkdir()
                    rows += role_changes(role, hosts[ROLES[role]["host"]], directory)
                if old_hosts:
                    directory = pathlib.Path(tmp) / ("old-" + role)
                    directory.mkdir()
                    rows += previous_changes(role, hosts[old_hosts[role]], directory, previous)
            if "django" in parts:
                directory = pathlib.Path(tmp) / "django"
                directory.mkdir()
                rows += django_release(hosts["bdep-db"], hosts["bdep-shop"], directory)
            if rows:
                report(rows)
            grace = []
            if ca_host:
                acme_ca.start(hosts["bdep-ca"], {hosts[name].address: [acme_name(name)] for name in release_hosts.values()})
                # pebble's root only (mod_md's stand-in certificate, until the first comes, is refused); by address
                issued = ssl.create_default_context(cadata=acme_ca.management(hosts["bdep-ca"], "roots/0").decode())
                issued.check_hostname = False
            for release, name in release_hosts.items():
                directory = pathlib.Path(tmp) / name
                directory.mkdir()
                patches = patched(release)
                app = App("site", acme_ca.trusting(hosts[name], hosts["bdep-ca"]), directory,
                          {"mod_wsgi_version": release, "site_acme_ca": acme_ca.DIRECTORY,
                           "site_acme_ca_root": acme_ca.CA_ROOT_ON_APP, "site_acme_terms_agreed": True,
                           "site_acme_contact": "ops@acme.test"},
                          entry={"server_name": acme_name(name), "port": 80, "https_port": 443, "tls_acme": True})
                if not lib.wait_for(lambda: lib.get_status(app.url(https=True), context=issued) == 200, 180, step=1):
                    raise SystemExit(f"{name}: no certificate from the ACME CA within 180 s")
                # the patch set (if any is for the release) and without it, each with the event MPM (the default)
                # and the worker MPM, with the WSGISocketRotation the role writes (Off with the patch set, mod_wsgi's
                # default On without); without the patch set also upstream's advice, WSGISocketRotation Off
                for with_patches, mpm, rotation in (
                        ([(True, "event", None), (True, "worker", None)] if patches else [])
                        + [(False, "event", None), (False, "worker", None), (False, "event", "Off")]):
                    app.extra.update(mod_wsgi_patches=with_patches, mod_wsgi_apache_mpm=mpm)
                    app.play()  # without the patch set: a build of its own, once
                    app.host.ssh((f"echo 'WSGISocketRotation {rotation}' > {lib.BENCH_CONF}" if rotation
                                  else f"rm -f {lib.BENCH_CONF}") + f" && {RELOAD}")
                    time.sleep(6)
                    grace.append([release, ", ".join(patches) if with_patches else PUBLISHED, mpm,
                                  socket_rotation(app.host), *reloads(app, args.reloads)])
                app.host.ssh(f"rm -f {lib.BENCH_CONF}")
            if grace:
                print("\nApache reloads and the daily log rotation under wrk -t2 -c16, site role, per mod_wsgi release")
                lib.table(["mod_wsgi", "patches", "MPM", "WSGISocketRotation", "each reload: non-2xx / socket errors",
                           "log rotation", "renewal (HTTPS)", "5 s request in flight"], grace)
                patched_rows = [row for row in grace if row[1] != PUBLISHED]
                lib.verdict("with the patch set, no reload, log rotation or renewal answers a non-2xx",
                            all(part.startswith("0 /") for row in patched_rows for part in [*row[4].split("; "), *row[5:7]]),
                            "; ".join(f"{row[0]} {row[2]}: {row[4]}; {row[5]}; {row[6]}" for row in patched_rows))
                lib.verdict("with the patch set and the worker MPM, none fails a request (no socket error either)",
                            all(part == "0 / 0" for row in patched_rows if row[2] == "worker"
                                for part in [*row[4].split("; "), *row[5:7]]),
                            "; ".join(f"{row[0]}: {row[4]}; {row[5]}; {row[6]}" for row in patched_rows if row[2] == "worker"))
    finally:
        if not args.keep:
            lib.stop(names)


if __name__ == "__main__":
    main()
