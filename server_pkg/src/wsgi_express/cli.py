"""The ``wsgi-express`` command: start-server, setup-server, module-config, module-location, install-module,
check-rlimits."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import sys

from wsgi_express import __version__, discovery, server
from wsgi_express._shared import rlimits
from wsgi_express._shared.daemon_options import BY_KEY, check_value
from wsgi_express.errors import ConfigurationError, from_table
from wsgi_express.options import Parser, add_module_arguments, add_server_arguments, add_setup_only

PROG = "wsgi-express"


def start_server(ns, application=None, environ=None, command="start-server"):
    """Configure, write the server root (Apache checks it first), print the summary, exec httpd;
    with --setup-only, what setup-server does instead."""
    if ns.setup_only:
        return setup_server(ns, application, environ)
    setup = server.configure(ns, command, application, environ)
    server.write(setup)
    print("%s %s: serving on Apache httpd with mod_wsgi" % (PROG, __version__))
    for line in setup.summary:
        print("  " + line)
    print("  Ctrl-C or SIGTERM stops, SIGUSR1 restarts gracefully, SIGHUP restarts.")
    server.start(setup)


def setup_server(ns, application=None, environ=None):
    setup = server.configure(ns, "setup-server", application, environ, check_port=False)
    dry_run = getattr(ns, "dry_run", False)  # start-server --setup-only and runmodwsgi --setup-only have none
    changed = server.write(setup, dry_run=dry_run)
    for line in setup.summary:
        print(line)
    print("control      %s/apachectl start|stop|restart|graceful|configtest|foreground" % setup.server_root)
    verb = "would write" if dry_run else "wrote"
    print("changed      %s" % ("%s %s" % (verb, ", ".join(changed)) if changed else "nothing"))
    return 0


def _module(ns):
    """The module --module-path and --modules-directory point to (see discovery.module_location)."""
    modules_dir = discovery.modules_directory(ns.modules_directory) if ns.modules_directory else None
    return discovery.module_location(ns.module_path, modules_dir)


def module_config(ns):
    path = _module(ns)
    discovery.check_module_python(path)
    print('LoadModule wsgi_module "%s"' % path)
    print('WSGIPythonHome "%s"' % sys.prefix)
    return 0


def module_location(ns):
    print(_module(ns))
    return 0


def install_module(ns):
    """Copy the module into Apache's modules directory (unless the same file is there), then print the
    lines that load it, as mod_wsgi-express's install-module does."""
    source = discovery.module_location(ns.module_path)  # --modules-directory is where it goes
    discovery.check_module_python(source)
    modules_dir = discovery.modules_directory(ns.modules_directory)
    target = os.path.join(modules_dir, os.path.basename(source))
    if not (os.path.exists(target) and filecmp.cmp(source, target, shallow=False)):
        staged = target + ".new"
        try:
            shutil.copyfile(source, staged)
            os.chmod(staged, 0o644)
            os.replace(staged, target)
        except OSError as exc:
            raise ConfigurationError("cannot install %s into %s: %s (run as root, or give --modules-directory)"
                                     % (source, modules_dir, exc.strerror))
        print("# installed %s" % target, file=sys.stderr)
    print('LoadModule wsgi_module "%s"' % target)
    print('WSGIPythonHome "%s"' % sys.prefix)
    return 0


def _limit(flag_key, value):
    if value is None:
        return None
    with from_table():
        return check_value(BY_KEY[flag_key], value, None) or None


def _yes_no(value):
    return "-" if value is None else "yes" if value else "no"


def rlimit_table(report):
    """The check-rlimits report for people: one row per rlimit, under the option that uses it."""
    rows = [("option", "rlimit", "defined", "accepted", "enforced", "detail")]
    for option, names in rlimits.OPTION_RLIMITS:
        for name in names:
            if name in report["rlimits"]:
                found = report["rlimits"][name]
                rows.append((option, name, _yes_no(found["defined"]), _yes_no(found["accepted"]),
                             _yes_no(found["enforced"]) if found["defined"] else "-", found["detail"]))
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths)) + "  " + row[5] for row in rows]
    if report["unenforced"]:
        lines.append("NOT ENFORCED here: %s: do not rely on %s on this host"
                     % (", ".join(report["unenforced"]), "it" if len(report["unenforced"]) == 1 else "them"))
    return "\n".join(line.rstrip() for line in lines)


def check_rlimits(ns):
    report = rlimits.check(memory_limit=_limit("memory_limit", ns.memory_limit),
                           virtual_memory_limit=_limit("virtual_memory_limit", ns.virtual_memory_limit),
                           cpu_time_limit=_limit("cpu_time_limit", ns.cpu_time_limit), cpu=True)
    print(json.dumps(report, indent=2, sort_keys=True) if ns.json else rlimit_table(report))
    return 1 if report["unenforced"] else 0


def parser():
    top = Parser(prog=PROG, description="Run a WSGI application on Apache httpd with mod_wsgi.")
    top.add_argument("--version", action="version", version="%s %s" % (PROG, __version__))
    commands = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    start = commands.add_parser("start-server", help="Serve the app with httpd in the foreground.")
    add_server_arguments(start)
    add_setup_only(start)
    start.set_defaults(run=start_server)
    setup = commands.add_parser("setup-server", help="Write the server root and an apachectl script, for systemd.")
    add_server_arguments(setup)
    setup.add_argument("--dry-run", action="store_true", help="Report what would be written; write nothing.")
    add_setup_only(setup, implied=True)
    setup.set_defaults(run=setup_server)
    config = commands.add_parser("module-config", help="Print the LoadModule line (and WSGIPythonHome).")
    add_module_arguments(config)
    config.set_defaults(run=module_config)
    location = commands.add_parser("module-location", help="Print the path of the mod_wsgi module.")
    add_module_arguments(location)
    location.set_defaults(run=module_location)
    install = commands.add_parser("install-module", help="Copy the mod_wsgi module into Apache's modules "
                                                         "directory and print the lines that load it.")
    install.add_argument("--modules-directory", metavar="DIR",
                         help="Where to install it (default: Apache's modules directory, apxs -q LIBEXECDIR).")
    install.add_argument("--module-path", metavar="FILE",
                         help="The module to install (default: the one module-location names).")
    install.set_defaults(run=install_module)
    check = commands.add_parser("check-rlimits", help="Probe whether this platform enforces the rlimits "
                                                      "behind memory-limit, virtual-memory-limit, cpu-time-limit.")
    for key in ("memory_limit", "virtual_memory_limit", "cpu_time_limit"):
        option = BY_KEY[key]
        check.add_argument("--" + option.name, dest=key, metavar=option.unit.upper(), help=option.doc)
    check.add_argument("--json", action="store_true", help="Print the report as JSON.")
    check.set_defaults(run=check_rlimits)
    return top


def main(argv=None):
    ns = parser().parse_args(argv)
    try:
        return ns.run(ns)
    except ConfigurationError as exc:
        sys.stderr.write("%s %s: error: %s\n" % (PROG, ns.command, exc))
        return 2
    except KeyboardInterrupt:
        return 130
