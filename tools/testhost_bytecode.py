"""On a test host started with WSGIAH_MODULE_BYTECODE=1 (tools/testhost.py; the test suite's hosts, never a
benchmark's): the bytecode of what Python compiles from a zip archive is kept, keyed by its source, and used
again. Ansible sends each module to the host as a zip of its code and ansible-core's module_utils, which
Python compiles at every run because a zip archive holds no bytecode: half of a module run's CPU (0.08 of
0.16 s, bookworm), and a test run makes thousands. The code that runs is the same; only its compile is
saved. Loaded by a .pth file of /usr/lib/python3/dist-packages (Debian's Python, not a virtualenv's).
"""
import zipimport

CACHE = "/var/cache/wsgiah-module-bytecode"


def _named(code, filename):
    """code, and the code objects it holds, with filename as theirs (the archive's path differs each run)."""
    consts = tuple(_named(const, filename) if isinstance(const, type(code)) else const for const in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _caching(compile_source):
    # zipimport compiles a module twice per import (its get_filename() compiles too): once per process here
    loaded = {}

    def compile_cached(pathname, source):
        if (pathname, source) in loaded:
            return loaded[pathname, source]
        loaded[pathname, source] = code = _cached(pathname, source)
        return code

    def _cached(pathname, source):
        try:
            import hashlib  # pylint: disable=import-outside-toplevel
            import marshal  # pylint: disable=import-outside-toplevel
            import os  # pylint: disable=import-outside-toplevel
            import sys  # pylint: disable=import-outside-toplevel
            from importlib.util import MAGIC_NUMBER  # pylint: disable=import-outside-toplevel
            key = hashlib.sha256(MAGIC_NUMBER + bytes([sys.flags.optimize]) + source).hexdigest()
            path = os.path.join(CACHE, key)
        except Exception:  # pylint: disable=broad-except
            return compile_source(pathname, source)
        try:
            with open(path, "rb") as cached:
                return _named(marshal.load(cached), pathname)
        except (OSError, EOFError, ValueError, TypeError):
            pass
        code = compile_source(pathname, source)
        try:
            os.makedirs(CACHE, mode=0o700, exist_ok=True)
            part = "%s.%d" % (path, os.getpid())
            with open(part, "wb") as out:
                marshal.dump(code, out)
            os.replace(part, path)
        except OSError:  # another user's process, a full disk: compiled, not kept
            pass
        return code
    return compile_cached


if hasattr(zipimport, "_compile_source"):
    zipimport._compile_source = _caching(zipimport._compile_source)  # pylint: disable=protected-access
