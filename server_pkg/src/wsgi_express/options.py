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
PROCESS_GROUP = "express"
APPLICATION_TYPES = ("script", "module", "paste", "static")
MPMS = ("event", "worker", "prefork")
SERVER_TOKENS = ("Prod", "Major", "Minor", "Min", "OS", "Full")
LOG_LEVELS = ("emerg", "alert", "crit", "error", "warn", "notice", "info", "debug")
# Flags with a second spelling: mod_wsgi-express's names for home and listen-backlog.
ALIASES = {"home": ["--working-directory"], "listen_backlog": ["--daemon-backlog"]}
# mod_wsgi-express's defaults for daemon process options, where they differ from mod_wsgi's own: a
# command line written for mod_wsgi-express behaves the same here.
EXPRESS_DEFAULTS = {"threads": 5, "request_timeout": 60, "queue_timeout": 45, "socket_timeout": 60,
                    "connect_timeout": 15, "startup_timeout": 15, "shutdown_timeout": 5, "graceful_timeout": 15,
                    "deadlock_timeout": 60}
# Where wsgi-express deliberately differs from mod_wsgi-express 6.1.1 on an option both have (the
# migration guide shows these beside the option).
DIFFERENCES = {
    "--user": "as root, required, and refused if its uid is 0 (mod_wsgi-express falls back to a default account)",
    "--group": "default: the --user's primary group",
    "--hsts-policy": "sent on every HTTPS response, with or without --https-only",
    "--max-clients": "Apache's threads, in children of 25; default twice the daemon threads (mod_wsgi-express: "
                     "1.5 times)",
    "--log-level": "checked: one of Apache's levels",
    "--process-group": "default: express (mod_wsgi-express: HOST:PORT)",
    "--entry-point": "a module must look like pkg.mod or pkg.mod:callable",
    "--include-file": "checked: the file must exist",
    "--setup-only": "also accepted by setup-server, which sets up only anyway",
    "--locale": "default: none set, the daemons inherit Apache's environment (mod_wsgi-express: the launching "
                "locale, and C.UTF-8 or en_US.UTF-8 in place of C)",
}
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
        doc = option.doc + (" Default: %s, as mod_wsgi-express." % EXPRESS_DEFAULTS[option.key]
                            if option.key in EXPRESS_DEFAULTS else "")
        kwargs = {"dest": option.key, "metavar": _metavar(option), "default": None, "help": doc.replace("%", "%%")}
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
        parser.add_argument("--application-type", choices=APPLICATION_TYPES, default="script",
                            help="How to find the application: a script file (default), a module, a Paste "
                                 "Deploy configuration file (paste), or static: serve the files of the "
                                 "directory SCRIPT (default: the working directory) with no Python at all.")
        parser.add_argument("--callable-object", default="application", metavar="NAME",
                            help="The name of the WSGI callable in the script or module (default: application).")
    parser.add_argument("--application-group", metavar="NAME",
                        help="The interpreter the app runs in (default: %%{GLOBAL}, the main interpreter).")
    parser.add_argument("--process-group", metavar="NAME",
                        help="The name of the daemon process group (default: %s)." % PROCESS_GROUP)
    parser.add_argument("--mount-point", default="/", metavar="URL",
                        help="The URL the app is mounted at, its SCRIPT_NAME (default: /).")
    server = parser.add_argument_group("server options")
    server.add_argument("--host", default="", metavar="ADDRESS",
                        help="The address to listen on (default: every address).")
    server.add_argument("--port", default=DEFAULT_PORT, metavar="PORT",
                        help="The HTTP port (default: %d)." % DEFAULT_PORT)
    server.add_argument("--http2", action="store_true",
                        help="Also speak HTTP/2 (h2 over HTTPS, h2c over HTTP), with Apache's mod_http2.")
    server.add_argument("--server-name", metavar="NAME",
                        help="The site's host name. Given, only requests for it (or an alias) reach the app; "
                             "others get 403. A name starting with www. also redirects the bare domain to it.")
    server.add_argument("--server-alias", action="append", default=[], metavar="NAME",
                        help="Another host name of the site (wildcards allowed). Repeat for more.")
    server.add_argument("--allow-localhost", action="store_true",
                        help="With --server-name, still serve requests from this machine whatever their host name.")
    tls_group = parser.add_argument_group("HTTPS")
    tls_group.add_argument("--https-port", metavar="PORT", help="Also serve HTTPS on this port.")
    tls_group.add_argument("--ssl-certificate-file", metavar="FILE", help="The certificate for --https-port (PEM).")
    tls_group.add_argument("--ssl-certificate-key-file", metavar="FILE", help="Its private key (PEM).")
    tls_group.add_argument("--ssl-certificate", metavar="PATH",
                           help="PATH.crt and PATH.key: the certificate and its key in one option.")
    tls_group.add_argument("--ssl-certificate-chain-file", metavar="FILE",
                           help="The intermediate certificates sent with the server's certificate (PEM).")
    tls_group.add_argument("--ssl-ca-certificate-file", metavar="FILE",
                           help="Require a client certificate signed by these CAs, on the whole site or on the "
                                "--ssl-verify-client URLs.")
    tls_group.add_argument("--ssl-verify-client", action="append", default=[], metavar="URL",
                           help="Require a client certificate only under this URL. Repeat for more.")
    tls_group.add_argument("--ssl-environment", action="store_true",
                           help="Put the SSL_* variables (client certificate, cipher) into each request's environ.")
    tls_group.add_argument("--https-only", action="store_true",
                           help="Redirect every HTTP request to the same URL on --https-port.")
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
    server.add_argument("--setenv", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="Put NAME into each request's WSGI environ (Apache's SetEnv). Repeat for more.")
    server.add_argument("--passenv", action="append", default=[], metavar="NAME",
                        help="Put Apache's environment variable NAME into each request's WSGI environ. Repeat "
                             "for more.")
    server.add_argument("--envvars-script", metavar="FILE",
                        help="A shell script that Apache's environment is read from (sourced) before it starts.")
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
    for flag, what in (("initial", "started with Apache"), ("minimum-spare", "kept idle at least"),
                       ("maximum-spare", "kept idle at most")):
        server.add_argument("--%s-workers" % flag, type=float, metavar="FRACTION",
                            help="Apache's request threads %s, as a fraction (0-1) of --max-clients." % what)
    server.add_argument("--server-mpm", action="append", default=[], choices=MPMS,
                        help="The Apache MPM to use if its module is there (default: event, worker, prefork, "
                             "the first found). Repeat for an order of preference.")
    timeouts = parser.add_argument_group("request read timeouts (mod_reqtimeout)")
    for part, seconds, maximum in (("header", 15, 30), ("body", 15, 0)):
        timeouts.add_argument("--%s-timeout" % part, type=int, default=seconds, metavar="SECONDS",
                              help="Seconds to receive the request %s (default: %d; 0: no limit)."
                                   % ("line and headers" if part == "header" else "body", seconds))
        timeouts.add_argument("--%s-max-timeout" % part, type=int, default=maximum, metavar="SECONDS",
                              help="The most the %s timeout grows to with --%s-min-rate (default: %d; 0: no "
                                   "maximum)." % (part, part, maximum))
        timeouts.add_argument("--%s-min-rate" % part, type=int, default=500, metavar="BYTES",
                              help="Each BYTES received extend the %s timeout by a second (default: 500; 0: "
                                   "never)." % part)
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
                      help="Write the error log (and the access log) to the terminal instead of the log directory.")
    logs.add_argument("--log-directory", metavar="DIR",
                      help="Where the log files go (default: the server root); overrides --log-to-terminal.")
    logs.add_argument("--access-log", action="store_true", help="Write an access log.")
    logs.add_argument("--startup-log", action="store_true",
                      help="Write what Apache says while it starts to a startup log, not to the terminal.")
    logs.add_argument("--log-level", default="warn", choices=LOG_LEVELS, help="Apache's LogLevel (default: warn).")
    logs.add_argument("--access-log-format", metavar="FORMAT",
                      help="common (default), combined, or an Apache LogFormat string.")
    logs.add_argument("--error-log-format", metavar="FORMAT", help="Apache's ErrorLogFormat string.")
    for kind in ("error", "access", "startup"):
        logs.add_argument("--%s-log-name" % kind, default="%s_log" % kind, metavar="NAME",
                          help="The %s log's file name in the log directory (default: %s_log)." % (kind, kind))
    logs.add_argument("--rotate-logs", action="store_true",
                      help="Rotate the log files with Apache's rotatelogs once they reach --max-log-size.")
    logs.add_argument("--max-log-size", type=int, default=5, metavar="MB",
                      help="The size at which --rotate-logs starts a new file (default: 5).")
    logs.add_argument("--rotatelogs-executable", metavar="FILE",
                      help="The rotatelogs program (default: found next to httpd, then on PATH).")
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
    apache.add_argument("--process-name", metavar="NAME",
                        help="The name the Apache parent process shows in ps (default: the httpd program's).")
    apache.add_argument("--shell-executable", default="/bin/sh", metavar="FILE",
                        help="The shell of setup-server's apachectl script (default: /bin/sh).")
    apache.add_argument("--mime-types", metavar="FILE", help="Apache's TypesConfig (default: /etc/mime.types).")
    apache.add_argument("--socket-prefix", metavar="DIR",
                        help="The directory of the daemon processes' sockets (default: the server root).")
    add_static_arguments(parser)
    add_proxy_arguments(parser)
    add_mod_wsgi_arguments(parser)
    add_auth_arguments(parser)
    add_refused_arguments(parser)
    add_daemon_arguments(parser)


def add_static_arguments(parser):
    group = parser.add_argument_group("files Apache serves itself")
    group.add_argument("--directory-index", metavar="NAME",
                       help="Answer a request for a directory of --document-root with its file NAME "
                            "(such as index.html).")
    group.add_argument("--directory-listing", action="store_true",
                       help="List a --document-root directory that has no index file.")
    group.add_argument("--allow-override", action="append", default=[], metavar="TYPE",
                       help="Let .htaccess files in --document-root override these (AllowOverride; default: "
                            "none). Repeat for more.")
    group.add_argument("--error-document", nargs=2, action="append", default=[], metavar=("STATUS", "DOCUMENT"),
                       help="Apache's ErrorDocument: answer STATUS errors with DOCUMENT. Repeat for more.")
    group.add_argument("--error-override", action="store_true",
                       help="Apache's error documents replace the app's own error responses.")
    group.add_argument("--add-handler", nargs=2, action="append", default=[], metavar=("EXTENSION", "SCRIPT"),
                       help="Files of --document-root ending in EXTENSION are handled by the WSGI script SCRIPT. "
                            "Repeat for more.")
    group.add_argument("--with-cgi", action="store_true",
                       help="Run the executable .cgi files of --document-root as CGI scripts.")
    group.add_argument("--rewrite-rules", metavar="FILE",
                       help="mod_rewrite rules for --document-root, included in its <Directory>.")


def add_proxy_arguments(parser):
    group = parser.add_argument_group("proxying")
    group.add_argument("--proxy-mount-point", nargs=2, action="append", default=[], metavar=("URL", "TARGET"),
                       help="Pass requests under URL to the HTTP server TARGET (such as http://127.0.0.1:9000/). "
                            "Repeat for more.")
    group.add_argument("--proxy-virtual-host", nargs=2, action="append", default=[], metavar=("HOST", "TARGET"),
                       help="Pass requests for host name HOST to the HTTP server TARGET. Repeat for more.")
    group.add_argument("--proxy-timeout", type=int, metavar="SECONDS",
                       help="How long a proxied server may be silent (default: --socket-timeout).")
    group.add_argument("--trust-proxy-header", action="append", default=[], metavar="HEADER",
                       help="Believe this header (such as X-Forwarded-For) from a trusted proxy: the app "
                            "sees the client's address, scheme or host. Repeat for more.")
    group.add_argument("--trust-proxy", action="append", default=[], metavar="ADDRESS",
                       help="The address or subnet of a proxy whose --trust-proxy-header headers are believed "
                            "(default: any). Repeat for more.")


def add_mod_wsgi_arguments(parser):
    group = parser.add_argument_group("mod_wsgi and Apache features")
    group.add_argument("--compress-responses", action="store_true",
                       help="Gzip text, HTML, XML, CSS, JavaScript and JSON responses for clients that accept it.")
    group.add_argument("--server-status", action="store_true",
                       help="Apache's status page at /server-status, to this machine only.")
    group.add_argument("--chunked-request", action="store_true",
                       help="Accept request bodies sent with chunked transfer encoding (WSGIChunkedRequest).")
    group.add_argument("--map-head-to-get", type=str.capitalize, choices=("On", "Off", "Auto"), default="Auto",
                       help="Run HEAD requests as GET (WSGIMapHEADToGET; default: Auto).")
    group.add_argument("--disable-reloading", action="store_true",
                       help="Do not reload the app when its script file changes (WSGIScriptReloading Off).")
    group.add_argument("--orphan-interpreter", action="store_true",
                       help="Do not destroy the Python interpreter as a process exits (WSGIDestroyInterpreter "
                            "Off).")
    group.add_argument("--ignore-activity", action="append", default=[], metavar="URL",
                       help="Requests under URL do not count as activity for inactivity-timeout (a health "
                            "check). Repeat for more.")
    group.add_argument("--python-warnings", action="append", default=[], metavar="FILTER",
                       help="A Python warnings filter, as python -W takes it. Repeat for more.")
    group.add_argument("--free-threading", action="store_true",
                       help="Run Python without the GIL (WSGIFreeThreading; a free-threaded Python only).")
    group.add_argument("--telemetry-service", metavar="unix:PATH",
                       help="Send mod_wsgi's metrics to this datagram socket (WSGITelemetryService).")
    group.add_argument("--telemetry-interval", type=float, default=1.0, metavar="SECONDS",
                       help="How often the metrics are sent (default: 1.0).")
    group.add_argument("--slow-requests", type=float, metavar="SECONDS",
                       help="Report requests still running after SECONDS (WSGISlowRequests).")
    group.add_argument("--telemetry-options", action="append", default=[], metavar="OPTIONS",
                       help="A WSGITelemetryOptions directive's arguments. Repeat for more.")
    group.add_argument("--service-script", nargs=2, action="append", default=[], metavar=("NAME", "SCRIPT"),
                       help="Run the Python script SCRIPT in a daemon process of its own, NAME, kept running "
                            "with Apache. Repeat for more.")
    for what in ("user", "group"):
        group.add_argument("--service-%s" % what, nargs=2, action="append", default=[],
                           metavar=("NAME", what.upper()),
                           help="The %s service NAME runs as (default: the app's)." % what)
    group.add_argument("--service-log-file", nargs=2, action="append", default=[], metavar=("NAME", "FILE"),
                       help="The error log of service NAME, in the log directory.")


def add_auth_arguments(parser):
    group = parser.add_argument_group("access control scripts (mod_wsgi)")
    group.add_argument("--host-access-script", metavar="FILE",
                       help="A Python script whose allow_access(environ, host) decides which clients get in.")
    group.add_argument("--auth-user-script", metavar="FILE",
                       help="A Python script whose check_password(environ, user, password) (Basic) or "
                            "get_realm_hash(environ, user, realm) (Digest) authenticates every request.")
    group.add_argument("--auth-type", choices=("Basic", "Digest"), default="Basic",
                       help="The HTTP authentication scheme (default: Basic).")
    group.add_argument("--auth-group-script", metavar="FILE",
                       help="A Python script whose groups_for_user(environ, user) lists a user's groups.")
    group.add_argument("--auth-group", default="wsgi", metavar="NAME",
                       help="With --auth-group-script, the group a user must be in (default: wsgi).")


# Upstream options that wsgi-express parses and refuses, each with why: one fact in one place, used by
# the parser (it accepts them) and by the server (it refuses them).
REFUSED = {
    "embedded_mode": ("--embedded-mode", "wsgi-express runs every app in daemon processes, as their own user "
                      "and restartable without Apache; leave the option out"),
    "debug_mode": ("--debug-mode", "wsgi-express has no single-process debug mode: run the app under your "
                   "debugger, or start-server with --processes 1 --threads 1"),
    "enable_debugger": ("--enable-debugger", "it needs --debug-mode, which wsgi-express does not have"),
    "debugger_startup": ("--debugger-startup", "it needs --debug-mode, which wsgi-express does not have"),
    "enable_coverage": ("--enable-coverage", "it needs --debug-mode, which wsgi-express does not have"),
    "coverage_directory": ("--coverage-directory", "it needs --debug-mode, which wsgi-express does not have"),
    "enable_profiler": ("--enable-profiler", "it needs --debug-mode, which wsgi-express does not have"),
    "profiler_directory": ("--profiler-directory", "it needs --debug-mode, which wsgi-express does not have"),
    "enable_recorder": ("--enable-recorder", "it needs --debug-mode, which wsgi-express does not have"),
    "recorder_directory": ("--recorder-directory", "it needs --debug-mode, which wsgi-express does not have"),
    "enable_gdb": ("--enable-gdb", "it needs --debug-mode, which wsgi-express does not have"),
    "gdb_executable": ("--gdb-executable", "it needs --debug-mode, which wsgi-express does not have"),
    "enable_docs": ("--enable-docs", "wsgi-express does not ship mod_wsgi's documentation; read it online"),
    "enable_telemetry": ("--enable-telemetry", "wsgi-express bundles no telemetry ingester: run your own and "
                         "give its socket to --telemetry-service"),
    "telemetry_ui_port": ("--telemetry-ui-port", "it belongs to --enable-telemetry, which wsgi-express does "
                          "not have"),
    "with_php5": ("--with-php5", "wsgi-express does not run PHP"),
}
# The value a refused option takes: a flag, or one value.
_REFUSED_FLAGS = {"embedded_mode", "debug_mode", "enable_debugger", "debugger_startup", "enable_coverage",
                  "enable_profiler", "enable_recorder", "enable_gdb", "enable_docs", "enable_telemetry", "with_php5"}


def add_refused_arguments(parser):
    group = parser.add_argument_group("mod_wsgi-express options that wsgi-express refuses, with why")
    for key, (flag, why) in REFUSED.items():
        kwargs = {"action": "store_true"} if key in _REFUSED_FLAGS else {"metavar": "VALUE"}
        group.add_argument(flag, dest=key, help="Refused: %s." % why.replace("%", "%%"), **kwargs)


def add_setup_only(parser, implied=False):
    """--setup-only, as mod_wsgi-express's; ``implied``: setup-server's, which sets up only anyway."""
    parser.add_argument("--setup-only", action="store_true",
                        help="Accepted for mod_wsgi-express command lines: setup-server only sets up." if implied
                        else "Write the server root and its apachectl script, as setup-server does, and "
                             "exit instead of starting Apache.")


def add_module_arguments(parser):
    """The options that find Apache and the module (module-config, module-location)."""
    parser.add_argument("--modules-directory", metavar="DIR", help="Where Apache's modules are.")
    parser.add_argument("--module-path", metavar="FILE", help="The mod_wsgi module, if not the default one.")


class Parser(argparse.ArgumentParser):
    """argparse, with the one-line error and exit status 2 the rest of the CLI uses."""

    def error(self, message):
        self.exit(2, "%s: error: %s\n" % (self.prog, message))
