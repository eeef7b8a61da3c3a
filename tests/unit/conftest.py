"""Unit test fixtures shared by the collection's and the package's tests."""
import shutil
import subprocess

import pytest

# A module file carries the mod_wsgi release and the Python version as separate C strings,
# as mod_wsgi's does (MOD_WSGI_VERSION_STRING and PY_VERSION).
SOURCE = 'const char *mod_wsgi_version = "5.0.2"; const char *py_version = "3.11.2";\n'


@pytest.fixture
def build_module(tmp_path):
    """build_module(path, link_python=False): compile a real shared object like a mod_wsgi module."""
    if shutil.which("cc") is None:
        pytest.fail("the unit tests need a C compiler (cc) to build a real shared object")

    def build(path, link_python=False):
        flags = []
        if link_python:
            config = subprocess.run(["python3-config", "--ldflags", "--embed"], capture_output=True, text=True,
                                    check=False)
            if config.returncode != 0:
                pytest.fail("python3-config is needed to link a test object against libpython")
            flags = ["-Wl,--no-as-needed", *config.stdout.split()]
        source = tmp_path / "module.c"
        source.write_text(SOURCE)
        subprocess.run(["cc", "-shared", "-fPIC", "-o", str(path), str(source), *flags], check=True)
        return path
    return build
