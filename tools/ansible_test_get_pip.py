"""Stand-in for the get-pip.py that ansible-test downloads to bootstrap pip in its venvs.

ansible-test fetches get-pip.py from a host outside the package registries, which this
project's machines cannot reach. This script does the same job from what is here: pip run from
its wheel (as get-pip.py runs it), which tools/sanity.py downloads from the configured package
index beside this script, installs the requested packages (pip==X.Y, setuptools, wheel); without
a wheel, pip from Python's own ensurepip does (twice the time: it installs a pip first). `make
sanity` puts it where ansible-test looks for its cached copy.
"""
import glob
import os
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
here = os.path.dirname(os.path.abspath(__file__))
wheels = sorted(glob.glob(os.path.join(here, "pip-*.whl")))
if wheels:
    subprocess.check_call([sys.executable, os.path.join(wheels[-1], "pip"), "install", "--quiet",
                           "--find-links", here, *args])
else:
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *args])
