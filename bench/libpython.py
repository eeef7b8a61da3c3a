"""The Django page's Python cost on the system's python3 executable against the same Python's
shared library (the library mod_wsgi and uWSGI embed): a reproduction without any server.

    python3 bench/libpython.py [--runs 3] [--requests 2000] [--also PYTHON ...]

On this machine: a virtualenv of the system Python (/usr/bin/python3) with the page's requirements
(bench/apps/page), the page's SQLite data, and a C program that embeds the shared libpython
(Py_Initialize, then the same script; built with python3-config --embed). Each run calls the page's
Django WSGI handler --requests times in one process (after 300 warm-up calls) and reports the CPU
time a request (time.process_time); the interpreters alternate, --runs times each. --also adds
another Python of the same minor version built with --enable-shared (such as one compiled by
wsgi.apache.python), as its executable and embedded likewise.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

import lib

PYTHON = "/usr/bin/python3"
EMBED_C = """#include <Python.h>
int main(int argc, char **argv) {
    (void)argc;
    Py_Initialize();
    FILE *script = fopen(argv[1], "r");
    int failed = script == NULL || PyRun_SimpleFile(script, argv[1]) != 0;
    return Py_FinalizeEx() < 0 || failed;
}
"""
WORK = """import io, os, sys, time
sys.path[:0] = [{app!r}, {site_packages!r}]
os.environ["PAGE_DB"] = {db!r}
from page.wsgi import django_application as app

def call():
    environ = {{"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "bench", "SERVER_PORT": "80",
               "HTTP_HOST": "bench", "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(),
               "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http"}}
    b"".join(app(environ, lambda status, headers, exc_info=None: None))

for _call in range(300):
    call()
started = time.process_time()
for _call in range({requests}):
    call()
print((time.process_time() - started) / {requests} * 1e6)
"""


def build(tmp, requests):
    """The virtualenv with the page's requirements, the page's data and the script that times it;
    the script's path."""
    if not pathlib.Path(PYTHON + "-config").exists():  # the system Python's, whatever PATH finds first
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "python3-dev"], check=True,
                       stdout=subprocess.DEVNULL)
    venv, app = tmp / "venv", lib.BENCH / "apps" / "page"
    subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", "-r",
                    str(app / "requirements.txt")], check=True)
    db = tmp / "page.sqlite3"
    for command in (["migrate", "-v0"], ["seed"]):
        subprocess.run([str(venv / "bin" / "python"), "manage.py", *command], cwd=app, check=True,
                       env={"PATH": "/usr/bin:/bin", "PAGE_DB": str(db)})
    site_packages = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                   text=True, capture_output=True, check=True).stdout.strip()
    script = tmp / "work.py"
    script.write_text(WORK.format(app=str(app), site_packages=site_packages, db=str(db), requests=requests))
    return script


def embedder(python, source, embed):
    """The C program of source built against python's libpython (python-config --embed, the
    library's directory recorded as rpath); (the library it loads, the program)."""
    config = python + "-config"
    flags = subprocess.run([config, "--includes"], text=True, capture_output=True, check=True).stdout.split()
    ldflags = subprocess.run([config, "--ldflags", "--embed"], text=True, capture_output=True, check=True).stdout.split()
    rpaths = [f"-Wl,-rpath,{flag[2:]}" for flag in ldflags if flag.startswith("-L")]
    subprocess.run(["gcc", "-O2", *flags, str(source), "-o", str(embed), *ldflags, *rpaths], check=True)
    linked = subprocess.run(["ldd", str(embed)], text=True, capture_output=True, check=True).stdout
    return next((line.split()[2] for line in linked.splitlines() if "libpython" in line), "?"), embed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each interpreter, alternating")
    parser.add_argument("--requests", type=int, default=2000, help="calls of the page's handler per run")
    parser.add_argument("--also", nargs="*", default=[], metavar="PYTHON",
                        help="other interpreters (same minor version, --enable-shared) to time the same way")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        tmp = pathlib.Path(directory)
        script = build(tmp, args.requests)
        lib.need_command("gcc", "gcc")
        source = tmp / "embed.c"
        source.write_text(EMBED_C)
        runners = {}
        for number, python in enumerate([PYTHON, *args.also]):
            library, embed = embedder(python, source, tmp / f"embed{number}")
            # An embedded interpreter finds its standard library from the "python3" on PATH unless told
            # (this script's own virtualenv's, another Python's): PYTHONHOME names it, as WSGIPythonHome does.
            home = subprocess.run([python, "-c", "import sys; print(sys.prefix)"], text=True, capture_output=True,
                                  check=True).stdout.strip()
            env = {"PATH": "/usr/bin:/bin", "PYTHONHOME": home}
            runners.update({f"{python} (the executable)": ([python, str(script)], env),
                            f"embedded {library}": ([str(embed), str(script)], env)})
        seen = {name: [] for name in runners}
        for _run in range(args.runs):
            for name, (argv, env) in runners.items():
                done = subprocess.run(argv, text=True, capture_output=True, timeout=1800, env=env, check=False)
                if done.returncode:
                    raise SystemExit(f"{name} failed: {done.stderr.strip()[-2000:]}")
                seen[name].append(float(done.stdout.split()[-1]))
    base = lib.median(seen[next(iter(seen))])
    print(f"the page's Django handler, {args.requests} calls a run, CPU us a request, {args.runs} alternating runs")
    lib.table(["interpreter", "median us", "runs", "vs the executable"],
              [[name, f"{lib.median(us):.0f}", " ".join(f"{u:.0f}" for u in us), f"{lib.median(us) / base:.2f}x"]
               for name, us in seen.items()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
