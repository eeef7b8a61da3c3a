"""Print what building mod_wsgi needs to know about this interpreter, as JSON.

Run by the wsgi.apache.mod_wsgi role with the interpreter under test; reads only.
"""
import json
import os
import sys
import sysconfig

var = sysconfig.get_config_var
include = sysconfig.get_paths()["include"]
libdir = var("LIBDIR") or ""
ldlibrary = var("LDLIBRARY") or ""
# The file the module links against (libpython3.X.so.1.0), which a distribution may package apart.
soname = var("INSTSONAME") or ldlibrary
print(json.dumps({
    "executable": sys.executable,
    "realpath": os.path.realpath(sys.executable),
    "version": "%d.%d.%d" % sys.version_info[:3],
    "major_minor": "%d.%d" % sys.version_info[:2],
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "in_venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix),
    "include": include,
    "has_header": os.path.isfile(os.path.join(include, "Python.h")),
    "libdir": libdir,
    "ldlibrary": ldlibrary,
    "libpython_present": os.path.isfile(os.path.join(libdir, soname)),
    "cpus": os.cpu_count() or 1,
    "shared": bool(var("Py_ENABLE_SHARED")) or ldlibrary.endswith(".so") or ".so." in ldlibrary,
}))
