"""ansible-test sanity with every ansible-core release of tests/ansible_cores.yml, each on a Python it
supports (tools/controllers.py: a Python of this machine, else a trixie test host's).

Each release gets its own copy of the files git knows, at ansible_collections/wsgi/apache as
ansible-test wants, and runs `ansible-test sanity --local --requirements` there with the
controller's Python as the target Python. The release this checkout's tools run on (requirements/test.txt)
checks every file; the others what the collection's tarball holds, leaving out the directories that
galaxy.yml's build_ignore keeps out of it (the tests, tools and benchmarks, which run on that one release
only).  ansible-test's --venv mode and its pip bootstrap download
a script from outside the package registries: tools/ansible_test_get_pip.py stands in for it, in a
HOME of the run's own (build/sanity/), so nothing is written to the user's ~/.ansible.

    python tools/sanity.py                  every release
    python tools/sanity.py --core 2.21.5    only these
    python tools/sanity.py --on-test-host   on the trixie test host, as a machine without the Pythons would
    python tools/sanity.py --jobs 2         two releases at once (make sanity)
"""

import argparse
import concurrent.futures
import importlib.metadata
import pathlib
import shutil
import subprocess
import sys
import threading
import time

import yaml

import testhost
from controllers import controller_for

ROOT = pathlib.Path(__file__).resolve().parents[1]
CORES = ROOT / "tests" / "ansible_cores.yml"
WORK = ROOT / "build" / "sanity"
GET_PIP = ROOT / "tools" / "ansible_test_get_pip.py"
# The pip releases ansible-test bootstraps (one name of its cached get-pip script each).
PIP_VERSIONS = ("import ansible_test, pathlib, re; print(' '.join(sorted(set(re.findall(r\"pip='([0-9.]+)'\", "
                "(pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py').read_text())))))")
PYTHON_VERSION = "import sys; print('%d.%d' % sys.version_info[:2])"
# A requirement of ansible-test's given as a URL outside the package registries (2.22.0rc1 pins dill to a
# GitHub archive, for Python 3.15) becomes the package's newest release on the index: printed, and the
# only change made to the release's own files.
OFF_INDEX = r"""
import ansible_test, pathlib, re
for path in sorted((pathlib.Path(ansible_test.__file__).parent / '_data' / 'requirements').glob('*.txt')):
    text = path.read_text()
    new = re.sub(r'^([A-Za-z0-9_.-]+) @ https?://\S+', r'\1', text, flags=re.M)
    if new != text:
        path.write_text(new)
        print(path.name + ': ' + ', '.join(re.findall(r'^([A-Za-z0-9_.-]+) @ https?://', text, re.M)))
"""


def collection_copy(where, own_repository):
    """The files git knows (tracked or new, not ignored) under WHERE/ansible_collections/wsgi/apache;
    ``own_repository``: in a git repository of their own, as ansible-test lists the files of the nearest
    one, and a WHERE under build/ is in the checkout's, which ignores build/ (elsewhere ansible-test
    takes every file under the collection)."""
    target = where / "ansible_collections" / "wsgi" / "apache"
    target.mkdir(parents=True)
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout
    subprocess.run(["rsync", "-a", "--from0", "--files-from=-", "./", str(target) + "/"], cwd=ROOT, input=listed,
                   check=True)
    if own_repository:
        subprocess.run(["git", "init", "-q", str(target)], check=True)
    return target


def repository_only(tree):
    """The directories of TREE that galaxy.yml's build_ignore keeps out of the tarball, as --exclude options."""
    ignored = yaml.safe_load((ROOT / "galaxy.yml").read_text())["build_ignore"]
    return [option for path in ignored if (tree / path).is_dir() for option in ("--exclude", path + "/")]


def sanity(entry, trixie_host, where="auto"):
    """Run ansible-test sanity of one release; (passed, the lines to show)."""
    work = WORK / entry["core"]
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    controller = controller_for({**entry, "controller": where}, trixie_host, key=False, parent=work)
    local = controller.where == "this machine"
    tree = collection_copy(work / "tree", own_repository=local)
    try:
        python = controller.run("python", "-c", PYTHON_VERSION).stdout.strip()
        unpinned = controller.run("python", "-c", OFF_INDEX).stdout.split("\n")
        home = f"{controller.work}/home"
        stub = controller.put(GET_PIP)
        pips = controller.run("python", "-c", PIP_VERSIONS).stdout.split()
        copy = "; ".join(f"shutil.copy({stub!r}, {home!r} + '/.ansible/test/cache/get_pip_{v.replace('.', '_')}.py')"
                         for v in pips)
        # beside the stub: the controller's Python, whose pip (compiled) the stub runs
        controller.run("python", "-c", f"import os, shutil, sys; os.makedirs({home!r} + '/.ansible/test/cache', "
                       f"exist_ok=True); {copy}; open({home!r} + '/.ansible/test/cache/pip-python', 'w')"
                       ".write(sys.executable)")
        controller.run("pip", "download", "--quiet", "--no-deps", "--dest", f"{home}/.ansible/test/cache",
                       *(f"pip=={v}" for v in pips))
        scope = [] if entry["core"] == importlib.metadata.version("ansible-core") else repository_only(tree)
        if not local:
            tree = pathlib.Path(controller.put(work / "tree")) / "ansible_collections" / "wsgi" / "apache"
        started = time.monotonic()
        done = controller.run("ansible-test", "sanity", "--local", "--requirements", "--python", python,
                              "--color", "no", *scope, env={"HOME": home}, cwd=str(tree), timeout=1800)
        took = time.monotonic() - started
        files = "the tarball's files" if scope else "every file"
        head = f"ansible-core {entry['core']} on {controller.python_shown} ({controller.where}), {files}: "
        notes = [f"  (from the package index instead of a URL: {line})" for line in unpinned if line]
        if done.returncode == 0:
            return True, [head + f"passed in {took:.0f} s"] + notes
        failures = [line for line in done.output.splitlines() if line.startswith(("ERROR", "FATAL"))]
        return False, [head + f"FAILED (exit status {done.returncode}) after {took:.0f} s"] + notes + failures
    finally:
        controller.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--core", action="append", help="only this release (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="releases checked at once (default: 1)")
    parser.add_argument("--on-test-host", action="store_const", const="testhost", default="auto", dest="where",
                        help="run on the trixie test host even where this machine has a Python for the release")
    args = parser.parse_args()
    entries = [e for e in yaml.safe_load(CORES.read_text()) if not args.core or e["core"] in args.core]
    if not entries:
        sys.exit(f"no release of {CORES} is {args.core}")
    hosts, lock = [], threading.Lock()

    def trixie_host():
        with lock:
            if not hosts:
                hosts.append(testhost.Host(testhost.start("sanity-controller", release="trixie")))
            return hosts[0]

    def one(entry):
        passed, lines = sanity(entry, trixie_host, args.where)
        print("\n".join(lines), flush=True)
        return passed

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(one, entries))
    finally:
        if hosts:
            testhost.stop(hosts[0].name)
    if not all(results):
        sys.exit(f"sanity failed with {results.count(False)} of {len(results)} ansible-core releases")
    print(f"sanity passed with every release: {', '.join(e['core'] for e in entries)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
