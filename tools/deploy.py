"""`make deploy`: run deploy.yml on an inventory, or on a local throwaway test host.

With --inventory, deploy.yml runs against it. Without, a bookworm test host named `deploy`
is started (tools/testhost.py; a running one is reused), deploy.yml builds mod_wsgi there and serves the sample app,
and its URL is printed. The host keeps running; `python3 tools/testhost.py stop deploy`
removes it.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys

import testhost

ROOT = pathlib.Path(__file__).resolve().parents[1]
TESTHOST = [sys.executable, str(ROOT / "tools" / "testhost.py")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--inventory", help="an Ansible inventory; default: a local throwaway test host")
    parser.add_argument("--release", default="bookworm", help="Debian release of the throwaway host")
    args = parser.parse_args()
    inventory = args.inventory
    address = None
    if not inventory:
        running = json.loads(subprocess.run([*TESTHOST, "list"], text=True, capture_output=True, check=True).stdout)
        host = next((h for h in running if h["instance"] == "deploy"), None)
        if host is None:  # a running one is reused, so a second deploy shows what a rerun does
            started = subprocess.run([*TESTHOST, "start", "--release", args.release, "deploy"],
                                     text=True, capture_output=True, check=False)
            if started.returncode != 0:
                sys.exit(f"deploy: could not start the local test host: {started.stderr.strip()}")
            host = json.loads(started.stdout)[0]
        address = host["address"]
        inventory = ROOT / "build" / "deploy-inventory.ini"
        inventory.parent.mkdir(exist_ok=True)
        inventory.write_text(testhost.Host(host).inventory_line() + "\n")
    rc = subprocess.run(["ansible-playbook", "-i", str(inventory), str(ROOT / "deploy.yml")],
                        cwd=ROOT, check=False, env=os.environ).returncode
    if rc != 0:
        sys.exit(rc)
    if address:
        print(f"\nThe sample app answers at http://{address}:8080/ "
              f"(stop the host with: python3 tools/testhost.py stop deploy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
