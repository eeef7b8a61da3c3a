"""The test-host tool: hosts are real (systemd, sshd, own namespaces) and leave nothing behind."""
import base64
import io
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import zipfile

import testhost
from conftest import ROOT, TESTHOST, Host, leftovers

# A test run that starts two hosts and is stopped by Ctrl-C (SIGINT) or killed. Its SIGINT is set
# to Python's KeyboardInterrupt as on a terminal: a run started in the background by a shell without
# job control (nohup, CI) inherits SIGINT ignored, and Python keeps an ignored SIGINT ignored.
CHILD = f"""
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, {str(ROOT / 'tools')!r})
import testhost
try:
    testhost.start("leak-a")
    testhost.start("leak-b")
    print("ready", flush=True)
    time.sleep(120)
finally:
    testhost.stop("leak-a"); testhost.stop("leak-b")
"""


def no_leftovers(*names):
    """Nothing of these hosts remains; veths (named by address) count only if no host runs."""
    found = leftovers(*names)
    if testhost.running_names():
        found.pop("links", None)
    return found == {}


def wait_ready(proc):
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"child did not start its hosts: {line!r} {proc.stderr.read()}"


def test_hosts_are_isolated_systemd_machines(start_host):
    host = start_host("th-one")
    assert host.ssh("ps -p 1 -o comm=").stdout.strip() == "systemd"
    assert host.ssh("hostname").stdout.strip() == "th-one"
    assert host.ssh("systemctl is-system-running").stdout.strip() in ("running", "degraded")
    # its own network namespace: only lo and eth0, with the address we were given
    assert host.ssh("ls /sys/class/net").stdout.split() == ["eth0", "lo"]
    assert f"{host.address}/" in host.ssh("ip -br addr show eth0").stdout
    # its own mount namespace: none of the machine's mounts is visible
    targets = host.ssh("findmnt -n -l -o TARGET").stdout.split()
    assert "/work" not in targets and "/" in targets
    # apt knows the mirror's packages as on an installed server: a package installs without apt-get update
    simulated = host.ssh("apt-get install -s -q apache2", check=False)
    assert simulated.returncode == 0 and "Inst apache2 " in simulated.stdout, simulated.stdout + simulated.stderr
    # what it writes is in memory where the machine has room (a tmpfs upper layer), else on the disk
    place = pathlib.Path(testhost.state_of("th-one")["hostdir"]).parent
    kind = subprocess.run(["stat", "-f", "-c", "%T", str(place)], capture_output=True, text=True, check=True).stdout
    assert (kind.strip() == "tmpfs") == testhost.room_in_memory(), (place, kind)


def test_stop_removes_everything():
    subprocess.run([*TESTHOST, "start", "th-two", "th-three"], check=True, capture_output=True)
    assert set(leftovers("th-two", "th-three")) >= {"netns", "cgroups", "processes", "hostdirs", "state"}
    subprocess.run([*TESTHOST, "stop", "th-two", "th-three"], check=True)
    subprocess.run([*TESTHOST, "stop", "th-two"], check=True)  # idempotent
    assert no_leftovers("th-two", "th-three")


def test_the_gateway_keeps_its_hardware_address_while_hosts_come_and_go(start_host):
    """The hosts' ARP caches hold the bridge's hardware address for the gateway: it must not follow its ports' (a
    bridge given no address takes the lowest of theirs), else a host that stops or starts leaves the others sending
    to an address nobody has, and their ssh sessions stall until TCP's backed-off retransmissions find the new one."""
    four = start_host("th-four")
    start_host("th-five")
    gateway = testhost.hardware_address(testhost.BRIDGE)
    ports = [link.name for link in pathlib.Path(f"/sys/class/net/{testhost.BRIDGE}/brif").iterdir()]
    assert len(ports) >= 2 and gateway not in {testhost.hardware_address(port) for port in ports}, (gateway, ports)
    # the host answers its ssh session through the gateway, so it holds the gateway's address
    assert f"lladdr {gateway} " in four.ssh(f"ip neigh show {next(testhost.SUBNET.hosts())}").stdout
    subprocess.run([*TESTHOST, "stop", "th-five"], check=True, capture_output=True)
    assert testhost.hardware_address(testhost.BRIDGE) == gateway


def test_interrupted_test_cleans_up():
    proc = subprocess.Popen([sys.executable, "-c", CHILD], text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_ready(proc)
        assert set(leftovers("leak-a", "leak-b")["netns"]) >= {"leak-a", "leak-b"}
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    assert no_leftovers("leak-a", "leak-b")


def test_stop_all_recovers_after_a_killed_runner():
    proc = subprocess.Popen([sys.executable, "-c", CHILD], text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_ready(proc)
    proc.kill()  # SIGKILL: no finaliser runs
    proc.wait(timeout=30)
    time.sleep(0.5)
    assert set(leftovers("leak-a", "leak-b")["netns"]) >= {"leak-a", "leak-b"}
    res = subprocess.run([*TESTHOST, "stop-all"], capture_output=True, text=True, check=False)
    assert res.returncode == 0, f"stop-all failed ({res.returncode}): {res.stderr}"
    stopped = json.loads(res.stdout)
    assert {"leak-a", "leak-b"} <= set(stopped)
    assert no_leftovers("leak-a", "leak-b")


CACHE = "/var/cache/wsgiah-module-bytecode"


def zip_of(host, path, value):
    """A zip archive at path on host holding zmod.py, whose f() returns value: Ansible sends its modules so."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("zmod.py", f"def f():\n    return {value!r}\n")
    host.ssh(f"base64 -d > {path}", stdin=base64.b64encode(data.getvalue()).decode())


def imported(host, path):
    """What zmod.f() of the archive at path returns, and the file its code says it comes from."""
    return host.ssh(f"python3 -c \"import sys; sys.path.insert(0, '{path}'); import zmod; "
                    f"print(zmod.f(), zmod.f.__code__.co_filename)\"").stdout.split()


def test_module_bytecode_is_kept_only_on_the_hosts_that_ask_for_it():
    """WSGIAH_MODULE_BYTECODE=1 (make test's hosts, not the benchmarks'): what Python compiles from a zip archive is
    kept by its source and used again, under the path it is imported from this time; another source compiles."""
    env = {k: v for k, v in os.environ.items() if k != "WSGIAH_MODULE_BYTECODE"}
    names = ["th-pyc", "th-nopyc"]
    try:
        kept, plain = [Host(json.loads(subprocess.run([*TESTHOST, "start", name], env=dict(env, **extra), text=True,
                                                      capture_output=True, check=True).stdout)[0])
                       for name, extra in zip(names, ({"WSGIAH_MODULE_BYTECODE": "1"}, {}))]
        zip_of(kept, "/tmp/a.zip", "source")
        assert imported(kept, "/tmp/a.zip") == ["source", "/tmp/a.zip/zmod.py"]
        entries = kept.ssh(f"ls {CACHE}").stdout.split()
        assert len(entries) == 1 and kept.ssh(f"stat -c %a:%U {CACHE}").stdout.strip() == "700:root"
        # the entry is what runs: another code put in its place is what the same source imports next time
        kept.ssh(f"python3 -c \"import marshal; marshal.dump(compile('def f():\\n    return 1234\\n', 'x.py', 'exec'), "
                 f"open('{CACHE}/{entries[0]}', 'wb'))\"")
        zip_of(kept, "/tmp/b.zip", "source")
        assert imported(kept, "/tmp/b.zip") == ["1234", "/tmp/b.zip/zmod.py"]
        zip_of(kept, "/tmp/c.zip", "changed")  # another source: compiled, and kept too
        assert imported(kept, "/tmp/c.zip") == ["changed", "/tmp/c.zip/zmod.py"]
        assert len(kept.ssh(f"ls {CACHE}").stdout.split()) == 2
        # and the host's /usr is as the image has it: no bytecode of the hook itself is written there
        assert kept.ssh("find /usr -newer /etc/hostname -name '*.pyc'").stdout.split() == []

        zip_of(plain, "/tmp/a.zip", "source")
        assert imported(plain, "/tmp/a.zip") == ["source", "/tmp/a.zip/zmod.py"]
        assert plain.ssh(f"test -e {CACHE} || test -e /usr/lib/python3/dist-packages/testhost_bytecode.py",
                         check=False).returncode == 1
    finally:
        subprocess.run([*TESTHOST, "stop", *names], check=False, capture_output=True)
