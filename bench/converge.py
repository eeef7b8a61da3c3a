"""Converge benchmark: deploy.yml on fresh bookworm hosts, a no-change rerun, check mode, and a fleet.

    python3 bench/converge.py [--fleet 6] [--profile] [--python-fleet 3 [--python-optimize] [--python-only]]

1. A fresh host ("conv-solo", empty build cache): deploy.yml end to end, wall time split into
   packages, source fetch, compile and configuration (bench/callback_plugins/phase_times.py).
2. The same host again: wall time, changed count, whether the compiler ran, whether Apache was
   reloaded (its main pid and the error log's "resuming normal operations" lines).
3. Check mode on it: changed count. For scale, a playbook of FLOOR_TASKS stat tasks on the same
   host (separate tasks, not a loop, as the roles' tasks are): Ansible's per-task cost here.
4. --fleet fresh hosts ("conv-1".."conv-N", a new empty build cache) in one deploy.yml run:
   compiler runs, wall time against step 1's, every host answering 200; and for steps 1 and 4
   the CPU seconds the machine, the controller and the hosts spent (lib.Play): the machine's
   CPU seconds over its cores is the shortest wall that run's work allows on this machine.
   With --profile, the fleet run under `perf record -a`: samples by command and kind of code.
5. --python-fleet fresh hosts ("py-1".."py-N", a new empty build cache) in one run of
   wsgi.apache.python alone (Python 3.13.5 from the Debian mirror; the role's optimisations with
   --python-optimize, else without), then the same run again: compiler runs, each host's CPU seconds
   and whether it compiled, the wall of the compile and of the install from the build cache, and the
   rerun's changed count.
All hosts are stopped at the end.
"""
import argparse
import functools
import json
import os
import pathlib
import tempfile

import lib
import testhost

DEPLOY = lib.ROOT / "deploy.yml"
PYTHON_VERSION = "3.13.5"
FLOOR_TASKS = 25


def floor_playbook(directory):
    """A play of FLOOR_TASKS tasks that each stat one file on the host and change nothing."""
    tasks = [{"name": f"Stat a file ({n})", "ansible.builtin.stat": {"path": "/etc/hostname"}}
             for n in range(1, FLOOR_TASKS + 1)]
    path = pathlib.Path(directory) / "floor.yml"
    path.write_text(json.dumps([{"name": "Remote tasks that change nothing", "hosts": "all",
                                 "gather_facts": False, "tasks": tasks}]))  # JSON is YAML
    return path


def python_playbook(directory):
    """A play of wsgi.apache.python alone."""
    path = pathlib.Path(directory) / "python.yml"
    path.write_text(json.dumps([{"name": "Build or install the Python of wsgi.apache.python", "hosts": "all",
                                 "gather_facts": False, "roles": ["wsgi.apache.python"]}]))  # JSON is YAML
    return path


def python_fleet(count, optimize, tmp):
    """Step 5: (its verdicts); prints its table."""
    fleet = lib.hosts([f"py-{i}" for i in range(1, count + 1)], fresh=True)
    extra = {**testhost.cpython_source(PYTHON_VERSION), "python_optimize": optimize,
             "python_build_cache_dir": f"{tmp}/python-cache"}
    play = functools.partial(lib.Play, python_playbook(tmp), lib.inventory(fleet, tmp), extra, hosts=fleet)
    first, again = play(), play()
    phases = first.record["phases"]
    print(f"\n5. {count} fresh bookworm hosts, wsgi.apache.python alone (Python {PYTHON_VERSION}, "
          f"{'with' if optimize else 'without'} PGO and LTO), then again")
    lib.table(["host", "compiled", "host CPU s"],
              [[h.name, "yes" if h.name in first.record["compiled_on"] else "no (build cache)",
                f"{first.cpu['hosts'][h.name]:.1f}"] for h in fleet])
    lib.table(["figure", "value"],
              [["compiler runs", len(first.record["compiled_on"])], ["wall s", f"{first.wall:.1f}"],
               ["compile tasks' wall s", f"{phases.get('compile', 0):.1f}"],
               ["install from the build cache, wall s (the other hosts at once)",
                f"{phases.get('from the build cache', 0):.1f}"],
               ["rerun wall s", f"{again.wall:.1f}"], ["rerun changed", again.changed]])
    return [lib.verdict("python fleet compiler runs == 1", len(first.record["compiled_on"]) == 1,
                        str(first.record["compiled_on"])),
            lib.verdict("python fleet rerun changed 0", again.changed == 0, str(again.changed))]


def apache_state(host):
    pid = host.ssh("systemctl show -p MainPID --value apache2").stdout.strip()
    reloads = host.ssh("grep -c 'resuming normal operations' /var/log/apache2/error.log", check=False).stdout.strip()
    return pid, reloads


def slowest(tasks, count):
    """The count slowest of a play's {task name: seconds}, as one line."""
    return ", ".join(f"{name.split(' : ')[-1]} {sec:.2f}"
                     for name, sec in sorted(tasks.items(), key=lambda kv: -kv[1])[:count])


def cpu_row(name, play, single_wall):
    """A play's wall and CPU seconds; machine CPU / cores is the shortest wall this work allows here."""
    cores = os.cpu_count()
    hosts = play.cpu["hosts"].values()
    bound = play.cpu["machine"] / cores
    return [name, f"{play.wall:.1f}", f"{play.cpu['machine']:.1f}", f"{play.cpu['machine'] / play.wall:.2f}",
            f"{play.cpu['controller']:.1f}", f"{sum(hosts):.1f}", f"{sum(hosts) / len(hosts):.1f}",
            f"{bound:.1f}", f"{bound / single_wall:.2f}"]


def deploy_steps(args, fleet_names, tmp):
    """Steps 1-4: their verdicts; prints their tables."""
    (solo,) = lib.hosts(["conv-solo"], fresh=True)
    inv = lib.inventory([solo], tmp)
    cache = {"mod_wsgi_build_cache_dir": f"{tmp}/cache-solo"}
    fresh = lib.Play(DEPLOY, inv, cache, hosts=[solo])
    before = apache_state(solo)
    rerun = lib.Play(DEPLOY, inv, cache)
    after = apache_state(solo)
    check = lib.Play(DEPLOY, inv, cache, check=True)
    floor = lib.Play(floor_playbook(tmp), inv)

    print("\n1. fresh bookworm host, deploy.yml end to end")
    phases = fresh.record["phases"]
    lib.table(["phase", "seconds", "share"],
              [[name, f"{phases.get(name, 0):.1f}", f"{phases.get(name, 0) / fresh.wall:.0%}"]
               for name in ("packages", "source fetch", "compile", "configuration")]
              + [["total wall", f"{fresh.wall:.1f}", ""]])
    print(f"   compiler ran on: {', '.join(fresh.record['compiled_on']) or 'no host'}")
    print("   its slowest tasks (s): " + slowest(fresh.record["tasks"], 12))
    print("\n2. no-change rerun, 3. check mode on the converged host")
    print(f"   rerun: {rerun.wall:.1f} s; its slowest tasks (s): " + slowest(rerun.record["tasks"], 8))
    busy = sum(1 for sec in rerun.record["tasks"].values() if sec > 0.2)
    print(f"   {len(rerun.record['tasks'])} tasks, {busy} of them over 0.2 s; Ansible's floor here: "
          f"{FLOOR_TASKS} stat tasks on the same host take {floor.wall:.1f} s "
          f"({floor.wall / FLOOR_TASKS:.2f} s each, play start included)")
    ok = [lib.verdict("rerun wall <= 10 s", rerun.wall <= 10, f"{rerun.wall:.1f} s"),
          lib.verdict("rerun changed 0", rerun.changed == 0, str(rerun.changed)),
          lib.verdict("rerun ran no compiler", not rerun.record["compiled_on"], str(rerun.record["compiled_on"])),
          lib.verdict("rerun did not reload Apache", before == after,
                      f"main pid and reload count {before} -> {after}"),
          lib.verdict("check mode changed 0", check.changed == 0, str(check.changed))]

    if fleet_names:
        fleet = lib.hosts(fleet_names, fresh=True)
        converge_fleet = functools.partial(lib.Play, DEPLOY, lib.inventory(fleet, tmp),
                                           {"mod_wsgi_build_cache_dir": f"{tmp}/cache-fleet"}, hosts=fleet)

        if args.profile:
            shares, _top, many = lib.profile(lambda gpid, comm: comm, converge_fleet)
        else:
            many = converge_fleet()
        serving = [h.name for h in fleet if lib.get_status(f"http://{h.address}:8080/") == 200]
        print(f"\n4. {len(fleet)} fresh bookworm hosts, one deploy.yml run")
        lib.table(["figure", "value"],
                  [["compiler runs", len(many.record["compiled_on"])],
                   ["wall s", f"{many.wall:.1f}"], ["one host's fresh wall s", f"{fresh.wall:.1f}"],
                   ["ratio", f"{many.wall / fresh.wall:.2f}"], ["hosts answering 200", len(serving)]])
        phases = many.record["phases"]
        print("   phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(phases.items())))
        print("   its slowest tasks (s): " + slowest(many.record["tasks"], 12))
        print("\n   CPU seconds spent during each run (the hosts share this machine's cores)")
        lib.table(["run", "wall s", "machine", "cores busy", "controller", "hosts", "per host",
                   "machine CPU / cores s", "that / one host's wall"],
                  [cpu_row(name, play, fresh.wall) for name, play in (("one host", fresh), ("fleet", many))])
        if args.profile:
            print("\n   perf's samples of both cores during the fleet run, by command (swapper: idle)")
            lib.profile_table(shares, sorted(shares, key=lambda c: -sum(shares[c].values()))[:16])
        ok += [lib.verdict("fleet compiler runs == 1", len(many.record["compiled_on"]) == 1,
                           str(many.record["compiled_on"])),
               lib.verdict("fleet wall <= 1.5 x one host", many.wall <= 1.5 * fresh.wall,
                           f"{many.wall / fresh.wall:.2f}x"),
               lib.verdict("every fleet host serves", len(serving) == len(fleet), f"{len(serving)}/{len(fleet)}")]
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--fleet", type=int, default=6, help="hosts converged by one run (0: skip)")
    parser.add_argument("--python-fleet", type=int, default=0,
                        help="hosts that one run of wsgi.apache.python builds or installs Python on (0: skip)")
    parser.add_argument("--python-optimize", action="store_true",
                        help="with --python-fleet, the role's PGO and LTO (about 13 minutes of compile, not 4)")
    parser.add_argument("--python-only", action="store_true", help="step 5 alone")
    parser.add_argument("--profile", action="store_true",
                        help="record the fleet run with perf: which commands and code the CPU went to")
    args = parser.parse_args()
    fleet_names = [f"conv-{i}" for i in range(1, args.fleet + 1)]
    python_names = [f"py-{i}" for i in range(1, args.python_fleet + 1)]
    ok = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if not args.python_only:
                ok += deploy_steps(args, fleet_names, tmp)
            if args.python_fleet:
                ok += python_fleet(args.python_fleet, args.python_optimize, tmp)
    finally:
        lib.stop(["conv-solo", *fleet_names, *python_names])
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
