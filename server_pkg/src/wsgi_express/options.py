"""The options of start-server, setup-server and the Django command: one table.

Each row of ``ROWS`` is one flag: how its value is given and checked (its kind), its default,
its help, the Apache modules it needs when set, the mod_wsgi release its directive came with, the
flags it needs beside it, where wsgi-express deliberately differs from mod_wsgi-express, or why
it is refused.  The parser (``add_server_arguments``), the checks (``checked``), the modules to
load (``needs``), the release checks (``too_new``), the migration guide's notes
(``DIFFERENCES``, ``REFUSED``) and the template's values all come from it; a new flag is a row,
and the template line that uses it.

Every WSGIDaemonProcess option of the collection's option table becomes a flag of the same name
(``--request-timeout``), checked by the table's own validation when the server is configured,
so a flag and the site role's daemon dictionary accept and refuse exactly the same values.
"""

from __future__ import annotations

import argparse
import os
import re

from wsgi_express._shared.daemon_options import OPTIONS, version_tuple
from wsgi_express.errors import ConfigurationError

DEFAULT_PORT = 8000
PROCESS_GROUP = "express"
# Flags with a second spelling: mod_wsgi-express's names for home and listen-backlog.
ALIASES = {"home": ["--working-directory"], "listen_backlog": ["--daemon-backlog"]}
# mod_wsgi-express's defaults for daemon process options, where they differ from mod_wsgi's own: a
# command line written for mod_wsgi-express behaves the same here.
EXPRESS_DEFAULTS = {"threads": 5, "request_timeout": 60, "queue_timeout": 45, "socket_timeout": 60,
                    "connect_timeout": 15, "startup_timeout": 15, "shutdown_timeout": 5, "graceful_timeout": 15,
                    "deadlock_timeout": 60}
_NAME = re.compile(r"^[\w.-]+$")


# --------------------------------------------------------------------------- kinds of value

class Kind(object):
    """How a flag's value is written (argparse's arguments) and checked (``check``: the value to use,
    or ConfigurationError naming the flag, the value and the fix)."""

    metavar = "TEXT"

    def __init__(self, metavar=None, choices=None, convert=None):
        self.metavar = metavar or self.metavar
        self.choices, self.convert = choices, convert

    def arguments(self):
        return {**({"choices": self.choices} if self.choices else {"metavar": self.metavar}),
                **({"type": self.convert} if self.convert else {})}

    def check(self, flag, value):
        return value


class Flag(Kind):
    def arguments(self):
        return {"action": "store_true"}

    def check(self, flag, value):
        return bool(value)


class Name(Kind):
    """Letters, digits, _ . - only: a process group, a service."""

    metavar = "NAME"

    def check(self, flag, value):
        if not _NAME.match(value):
            raise ConfigurationError("%s=%s: the name may have letters, digits, _ . - only" % (flag, value))
        return value


class Count(Kind):
    """A whole number, ``minimum`` or more."""

    def __init__(self, metavar="NUMBER", minimum=0, unit="a whole number"):
        super().__init__(metavar)
        self.minimum, self.unit = minimum, unit

    def check(self, flag, value):
        text = str(value).strip()
        if not text.isdigit() or int(text) < self.minimum:
            raise ConfigurationError("%s=%s is not %s: give one, %d or more" % (flag, value, self.unit, self.minimum))
        return int(text)


class Port(Kind):
    metavar = "PORT"

    def check(self, flag, value):
        text = str(value)
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            raise ConfigurationError("%s=%s is not a port number: use one in 1-65535" % (flag, value))
        return int(text)


class Decimal(Kind):
    """A number, with ``fraction``: in 0-1, of --max-clients."""

    def __init__(self, metavar="SECONDS", fraction=False):
        super().__init__(metavar)
        self.fraction = fraction

    def arguments(self):
        return {"metavar": self.metavar, "type": float}

    def check(self, flag, value):
        if self.fraction and not 0 <= value <= 1:
            raise ConfigurationError("%s=%s is not a fraction: give one in 0-1, of --max-clients" % (flag, value))
        return value


class Path(Kind):
    """A file or directory: ``must`` ("file", "directory") exist, or not; the absolute path."""

    def __init__(self, metavar="FILE", must="file"):
        super().__init__(metavar)
        self.must = must

    def check(self, flag, value):
        if self.must:
            test = os.path.isdir if self.must == "directory" else os.path.isfile
            if not test(value):
                raise ConfigurationError("%s=%s does not exist or is not a %s" % (flag, value, self.must))
        return os.path.abspath(value)


class Url(Kind):
    """A URL path: it starts with /."""

    metavar = "URL"

    def check(self, flag, value):
        if not value.startswith("/"):
            raise ConfigurationError("%s=%s is not a URL path: it must start with /" % (flag, value))
        return value


class MountPoint(Url):
    def check(self, flag, value):
        return "/" + value.strip("/") if value.strip("/") else "/"


class FileName(Kind):
    """A file's name, without a directory: it goes in the log directory."""

    metavar = "NAME"

    def check(self, flag, value):
        if not value or "/" in value:
            raise ConfigurationError("%s=%s is not a file name: give a name without / (the file goes in the "
                                     "log directory)" % (flag, value))
        return value


class Socket(Kind):
    metavar = "unix:PATH"

    def check(self, flag, value):
        if not value.startswith("unix:/"):
            raise ConfigurationError("%s=%s is not a local socket: give unix:/path/to/socket" % (flag, value))
        return value


class Many(Kind):
    """The flag repeated, each value of ``kind``."""

    def __init__(self, kind):
        super().__init__(kind.metavar, kind.choices)
        self.kind = kind

    def arguments(self):
        return {**self.kind.arguments(), "action": "append"}

    def check(self, flag, value):
        return [self.kind.check(flag, one) for one in value]


class Pairs(Many):
    """The flag repeated, each time with two values, of ``first`` and ``second``."""

    def __init__(self, first, second):
        super().__init__(first)
        self.second = second

    def arguments(self):
        return {"nargs": 2, "action": "append", "metavar": (self.kind.metavar, self.second.metavar)}

    def check(self, flag, value):
        return [(self.kind.check(flag, a), self.second.check(flag, b)) for a, b in value]


class Alias(Kind):
    """A URL and the file or directory Apache serves there: (url, path, is a directory)."""

    def arguments(self):
        return {"nargs": 2, "action": "append", "metavar": ("URL", "PATH")}

    def check(self, flag, value):
        found = []
        for url, path in value:
            if not url.startswith("/"):
                raise ConfigurationError("%s %s %s: the URL must start with /" % (flag, url, path))
            if not os.path.exists(path):
                raise ConfigurationError("%s %s %s: %s does not exist" % (flag, url, path, path))
            found.append((url, os.path.abspath(path), os.path.isdir(path)))
        return found


TEXT, FLAG, FILE, DIRECTORY, URL, PORT = Kind(), Flag(), Path(), Path("DIR", "directory"), Url(), Port()
SECONDS, COUNT = Count("SECONDS"), Count()


# --------------------------------------------------------------------------- the table

def _given(value):
    return value is not None and value is not False and value != []


class Row(object):
    """One flag. ``directive``: the server-wide mod_wsgi directive it writes when set, a format of
    ``{value}`` (one line for each value of a repeated flag) or ``{joined}`` (its values on one line);
    others are written by the template. ``needs``: FEATURE_MODULES keys (server.py) to load when it
    is set; ``since``: the mod_wsgi release its directive came with; ``requires``: (dest, why) of flags
    it needs beside it; ``differs``: where it deliberately differs from mod_wsgi-express's;
    ``refused``: why it is accepted only to be refused."""

    __slots__ = ("flag", "kind", "help", "default", "group", "dest", "directive", "needs", "since", "requires",
                 "differs", "refused")

    def __init__(self, flag, kind, help, default=None, group="server options", dest=None, directive=None, needs=(),
                 since=None, requires=(), differs="", refused=""):  # pylint: disable=redefined-builtin
        self.flag, self.kind, self.help, self.group = flag, kind, help, group
        self.default = [] if default is None and isinstance(kind, (Many, Alias)) else default
        self.dest = dest or flag[2:].replace("-", "_")
        self.directive, self.needs, self.since, self.requires = directive, needs, since, requires
        self.differs, self.refused = differs, refused

    def is_set(self, value):
        """Given, and not as the default (0 is a value; False, None and [] are not)."""
        return _given(value) and value != self.default


APPLICATION, HTTPS, ACME, LOGS, APACHE, STATIC, PROXY, WSGI, AUTH, SECURITY, READ_TIMEOUTS = (
    "application", "HTTPS", "HTTPS certificates from an ACME CA (Apache's mod_md)", "logging", "Apache and mod_wsgi",
    "files Apache serves itself", "proxying",
    "mod_wsgi and Apache features", "access control scripts (mod_wsgi)",
    "security (defaults that hide and refuse; these flags undo them)", "request read timeouts (mod_reqtimeout)")
NEEDS_HTTPS = (("https_port", "give the port to serve HTTPS on"),)
NEEDS_ACME = (("acme_ca", "give the ACME CA's directory URL"),)
ACME_RENEW_WINDOW = "33%"  # mod_md's own default
_DEBUG = "it needs --debug-mode, which wsgi-express does not have"

ROWS = (
    # The application (not for the Django command, which knows its application).
    Row("--entry-point", Kind("SCRIPT"), "The same as the SCRIPT argument.", dest="entry_point_flag",
        group=APPLICATION, differs="a module must look like pkg.mod or pkg.mod:callable"),
    Row("--application-type", Kind(choices=("script", "module", "paste", "static")), "How to find the application: "
        "a script file (default), a module, a Paste Deploy configuration file (paste), or static: serve the files of "
        "the directory SCRIPT (default: the working directory) with no Python at all.", default="script",
        group=APPLICATION),
    Row("--callable-object", Kind("NAME"), "The name of the WSGI callable in the script or module (default: "
        "application).", default="application", group=APPLICATION),
    Row("--application-group", Kind("NAME"), "The interpreter the app runs in (default: %{GLOBAL}, the main "
        "interpreter).", default="%{GLOBAL}"),
    Row("--process-group", Name(), "The name of the daemon process group (default: %s)." % PROCESS_GROUP,
        default=PROCESS_GROUP, differs="default: express (mod_wsgi-express: HOST:PORT)"),
    Row("--mount-point", MountPoint(), "The URL the app is mounted at, its SCRIPT_NAME (default: /).", default="/"),
    # Where and how it listens.
    Row("--host", Kind("ADDRESS"), "The address to listen on (default: every address).", default=""),
    Row("--port", PORT, "The HTTP port (default: %d)." % DEFAULT_PORT, default=DEFAULT_PORT),
    Row("--http2", FLAG, "Also speak HTTP/2 (h2 over HTTPS, h2c over HTTP), with Apache's mod_http2.",
        needs=("http2",)),
    Row("--server-name", Kind("NAME"), "The site's host name. Given, only requests for it (or an alias) reach the "
        "app; others get 403. A name starting with www. also redirects the bare domain to it."),
    Row("--server-alias", Many(Kind("NAME")), "Another host name of the site (wildcards allowed). Repeat for more."),
    Row("--allow-localhost", FLAG, "With --server-name, still serve requests from this machine whatever their "
        "host name.", needs=("host",)),
    Row("--https-port", PORT, "Also serve HTTPS on this port.", group=HTTPS, needs=("ssl",)),
    Row("--ssl-certificate-file", FILE, "The certificate for --https-port (PEM).", group=HTTPS, requires=NEEDS_HTTPS),
    Row("--ssl-certificate-key-file", FILE, "Its private key (PEM).", group=HTTPS, requires=NEEDS_HTTPS),
    Row("--ssl-certificate", Kind("PATH"), "PATH.crt and PATH.key: the certificate and its key in one option.",
        group=HTTPS, requires=NEEDS_HTTPS),
    Row("--ssl-certificate-chain-file", FILE, "The intermediate certificates sent with the server's certificate "
        "(PEM).", group=HTTPS, requires=NEEDS_HTTPS),
    Row("--ssl-ca-certificate-file", FILE, "Require a client certificate signed by these CAs, on the whole site or "
        "on the --ssl-verify-client URLs.", group=HTTPS, requires=NEEDS_HTTPS),
    Row("--ssl-verify-client", Many(URL), "Require a client certificate only under this URL. Repeat for more.",
        group=HTTPS, requires=NEEDS_HTTPS + (("ssl_ca_certificate_file", "the CAs a client certificate must be "
                                                                         "signed by"),)),
    Row("--ssl-environment", FLAG, "Put the SSL_* variables (client certificate, cipher) into each request's "
        "environ.", group=HTTPS, requires=NEEDS_HTTPS),
    Row("--acme-ca", Kind("URL"), "Get the certificate for --https-port from the ACME CA of this directory URL (such "
        "as Let's Encrypt's https://acme-v02.api.letsencrypt.org/directory), for --server-name and each "
        "--server-alias: Apache's mod_md asks for it and renews it, answering the CA's HTTP challenge on port 80 of "
        "the names, which must reach --port (80 itself, or forwarded); a new certificate is used from Apache's next "
        "graceful restart. Kept in SERVER_ROOT/md; what mod_md knows of it, as JSON, at "
        "/.well-known/md-status for a request from this machine.", group=ACME, needs=("md", "host"),
        requires=NEEDS_HTTPS + (("server_name", "the name the certificate is for"),
                                ("acme_terms_agreed", "read the CA's terms of service first"),
                                ("acme_contact", "mod_md opens the account at the CA only with a contact address"))),
    Row("--acme-terms-agreed", FLAG, "You agree to the terms of service of the --acme-ca CA (MDCertificateAgreement "
        "accepted).", group=ACME, requires=NEEDS_ACME),
    Row("--acme-contact", Kind("EMAIL"), "The email address of the account at the CA (MDContactEmail), for its "
        "notices.", group=ACME, requires=NEEDS_ACME),
    Row("--acme-ca-root", FILE, "The CA certificates (PEM) that the ACME CA's own HTTPS is checked against "
        "(MDCACertificateFile): for a private CA.", group=ACME, requires=NEEDS_ACME),
    Row("--acme-renew-window", Kind("WINDOW"), "When to renew: a duration before the certificate ends, such as 30d, "
        "or a share of its lifetime, such as 33%% (MDRenewWindow; default %s)." % ACME_RENEW_WINDOW, group=ACME,
        requires=NEEDS_ACME),
    Row("--acme-stapling", FLAG, "Staple the CA's OCSP answers to the TLS handshake (MDStapling on), where the CA "
        "has an OCSP responder.", group=ACME, requires=NEEDS_ACME),
    Row("--https-only", FLAG, "Redirect every HTTP request to the same URL on --https-port.", group=HTTPS,
        requires=NEEDS_HTTPS, needs=("rewrite",)),
    Row("--hsts-policy", Kind("PARAMS"), "Send Strict-Transport-Security: PARAMS (such as max-age=63072000) on HTTPS "
        "responses.", group=SECURITY, requires=NEEDS_HTTPS, needs=("headers",),
        differs="sent on every HTTPS response, with or without --https-only"),
    Row("--server-root", Kind("DIR"), "Where the configuration, logs, pid file and sockets go (default: "
        "/tmp/wsgi-express-PORT)."),
    Row("--url-alias", Alias(), "Serve the file or directory PATH at URL with Apache itself. Repeat for more."),
    Row("--document-root", DIRECTORY, "Serve files that exist under DIR with Apache; everything else goes to the "
        "app.", needs=("rewrite",)),
    Row("--enable-sendfile", FLAG, "WSGIEnableSendfile On: wsgi.file_wrapper responses are sent by the kernel."),
    Row("--python-hash-seed", Kind("SEED"), "WSGIPythonHashSeed: 'random' or an integer in [0, 4294967295]."),
    Row("--dont-write-bytecode", FLAG, "WSGIDontWriteBytecode On: Python writes no .pyc files."),
    Row("--reload-on-changes", FLAG, "Restart the daemon processes when a loaded Python file changes."),
    Row("--setenv", Pairs(Kind("NAME"), Kind("VALUE")), "Put NAME into each request's WSGI environ (Apache's "
        "SetEnv). Repeat for more.", needs=("env",)),
    Row("--passenv", Many(Kind("NAME")), "Put Apache's environment variable NAME into each request's WSGI environ. "
        "Repeat for more.", needs=("env",)),
    Row("--envvars-script", FILE, "A shell script that Apache's environment is read from (sourced) before it "
        "starts."),
    Row("--environment", Pairs(Kind("NAME"), Kind("VALUE")), "Set os.environ[NAME] in the daemon processes before "
        "the app loads. Repeat for more."),
    Row("--environment-file", FILE, "A JSON object of environment variables that each daemon process reads as it "
        "starts, if the file is there (after --environment): a changed file takes effect when the daemons restart, "
        "with no new configuration."),
    Row("--skip-import-check", FLAG, "Do not import the application once before starting Apache."),
    Row("--limit-request-body", Count("BYTES"), "LimitRequestBody: a larger request body is refused with 413 "
        "(default: 10485760, 10 MiB, as mod_wsgi-express; 0: no limit).", default=10485760),
    Row("--keep-alive-timeout", SECONDS, "KeepAliveTimeout: how long an idle client connection is kept open "
        "(default: 2, as mod_wsgi-express; 0: KeepAlive Off).", default=2),
    Row("--server-backlog", Count("CONNECTIONS"), "ListenBacklog: connections the kernel queues for Apache "
        "(default: 500, as mod_wsgi-express).", default=500),
    Row("--max-clients", COUNT, "Apache's request threads (MaxRequestWorkers), in children of 25; at least "
        "(default) twice the daemon threads.", differs="Apache's threads, in children of 25; default twice the "
                                                       "daemon threads (mod_wsgi-express: 1.5 times)"),
    Row("--initial-workers", Decimal("FRACTION", fraction=True), "Apache's request threads started with Apache, "
        "as a fraction (0-1) of --max-clients."),
    Row("--minimum-spare-workers", Decimal("FRACTION", fraction=True), "Apache's request threads kept idle at "
        "least, as a fraction (0-1) of --max-clients."),
    Row("--maximum-spare-workers", Decimal("FRACTION", fraction=True), "Apache's request threads kept idle at "
        "most, as a fraction (0-1) of --max-clients."),
    Row("--server-mpm", Many(Kind(choices=("event", "worker", "prefork"))), "The Apache MPM to use if its module is "
        "there (default: event, worker, prefork, the first found). Repeat for an order of preference."),
    Row("--header-timeout", SECONDS, "Seconds to receive the request line and headers (default: 15; 0: no limit).",
        default=15, group=READ_TIMEOUTS),
    Row("--header-max-timeout", SECONDS, "The most the header timeout grows to with --header-min-rate (default: "
        "30; 0: no maximum).", default=30, group=READ_TIMEOUTS),
    Row("--header-min-rate", Count("BYTES"), "Each BYTES received extend the header timeout by a second (default: "
        "500; 0: never).", default=500, group=READ_TIMEOUTS),
    Row("--body-timeout", SECONDS, "Seconds to receive the request body (default: 15; 0: no limit).", default=15,
        group=READ_TIMEOUTS),
    Row("--body-max-timeout", SECONDS, "The most the body timeout grows to with --body-min-rate (default: 0; 0: "
        "no maximum).", default=0, group=READ_TIMEOUTS),
    Row("--body-min-rate", Count("BYTES"), "Each BYTES received extend the body timeout by a second (default: 500; "
        "0: never).", default=500, group=READ_TIMEOUTS),
    Row("--pid-file", Path("FILE", must=None), "Where Apache writes its process ID (default: httpd.pid in the "
        "server root)."),
    Row("--server-tokens", Kind(choices=("Prod", "Major", "Minor", "Min", "OS", "Full")), "ServerTokens: what the "
        "Server header says (default: Prod, 'Apache' alone).", default="Prod", group=SECURITY),
    Row("--server-signature", FLAG, "ServerSignature On: the server's name and version at the foot of error "
        "pages.", group=SECURITY),
    Row("--trace-enable", FLAG, "TraceEnable On: answer HTTP TRACE by echoing the request.", group=SECURITY),
    # Logging.
    Row("--log-to-terminal", FLAG, "Write the error log (and the access log) to the terminal instead of the log "
        "directory.", group=LOGS),
    Row("--log-directory", Path("DIR", must=None), "Where the log files go (default: the server root); overrides "
        "--log-to-terminal.", group=LOGS),
    Row("--access-log", FLAG, "Write an access log.", group=LOGS),
    Row("--startup-log", FLAG, "Write what Apache says while it starts to a startup log, not to the terminal.",
        group=LOGS),
    Row("--log-level", Kind(choices=("emerg", "alert", "crit", "error", "warn", "notice", "info", "debug")),
        "Apache's LogLevel (default: warn).", default="warn", group=LOGS, differs="checked: one of Apache's levels"),
    Row("--access-log-format", Kind("FORMAT"), "common (default), combined, or an Apache LogFormat string.",
        group=LOGS),
    Row("--error-log-format", Kind("FORMAT"), "Apache's ErrorLogFormat string.", group=LOGS),
    Row("--error-log-name", FileName(), "The error log's file name in the log directory (default: error_log).",
        default="error_log", group=LOGS),
    Row("--access-log-name", FileName(), "The access log's file name in the log directory (default: access_log).",
        default="access_log", group=LOGS),
    Row("--startup-log-name", FileName(), "The startup log's file name in the log directory (default: "
        "startup_log).", default="startup_log", group=LOGS),
    Row("--rotate-logs", FLAG, "Rotate the log files with Apache's rotatelogs once they reach --max-log-size.",
        group=LOGS),
    Row("--max-log-size", Count("MB", minimum=1, unit="a size in megabytes"), "The size at which --rotate-logs "
        "starts a new file (default: 5).", default=5, group=LOGS),
    Row("--rotatelogs-executable", FILE, "The rotatelogs program (default: found next to httpd, then on PATH).",
        group=LOGS),
    # Apache and mod_wsgi themselves.
    Row("--httpd-executable", Kind("FILE"), "The httpd program (default: from apxs, then apache2 or httpd on PATH).",
        group=APACHE),
    Row("--modules-directory", Kind("DIR"), "Where Apache's modules are (default: apxs -q LIBEXECDIR).",
        group=APACHE),
    Row("--module-path", Kind("FILE"), "The mod_wsgi module (default: the one the wsgi.apache.mod_wsgi role built, "
        "then mod_wsgi.so, in the modules directory).", group=APACHE),
    Row("--include-file", Many(FILE), "Include this Apache configuration file at the end. Repeat for more.",
        group=APACHE, differs="checked: the file must exist"),
    Row("--process-name", Kind("NAME"), "The name the Apache parent process shows in ps (default: the httpd "
        "program's).", group=APACHE),
    Row("--shell-executable", Kind("FILE"), "The shell of setup-server's apachectl script (default: /bin/sh).",
        default="/bin/sh", group=APACHE),
    Row("--mime-types", FILE, "Apache's TypesConfig (default: /etc/mime.types).", group=APACHE),
    Row("--socket-prefix", DIRECTORY, "The directory of the daemon processes' sockets (default: the server root).",
        group=APACHE),
    # Files Apache serves.
    Row("--directory-index", Kind("NAME"), "Answer a request for a directory of --document-root with its file NAME "
        "(such as index.html).", group=STATIC, needs=("dir",)),
    Row("--directory-listing", FLAG, "List a --document-root directory that has no index file.", group=STATIC,
        needs=("autoindex",)),
    Row("--allow-override", Many(Kind("TYPE")), "Let .htaccess files in --document-root override these "
        "(AllowOverride; default: none). Repeat for more.", group=STATIC),
    Row("--error-document", Pairs(Kind("STATUS"), Kind("DOCUMENT")), "Apache's ErrorDocument: answer STATUS errors "
        "with DOCUMENT. Repeat for more.", group=STATIC),
    Row("--error-override", FLAG, "Apache's error documents replace the app's own error responses.", group=STATIC,
        directive="WSGIErrorOverride On"),
    Row("--add-handler", Pairs(Kind("EXTENSION"), FILE), "Files of --document-root ending in EXTENSION are handled "
        "by the WSGI script SCRIPT. Repeat for more.", group=STATIC),
    Row("--with-cgi", FLAG, "Run the executable .cgi files of --document-root as CGI scripts.", group=STATIC,
        needs=("cgid",)),
    Row("--rewrite-rules", FILE, "mod_rewrite rules for --document-root, included in its <Directory>.",
        group=STATIC, needs=("rewrite",)),
    # Proxying.
    Row("--proxy-mount-point", Pairs(URL, Kind("TARGET")), "Pass requests under URL to the HTTP server TARGET (such "
        "as http://127.0.0.1:9000/). Repeat for more.", group=PROXY, needs=("proxy", "headers")),
    Row("--proxy-virtual-host", Pairs(Kind("HOST"), Kind("TARGET")), "Pass requests for host name HOST to the HTTP "
        "server TARGET. Repeat for more.", group=PROXY, needs=("proxy", "headers")),
    Row("--proxy-timeout", SECONDS, "How long a proxied server may be silent (default: --socket-timeout).",
        group=PROXY),
    Row("--trust-proxy-header", Many(Kind("HEADER")), "Believe this header (such as X-Forwarded-For) from a trusted "
        "proxy: the app sees the client's address, scheme or host. Repeat for more.", group=PROXY, since="4.5.0",
        directive="WSGITrustedProxyHeaders {joined}"),
    Row("--trust-proxy", Many(Kind("ADDRESS")), "The address or subnet of a proxy whose --trust-proxy-header "
        "headers are believed (default: any). Repeat for more.", group=PROXY, since="4.5.0",
        directive="WSGITrustedProxies {joined}"),
    # mod_wsgi's and Apache's features.
    Row("--compress-responses", FLAG, "Gzip text, HTML, XML, CSS, JavaScript and JSON responses for clients that "
        "accept it.", group=WSGI, needs=("deflate",)),
    Row("--server-status", FLAG, "Apache's status page at /server-status, to this machine only.", group=WSGI,
        needs=("status", "host")),
    Row("--chunked-request", FLAG, "Accept request bodies sent with chunked transfer encoding (WSGIChunkedRequest).",
        group=WSGI, directive="WSGIChunkedRequest On"),
    Row("--map-head-to-get", Kind(choices=("On", "Off", "Auto"), convert=str.capitalize), "Run HEAD requests as GET (WSGIMapHEADToGET; "
        "default: Auto).", default="Auto", group=WSGI, since="4.3.0", directive="WSGIMapHEADToGET {value}"),
    Row("--disable-reloading", FLAG, "Do not reload the app when its script file changes (WSGIScriptReloading "
        "Off).", group=WSGI, directive="WSGIScriptReloading Off"),
    Row("--orphan-interpreter", FLAG, "Do not destroy the Python interpreter as a process exits "
        "(WSGIDestroyInterpreter Off).", group=WSGI, since="5.0.0", directive="WSGIDestroyInterpreter Off"),
    Row("--ignore-activity", Many(URL), "Requests under URL do not count as activity for inactivity-timeout (a "
        "health check). Repeat for more.", group=WSGI, since="4.6.0"),
    Row("--python-warnings", Many(Kind("FILTER")), "A Python warnings filter, as python -W takes it. Repeat for "
        "more.", group=WSGI, directive='WSGIPythonWarnings "{value}"'),
    Row("--free-threading", FLAG, "Run Python without the GIL (WSGIFreeThreading; a free-threaded Python only).",
        group=WSGI, since="6.0.0", directive="WSGIFreeThreading On"),
    Row("--telemetry-service", Socket(), "Send mod_wsgi's metrics to this datagram socket (WSGITelemetryService).",
        group=WSGI, since="6.0.0"),
    Row("--telemetry-interval", Decimal(), "How often the metrics are sent (default: 1.0).", default=1.0, group=WSGI),
    Row("--slow-requests", Decimal(), "Report requests still running after SECONDS (WSGISlowRequests).", group=WSGI,
        since="6.0.0", directive="WSGISlowRequests {value}"),
    Row("--telemetry-options", Many(Kind("OPTIONS")), "A WSGITelemetryOptions directive's arguments. Repeat for "
        "more.", group=WSGI, since="6.0.0", directive="WSGITelemetryOptions {value}"),
    Row("--service-script", Pairs(Name(), FILE), "Run the Python script SCRIPT in a daemon process of its own, NAME, "
        "kept running with Apache. Repeat for more.", group=WSGI),
    Row("--service-user", Pairs(Name(), Kind("USER")), "The user service NAME runs as (default: the app's).",
        group=WSGI),
    Row("--service-group", Pairs(Name(), Kind("GROUP")), "The group service NAME runs as (default: the app's).",
        group=WSGI),
    Row("--service-log-file", Pairs(Name(), FileName()), "The error log of service NAME, in the log directory.",
        group=WSGI),
    # Access control scripts.
    Row("--host-access-script", FILE, "A Python script whose allow_access(environ, host) decides which clients get "
        "in.", group=AUTH),
    Row("--auth-user-script", FILE, "A Python script whose check_password(environ, user, password) (Basic) or "
        "get_realm_hash(environ, user, realm) (Digest) authenticates every request.", group=AUTH, needs=("auth",)),
    Row("--auth-type", Kind(choices=("Basic", "Digest")), "The HTTP authentication scheme (default: Basic).",
        default="Basic", group=AUTH),
    Row("--auth-group-script", FILE, "A Python script whose groups_for_user(environ, user) lists a user's groups.",
        group=AUTH, requires=(("auth_user_script", "users are authenticated first"),)),
    Row("--auth-group", Kind("NAME"), "With --auth-group-script, the group a user must be in (default: wsgi).",
        default="wsgi", group=AUTH),
) + tuple(Row(flag, FLAG if flag in (
    "--embedded-mode", "--debug-mode", "--enable-debugger", "--debugger-startup", "--enable-coverage",
    "--enable-profiler", "--enable-recorder", "--enable-gdb", "--enable-docs", "--enable-telemetry", "--with-php5")
    else Kind("VALUE"), "Refused: %s." % why, group="mod_wsgi-express options that wsgi-express refuses, with why",
    refused=why) for flag, why in (
    ("--embedded-mode", "wsgi-express runs every app in daemon processes, as their own user and restartable without "
                        "Apache; leave the option out"),
    ("--debug-mode", "wsgi-express has no single-process debug mode: run the app under your debugger, or "
                     "start-server with --processes 1 --threads 1"),
    ("--enable-debugger", _DEBUG), ("--debugger-startup", _DEBUG), ("--enable-coverage", _DEBUG),
    ("--coverage-directory", _DEBUG), ("--enable-profiler", _DEBUG), ("--profiler-directory", _DEBUG),
    ("--enable-recorder", _DEBUG), ("--recorder-directory", _DEBUG), ("--enable-gdb", _DEBUG),
    ("--gdb-executable", _DEBUG),
    ("--enable-docs", "wsgi-express does not ship mod_wsgi's documentation; read it online"),
    ("--enable-telemetry", "wsgi-express bundles no telemetry ingester: run your own and give its socket to "
                           "--telemetry-service"),
    ("--telemetry-ui-port", "it belongs to --enable-telemetry, which wsgi-express does not have"),
    ("--with-php5", "wsgi-express does not run PHP")))
BY_DEST = {row.dest: row for row in ROWS}
# What the migration guide says beside an upstream option: refused, and why; or where ours differs.
REFUSED = {row.dest: (row.flag, row.refused) for row in ROWS if row.refused}
DIFFERENCES = {
    **{row.flag: row.differs for row in ROWS if row.differs},
    "--user": "as root, required, and refused if its uid is 0 (mod_wsgi-express falls back to a default account)",
    "--group": "default: the --user's primary group",
    "--locale": "default: none set, the daemons inherit Apache's environment (mod_wsgi-express: the launching "
                "locale, and C.UTF-8 or en_US.UTF-8 in place of C)",
    "--setup-only": "also accepted by setup-server, which sets up only anyway",
}


# --------------------------------------------------------------------------- the parser

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
    groups = {}
    for row in ROWS:
        if row.group == APPLICATION and not application:
            continue
        if row.group not in groups:
            groups[row.group] = parser.add_argument_group(row.group)
        groups[row.group].add_argument(row.flag, dest=row.dest, default=row.default, help=row.help.replace("%", "%%"),
                                       **row.kind.arguments())
    add_daemon_arguments(parser)


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


# --------------------------------------------------------------------------- the walk

def checked(ns):
    """{dest: value} of every row the command has, each checked by its kind: a refused option that is
    given, or one given without a flag it needs, is a ConfigurationError."""
    values = {}
    for row in ROWS:
        if not hasattr(ns, row.dest):  # the Django command has no application rows
            continue
        value = getattr(ns, row.dest)
        if row.refused:
            if value:
                raise ConfigurationError("%s is refused: %s" % (row.flag, row.refused))
            continue
        if not _given(value):
            values[row.dest] = value
            continue
        for dest, why in row.requires:
            if not getattr(ns, dest, None):
                raise ConfigurationError("%s needs %s: %s" % (row.flag, BY_DEST[dest].flag, why))
        values[row.dest] = row.kind.check(row.flag, value)
    return values


def directives(values):
    """The server-wide mod_wsgi directives of the options that are set, in the table's order."""
    lines = []
    for row in ROWS:
        value = values.get(row.dest)
        if row.directive and row.is_set(value):
            joined = " ".join(map(str, value)) if isinstance(value, list) else ""
            each = value if isinstance(value, list) and "{joined}" not in row.directive else [value]
            lines += [row.directive.format(value=one, joined=joined) for one in each]
    return lines


def needs(values):
    """The features (FEATURE_MODULES keys) the options that are set need."""
    return {need for row in ROWS if row.dest in values and row.is_set(values[row.dest]) for need in row.needs}


def too_new(values, version):
    """ConfigurationError for an option whose directive the module's release does not have."""
    for row in ROWS:
        if row.since and version and row.is_set(values.get(row.dest)) and \
                version_tuple(version) < version_tuple(row.since):
            raise ConfigurationError("%s needs mod_wsgi %s or later, and the module is %s: upgrade it (the "
                                     "wsgi.apache.mod_wsgi role builds the newest) or leave the option out"
                                     % (row.flag, row.since, version))
