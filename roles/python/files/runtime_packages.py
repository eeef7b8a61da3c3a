"""Print, as a JSON list, the Debian packages of the shared libraries that a CPython build in PREFIX
(argv[1]) links against outside PREFIX: its libpython and its extension modules, as ldd resolves them.
A host that gets this build from the build cache installs these packages instead of the headers and
compilers the build needed."""
import glob
import json
import os
import subprocess
import sys


def linked_libraries(prefix):
    """The real paths of the libraries the build's shared objects load from outside the prefix."""
    found = set()
    objects = glob.glob(os.path.join(prefix, "lib", "libpython*.so*"))
    objects += glob.glob(os.path.join(prefix, "lib", "python*", "lib-dynload", "*.so"))
    for path in objects:
        out = subprocess.run(["ldd", path], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            target = line.partition("=>")[2].split("(")[0].strip()
            if target.startswith("/"):
                real = os.path.realpath(target)
                if not real.startswith(os.path.realpath(prefix) + os.sep):
                    found.add(real)
            elif "not found" in line:
                sys.exit(f"{path}: {line.strip()}")
    return found


def owners(libraries):
    """The package (with its architecture) that owns each library: dpkg knows a file by the path its
    package ships, which on a merged /usr may be the /lib alias of the path ldd found."""
    packages = set()
    for real in sorted(libraries):
        out = subprocess.run(["dpkg-query", "-S", "*/" + os.path.basename(real)], capture_output=True, text=True,
                             check=False).stdout
        owner = [line.split(": ", 1)[0] for line in out.splitlines()
                 if ": " in line and os.path.realpath(line.split(": ", 1)[1]) == real]
        if not owner:
            sys.exit(f"no package owns {real}")
        packages.update(name.strip() for name in owner[0].split(","))
    return packages


if __name__ == "__main__":
    print(json.dumps(sorted(owners(linked_libraries(sys.argv[1])))))
