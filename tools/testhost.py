"""Throwaway Debian test hosts for wsgi.apache, without a container engine.

Each host is a network namespace with a veth into a private bridge, plus new
mount, PID, UTS, IPC and cgroup namespaces in which systemd runs as PID 1 on
an overlay of a cached debootstrap image.  Hosts are reachable over SSH from
this machine.  Nothing is mounted in the machine's own mount namespace, so a
killed host leaves no mount behind; ``stop`` removes the rest (netns, veth,
cgroup, state), and ``stop-all`` stops every host of ours.

Commands (run as root: python3 tools/testhost.py COMMAND)::

    image     [--release R | --all]  build or reuse the image (of every release, newest first: --all), print its path
    start     NAME... [--release R]  start hosts, print their connections as JSON
    stop      NAME...                stop hosts (idempotent)
    stop-all                         stop every host of ours
    list                             running hosts as JSON
    leftovers                        what of ours exists on the machine, as JSON
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import hashlib
import ipaddress
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pipconfig
import platforms

PREFIX = "wsgiah"
RELEASES = tuple(platforms.debian().values())  # the Debian releases the collection supports
DEFAULT_RELEASE = "bookworm"
# What Ansible, sshd and systemd need on a host, and as on a standard Debian server logrotate (its
# daily job reloads Apache) and python3-apt (unattended-upgrades and apt-listchanges need it; without it
# Ansible's apt module installs it first, after an apt-get update); the role installs the rest.
IMAGE_PACKAGES = (
    "openssh-server", "python3", "python3-apt", "sudo", "iproute2", "ca-certificates", "acl",
    "systemd", "systemd-sysv", "dbus", "procps", "curl", "logrotate",
)
# Units that would only slow boots down or grab the dpkg lock during a test, and the daily timers,
# whose jobs a test starts itself when it is about them (logrotate.service).
MASKED_UNITS = (
    "apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer", "fstrim.timer", "logrotate.timer",
    "e2scrub_reap.service", "systemd-hwdb-update.service", "getty@tty1.service",
    "console-getty.service", "systemd-journald-audit.socket",
)
# Capabilities no test host needs and that could harm the machine.
DROPPED_CAPS = (
    "sys_module", "sys_time", "sys_rawio", "mac_admin", "mac_override", "syslog",
    "wake_alarm", "block_suspend", "sys_pacct", "audit_control",
)
IMAGE_FORMAT = 6  # bump when the way images are built changes

SUBNET = ipaddress.ip_network(os.environ.get("WSGIAH_SUBNET", "10.213.0.0/24"))
BRIDGE = f"{PREFIX}br0"
NFT_TABLE = f"{PREFIX}_nat"
CACHE = pathlib.Path(os.environ.get("WSGIAH_CACHE", pathlib.Path.home() / ".cache" / "wsgi-apache"))
STATE = pathlib.Path(os.environ.get("WSGIAH_STATE", "/run/wsgi-apache-testhosts"))
# Each host's directory (its overlay's upper layer: all it writes) is in memory, in /dev/shm, when that tmpfs and
# the machine's available memory have room when the host starts: the kernel CPU of a host's writes (package
# unpacks, virtualenvs, compiles) is a third of that on the disk's ext4, where a test run's churn makes each new
# file dear (docs/testing.md). Else on the disk; WSGIAH_HOSTS names the one place of every host.
HOSTS_IN_MEMORY = pathlib.Path("/dev/shm/wsgi-apache-hosts")
HOSTS_ON_DISK = pathlib.Path("/var/tmp/wsgi-apache-hosts")
HOSTS_PLACES = [pathlib.Path(os.environ["WSGIAH_HOSTS"])] if os.environ.get("WSGIAH_HOSTS") else \
    [HOSTS_IN_MEMORY, HOSTS_ON_DISK]
ROOM_IN_MEMORY = 6 * 2 ** 30  # free in /dev/shm and available memory when a host starts (a CI run's held 3.4 GiB)
CGROUP_ROOT = pathlib.Path("/sys/fs/cgroup/unified")
CA_BUNDLE = pathlib.Path("/etc/ssl/certs/ca-certificates.crt")  # this machine's and, inside, an image's
BOOT_TIMEOUT = 90
MAX_REBOOTS = 20
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


class TestHostError(Exception):
    """A failure a user can act on; printed as one line."""


def run(cmd, check=True, quiet=False, **kw):
    res = subprocess.run(cmd, text=True, capture_output=True, check=False, **kw)
    if check and res.returncode != 0:
        raise TestHostError(f"{shlex.join(cmd)} failed ({res.returncode}): {res.stderr.strip()[-2000:]}")
    if not quiet and res.returncode != 0:
        sys.stderr.write(res.stderr)
    return res


@contextlib.contextmanager
def locked(name):
    STATE.mkdir(parents=True, exist_ok=True)
    with open(STATE / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def require_root():
    if os.geteuid() != 0:
        raise TestHostError("test hosts need root (namespaces, mounts, veth); run as root")
    if not (CGROUP_ROOT / "cgroup.procs").exists():
        raise TestHostError(f"no cgroup2 hierarchy at {CGROUP_ROOT}: systemd as PID 1 needs one")


# --------------------------------------------------------------------------- mirror

def apt_mirror():
    """The Debian archive URL this machine's own apt sources use."""
    uris = []
    for src in sorted(pathlib.Path("/etc/apt").glob("sources.list.d/*.sources")):
        for stanza in src.read_text().split("\n\n"):
            fields = dict(
                line.split(":", 1) for line in stanza.splitlines()
                if ":" in line and not line.lstrip().startswith("#")
            )
            if "URIs" in fields and "Suites" in fields and "security" not in fields["Suites"]:
                uris += fields["URIs"].split()
    lst = pathlib.Path("/etc/apt/sources.list")
    if lst.exists():
        for line in lst.read_text().splitlines():
            parts = line.split()
            if parts[:1] == ["deb"] and "security" not in line:
                uris += [p for p in parts[1:] if "://" in p][:1]
    for uri in uris:
        if uri.rstrip("/").endswith("/debian"):
            return uri.rstrip("/")
    raise TestHostError("no Debian mirror found in /etc/apt/sources.list{,.d}: add one (a 'deb .../debian' line)")


def security_mirror(mirror):
    return mirror[: -len("/debian")] + "/debian-security"


# CPython sources as Debian's mirror keeps them, which the test hosts reach where python.org is not:
# python3.X's orig tarball is python.org's file, with python.org's SHA-256. 3.11.2 is bookworm's own
# release (bench-serving --python-build compares the two builds); 3.13.5, trixie's, is newer than any
# that bookworm has (test_python_role).
CPYTHON_SOURCES = {
    "3.11.2": ("2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849", "tar.gz"),
    "3.13.5": ("93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640", "tar.xz"),
}


def cpython_source(version="3.11.2"):
    """wsgi.apache.python's variables for that release's tarball, from this machine's Debian mirror."""
    sha256, ending = CPYTHON_SOURCES[version]
    series = ".".join(version.split(".")[:2])
    return {"python_version": version, "python_source_sha256": sha256,
            "python_source_url": f"{apt_mirror()}/pool/main/p/python{series}/python{series}_{version}.orig.{ending}"}


# --------------------------------------------------------------------------- image

def image_key(release):
    cas = hashlib.sha256(CA_BUNDLE.read_bytes()).hexdigest() if CA_BUNDLE.exists() else ""
    text = json.dumps([IMAGE_FORMAT, release, IMAGE_PACKAGES, MASKED_UNITS, apt_mirror(), pipconfig.index(), cas])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def image_dir(release):
    return CACHE / "images" / f"{release}-{image_key(release)}"


# bullseye's LTS has ended and the mirror this machine reaches lists bullseye-security packages
# whose files it no longer serves (404 for apache2-dev 2.4.67-1~deb11u3): leave that suite out.
NO_SECURITY_SUITE = ("bullseye",)


def sources_list(release, mirror):
    lines = [f"deb {mirror} {release} main", f"deb {mirror} {release}-updates main"]
    if release not in NO_SECURITY_SUITE:
        lines.append(f"deb {security_mirror(mirror)} {release}-security main")
    return "\n".join(lines) + "\n"


def build_image(release):
    if release not in RELEASES:
        raise TestHostError(f"release {release!r} is not one of {', '.join(RELEASES)}")
    target = image_dir(release)
    with locked("image"):
        if (target / ".complete").exists():
            return target
        if shutil.which("debootstrap") is None:
            raise TestHostError("debootstrap is not installed: apt-get install debootstrap")
        mirror = apt_mirror()
        target.parent.mkdir(parents=True, exist_ok=True)
        work = pathlib.Path(tempfile.mkdtemp(prefix=f".{release}-", dir=target.parent))
        try:
            root = work / "root"
            started = time.monotonic()
            # All mounts debootstrap and the chroot make live in a private mount
            # namespace that dies with the command: nothing can be left mounted.
            script = IMAGE_SCRIPT.format(
                release=release, root=shlex.quote(str(root)), mirror=shlex.quote(mirror),
                packages=" ".join(IMAGE_PACKAGES), masked=" ".join(MASKED_UNITS), bundle=shlex.quote(str(CA_BUNDLE)),
            )
            sources = sources_list(release, mirror)
            index = pipconfig.index()
            res = subprocess.run(
                ["unshare", "--mount", "--propagation", "private", "--fork", "bash", "-euo", "pipefail", "-c", script],
                text=True, capture_output=True, check=False, env={**os.environ, "SOURCES": sources, "PIP_INDEX": index},
            )
            (work / "build.log").write_text(res.stdout + res.stderr)
            if res.returncode != 0:
                raise TestHostError(f"image build for {release} failed; last lines:\n{res.stdout[-1500:]}{res.stderr[-1500:]}")
            (root / ".complete").write_text(f"{time.monotonic() - started:.1f}\n")
            os.rename(root, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for old in target.parent.glob(f"{release}-*"):
            if old != target and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
    return target


IMAGE_SCRIPT = r"""
debootstrap --variant=minbase {release} {root} {mirror} >&2
R={root}
printf '%s' "$SOURCES" > $R/etc/apt/sources.list
echo 'Acquire::Retries "5";' > $R/etc/apt/apt.conf.d/80retries
printf '#!/bin/sh\nexit 101\n' > $R/usr/sbin/policy-rc.d; chmod 755 $R/usr/sbin/policy-rc.d
cp /etc/resolv.conf $R/etc/resolv.conf
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount --rbind /dev $R/dev
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
chroot $R apt-get update -q
chroot $R apt-get install -y -q --no-install-recommends {packages}
chroot $R apt-get clean
# apt's binary caches of the package lists, which a server keeps between its updates (clean removed them).
chroot $R apt-cache gencaches >&2
# Trust what this machine trusts (a proxy's CA, say): the certificates in its bundle that the
# image's bundle lacks become local CAs of the image.
python3 - "$R" {bundle} <<'PY'
import pathlib, re, sys
pem = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
image, bundle = pathlib.Path(sys.argv[1]), sys.argv[2]
ours = set(pem.findall(pathlib.Path(bundle).read_text()))
theirs = set(pem.findall((image / bundle.lstrip("/")).read_text()))
for n, cert in enumerate(sorted(ours - theirs)):
    (image / f"usr/local/share/ca-certificates/machine-{{n}}.crt").write_text(cert + "\n")
PY
chroot $R update-ca-certificates >&2
for u in {masked}; do ln -sf /dev/null $R/etc/systemd/system/$u; done
rm -f $R/usr/sbin/policy-rc.d $R/etc/machine-id $R/var/lib/dbus/machine-id
: > $R/etc/machine-id
mkdir -p $R/root/.ssh; chmod 700 $R/root/.ssh
sed -i 's/^#\?UseDNS.*/UseDNS no/' $R/etc/ssh/sshd_config
echo 'UseDNS no' >> $R/etc/ssh/sshd_config
# Every pip trusts that bundle too: Debian's pip does already, a pip from PyPI (in a virtualenv of
# a Python built from source) would trust only its own copy of certifi's.
printf '[global]\ncert = %s\n' {bundle} > $R/etc/pip.conf
if [ -n "$PIP_INDEX" ]; then printf 'index-url = %s\n' "$PIP_INDEX" >> $R/etc/pip.conf; fi
"""


# --------------------------------------------------------------------------- network

def bridge_address(gateway):
    """The bridge's hardware address, which every host's ARP cache holds for the gateway: given when the bridge is
    made (locally administered, from the gateway's IPv4 address). A bridge given none takes the lowest of its ports'
    addresses, so it changed whenever a host with the lowest started or stopped, and the other hosts sent to an
    address nobody had until their ARP entries were refreshed: their ssh sessions' replies were lost, and TCP's
    backed-off retransmissions held the plays waiting on them for one to two minutes, the machine idle."""
    return "02:00:" + ":".join(f"{byte:02x}" for byte in gateway.packed)


def hardware_address(link):
    """The hardware address of a network link of this machine."""
    return pathlib.Path(f"/sys/class/net/{link}/address").read_text().strip()


def ensure_network():
    gateway = next(SUBNET.hosts())
    with locked("net"):
        if run(["ip", "link", "show", BRIDGE], check=False, quiet=True).returncode != 0:
            run(["ip", "link", "add", BRIDGE, "address", bridge_address(gateway), "type", "bridge"])
            run(["ip", "addr", "add", f"{gateway}/{SUBNET.prefixlen}", "dev", BRIDGE])
            run(["ip", "link", "set", BRIDGE, "up"])
        elif hardware_address(BRIDGE) != bridge_address(gateway):
            run(["ip", "link", "set", BRIDGE, "address", bridge_address(gateway)])  # made by an older release of this tool
        pathlib.Path("/proc/sys/net/ipv4/ip_forward").write_text("1\n")
        if run(["nft", "list", "table", "ip", NFT_TABLE], check=False, quiet=True).returncode != 0:
            rules = (
                f"table ip {NFT_TABLE} {{\n"
                f"  chain postrouting {{ type nat hook postrouting priority srcnat; policy accept;\n"
                f"    ip saddr {SUBNET} oifname != \"{BRIDGE}\" masquerade\n  }}\n}}\n"
            )
            run(["nft", "-f", "-"], input=rules)
    return gateway


def remove_network():
    run(["nft", "delete", "table", "ip", NFT_TABLE], check=False, quiet=True)
    run(["ip", "link", "del", BRIDGE], check=False, quiet=True)


# --------------------------------------------------------------------------- hosts

def ssh_key():
    key = CACHE / "ssh" / "id_ed25519"
    with locked("key"):
        if not key.exists():
            key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "wsgi-apache-testhosts", "-f", str(key)])
    return key


def hosts_place():
    """The directory a starting host's directory goes in (HOSTS_PLACES)."""
    if len(HOSTS_PLACES) == 1:
        return HOSTS_PLACES[0]
    return HOSTS_IN_MEMORY if room_in_memory() else HOSTS_ON_DISK


def room_in_memory():
    """Whether /dev/shm is a tmpfs with ROOM_IN_MEMORY free, and the machine that much memory available."""
    mounts = pathlib.Path("/proc/self/mounts").read_text().splitlines()
    if not any(line.split()[1:3] == ["/dev/shm", "tmpfs"] for line in mounts):
        return False
    shm = os.statvfs("/dev/shm")
    available = re.search(r"^MemAvailable:\s+(\d+) kB", pathlib.Path("/proc/meminfo").read_text(), re.M)
    return shm.f_bavail * shm.f_frsize >= ROOM_IN_MEMORY and bool(available) and \
        int(available.group(1)) * 1024 >= ROOM_IN_MEMORY


def remove_host_dir(name):
    """Remove a host's directory from whichever place holds it."""
    for place in HOSTS_PLACES:
        shutil.rmtree(place / name, ignore_errors=True)


def host_dirs():
    """The host directories there are, in every place."""
    return [d for place in HOSTS_PLACES if place.exists() for d in place.iterdir()]


def state_of(name):
    path = STATE / name / "state.json"
    return json.loads(path.read_text()) if path.exists() else None


def running_names():
    return sorted(p.parent.name for p in STATE.glob("*/state.json")) if STATE.exists() else []


def allocate_address(name):
    """The first free address after the one given last (under the "alloc" lock), so that an address comes back
    only after the rest of the subnet: what this machine keeps of a stopped host by its address (an ssh
    connection Ansible shares, an ARP entry) never reaches the next host started."""
    used = {s["address"] for n in running_names() if n != name and (s := state_of(n))}
    last = STATE / ".last-address"
    addresses = [str(addr) for addr in list(SUBNET.hosts())[1:]]
    given = last.read_text().strip() if last.exists() else ""
    start = addresses.index(given) + 1 if given in addresses else 0
    for addr in addresses[start:] + addresses[:start]:
        if addr not in used:
            last.write_text(addr + "\n")
            return addr
    raise TestHostError(f"no free address left in {SUBNET}")


def check_name(name):
    if not NAME_RE.match(name):
        raise TestHostError(f"host name {name!r} must match {NAME_RE.pattern}")


def netns(name):
    return f"{PREFIX}-{name}"


def cgroup(name):
    return CGROUP_ROOT / netns(name)


def inner_script(name, image, hostdir, pubkey):
    """The script that runs as PID 1 of the new namespaces and becomes systemd."""
    root = hostdir / "root"
    caps = ",".join(f"-{c}" for c in DROPPED_CAPS)
    devs = " ".join(("null", "zero", "full", "random", "urandom", "tty"))
    return f"""
set -eu
R={shlex.quote(str(root))}
mount --make-rprivate /
# volatile: a throwaway host's writes are never synced, so that its teardown does not flush every dirty
# page of the machine's filesystem (seconds to minutes on a busy CI disk). It marks the work dir, which
# must be cleared before the overlay is mounted again (a reboot).
rm -rf {hostdir}/work/work/incompat/volatile
mount -t overlay overlay -o volatile,lowerdir={shlex.quote(str(image))},upperdir={hostdir}/upper,workdir={hostdir}/work "$R"
mount -t proc proc "$R/proc"
mount --bind "$R/proc/sys" "$R/proc/sys"
mount --bind "$R/proc/sys/net" "$R/proc/sys/net"
mount -o remount,bind,ro "$R/proc/sys"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"
mount -t tmpfs -o mode=755,nosuid,size=65536k tmpfs "$R/dev"
for d in {devs}; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
mkdir -p "$R/run/sshd" "$R/root/.ssh"
printf '%s\\n' {shlex.quote(pubkey)} > "$R/root/.ssh/authorized_keys"
chmod 600 "$R/root/.ssh/authorized_keys"
echo {name} > "$R/etc/hostname"
printf '127.0.0.1 localhost\\n127.0.1.1 {name}\\n::1 localhost ip6-localhost ip6-loopback\\n' > "$R/etc/hosts"
hostname {name}
cp /etc/resolv.conf "$R/etc/resolv.conf"
cd "$R"; mkdir -p .oldroot; pivot_root . .oldroot; cd /
umount -l /.oldroot; rmdir /.oldroot
exec setpriv --bounding-set={caps} /usr/bin/env -i container=other /sbin/init
"""


def supervise(name):
    """Run the host's PID 1; start it again when it exits for a reboot (SIGHUP, 129)."""
    st = state_of(name)
    hostdir = pathlib.Path(st["hostdir"])
    cg = cgroup(name)
    cg.mkdir(exist_ok=True)
    (cg / "cgroup.procs").write_text(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    for dummy in range(MAX_REBOOTS + 1):
        script = inner_script(name, st["image"], hostdir, st["pubkey"])
        with open(hostdir / "console.log", "a") as log:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", netns(name), "unshare", "--mount", "--pid", "--uts", "--ipc", "--cgroup",
                 "--fork", "--kill-child", "bash", "-c", script],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )
            rc = proc.wait()
        with open(hostdir / "exits", "a") as fh:
            fh.write(f"{rc}\n")
        if rc not in (128 + signal.SIGHUP, -signal.SIGHUP):  # unshare re-raises PID 1's signal
            return rc
    return 1


def pid1(name):
    """The host's PID 1 as this machine sees it, or None."""
    cg = cgroup(name)
    if not cg.exists():
        return None
    # The tree changes while systemd boots: os.walk and _procs skip what vanishes under them.
    scopes = (pathlib.Path(top) / "init.scope" for top, dirs, dummy in os.walk(cg) if "init.scope" in dirs)
    pids = next((pids for scope in scopes if (pids := _procs(scope))), None)
    return int(pids[0]) if pids else None


def in_host(name, *cmd, check=True, timeout=None):
    pid = pid1(name)
    if pid is None:
        raise TestHostError(f"host {name} has no running systemd")
    return run(["nsenter", "-t", str(pid), "-a", *cmd], check=check, quiet=True, timeout=timeout)


def wait_ready(name, st, deadline):
    hostdir = pathlib.Path(st["hostdir"])
    while pid1(name) is None:
        if time.monotonic() > deadline or not _alive(st["supervisor"]):
            logs = "".join(f.read_text()[-1500:] for f in hostdir.glob("*.log"))
            raise TestHostError(f"host {name}: systemd did not start:\n{logs}")
        time.sleep(0.05)
    status = ""
    while not status and time.monotonic() < deadline:  # empty until systemd's bus is up
        remaining = str(max(1, int(deadline - time.monotonic())))
        status = in_host(name, "timeout", remaining, "systemctl", "is-system-running", "--wait", check=False).stdout.strip()
        time.sleep(0 if status else 0.1)
    if status not in ("running", "degraded"):
        raise TestHostError(f"host {name}: systemd is {status or 'unreachable'} after boot")
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((st["address"], 22), timeout=1):
            return status
        time.sleep(0.1)
    raise TestHostError(f"host {name}: sshd does not answer on {st['address']}:22")


def keep_module_bytecode(upper):
    """The host's Python keeps what it compiles from zip archives (Ansible's module payloads): testhost_bytecode.py
    and the .pth that loads it, in the overlay's upper layer before the host boots."""
    site = upper / "usr" / "lib" / "python3" / "dist-packages"
    for directory in (upper / "usr", upper / "usr" / "lib", upper / "usr" / "lib" / "python3", site):
        directory.mkdir(exist_ok=True)
        directory.chmod(0o755)  # the image's modes: an upper directory's are the host's, whatever the umask
    shutil.copyfile(pathlib.Path(__file__).with_name("testhost_bytecode.py"), site / "testhost_bytecode.py")
    # imported with sys.dont_write_bytecode set: no __pycache__ of it appears in /usr (a test that watches /usr
    # for what a refused play wrote would see it)
    (site / "zz-testhost-bytecode.pth").write_text(
        "import sys; _b = sys.dont_write_bytecode; sys.dont_write_bytecode = True; import testhost_bytecode; "
        "sys.dont_write_bytecode = _b\n")
    for made in (site / "testhost_bytecode.py", site / "zz-testhost-bytecode.pth"):
        made.chmod(0o644)


def start(name, release=DEFAULT_RELEASE):
    check_name(name)
    require_root()
    if state_of(name):
        stop(name)
    image = build_image(release)
    key = ssh_key()
    gateway = ensure_network()
    with locked("alloc"):
        address = allocate_address(name)
        remove_host_dir(name)
        hostdir = hosts_place() / name
        for sub in ("upper", "work", "root"):
            (hostdir / sub).mkdir(parents=True)
        if os.environ.get("WSGIAH_MODULE_BYTECODE") == "1":
            keep_module_bytecode(hostdir / "upper")
        st = {
            "name": name, "release": release, "address": address, "image": str(image),
            "hostdir": str(hostdir), "pubkey": key.with_suffix(".pub").read_text().strip(),
            "identity_file": str(key), "started": time.time(),
        }
        (STATE / name).mkdir(parents=True, exist_ok=True)
        (STATE / name / "state.json").write_text(json.dumps(st))
    ns = netns(name)
    try:
        run(["ip", "netns", "add", ns])
        veth = f"{PREFIX}{address.rsplit('.', 1)[1]}"
        run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns])
        run(["ip", "link", "set", veth, "master", BRIDGE, "up"])
        run(["ip", "-n", ns, "addr", "add", f"{address}/{SUBNET.prefixlen}", "dev", "eth0"])
        run(["ip", "-n", ns, "link", "set", "eth0", "up"])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "-n", ns, "route", "add", "default", "via", str(gateway)])
        sup = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "_supervise", name],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(hostdir / "supervisor.log", "w"),
            start_new_session=True,
        )
        st["supervisor"] = sup.pid
        (STATE / name / "state.json").write_text(json.dumps(st))
        st["systemd"] = wait_ready(name, st, time.monotonic() + BOOT_TIMEOUT)
    except BaseException:
        stop(name)
        raise
    return connection(st)


def connection(st):
    return {
        "instance": st["name"], "address": st["address"], "user": "root", "port": 22,
        "identity_file": st["identity_file"], "release": st["release"],
    }


def _alive(pid):
    """Running: a zombie (dead, waiting for a parent that may reap it late) is not."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _cgroup_dirs(cg):
    """The host's cgroup and all below it, deepest first."""
    found = [pathlib.Path(top) / d for top, dirs, dummy in os.walk(cg) for d in dirs]  # skips what vanishes meanwhile
    return sorted(found, key=lambda p: -len(p.parts)) + [cg]


def _procs(cgroup_dir):
    try:
        return (cgroup_dir / "cgroup.procs").read_text().split()
    except OSError:  # removed since it was listed
        return []


def cgroup_pids(cg):
    """Pids (as this machine sees them) of every process in a cgroup and those below it."""
    return [int(pid) for d in _cgroup_dirs(cg) for pid in _procs(d)]


def _describe(pid):
    """A process's state, kernel wait channel and command, for an error message."""
    proc = pathlib.Path(f"/proc/{pid}")
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        return f"state={state} wchan={(proc / 'wchan').read_text()} cmd={(proc / 'cmdline').read_bytes()[:80]!r}"
    except OSError:
        return "(gone)"


def kill_cgroup(cg, deadline):
    if not cg.exists():
        return
    with contextlib.suppress(OSError):
        (cg / "cgroup.kill").write_text("1\n")
    while time.monotonic() < deadline:
        pids = cgroup_pids(cg)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    # A cgroup whose last process has just gone can stay busy a moment longer while the kernel
    # releases its exited tasks (seen with Apache's 1000 threads): rmdir is tried again until the
    # deadline, and for 5 s at least.
    last_try = max(deadline, time.monotonic() + 5)
    for d in _cgroup_dirs(cg):
        while True:
            try:
                d.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError as exc:
                if exc.errno == errno.EBUSY and time.monotonic() < last_try:
                    time.sleep(0.05)
                    continue
                left = [f"{pid} {_describe(pid)}" for pid in cgroup_pids(cg)]
                raise TestHostError(f"cannot remove cgroup {d} ({exc.strerror}); processes left: {left or 'none'}") from exc


def control_path(name):
    """The socket of the ssh connection that commands to the host share."""
    return STATE / name / "ssh"


def multiplexed(name):
    """ssh options that share one connection to the host between commands: a command then costs about a
    hundredth of a second of CPU instead of a tenth (a key exchange on both sides, a login session). The
    connection stays for two idle minutes, or until stop(); without room for the socket's path, none."""
    control = control_path(name)
    if len(str(control)) > 100:
        return []
    return ["-o", "ControlMaster=auto", "-o", f"ControlPath={control}", "-o", "ControlPersist=120"]


def stop(name):
    """Stop a host and remove everything it had; safe to call twice."""
    st = state_of(name) or {}
    if st.get("address") and control_path(name).exists():
        run(["ssh", *multiplexed(name), "-O", "exit", f"root@{st['address']}"], check=False, quiet=True)
    deadline = time.monotonic() + 30
    sup = st.get("supervisor")
    if sup and _alive(sup):
        with contextlib.suppress(ProcessLookupError):
            os.kill(sup, signal.SIGTERM)
    kill_cgroup(cgroup(name), deadline)
    while sup and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):  # reaped here when it is our child
            os.waitpid(sup, os.WNOHANG)
        if not _alive(sup):
            break
        time.sleep(0.05)
    if st.get("address"):
        run(["ss", "-K", "dst", st["address"]], check=False, quiet=True)
    ns = netns(name)
    if st.get("address"):
        run(["ip", "link", "del", f"{PREFIX}{st['address'].rsplit('.', 1)[1]}"], check=False, quiet=True)
    run(["ip", "netns", "del", ns], check=False, quiet=True)
    remove_host_dir(name)
    shutil.rmtree(STATE / name, ignore_errors=True)


def our_netns():
    res = run(["ip", "-j", "netns", "list"], check=False, quiet=True)
    names = [n["name"] for n in json.loads(res.stdout or "[]")]
    return sorted(n[len(PREFIX) + 1:] for n in names if n.startswith(f"{PREFIX}-"))


class HostCommandError(AssertionError):
    """A command on a test host failed (an AssertionError, so that a test running it fails)."""


class Host:
    """A running host as `start` and `list` print it: commands over SSH and its Ansible inventory line."""

    def __init__(self, conn):
        self.name, self.address, self.identity = conn["instance"], conn["address"], conn["identity_file"]
        self.conn = conn

    def ssh_argv(self, command):
        """The ssh command line that runs command on the host (over the shared connection)."""
        return ["ssh", "-i", self.identity, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", *multiplexed(self.name), f"root@{self.address}", command]

    def ssh(self, command, check=True, timeout=300, stdin=None):
        res = subprocess.run(
            self.ssh_argv(command), text=True, capture_output=True, timeout=timeout, check=False,
            # A /dev/null of its own: ssh makes its stdin non-blocking, which an ansible-playbook sharing
            # the same open file would refuse ("Ansible requires blocking IO on stdin").
            **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}),
        )
        if check and res.returncode != 0:
            raise HostCommandError(f"ssh {self.name} {command!r} failed ({res.returncode}): {res.stderr}{res.stdout}")
        return res

    def inventory_line(self):
        return (f"{self.name} ansible_host={self.address} ansible_user=root "
                f"ansible_ssh_private_key_file={self.identity}")


def stop_all():
    names = set(running_names()) | set(our_netns())
    if CGROUP_ROOT.exists():
        names |= {p.name[len(PREFIX) + 1:] for p in CGROUP_ROOT.glob(f"{PREFIX}-*")}
    names |= {d.name for d in host_dirs()}
    for name in sorted(names):
        stop(name)
    remove_network()
    return sorted(names)


def leftovers():
    """Everything of ours that exists on the machine: empty when all is clean."""
    links = json.loads(run(["ip", "-j", "link", "show"], quiet=True).stdout or "[]")
    procs = []
    for proc in pathlib.Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if "_supervise" in cmd and "testhost" in cmd:
                procs.append(f"{proc.name}: {cmd.strip()}")
    mounts = [line for line in pathlib.Path("/proc/self/mounts").read_text().splitlines()
              if any(str(place) in line for place in [*HOSTS_PLACES, CACHE])]
    return {
        "netns": our_netns(),
        "links": sorted(link["ifname"] for link in links if link["ifname"].startswith(PREFIX) and link["ifname"] != BRIDGE),
        "cgroups": sorted(p.name for p in CGROUP_ROOT.glob(f"{PREFIX}-*")) if CGROUP_ROOT.exists() else [],
        "processes": procs,
        "mounts": mounts,
        "hostdirs": sorted(d.name for d in host_dirs()),
        "state": running_names(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="testhost", description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("image")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--release", default=DEFAULT_RELEASE, choices=RELEASES)
    which.add_argument("--all", action="store_true", help="every supported release's")
    p = sub.add_parser("start")
    p.add_argument("names", nargs="+")
    p.add_argument("--release", default=DEFAULT_RELEASE, choices=RELEASES)
    p = sub.add_parser("stop")
    p.add_argument("names", nargs="+")
    sub.add_parser("stop-all")
    sub.add_parser("list")
    sub.add_parser("leftovers")
    p = sub.add_parser("_supervise")
    p.add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "image":
            require_root()
            # the newest first: on a machine without a Python for ansible-core's newest releases, their sanity
            # runs on a trixie host (tools/sanity.py), beside this in make test
            for release in reversed(RELEASES) if args.all else [args.release]:
                print(build_image(release))
        elif args.cmd == "start":
            hosts = [start(n, args.release) for n in args.names]
            print(json.dumps(hosts, indent=2))
        elif args.cmd == "stop":
            for n in args.names:
                stop(n)
        elif args.cmd == "stop-all":
            print(json.dumps(stop_all()))
        elif args.cmd == "list":
            print(json.dumps([connection(s) for n in running_names() if (s := state_of(n))], indent=2))
        elif args.cmd == "leftovers":
            print(json.dumps(leftovers(), indent=2))
        elif args.cmd == "_supervise":
            return supervise(args.name)
    except TestHostError as exc:
        print(f"testhost: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
