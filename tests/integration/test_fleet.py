"""A fleet: HAProxy on one bookworm test host in front of three app hosts, each deployed by the site
role, and the rolling deploy of examples/rolling-deploy.yml (serial 1, each host drained from HAProxy
through its admin socket while it is deployed).

wrk (16 connections) goes through HAProxy from before each rollout starts until after it ends: a code
change, and a daemon-option change (which reloads Apache on each host), fail no request, and never is
more than one host out of HAProxy; the release commands run once for the fleet. A release that fails its
check stops the deploy in its first play, before any host leaves HAProxy. One that fails only once live
stops the rollout at the first host, which is back on its old release and back in HAProxy; the other two
keep theirs live.
"""
import csv
import io
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile

import pytest

from conftest import ROOT, run_play
from helpers import daemon_pids, get, load, run_adhoc, wait_for

PROBE = ROOT / "tests" / "integration" / "apps" / "probe"
PLAYBOOKS = ROOT / "tests" / "integration" / "playbooks"
ROLLING = ROOT / "examples" / "rolling-deploy.yml"
# community.general (its haproxy module) as users get it: from the `ansible` package.
COMMUNITY_GENERAL_FROM = "ansible==11.13.0"
APP_HOSTS = ("fleet1", "fleet2", "fleet3")
PORT = 8081
ROOT_DIR = "/srv/wsgi-apache/fleet"


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    """ANSIBLE_COLLECTIONS_PATH with community.general beside this collection."""
    wheels = tmp_path_factory.mktemp("wheels")
    got = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels), COMMUNITY_GENERAL_FROM],
                         text=True, capture_output=True, timeout=600, check=False)
    if got.returncode != 0:
        pytest.fail(f"pip could not download {COMMUNITY_GENERAL_FROM} (community.general): {got.stderr}")
    where = tmp_path_factory.mktemp("collections")
    with zipfile.ZipFile(next(wheels.glob("*.whl"))) as wheel:
        wheel.extractall(where, [n for n in wheel.namelist() if n.startswith("ansible_collections/community/general/")])
    return f"{where}:{os.environ['ANSIBLE_COLLECTIONS_PATH']}"


@pytest.fixture(scope="module")
def fleet(start_host, tmp_path_factory):
    """The four hosts, the app at v1 on the three app hosts, HAProxy in front with all three up."""
    lb = start_host("fleetlb")
    apps = {name: start_host(name) for name in APP_HOSTS}
    where = tmp_path_factory.mktemp("fleet")
    src = where / "probe"
    shutil.copytree(PROBE, src)
    (src / "requirements.txt").write_text("# no packages\n")
    spec = {"lb": lb, "apps": apps, "src": src, "daemon": {"processes": 2, "threads": 4}}
    app_lines = "\n".join(host.inventory_line() for host in apps.values())
    (where / "apps.ini").write_text(f"[app_servers]\n{app_lines}\n")
    spec["inventory"] = where / "fleet.ini"
    spec["inventory"].write_text(f"[app_servers]\n{app_lines}\n[load_balancers]\n{lb.inventory_line()}\n")
    write_code(spec, "v1")
    first = run_play(PLAYBOOKS / "site.yml", where / "apps.ini", variables(spec))
    assert first.rc == 0, first
    proxy = run_play(PLAYBOOKS / "haproxy.yml", spec["inventory"], {"health_path": "/env", "app_port": PORT})
    assert proxy.rc == 0, proxy
    assert wait_for(lambda: set(servers(lb).values()) == {"UP"}, 60), servers(lb)
    return spec


def write_code(spec, marker):
    """The app's next version: it answers /reloaded with marker."""
    with open(spec["src"] / "app.wsgi", "a") as fh:
        fh.write(f"\nRELOADED = {marker!r}\n")
    spec["marker"] = marker


def variables(spec, **app):
    entry = {"name": "fleet", "server_name": "fleet.test", "port": PORT, "src": str(spec["src"]),
             "wsgi_script": "app.wsgi", "requirements": "requirements.txt", "health_url": "/env",
             "daemon": spec["daemon"], **app}
    return {"site_apps": [entry], "site_health_timeout": 10}


def servers(lb):
    """Each app host's status in HAProxy's backend, from its admin socket."""
    out = lb.ssh("echo 'show stat' | socat stdio /run/haproxy/admin.sock").stdout.lstrip("# ")
    return {row["svname"]: row["status"] for row in csv.DictReader(io.StringIO(out))
            if row["pxname"] == "app" and row["svname"] in APP_HOSTS}


class Watch:
    """HAProxy's view of the app hosts, every half second until stop(): the most hosts out at once,
    which hosts were ever out, and each change of a host's status. A host is out when HAProxy sends it
    no traffic: any status but UP (which "UP 1/3", a serving host that failed one check, still is)."""

    def __init__(self, lb):
        self.lb, self.most_out, self.were_out, self.changes = lb, 0, set(), []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        deadline = time.monotonic() + 1200
        seen = {}
        while not self.done.is_set() and time.monotonic() < deadline:
            now = servers(self.lb)
            self.changes += [(round(time.monotonic(), 1), name, status) for name, status in now.items() if seen.get(name) != status]
            seen = now
            out = {name for name, status in now.items() if not status.startswith("UP")}
            self.most_out = max(self.most_out, len(out))
            self.were_out |= out
            time.sleep(0.5)

    def stop(self):
        self.done.set()
        self.thread.join(60)
        return self


def roll(spec, collections, **app):
    """The rolling deploy under load through HAProxy: (play result, wrk's counts, the Watch)."""
    under_load = load(spec["lb"], 80)
    watch = Watch(spec["lb"])
    try:
        result = run_play(ROLLING, spec["inventory"], variables(spec, **app),
                          env={"ANSIBLE_COLLECTIONS_PATH": collections})
    finally:
        counts = under_load.stop()
        watch.stop()
    print(f"rolling deploy (rc {result.rc}): {counts['requests']} requests through HAProxy in {counts['seconds']:.0f} s, "
          f"{counts['failed']} failed; hosts out of HAProxy: {sorted(watch.were_out)}, at most {watch.most_out} at once; changes: {watch.changes}")
    return result, counts, watch


def live(spec, name, inventory):
    return run_adhoc(spec["apps"][name], inventory, "wsgi.apache.app_release_info", f"root={ROOT_DIR}")


def app_inventory(spec, name, tmp_path):
    path = tmp_path / f"{name}.ini"
    path.write_text(spec["apps"][name].inventory_line() + "\n")
    return path


RAN = "/tmp/fleet-release-commands"  # each run of the release command adds a line, on the host it ran on


def test_a_rolling_code_change_fails_no_request_and_runs_its_release_commands_once(fleet, collections):
    write_code(fleet, "v2")
    result, counts, watch = roll(fleet, collections, release_commands=[f"sh -c 'hostname >> {RAN}'"])
    assert result.rc == 0, result
    ran = [host.ssh(f"cat {RAN}", check=False).stdout.split() for host in fleet["apps"].values()]
    assert sum(len(lines) for lines in ran) == 1, ran  # once for the fleet, before the first batch
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    assert counts["requests"] > 1000, counts["output"]
    assert watch.most_out == 1 and watch.were_out == set(APP_HOSTS), vars(watch)
    for host in fleet["apps"].values():
        assert get(host, PORT, "/reloaded").json()["reloaded"] == "v2"
    assert set(servers(fleet["lb"]).values()) == {"UP"}


def test_a_rolling_daemon_option_change_reloads_apache_without_a_failed_request(fleet, collections):
    fleet["daemon"] = {"processes": 3, "threads": 4}
    result, counts, watch = roll(fleet, collections)
    assert result.rc == 0, result
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    assert watch.most_out == 1, vars(watch)
    for host in fleet["apps"].values():
        assert wait_for(lambda h=host: len(daemon_pids(h, "(wsgi:fleet)")) == 3, 30)


def test_a_release_that_fails_its_check_stops_before_any_host_leaves_the_load_balancers(fleet, collections, tmp_path):
    before = {name: live(fleet, name, app_inventory(fleet, name, tmp_path)) for name in APP_HOSTS}
    write_code(fleet, "v3")
    result, counts, watch = roll(fleet, collections, environment={"PROBE_UNHEALTHY": "1"})
    assert result.rc != 0
    assert "fails its check" in " ".join(result.output.split()), result
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    assert watch.were_out == set(), vars(watch)
    after = {name: live(fleet, name, app_inventory(fleet, name, tmp_path)) for name in APP_HOSTS}
    assert {name: found["live"] for name, found in after.items()} == {name: found["live"] for name, found in before.items()}
    for host in fleet["apps"].values():
        assert get(host, PORT, "/reloaded").json()["reloaded"] == "v2"


def test_a_release_unhealthy_only_once_live_stops_at_the_first_host(fleet, collections, tmp_path):
    before = {name: live(fleet, name, app_inventory(fleet, name, tmp_path)) for name in APP_HOSTS}
    write_code(fleet, "v4")
    result, counts, watch = roll(fleet, collections, environment={"PROBE_UNHEALTHY_LIVE": "1"})
    assert result.rc != 0
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    assert watch.were_out == {APP_HOSTS[0]}, vars(watch)
    after = {name: live(fleet, name, app_inventory(fleet, name, tmp_path)) for name in APP_HOSTS}
    assert after[APP_HOSTS[0]]["live"] == before[APP_HOSTS[0]]["live"]  # switched back by the health gate
    for name in APP_HOSTS[1:]:  # they built the release in the first play, and never made it live
        assert after[name]["live"] == before[name]["live"], f"{name} changed"
    for host in fleet["apps"].values():
        assert get(host, PORT, "/reloaded").json()["reloaded"] == "v2"
    assert wait_for(lambda: set(servers(fleet["lb"]).values()) == {"UP"}, 30), servers(fleet["lb"])
