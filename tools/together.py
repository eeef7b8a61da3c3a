"""Run commands at the same time, each with its output in a log of its own, and show each log whole
when its command ends: what `make test` runs at once (Molecule and the integration test groups,
whose test hosts have names of their own).

    python tools/together.py [--logs DIR] NAME=COMMAND ...

Exits 1 if any command failed, after all of them ended (each runs to its own end, so that one run
shows every failure).  Each command runs in bash; its log is DIR/NAME.log (default build/logs).
"""

import argparse
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def took(seconds):
    return "%dm%02ds" % divmod(int(seconds), 60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--logs", default=str(ROOT / "build" / "logs"), help="where the logs go")
    parser.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    args = parser.parse_args()
    logs = pathlib.Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    running = {}
    started = time.monotonic()
    for given in args.commands:
        name, sep, command = given.partition("=")
        if not sep or not name or not command:
            sys.exit("together: %r is not NAME=COMMAND" % given)
        log = open(logs / f"{name}.log", "w")  # pylint: disable=consider-using-with
        running[name] = (subprocess.Popen(["bash", "-c", command], stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, cwd=ROOT), log)
        print(f"together: {name} started: {command}", flush=True)
    failed = []
    while running:
        for name, (proc, log) in list(running.items()):
            if proc.poll() is None:
                continue
            log.close()
            del running[name]
            status = "passed" if proc.returncode == 0 else f"FAILED (exit status {proc.returncode})"
            if proc.returncode:
                failed.append(name)
            print(f"\n===== {name}: {status} after {took(time.monotonic() - started)}; its output:", flush=True)
            sys.stdout.write((logs / f"{name}.log").read_text(errors="replace"))
            print(f"===== end of {name} ({status})", flush=True)
        time.sleep(1)
    print(f"together: {len(args.commands) - len(failed)} of {len(args.commands)} passed in "
          f"{took(time.monotonic() - started)}" + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
