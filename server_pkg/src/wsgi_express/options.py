"""The command line options of start-server, setup-server and the Django command (one parser set-up).

Every WSGIDaemonProcess option of the collection's option table becomes a flag
of the same name (``--request-timeout``); values are checked by the table's own
validation when the server is configured, so a flag and the site role's daemon
dictionary accept and refuse exactly the same values.
"""

from __future__ import annotations

import argparse

from wsgi_express._shared.daemon_options import OPTIONS

DEFAULT_PORT = 8000
SERVER_TOKENS = ("Prod", "Major", "Minor", "Min", "OS", "Full")
LOG_LEVELS = ("emerg", "alert", "crit", "error", "warn", "notice", "info", "debug")
# Flags with a second spelling: mod_wsgi-express's names for home and listen-backlog.
ALIASES = {"home": ["--working-directory"], "listen_backlog": ["--daemon-backlog"]}
# mod_wsgi-express's defaults, kept where they change what a client sees.
LIMIT_REQUEST_BODY = 10485760
KEEP_ALIVE_TIMEOUT = 2
SERVER_BACKLOG = 500


def _metavar(option):
    if option.unit:
        return option.unit.upper()
    if option.kind == "path" and option.name.endswith("-file"):
        return "FILE"
    return {"names": "GROUP,...", "paths": "DIR", "path": "DIR", "name": "NAME", "octal": "OCTAL"}.get(option.kind, "TEXT")


def add_daemon_arguments(parser):
    group = parser.add_argument_group("daemon process options (WSGIDaemonProcess)")
    for option in OPTIONS:
        flags = ["--" + option.name] + ALIASES.get(option.key, [])
        # argparse formats help with %: the table's "%{GROUP}" must reach it as "%%{GROUP}".
        kwargs = {"dest": option.key, "metavar": _metavar(option), "default": None,
                  "help": option.doc.replace("%", "%%")}
        if option.kind in ("paths", "names"):
            kwargs["action"] = "append"
            kwargs["help"] += " Repeat the flag for more."
        elif option.kind == "flag":  # as mod_wsgi-express: the flag alone turns it on
            kwargs.update(action="store_const", const="on")
            del kwargs["metavar"]
        group.add_argument(*flags, **kwargs)


def add_server_arguments(parser, application=True):
    """All options of start-server and setup-server; ``application=False`` leaves out the
    application arguments (the Django command knows its application)."""
    if application:
        parser.add_argument("entry_point", nargs="?", metavar="SCRIPT",
                            help="The WSGI script file, or with --application-type module the "
                                 "module (pkg.mod or pkg.mod:callable).")
        parser.add_argument("--entry-point", dest="entry_point_flag", metavar="SCRIPT",
                            help="The same as the SCRIPT argument.")
        parser.add_argument("--application-type", choices=("script", "module"), default="script",
                            help="How to find the application: a script file (default) or a module.")
        parser.add_argument("--callable-object", default="application", metavar="NAME",
                            help="The name of the WSGI callable in the script or module (default: application).")
    server = parser.add_argument_group("server options")
    server.add_argument("--host", default="", metavar="ADDRESS",
                        help="The address to listen on (default: every address).")
    server.add_argument("--port", default=DEFAULT_PORT, metavar="PORT",
                        help="The HTTP port (default: %d)." % DEFAULT_PORT)
    server.add_argument("--https-port", metavar="PORT", help="Also serve HTTPS on this port.")
    server.add_argument("--ssl-certificate-file", metavar="FILE", help="The certificate for --https-port (PEM).")
    server.add_argument("--ssl-certificate-key-file", metavar="FILE", help="Its private key (PEM).")
    server.add_argument("--server-name", metavar="NAME", help="ServerName (default: localhost).")
    server.add_argument("--server-root", metavar="DIR",
                        help="Where the configuration, logs, pid file and sockets go "
                             "(default: /tmp/wsgi-express-PORT).")
    server.add_argument("--url-alias", nargs=2, action="append", default=[], metavar=("URL", "PATH"),
                        help="Serve the file or directory PATH at URL with Apache itself. Repeat for more.")
    server.add_argument("--document-root", metavar="DIR",
                        help="Serve files that exist under DIR with Apache; everything else goes to the app.")
    server.add_argument("--enable-sendfile", action="store_true",
                        help="WSGIEnableSendfile On: wsgi.file_wrapper responses are sent by the kernel.")
    server.add_argument("--python-hash-seed", metavar="SEED",
                        help="WSGIPythonHashSeed: 'random' or an integer in [0, 4294967295].")
    server.add_argument("--dont-write-bytecode", action="store_true",
                        help="WSGIDontWriteBytecode On: Python writes no .pyc files.")
    server.add_argument("--reload-on-changes", action="store_true",
                        help="Restart the daemon processes when a loaded Python file changes.")
    server.add_argument("--environment", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="Set os.environ[NAME] in the daemon processes before the app loads. Repeat for more.")
    server.add_argument("--environment-file", metavar="FILE",
                        help="A JSON object of environment variables that each daemon process reads as it starts, "
                             "if the file is there (after --environment): a changed file takes effect when the "
                             "daemons restart, with no new configuration.")
    server.add_argument("--skip-import-check", action="store_true",
                        help="Do not import the application once before starting Apache.")
    server.add_argument("--limit-request-body", default=LIMIT_REQUEST_BODY, metavar="BYTES",
                        help="LimitRequestBody: a larger request body is refused with 413 "
                             "(default: %d, 10 MiB, as mod_wsgi-express; 0: no limit)." % LIMIT_REQUEST_BODY)
    server.add_argument("--keep-alive-timeout", default=KEEP_ALIVE_TIMEOUT, metavar="SECONDS",
                        help="KeepAliveTimeout: how long an idle client connection is kept open "
                             "(default: %d, as mod_wsgi-express; 0: KeepAlive Off)." % KEEP_ALIVE_TIMEOUT)
    server.add_argument("--server-backlog", default=SERVER_BACKLOG, metavar="CONNECTIONS",
                        help="ListenBacklog: connections the kernel queues for Apache (default: %d, as "
                             "mod_wsgi-express)." % SERVER_BACKLOG)
    server.add_argument("--max-clients", metavar="NUMBER",
                        help="Apache's request threads (MaxRequestWorkers), in children of 25; at least "
                             "(default) twice the daemon threads.")
    server.add_argument("--pid-file", metavar="FILE",
                        help="Where Apache writes its process ID (default: httpd.pid in the server root).")
    security = parser.add_argument_group("security (defaults that hide and refuse; these flags undo them)")
    security.add_argument("--server-tokens", default="Prod", choices=SERVER_TOKENS,
                          help="ServerTokens: what the Server header says (default: Prod, 'Apache' alone).")
    security.add_argument("--server-signature", action="store_true",
                          help="ServerSignature On: the server's name and version at the foot of error pages.")
    security.add_argument("--trace-enable", action="store_true",
                          help="TraceEnable On: answer HTTP TRACE by echoing the request.")
    security.add_argument("--hsts-policy", metavar="PARAMS",
                          help="Send Strict-Transport-Security: PARAMS (such as max-age=63072000) on HTTPS responses.")
    logs = parser.add_argument_group("logging")
    logs.add_argument("--log-to-terminal", action="store_true",
                      help="Write the error log (and the access log) to the terminal instead of the server root.")
    logs.add_argument("--access-log", action="store_true", help="Write an access log.")
    logs.add_argument("--log-level", default="warn", choices=LOG_LEVELS, help="Apache's LogLevel (default: warn).")
    apache = parser.add_argument_group("Apache and mod_wsgi")
    apache.add_argument("--httpd-executable", metavar="FILE",
                        help="The httpd program (default: from apxs, then apache2 or httpd on PATH).")
    apache.add_argument("--modules-directory", metavar="DIR",
                        help="Where Apache's modules are (default: apxs -q LIBEXECDIR).")
    apache.add_argument("--module-path", metavar="FILE",
                        help="The mod_wsgi module (default: the one the wsgi.apache.mod_wsgi role built, "
                             "then mod_wsgi.so, in the modules directory).")
    apache.add_argument("--include-file", action="append", default=[], metavar="FILE",
                        help="Include this Apache configuration file at the end. Repeat for more.")
    add_daemon_arguments(parser)


def add_setup_only(parser):
    """start-server's and runmodwsgi's --setup-only, as mod_wsgi-express's."""
    parser.add_argument("--setup-only", action="store_true",
                        help="Write the server root and its apachectl script, as setup-server does, and "
                             "exit instead of starting Apache.")


def add_module_arguments(parser):
    """The options that find Apache and the module (module-config, module-location)."""
    parser.add_argument("--modules-directory", metavar="DIR", help="Where Apache's modules are.")
    parser.add_argument("--module-path", metavar="FILE", help="The mod_wsgi module, if not the default one.")


class Parser(argparse.ArgumentParser):
    """argparse, with the one-line error and exit status 2 the rest of the CLI uses."""

    def error(self, message):
        self.exit(2, "%s: error: %s\n" % (self.prog, message))
