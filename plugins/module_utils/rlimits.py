# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does this platform really enforce the rlimits behind mod_wsgi's limits?

mod_wsgi sets memory-limit as RLIMIT_DATA, virtual-memory-limit as RLIMIT_AS
(RLIMIT_VMEM where RLIMIT_AS is missing) and cpu-time-limit as RLIMIT_CPU, and
its release notes warn that some platforms accept these and ignore them.  The
probes here find out in a forked child: set the limit, go past it, and see
whether the kernel stops the child.  Nothing in the calling process changes.

One implementation, used by the ``wsgi.apache.rlimit_info`` module and by the
express package's ``check-rlimits``.
"""

from __future__ import annotations

import os
import signal
import time

try:
    import resource
except ImportError:  # not a POSIX platform: every limit is reported as undefined
    resource = None

MIB = 2 ** 20
# Headroom over what the child already uses, for the limit it must then exceed.
HEADROOM = 64 * MIB
# A CPU probe under a 1 s RLIMIT_CPU counts as not enforced once it has spun this much CPU time
# (seconds) unstopped; on a loaded machine that takes longer than the CPU time, up to the wall bound.
CPU_PROBE_CPU = 3.0
CPU_PROBE_WALL = 120.0

# Each mod_wsgi option and the rlimits it uses, first available wins.
OPTION_RLIMITS = (
    ("memory-limit", ("RLIMIT_DATA",)),
    ("virtual-memory-limit", ("RLIMIT_AS", "RLIMIT_VMEM")),
    ("cpu-time-limit", ("RLIMIT_CPU",)),
)
# What /proc/self/status calls the usage each memory rlimit counts.
_STATUS_FIELD = {"RLIMIT_DATA": "VmData", "RLIMIT_AS": "VmSize", "RLIMIT_VMEM": "VmSize"}

# Child exit codes.
_OK, _NOT_STOPPED, _REFUSED = 0, 10, 11


def defined(name):
    return resource is not None and hasattr(resource, name)


def _usage(name):
    """Bytes of the usage the limit counts, or None where /proc does not tell."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(_STATUS_FIELD[name] + ":"):
                    return int(line.split()[1]) * 1024
    except (IOError, OSError, KeyError, ValueError, IndexError):
        pass
    return None


def _in_child(work):
    """Run ``work`` in a forked child; return its exit code, or -signal if it was killed."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            code = work()
        finally:
            os._exit(code)
    dummy, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _accepts(name, value):
    number = getattr(resource, name)

    def work():
        try:
            resource.setrlimit(number, (value, value))
        except (ValueError, OSError):
            return _REFUSED
        return _OK
    return _in_child(work) == _OK


def _memory_enforced(name):
    number = getattr(resource, name)
    usage = _usage(name)
    limit = (usage if usage is not None else 448 * MIB) + HEADROOM

    def work():
        try:
            resource.setrlimit(number, (limit, limit))
        except (ValueError, OSError):
            return _REFUSED
        try:
            block = bytearray(limit)  # more than the limit leaves room for
            block[-1] = 1
        except MemoryError:
            return _OK
        return _NOT_STOPPED
    return _in_child(work), limit


def _cpu_enforced():
    number = resource.RLIMIT_CPU

    def work():
        try:
            resource.setrlimit(number, (1, 2))
        except (ValueError, OSError):
            return _REFUSED
        deadline = time.monotonic() + CPU_PROBE_WALL
        while time.process_time() < CPU_PROBE_CPU and time.monotonic() < deadline:
            pass
        return _NOT_STOPPED
    return _in_child(work)


def probe(name, value=None):
    """What one rlimit does here: defined, accepted (``value``, when given) and enforced."""
    report = {"rlimit": name, "defined": defined(name), "accepted": None, "enforced": False,
              "limit": value, "detail": ""}
    if not report["defined"]:
        report["detail"] = "%s is not defined on this platform" % name
        return report
    if value is not None:
        report["accepted"] = _accepts(name, value)
        if not report["accepted"]:
            report["detail"] = "setrlimit(%s, %d) is refused (above the hard limit?)" % (name, value)
            return report
    if name == "RLIMIT_CPU":
        code = _cpu_enforced()
        report["enforced"] = code in (-signal.SIGXCPU, -signal.SIGKILL)
        report["detail"] = ("a child spinning past 1 s of CPU was stopped by signal %d" % -code
                            if report["enforced"] else
                            "a child spun %.0f s of CPU under a 1 s RLIMIT_CPU and was not stopped" % CPU_PROBE_CPU)
    else:
        code, limit = _memory_enforced(name)
        report["enforced"] = code == _OK
        report["detail"] = ("a child limited to %d MiB could not allocate %d MiB more" % (limit // MIB, limit // MIB)
                            if report["enforced"] else
                            "a child limited to %d MiB allocated %d MiB more (exit %d)" % (limit // MIB, limit // MIB, code))
    if code == _REFUSED:
        report["detail"] = "setrlimit(%s) is refused" % name
    return report


def check(memory_limit=None, virtual_memory_limit=None, cpu_time_limit=None, cpu=None):
    """Probe the rlimits behind the mod_wsgi limits.

    Memory rlimits are always probed (cheap); RLIMIT_CPU costs a second of CPU and is probed
    when ``cpu_time_limit`` is given or ``cpu`` is true.  Returns ``{"rlimits": {...},
    "options": {option: {...}}, "unenforced": [options asked for and not enforced]}``.
    """
    asked = {"memory-limit": memory_limit, "virtual-memory-limit": virtual_memory_limit,
             "cpu-time-limit": cpu_time_limit}
    if cpu is None:
        cpu = cpu_time_limit is not None
    rlimits, options, unenforced = {}, {}, []
    for option, names in OPTION_RLIMITS:
        if option == "cpu-time-limit" and not cpu:
            continue
        for name in names:
            rlimits[name] = probe(name, asked[option] or None)
        used = next((name for name in names if rlimits[name]["defined"]), names[0])
        options[option] = dict(rlimits[used], option=option, asked=asked[option])
        if asked[option] and not options[option]["enforced"]:
            unenforced.append(option)
    return {"rlimits": rlimits, "options": options, "unenforced": unenforced}
