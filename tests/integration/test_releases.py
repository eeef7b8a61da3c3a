"""Releases under load, for both app roles, on one bookworm host: what a client sees while the role
deploys new code, requirements and environment, a release that fails to load, one that fails its
health check, the rollback playbook, pruning and a run that changes nothing; build and release commands,
shared directories, and the deploy lock between two plays.

The load is wrk (16 connections) from this machine, from before the play starts until after it ends;
every deploy that makes a new release live must fail no request. A request of 8 seconds, started the
moment the new release is complete, is in flight when it goes live and the daemons restart: it
completes with 200, answered by the old release.
"""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import ROOT, run_play
from helpers import daemon_pids, get, in_background, load, run_adhoc, wait_for

PROBE = ROOT / "tests" / "integration" / "apps" / "probe"
PLAYBOOKS = ROOT / "tests" / "integration" / "playbooks"
DAEMON = {"processes": 2, "threads": 4, "eviction_timeout": 30}  # express gets the site role's default
ROLES = {
    "site": {"playbook": PLAYBOOKS / "site.yml", "port": 8081, "root": "/srv/wsgi-apache/rel",
             "display": "(wsgi:rel)", "apps": "site_apps", "keep": "site_keep_releases",
             "health_timeout": "site_health_timeout",
             "app": {"name": "rel", "server_name": "rel.test", "port": 8081, "wsgi_script": "app.wsgi"}},
    "express": {"playbook": PLAYBOOKS / "express.yml", "port": 8000, "root": "/srv/wsgi-express/xrel",
                "display": "(wsgi:8000)", "apps": "express_apps", "keep": "express_keep_releases",
                "health_timeout": "express_health_timeout",
                "app": {"name": "xrel", "port": 8000, "entry": "app.wsgi"}},
}
KEEP = 3
HEALTH_TRIES = 10  # the roles' health timeout in the tests: tries, one a second


@pytest.fixture(scope="module")
def host(start_host):
    return start_host("releases")


@pytest.fixture(scope="module", params=sorted(ROLES))
def role(request, host, inventory, tmp_path_factory):
    """The role's app deployed once, from a copy of the probe that the tests change."""
    spec = dict(ROLES[request.param], name=request.param)
    spec["src"] = tmp_path_factory.mktemp(request.param) / "probe"
    shutil.copytree(PROBE, spec["src"])
    spec["marker"] = None
    # With a requirements file from the start, so that a change of it changes only the release (the
    # site role's daemon line gets python-home when an app first has requirements: a reload of Apache).
    (spec["src"] / "requirements.txt").write_text("# no packages yet\n")
    spec["extra"] = {"requirements": "requirements.txt"}
    deploy_code(spec, "v1")
    result = deploy(spec, inventory)
    assert result.rc == 0, result
    assert wait_for(lambda: get(host, spec["port"], "/reloaded").status == 200, 30)
    return spec


def deploy_code(spec, marker):
    """The next version of the app's code: it answers /reloaded with ``marker``."""
    with open(spec["src"] / "app.wsgi", "a") as fh:
        fh.write(f"\nRELOADED = {marker!r}\n")
    spec["marker"] = marker


def deploy(spec, inventory, variables=None, **app):
    entry = {**spec["app"], "src": str(spec["src"]), "health_url": "/env", "daemon": DAEMON,
             **spec.get("extra", {}), **app}
    extra = {spec["apps"]: [entry], spec["keep"]: KEEP, spec["health_timeout"]: HEALTH_TRIES, **(variables or {})}
    return run_play(spec["playbook"], inventory, extra)


def marker(host, spec):
    return get(host, spec["port"], "/reloaded").json()["reloaded"]


# Runs on the host: lists the releases directory every 20 ms (os.listdir, no process started; a release
# being staged has a dot name) and prints the names of new releases the moment one appears. It ends then,
# when its stdin closes (the test is done with it) or after 600 s; it says "ready" once it knows the
# releases there before the play. (An ssh command of `ls` every 0.1 s cost about 10 ms of CPU each.)
WATCH_RELEASES = r"""
import os, select, sys, time
def names():
    try:
        return {name for name in os.listdir(sys.argv[1]) if not name.startswith(".")}
    except FileNotFoundError:
        return set()
before, deadline = names(), time.monotonic() + 600
print("ready", flush=True)
while time.monotonic() < deadline:
    new = names() - before
    if new:
        print(*sorted(new), flush=True)
        break
    if select.select([sys.stdin], [], [], 0.02)[0] and not os.read(0, 1):
        break
"""


class AtTheSwitch:
    """A request of a few seconds started the moment the new release is complete: the old release
    answers it, and it is in flight when the release goes live and the daemon processes restart."""

    def __init__(self, host, spec):
        self.host, self.spec = host, spec
        self.request = None
        command = f"python3 -c {shlex.quote(WATCH_RELEASES)} {shlex.quote(spec['root'] + '/releases')}"
        self.watcher = subprocess.Popen(host.ssh_argv(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        give_up = threading.Timer(60, self.watcher.kill)  # no "ready" in a minute: the read below ends
        give_up.start()
        ready = self.watcher.stdout.readline()
        give_up.cancel()
        assert ready == "ready\n", f"the release watcher on {host.name} did not start: {ready}{self.watcher.stderr.read()}"
        self.thread = threading.Thread(target=self._watch)
        self.thread.start()

    def _watch(self):
        if self.watcher.stdout.readline().strip():  # a new release: empty when the watcher ended without one
            self.request = in_background(self.host, self.spec["port"], "/sleep?s=8")

    def answer(self, result):
        """The request's answer; result (the play's) is shown when no new release was seen."""
        self.watcher.stdin.close()  # the watcher ends, if it is still looking
        self.thread.join(60)
        self.watcher.wait(60)
        assert self.request, f"no new release was made: {result!r}{self.watcher.stderr.read()}"
        return self.request(timeout=120)


def deploy_under_load(host, inventory, spec, **app):
    """Deploy with wrk running and a request in flight at the switch; (play result, load counts, that request)."""
    under_load = load(host, spec["port"])
    switch = AtTheSwitch(host, spec)
    try:
        result = deploy(spec, inventory, **app)
    finally:
        counts = under_load.stop()
    return result, counts, switch.answer(result)


def deploy_loaded(host, inventory, spec, **app):
    """Deploy with wrk running from before the play until after it: (play result, load counts)."""
    under_load = load(host, spec["port"])
    try:
        result = deploy(spec, inventory, **app)
    finally:
        counts = under_load.stop()
    return result, counts


def said(result):
    """The play's output with its line folding undone."""
    return " ".join(result.output.split())


def errors(result):
    return "\n".join(line for line in result.output.splitlines() if "ERROR" in line or "msg" in line)


def releases(host, inventory, spec):
    return run_adhoc(host, inventory, "wsgi.apache.app_release_info", f"root={spec['root']}")


def test_a_code_change_fails_no_request_and_lets_the_request_in_flight_finish(host, inventory, role):
    before = daemon_pids(host, role["display"])
    deploy_code(role, "v2")
    result, counts, in_flight = deploy_under_load(host, inventory, role)
    assert result.rc == 0, result
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    assert counts["requests"] > 1000, counts["output"]
    assert in_flight.status == 200 and in_flight.json()["reloaded"] == "v1", in_flight.body
    assert marker(host, role) == "v2"
    after = daemon_pids(host, role["display"])
    assert len(after) == 2 and not after & before, "every daemon process restarted once"


def test_a_requirements_and_environment_change_fails_no_request(host, inventory, role):
    """One release with new requirements (a virtualenv of its own) and a new environment."""
    (role["src"] / "requirements.txt").write_text("six\n")
    role["extra"]["environment"] = {"PROBE_NUMBER": "8"}
    result, counts, in_flight = deploy_under_load(host, inventory, role)
    assert result.rc == 0, result
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    assert in_flight.status == 200
    assert host.ssh(f"ls {role['root']}/venv/lib/python3*/site-packages/six.py").returncode == 0
    assert get(host, role["port"], "/env").json()["environment"] == {"PROBE_NUMBER": "8"}


def test_a_release_that_fails_to_load_never_goes_live(host, inventory, role):
    good = (role["src"] / "app.wsgi").read_text()
    (role["src"] / "app.wsgi").write_text(good + "\nimport not_installed_anywhere\n")
    try:
        result, counts = deploy_loaded(host, inventory, role)
    finally:
        (role["src"] / "app.wsgi").write_text(good)
    assert result.rc != 0
    assert re.search(r"release \d{8}T\d{6}Z-[0-9a-f]{12} of " + re.escape(role["root"])
                     + r" fails its check \(its load and one request\), so it does not go live: "
                     r"ModuleNotFoundError: No module named '+not_installed_anywhere'+ \(app\.wsgi, line \d+\)",
                     said(result)), errors(result)
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    assert marker(host, role) == role["marker"]


def test_a_release_whose_import_hangs_fails_at_its_check_timeout_and_leaves_nothing_running(host, inventory, role):
    """A release whose import never ends (a module-level sleep): the play fails once the app's check_timeout has
    passed, naming the release and the line the app was at; nothing of the check runs on, no staging directory
    stays, and the live release keeps serving."""
    root = role["root"]
    good = (role["src"] / "app.wsgi").read_text()
    (role["src"] / "app.wsgi").write_text(good + "\nimport time\ntime.sleep(600)\n")
    try:
        started = time.monotonic()
        hung = deploy(role, inventory, check_timeout=5)
        took = time.monotonic() - started
    finally:
        (role["src"] / "app.wsgi").write_text(good)
    print(f"{role['name']}: the play with a hung import failed after {took:.1f} s")
    assert hung.rc != 0
    assert re.search(r"fails its check \(its load and one request\), so it does not go live: it did not load "
                     r"(and answer )?within 5 s; it was at File \"[^\"]*app\.wsgi\", line \d+", said(hung)), errors(hung)
    # Not the 600 s sleep, nor the 300 s default: 5 s and the rest of the play (a play that changes nothing
    # takes 10-40 s here, more on a busy machine).
    assert took < 240, took
    assert host.ssh("pgrep -f apploader.py", check=False).returncode == 1, "the check's Python still runs"
    assert host.ssh(f"ls -A {root}/releases | grep -c staging", check=False).stdout.strip() == "0"
    assert marker(host, role) == role["marker"]


def test_a_release_that_fails_its_health_check_before_the_switch_never_goes_live(host, inventory, role):
    """The new release answers its health URL through its WSGI callable before it can go live."""
    live = releases(host, inventory, role)["live"]
    result, counts = deploy_loaded(host, inventory, role, environment={"PROBE_UNHEALTHY": "1"})
    assert result.rc != 0
    assert "fails its check (its load and one request), so it does not go live: GET /env (Host " in said(result), result
    assert "answered 503 Service Unavailable, where 200-399 passes" in said(result), result
    assert releases(host, inventory, role)["live"] == live
    print(f"{role['name']}: a release unhealthy before the switch: {counts['failed']} of {counts['requests']} "
          f"requests failed")
    assert counts["failed"] == 0, counts["output"]


def test_a_release_that_fails_only_once_live_is_switched_back_at_its_first_answer(host, inventory, role,
                                                                                  record_property):
    """Unhealthy only under mod_wsgi: the first answer outside health_status sends the old release back."""
    live = releases(host, inventory, role)["live"]
    result, counts = deploy_loaded(host, inventory, role, environment={"PROBE_UNHEALTHY_LIVE": "1"})
    assert result.rc != 0
    assert "is not healthy: GET http://127.0.0.1:%d/env" % role["port"] in said(result), result
    assert "answered 500 Internal Server Error" in said(result), result
    assert f"release {live} is live again" in said(result), result
    assert releases(host, inventory, role)["live"] == live
    assert get(host, role["port"], "/env").status == 200
    # What clients saw while the unhealthy release was live, in seconds of the load's rate: at most 1 s (the
    # issue's target). A gate that kept asking while it got 500 served it for its whole timeout; one that
    # asked after the restart, through Ansible tasks, for 3.5-6.6 s. The daemon restart asks while its
    # processes restart and puts the old release back at the first 500, restarting every process at once:
    # 0.02 s (express) and 0.06 s (site) here.
    rate = counts["requests"] / counts["seconds"]
    served_bad = counts["non_2xx"] / rate
    seen = f"{counts['non_2xx']} of {counts['requests']} requests non-2xx, {served_bad:.2f} s of requests"
    record_property(f"{role['name']} unhealthy once live", seen)
    print(f"{role['name']}: while the release unhealthy once live was live, until it was switched back: {seen}")
    assert counts["socket_errors"] == 0, counts["output"]
    assert served_bad <= 1.0, seen


def released_record(name):
    """A release command that appends, to a file of the host's /tmp, who ran it, its Python and the
    release that was live at the time."""
    return (f"python -c \"import os, pwd, sys; open('/tmp/released-{name}', 'a').write('%s %s %s\\n' % "
            f"(pwd.getpwuid(os.getuid()).pw_name, sys.prefix, os.readlink('../../../current')))\"")


def test_build_and_release_commands_complete_a_release_before_it_goes_live_and_the_oldest_is_pruned(host, inventory,
                                                                                                    role):
    """Build commands write into the new release as the app's user, with its virtualenv; release commands
    run once, before the switch; a failing or hung one stops the deploy, naming it, with 0 failed requests.
    The new release takes the releases over the kept count: the oldest goes. A run that changes nothing then
    runs no command again and restarts nothing."""
    name, root = role["app"]["name"], role["root"]
    host.ssh(f"rm -f /tmp/released-{name}")
    commands = {"build_commands": ["python -c \"import sys; open('built.txt', 'w').write(sys.prefix)\""],
                "release_commands": [released_record(name)]}
    before = releases(host, inventory, role)
    live = before["live"]
    deploy_code(role, "v3")
    result, counts, in_flight = deploy_under_load(host, inventory, role, **commands)
    assert result.rc == 0, errors(result)
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    assert in_flight.status == 200, in_flight.body
    found = releases(host, inventory, role)
    new = found["live"]
    assert new != live and marker(host, role) == "v3"
    assert len(before["releases"]) >= KEEP and len(found["releases"]) == KEEP, (before, found)  # the oldest went
    assert before["releases"][0]["id"] not in [r["id"] for r in found["releases"]], (before, found)
    # the new release is live, and the one live before it is the previous (kept: a rollback goes to it)
    assert found["releases"][-1]["live"] and found["previous"] == live, (before, found)
    assert live in [r["id"] for r in found["releases"]], (before, found)
    built = host.ssh(f"stat -c %U {root}/app/built.txt; cat {root}/app/built.txt").stdout.split()
    assert built[0] == "root" and built[1].startswith(f"{root}/venvs/"), built
    assert "$ python -c" in host.ssh(f"cat {root}/current/build.log").stdout
    ran = host.ssh(f"cat /tmp/released-{name}").stdout.splitlines()
    user, prefix, was_live = ran[0].split()
    assert len(ran) == 1 and user == f"wsgi-{name}" and prefix.startswith(f"{root}/venvs/"), ran
    assert was_live == f"releases/{live}", "the release commands ran after the switch"

    pids = daemon_pids(host, role["display"])
    again = deploy(role, inventory, **commands)
    assert again.rc == 0 and again.changed == 0, again
    assert len(host.ssh(f"cat /tmp/released-{name}").stdout.splitlines()) == 1, "the release commands ran again"
    assert daemon_pids(host, role["display"]) == pids, "a run that changes nothing restarted the daemons"

    deploy_code(role, "v4")
    under_load = load(host, role["port"])
    try:
        failing = deploy(role, inventory, build_commands=commands["build_commands"], release_commands=[
            "python -c \"print('applying 0002_add_field'); raise SystemExit('relation does not exist')\""])
        hung = deploy(role, inventory, build_commands=commands["build_commands"], command_timeout=5,
                      release_commands=["sh -c 'sleep 600 & wait'"])
    finally:
        counts = under_load.stop()
    assert failing.rc != 0
    assert "release command 'python -c" in said(failing) and "exited with status 1: applying 0002_add_field " \
           "| relation does not exist" in said(failing), errors(failing)
    assert hung.rc != 0
    assert "release command 'sh -c 'sleep 600 & wait'' did not end within 5 s" in said(hung), errors(hung)
    assert host.ssh(f"pgrep -u wsgi-{name} -x sleep", check=False).returncode == 1, "a command's process remains"
    assert releases(host, inventory, role)["live"] == new and marker(host, role) == "v3"
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]


SHARED = [{"name": "uploads", "env": "PROBE_UPLOADS", "link": "uploads"}]


def test_shared_directories_outlive_releases_and_a_rollback_that_fails_no_request(host, inventory, role):
    """A shared directory is the app's user's, given by an environment variable and a link in each release; what
    the app wrote there stays through the next release and `ansible-playbook wsgi.apache.rollback`, which goes
    back under load with no failed request. The app keeps the directory in the tests after this one."""
    name, root, port = role["app"]["name"], role["root"], role["port"]
    deploy_code(role, "v8")
    assert deploy(role, inventory, shared=SHARED).rc == 0
    wrote = get(host, port, "/upload?name=a.txt&text=from-v8")
    assert wrote.status == 200 and wrote.json()["written"] == f"{root}/shared/uploads/a.txt", wrote
    modes = host.ssh(f"stat -c '%U %a' {root}/shared {root}/shared/uploads {root}/shared/uploads/a.txt").stdout
    assert modes.split("\n")[:2] == ["root 755", f"wsgi-{name} 750"], modes
    assert modes.split("\n")[2].startswith(f"wsgi-{name} "), modes

    deploy_code(role, "v9")
    assert deploy(role, inventory, shared=SHARED).rc == 0
    assert marker(host, role) == "v9"
    assert get(host, port, "/uploaded?name=a.txt").json() == {"text": "from-v8"}
    under_load = load(host, port)
    started = time.monotonic()
    try:
        back = run_play("wsgi.apache.rollback", inventory, {"app": name})
    finally:
        counts = under_load.stop()
    print(f"{role['name']}: rollback playbook {time.monotonic() - started:.1f} s")
    assert back.rc == 0, back
    assert counts["non_2xx"] == 0 and counts["socket_errors"] == 0, counts["output"]
    assert marker(host, role) == "v8"
    assert get(host, port, "/uploaded?name=a.txt").json() == {"text": "from-v8"}
    # v9 again: its release is there, it goes live (that a run with shared directories then changes nothing,
    # test_django shows)
    role["extra"]["shared"] = SHARED
    again = deploy(role, inventory)
    assert again.rc == 0 and marker(host, role) == "v9"


def lock_of(host, role):
    """The app's deploy lock on the host (its JSON), or None."""
    found = host.ssh(f"cat /run/wsgi-apache/locks/{role['root'].strip('/').replace('/', '-')}.json", check=False)
    return json.loads(found.stdout) if found.returncode == 0 else None


def deploy_in_background(role, inventory, **app):
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", deploy(role, inventory, **app)))
    thread.start()

    def join():
        thread.join(1500)
        return box.get("result")
    return join


@pytest.mark.parametrize("role", ["site"], indirect=True)  # one module takes the lock for both roles
def test_a_second_play_waits_for_the_deploy_lock_or_fails_naming_its_holder(host, inventory, role, tmp_path):
    """Two plays deploying the app at once: one with no time to wait fails naming the holder, one that may wait
    deploys after it; a play killed while it holds the lock does not block the next one."""
    other = tmp_path / "other"
    shutil.copytree(role["src"], other)
    with open(other / "app.wsgi", "a") as fh:
        fh.write("\nRELOADED = 'other'\n")
    deploy_code(role, "v10")
    slow = ["sleep 20"]  # a build command: the play holds the lock for at least that long
    first = deploy_in_background(role, inventory, build_commands=slow)
    assert wait_for(lambda: lock_of(host, role) is not None, 300), "the first play never took the lock"
    holder = lock_of(host, role)["holder"]
    refused = deploy(role, inventory, src=str(other), variables={f"{role['name']}_deploy_lock_wait": 0})
    waiting = deploy_in_background(role, inventory, src=str(other))
    first, waiting = first(), waiting()
    assert refused.rc != 0
    assert (f"{role['root']} is being deployed on this host by another play: {holder['user']}@{holder['controller']} "
            f"(ansible-playbook pid {holder['pid']}) since ") in said(refused), errors(refused)
    assert first.rc == 0 and waiting.rc == 0, (errors(first), errors(waiting))
    assert marker(host, role) == "other"  # the play that waited deployed last
    assert lock_of(host, role) is None

    killed = deploy_in_background(role, inventory, build_commands=["sleep 30"])
    assert wait_for(lambda: lock_of(host, role) is not None, 300), "the play never took the lock"
    os.kill(lock_of(host, role)["holder"]["pid"], signal.SIGKILL)
    assert killed().rc == -signal.SIGKILL
    after = deploy(role, inventory)  # the killed play's lock would hold it for an hour (its ttl)
    assert after.rc == 0, errors(after)
    assert marker(host, role) == "v10" and lock_of(host, role) is None


def left_of(host, role):
    """What is left on the host of the role's app: its directory's entries, its account, its processes, its
    vhost or unit, and whether its port answers."""
    name, root = role["app"]["name"], role["root"]
    served = (f"/etc/apache2/sites-available/wsgi-{name}.conf" if role["name"] == "site"
              else f"/etc/systemd/system/wsgi-express-{name}.service")
    return {
        "files": host.ssh(f"ls -A {root}", check=False).stdout.split(),
        "account": host.ssh(f"getent passwd wsgi-{name}; getent group wsgi-{name}", check=False).stdout.strip(),
        "processes": [line for line in host.ssh("ps -eo args=").stdout.splitlines() if role["display"] in line],
        "served": host.ssh(f"test -e {served}", check=False).returncode == 0,
        "answers": get(host, role["port"], "/env", timeout=10).status is not None,
    }


GONE = {"account": "", "processes": [], "served": False, "answers": False}


def test_a_removed_app_leaves_only_its_shared_data_which_it_gets_back_when_deployed_again(host, inventory, role):
    """Removing an app (dropped from the list, or state absent) takes its vhost or service, its processes,
    releases and account away; its shared data stays, root's, and is the app's again when it is deployed again.
    With remove_shared the data goes too. Each removal, run again, changes nothing."""
    name, root, port = role["app"]["name"], role["root"], role["port"]
    if role["extra"].get("shared") != SHARED:  # run on its own: the app gets the shared directory first
        role["extra"]["shared"] = SHARED
        assert deploy(role, inventory).rc == 0
    assert get(host, port, "/upload?name=kept.txt&text=before").status == 200

    dropped = {role["apps"]: []}  # the app is no longer in the list
    removed = run_play(role["playbook"], inventory, dropped)
    assert removed.rc == 0 and removed.changed > 0, removed
    assert left_of(host, role) == dict(GONE, files=["shared"])
    owners = host.ssh(f"stat -c %U:%G {root}/shared/uploads {root}/shared/uploads/kept.txt").stdout.split()
    assert owners == ["root:root", "root:root"], owners  # no file keeps the uid of an account that is gone
    assert run_play(role["playbook"], inventory, dropped).changed == 0

    assert deploy(role, inventory).rc == 0
    assert get(host, port, "/uploaded?name=kept.txt").json() == {"text": "before"}
    owner = host.ssh(f"stat -c %U {root}/shared/uploads/kept.txt").stdout.strip()
    assert owner == f"wsgi-{name}"
    assert get(host, port, "/upload?name=new.txt&text=after").status == 200  # the app may write there again

    absent = {role["apps"]: [{"name": name, "state": "absent", "remove_shared": True}]}
    removed = run_play(role["playbook"], inventory, absent)
    assert removed.rc == 0 and removed.changed > 0, removed
    assert left_of(host, role) == dict(GONE, files=[])
    assert run_play(role["playbook"], inventory, absent).changed == 0
