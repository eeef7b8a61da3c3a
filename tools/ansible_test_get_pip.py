"""Stand-in for the get-pip.py that ansible-test downloads to bootstrap pip in its venvs.

ansible-test fetches get-pip.py from a host outside the package registries, which this
project's machines cannot reach. This script does the same job from what is here: the pip of the
Python that runs ansible-test (its path in the file pip-python beside this script) installs the
requested packages (pip==X.Y, setuptools, wheel) into the Python that runs this script (pip's
--python), from the wheels tools/sanity.py downloads from the configured package index beside
this script. The pip it installs is not compiled ahead (--no-compile): its modules are compiled as
they are first imported, the few that installing the sanity test's requirements imports (about half
the CPU a virtualenv, and ansible-test makes nine a release). `make sanity` puts it, the file and
the wheels where ansible-test looks for its cached copy.
"""
import os
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "pip-python"), encoding="utf-8") as fh:
    pip_python = fh.read().strip()
subprocess.check_call([pip_python, "-m", "pip", "--python", sys.executable, "install", "--quiet", "--no-compile",
                       "--find-links", here, *args])
