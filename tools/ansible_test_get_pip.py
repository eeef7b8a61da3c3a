"""Stand-in for the get-pip.py that ansible-test downloads to bootstrap pip in its venvs.

ansible-test fetches get-pip.py from a host outside the package registries, which this
project's machines cannot reach. This script does the same job from what is here: pip from
Python's own ensurepip, then the requested packages (pip==X.Y, setuptools, wheel) from the
configured package index. `make sanity` puts it where ansible-test looks for its cached copy.
"""
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *args])
