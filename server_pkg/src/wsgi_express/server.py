"""From parsed options to a server root, and to httpd running in the foreground."""

from __future__ import annotations

import errno
import grp
import hashlib
import json
import os
import pwd
import re
import socket
import subprocess
import sys
import sysconfig

from wsgi_express import __version__, discovery, runtime
from wsgi_express._shared.daemon_options import BY_KEY, OPTIONS, python_hash_seed, render, validate, version_tuple
from wsgi_express._shared import tls
from wsgi_express._shared.layout import module_version
from wsgi_express.errors import ConfigurationError, from_table
from wsgi_express.options import EXPRESS_DEFAULTS, PROCESS_GROUP, REFUSED

RELOAD_INTERVAL = 1.0
IMPORT_CHECK_TIMEOUT = 120
# Environment variables that describe the login, not the app's configuration: a new SSH session
# alone does not make the import check run again.
SESSION_PREFIXES, SESSION_NAMES = ("SSH_", "XDG_SESSION_"), ("OLDPWD", "SHLVL", "_")
# Modules the configuration uses, loaded unless httpd has them built in.
BASE_MODULES = (("unixd_module", "mod_unixd.so"), ("authz_core_module", "mod_authz_core.so"),
                ("log_config_module", "mod_log_config.so"), ("mime_module", "mod_mime.so"),
                ("alias_module", "mod_alias.so"))
# Modules a feature needs, loaded when it is used (unless httpd has them built in).
FEATURE_MODULES = {
    "rewrite": (("rewrite_module", "mod_rewrite.so"),),
    "ssl": (("socache_shmcb_module", "mod_socache_shmcb.so"), ("ssl_module", "mod_ssl.so")),
    "headers": (("headers_module", "mod_headers.so"),),
    "http2": (("http2_module", "mod_http2.so"),),
    "deflate": (("filter_module", "mod_filter.so"), ("deflate_module", "mod_deflate.so")),
    "status": (("status_module", "mod_status.so"),),
    "env": (("env_module", "mod_env.so"),),
    "dir": (("dir_module", "mod_dir.so"),),
    "autoindex": (("autoindex_module", "mod_autoindex.so"),),
    "proxy": (("proxy_module", "mod_proxy.so"), ("proxy_http_module", "mod_proxy_http.so")),
    "auth": (("authn_core_module", "mod_authn_core.so"), ("auth_basic_module", "mod_auth_basic.so"),
             ("auth_digest_module", "mod_auth_digest.so"), ("authz_user_module", "mod_authz_user.so")),
    "host": (("authz_host_module", "mod_authz_host.so"),),
    "cgid": (("cgid_module", "mod_cgid.so"),),
    "reqtimeout": (("reqtimeout_module", "mod_reqtimeout.so"),),
}
# Server-wide mod_wsgi directives behind options, by the first release that has them.
DIRECTIVE_SINCE = (("--map-head-to-get", "map_head_to_get", "4.3.0"), ("--server-metrics", "server_metrics", "4.3.0"),
                   ("--trust-proxy-header", "trust_proxy_header", "4.5.0"), ("--trust-proxy", "trust_proxy", "4.5.0"),
                   ("--ignore-activity", "ignore_activity", "4.6.0"), ("--orphan-interpreter", "orphan_interpreter", "5.0.0"),
                   ("--free-threading", "free_threading", "6.0.0"), ("--telemetry-service", "telemetry_service", "6.0.0"),
                   ("--slow-requests", "slow_requests", "6.0.0"), ("--telemetry-options", "telemetry_options", "6.0.0"))
# --compress-responses: the types mod_deflate compresses.
COMPRESSED_TYPES = ("text/plain", "text/html", "text/xml", "text/css", "text/javascript", "application/xhtml+xml",
                    "application/javascript", "application/json")
# The app wsgi-express serves when none is given, to show that the install works.
WELCOME = ("module", "wsgi_express.welcome", "application")
THREADS_PER_CHILD = 25
# The timeouts start-server's summary shows, in its order.
TIMEOUTS_SHOWN = ("request_timeout", "graceful_timeout", "queue_timeout", "inactivity_timeout", "socket_timeout",
                  "connect_timeout")
_MODULE_ENTRY = re.compile(r"^[A-Za-z_][\w.]*(:[A-Za-z_]\w*)?$")


def _port(flag, value):
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ConfigurationError("%s=%s is not a port number: use one in 1-65535" % (flag, value))
    return int(text)


def _count(flag, value):
    """A whole number >= 0 given for flag, or ConfigurationError."""
    text = str(value).strip()
    if not text.isdigit():
        raise ConfigurationError("%s=%s is not a whole number: give one, 0 or more" % (flag, value))
    return int(text)


def _existing(flag, path, kind="file"):
    test = os.path.isdir if kind == "directory" else os.path.isfile
    if not test(path):
        raise ConfigurationError("%s=%s does not exist or is not a %s" % (flag, path, kind))
    return os.path.abspath(path)


def _application(ns, application):
    """(type, entry point, callable) of the app, checked: with none given, the welcome page."""
    if application:
        return application
    entry = ns.entry_point_flag or ns.entry_point
    if ns.application_type == "static":
        return ("static", _existing("SCRIPT", entry or os.getcwd(), "directory"), None)
    if not entry:
        return WELCOME
    if ns.application_type in ("script", "paste"):
        if not os.path.isfile(entry):
            raise ConfigurationError("SCRIPT=%s does not exist: give the path of the %s" % (
                entry, "WSGI script file (or --application-type module for a module)" if ns.application_type == "script"
                else "Paste Deploy configuration file"))
        return (ns.application_type, os.path.abspath(entry), ns.callable_object)
    if not _MODULE_ENTRY.match(entry):
        raise ConfigurationError("--entry-point=%s is not a module: use pkg.module or pkg.module:callable" % entry)
    return ("module", entry, ns.callable_object)


def _accounts(user, group):
    """User and Group for Apache and the daemon processes: required when root, never root."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        if user not in (None, me):
            raise ConfigurationError("--user=%s needs wsgi-express to run as root (it runs as %s): "
                                     "leave --user out to run the app as %s" % (user, me, me))
        return None, None
    if not user:
        raise ConfigurationError("--user is required when wsgi-express runs as root: name the "
                                 "unprivileged account the app runs as (such as www-data)")
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        raise ConfigurationError("--user=%s is not a user on this host: create it, or name another" % user)
    if account.pw_uid == 0:
        raise ConfigurationError("--user=%s has uid 0: the app must not run as root (mod_wsgi refuses it); "
                                 "name an unprivileged account" % user)
    if group is None:
        group = grp.getgrgid(account.pw_gid).gr_name
    try:
        grp.getgrnam(group)
    except KeyError:
        raise ConfigurationError("--group=%s is not a group on this host: create it, or name another" % group)
    return user, group


def _check_port(host, port, flag):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        address = "%s:%d" % (host or "*", port)
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError("%s=%d: %s is already in use (is another server running?): stop it, "
                                     "or choose another %s" % (flag, port, address, flag))
        raise ConfigurationError("%s=%d: cannot listen on %s: %s" % (flag, port, address, exc.strerror))
    finally:
        probe.close()


class _ImportCheck(object):
    """Load the app once, as the daemon user, in a child Python started at once so that it runs
    while httpd is looked at; ``result()`` raises ConfigurationError with its last line.

    The child reports the files the app loaded; kept in the server root (``save()``), they let
    the next start with the same inputs skip the check while every one of them, and every
    directory that held one, is unchanged."""

    def __init__(self, application, home, python_path, environ, user, group, record):
        self.application, self.user, self.home, self.record = application, user, home, record
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **environ)
        if python_path:
            env["PYTHONPATH"] = os.pathsep.join(python_path + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        inputs = {name: value for name, value in env.items()
                  if not name.startswith(SESSION_PREFIXES) and name not in SESSION_NAMES}
        self.key = hashlib.sha256(json.dumps([sys.executable, list(application), home, user, group, inputs],
                                             sort_keys=True).encode()).hexdigest()
        self.proc = self.error = self.loaded = None
        self.skipped = self._unchanged()
        if self.skipped:
            return
        code = "from wsgi_express.runtime import check_main; check_main()"
        try:
            self.proc = subprocess.Popen([sys.executable, "-c", code] + list(application), cwd=home, env=env,
                                         user=user, group=group, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)
        except OSError as exc:  # reported by result(), after what the options' checks find
            self.error = ConfigurationError("cannot load %s as user %s in %s: %s" % (application[1], user, home, exc))

    def _unchanged(self):
        try:
            with open(self.record) as fh:
                key, states = json.load(fh)
        except (OSError, ValueError):
            return False
        return key == self.key and bool(states) and runtime.file_states(states) == states

    def cancel(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.communicate()

    def result(self):
        if self.skipped:
            return
        if self.error:
            raise self.error
        try:
            stdout, stderr = self.proc.communicate(timeout=IMPORT_CHECK_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise ConfigurationError("%s did not finish loading within %d s: fix what it waits for, or start "
                                     "with --skip-import-check" % (self.application[1], IMPORT_CHECK_TIMEOUT))
        if self.proc.returncode != 0:
            lines = stderr.strip().splitlines() or ["exit status %d" % self.proc.returncode]
            raise ConfigurationError("the application %s fails to load: %s" % (self.application[1], lines[-1]))
        try:
            self.loaded = json.loads(stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):  # the app printed something else last: check again next time
            self.loaded = None

    def save(self):
        if self.loaded:
            discovery.write_json(self.record, [self.key, self.loaded])


def _fraction(flag, value):
    if value is not None and not 0 <= value <= 1:
        raise ConfigurationError("%s=%s is not a fraction: give one in 0-1, of --max-clients" % (flag, value))
    return value


def _mpm(daemon, ns, max_clients=None):
    """Apache worker threads: room for twice the daemon threads, or max_clients if more, whole children of 25;
    how many start and stay idle, from the --*-workers fractions of them."""
    capacity = max(2 * daemon_value(daemon, "processes") * daemon_value(daemon, "threads"), max_clients or 0)
    servers = max(1, -(-capacity // THREADS_PER_CHILD))
    workers = servers * THREADS_PER_CHILD

    def share(flag, value, default):
        value = _fraction(flag, value)
        return default if value is None else max(1, int(round(value * workers)))

    start = share("--initial-workers", ns.initial_workers, THREADS_PER_CHILD)
    return {"servers": servers, "threads": THREADS_PER_CHILD, "workers": workers,
            "start_servers": max(1, -(-start // THREADS_PER_CHILD)), "start_processes": start,
            "min_spare": share("--minimum-spare-workers", ns.minimum_spare_workers, THREADS_PER_CHILD),
            "max_spare": share("--maximum-spare-workers", ns.maximum_spare_workers, workers)}


def daemon_value(daemon, key):
    """The value mod_wsgi uses for a daemon option: the one set, else mod_wsgi's default."""
    value = daemon.get(key)
    return BY_KEY[key].default if value is None else value


def daemon_options(ns, application, user, group, port):
    """The WSGIDaemonProcess options from the flags, with the launcher's defaults, checked."""
    options = {option.key: getattr(ns, option.key, None) for option in OPTIONS}
    # --supplementary-groups a,b and --supplementary-groups a --supplementary-groups b are the same.
    for option in OPTIONS:
        if option.kind == "names" and options[option.key]:
            options[option.key] = ",".join(options[option.key])
    if application[0] == "script" and options["home"] is None:
        options["home"] = os.path.dirname(application[1])
    defaults = dict(EXPRESS_DEFAULTS, home=os.getcwd(), python_home=sys.prefix, display_name="(wsgi:%d)" % port,
                    user=user, group=group)
    for key, value in defaults.items():
        if options[key] is None:
            options[key] = value
    # Relative paths on a command line mean relative to where it runs.
    for key in ("home", "python_home"):
        options[key] = os.path.abspath(options[key])
    if options["python_path"]:
        options["python_path"] = [os.path.abspath(path) for path in options["python_path"]]
    with from_table():
        return {option.key: value for option, value in validate(options, None, None)}


def daemon_directive(name, daemon, module_version):
    """The WSGIDaemonProcess line, rendered by the collection's option table."""
    with from_table():
        return render(name, daemon, module_version, None)


# The server root's files: (name, mode), each rendered from templates/<name>.j2.
TEMPLATES = (("httpd.conf", 0o644), ("handler.wsgi", 0o644))
# In the server root: the digest of what its files were rendered from, and of the files as written.
STAMP = ".wsgi-express-stamp"
# In the server root: what apxs and httpd -l answered (discovery.Memo), and what the app loaded
# in the last import check (_ImportCheck).
MEMO = ".wsgi-express-discovery.json"
IMPORT_RECORD = ".wsgi-express-import-check.json"


class Setup(object):
    """Everything start-server and setup-server decided, and the files of the server root.

    The files are rendered (jinja2 is imported) only when the stamp in the server root does not
    show that they were written from the same decisions and are still as written: a restart with
    the same options reuses them, with no rendering and no ``httpd -t``."""

    def __init__(self, context, names, summary, records=()):
        self.context = context
        self.names = names
        self.summary = summary
        self.records = records  # what to keep in the server root for the next start: save() each
        self.digest = hashlib.sha256(json.dumps([__version__, names, context], sort_keys=True).encode()).hexdigest()
        self._files = None

    @property
    def server_root(self):
        return self.context["server_root"]

    @property
    def config(self):
        return os.path.join(self.server_root, "httpd.conf")

    def stamp(self, files):
        """The stamp's text for ``files`` ({name: (content, mode)}): decisions digest, then each file's."""
        return "\n".join([self.digest] + ["%s %o %s" % (name, mode, hashlib.sha256(content.encode()).hexdigest())
                                          for name, (content, mode) in sorted(files.items())]) + "\n"

    def current(self):
        """Whether the server root holds exactly what these decisions render, going by its stamp."""
        try:
            with open(os.path.join(self.server_root, STAMP)) as fh:
                lines = fh.read().splitlines()
            if not lines or lines[0] != self.digest or len(lines) != len(self.names) + 1:
                return False
            for line in lines[1:]:
                name, mode, digest = line.split(" ")
                path = os.path.join(self.server_root, name)
                with open(path, "rb") as fh:
                    if hashlib.sha256(fh.read()).hexdigest() != digest or "%o" % (os.stat(path).st_mode & 0o777) != mode:
                        return False
        except (OSError, ValueError):
            return False
        return True

    @property
    def files(self):
        """{name: (content, mode)}, rendered on first use."""
        if self._files is None:
            templates = _environment()
            self._files = {name: (templates.get_template(name + ".j2").render(self.context), mode)
                           for name, mode in self.names}
        return self._files


def _environment():
    # Imported here: ~35 ms, paid only when the files are rendered.
    import jinja2  # pylint: disable=import-outside-toplevel

    env = jinja2.Environment(loader=jinja2.PackageLoader("wsgi_express", "templates"), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                             autoescape=False)
    env.filters["pyrepr"] = repr
    return env


def _environment_file(ns):
    """What --environment-file sets, for the import check (the daemons read it themselves)."""
    if not ns.environment_file:
        return {}
    path = _existing("--environment-file", ns.environment_file)
    try:
        with open(path) as fh:
            values = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ConfigurationError("--environment-file=%s is not a readable JSON object: %s" % (path, exc))
    if not isinstance(values, dict):
        raise ConfigurationError("--environment-file=%s holds no JSON object: write {\"NAME\": \"value\", ...}" % path)
    return {str(name): str(value) for name, value in values.items()}


def _tls(ns):
    """The HTTPS settings, checked: None without --https-port."""
    certificate, key = ns.ssl_certificate_file, ns.ssl_certificate_key_file
    if ns.ssl_certificate:  # mod_wsgi-express's basename form
        certificate, key = certificate or ns.ssl_certificate + ".crt", key or ns.ssl_certificate + ".key"
    given = [flag for flag, value in (("--ssl-certificate-file", certificate), ("--ssl-certificate-key-file", key),
                                      ("--ssl-certificate-chain-file", ns.ssl_certificate_chain_file),
                                      ("--ssl-ca-certificate-file", ns.ssl_ca_certificate_file),
                                      ("--ssl-verify-client", ns.ssl_verify_client),
                                      ("--ssl-environment", ns.ssl_environment), ("--https-only", ns.https_only))
             if value]
    if not ns.https_port:
        if given:
            raise ConfigurationError("%s needs --https-port: give the port to serve HTTPS on" % given[0])
        return None
    port = _port("--https-port", ns.https_port)
    if not (certificate and key):
        raise ConfigurationError("--https-port=%d needs --ssl-certificate-file and --ssl-certificate-key-file "
                                 "(or --ssl-certificate PATH for PATH.crt and PATH.key)" % port)
    if ns.ssl_verify_client and not ns.ssl_ca_certificate_file:
        raise ConfigurationError("--ssl-verify-client=%s needs --ssl-ca-certificate-file: the CAs a client "
                                 "certificate must be signed by" % ns.ssl_verify_client[0])
    for url in ns.ssl_verify_client:
        _url("--ssl-verify-client", url)
    return {
        "port": port, "certificate": _existing("--ssl-certificate-file", certificate),
        "key": _existing("--ssl-certificate-key-file", key),
        "chain": _existing("--ssl-certificate-chain-file", ns.ssl_certificate_chain_file)
        if ns.ssl_certificate_chain_file else None,
        "ca": _existing("--ssl-ca-certificate-file", ns.ssl_ca_certificate_file) if ns.ssl_ca_certificate_file else None,
        "verify_urls": sorted(ns.ssl_verify_client or (["/"] if ns.ssl_ca_certificate_file else []), reverse=True),
        "environment": ns.ssl_environment, "only": ns.https_only, "hsts_policy": ns.hsts_policy,
        "protocols": tls.PROTOCOLS, "ciphers": tls.CIPHERS,
    }


def _url(flag, url):
    if not url.startswith("/"):
        raise ConfigurationError("%s=%s is not a URL path: it must start with /" % (flag, url))
    return url


def _log_setup(ns, server_root):
    """Where and how Apache logs: files in the log directory, or the terminal."""
    directory = os.path.abspath(ns.log_directory) if ns.log_directory else server_root
    to_terminal = ns.log_to_terminal and not ns.log_directory  # as mod_wsgi-express: the directory wins
    rotate = ns.rotate_logs and not to_terminal
    if ns.max_log_size < 1:
        raise ConfigurationError("--max-log-size=%d is not a size: give the megabytes, 1 or more" % ns.max_log_size)
    rotatelogs = None
    if rotate:
        rotatelogs = ns.rotatelogs_executable or discovery.rotatelogs()
        if not (rotatelogs and os.access(rotatelogs, os.X_OK)):
            raise ConfigurationError("--rotate-logs needs Apache's rotatelogs program (%s): install it (apache2-utils "
                                     "on Debian) or give --rotatelogs-executable" % (rotatelogs or "not found"))
    for flag, name in (("--error-log-name", ns.error_log_name), ("--access-log-name", ns.access_log_name),
                       ("--startup-log-name", ns.startup_log_name)):
        if not name or "/" in name:
            raise ConfigurationError("%s=%s is not a file name: give a name without / (the file goes in the "
                                     "log directory)" % (flag, name))
    log_format = ns.access_log_format or "common"
    return {
        "directory": directory, "rotatelogs": rotatelogs, "max_size": ns.max_log_size,
        "error": "/dev/stderr" if to_terminal else os.path.join(directory, ns.error_log_name),
        "access": ("/dev/stdout" if to_terminal else os.path.join(directory, ns.access_log_name))
        if ns.access_log else None,
        "startup": ("/dev/stderr" if to_terminal else os.path.join(directory, ns.startup_log_name))
        if ns.startup_log else None,
        "access_nickname": log_format if log_format in ("common", "combined") else "custom",
        "access_format": None if log_format in ("common", "combined") else log_format.replace('"', '\\"'),
        "error_format": ns.error_log_format.replace('"', '\\"') if ns.error_log_format else None,
    }


def _refused(ns):
    for key, (flag, why) in REFUSED.items():
        if getattr(ns, key, None):
            raise ConfigurationError("%s is refused: %s" % (flag, why))


def _check_since(ns, version):
    """Refuse an option whose directive the module's release does not have."""
    for flag, key, since in DIRECTIVE_SINCE:
        value = getattr(ns, key, None)
        if value and value != "Auto" and version and version_tuple(version) < version_tuple(since):
            raise ConfigurationError("%s needs mod_wsgi %s or later, and the module is %s: upgrade it (the "
                                     "wsgi.apache.mod_wsgi role builds the newest) or leave the option out"
                                     % (flag, since, version))


def _request_read_timeout(ns):
    """RequestReadTimeout's arguments, as mod_wsgi-express writes them."""
    parts = []
    for part in ("header", "body"):
        seconds, maximum, rate = (getattr(ns, "%s_%s" % (part, name)) for name in ("timeout", "max_timeout", "min_rate"))
        for flag, value in ((part + "-timeout", seconds), (part + "-max-timeout", maximum), (part + "-min-rate", rate)):
            if value < 0:
                raise ConfigurationError("--%s=%d is negative: give 0 (off) or more" % (flag, value))
        if seconds:
            parts.append("%s=%d%s%s" % (part, seconds, "-%d" % maximum if maximum else "",
                                        ",MinRate=%d" % rate if rate else ""))
    return " ".join(parts) or None


def _services(ns, user, group):
    """The --service-script daemons: name, script, user, group, log file."""
    users, groups, logs = dict(ns.service_user), dict(ns.service_group), dict(ns.service_log_file)
    services = []
    for name, script in ns.service_script:
        if not re.match(r"^[\w.-]+$", name):
            raise ConfigurationError("--service-script %s: the name may have letters, digits, _ . - only" % name)
        services.append({"name": name, "script": _existing("--service-script", script),
                         "user": users.get(name, user), "group": groups.get(name, group), "log": logs.get(name)})
    known = {service["name"] for service in services}
    for flag, given in (("--service-user", users), ("--service-group", groups), ("--service-log-file", logs)):
        for name in given:
            if name not in known:
                raise ConfigurationError("%s %s: no --service-script is named %s" % (flag, name, name))
    return services


def _features(ns, tls_setup, document_root):
    """The Apache modules the options use (FEATURE_MODULES keys)."""
    https_only = bool(tls_setup and tls_setup["only"])
    www = bool(ns.server_name and ns.server_name.lower().startswith("www."))
    proxy = bool(ns.proxy_mount_point or ns.proxy_virtual_host)
    wanted = {"reqtimeout": True, "rewrite": bool(document_root or ns.rewrite_rules) or https_only or www,
              "ssl": bool(tls_setup), "headers": bool(tls_setup and tls_setup["hsts_policy"]) or proxy,
              "http2": ns.http2, "deflate": ns.compress_responses, "status": ns.server_status or bool(ns.server_metrics),
              "env": bool(ns.setenv or ns.passenv), "dir": bool(ns.directory_index), "autoindex": ns.directory_listing,
              "proxy": proxy, "auth": bool(ns.auth_user_script), "host": ns.server_status or ns.allow_localhost,
              "cgid": ns.with_cgi}
    return [module for feature, used in wanted.items() if used for module in FEATURE_MODULES[feature]]


def configure(ns, command, application=None, environ=None, check_port=True):
    """Check every option and the host, and decide the server root's files.

    ``application`` ((type, entry point, callable)) and ``environ`` come from the Django command;
    start-server and setup-server take them from ``ns``.  Raises ConfigurationError.
    """
    _refused(ns)
    application = _application(ns, application)
    static = application[0] == "static"
    port = _port("--port", ns.port)
    tls_setup = _tls(ns)
    https_port = tls_setup["port"] if tls_setup else None
    user, group = _accounts(ns.user, ns.group)
    daemon = daemon_options(ns, application, user, group, port)
    if not os.path.isdir(daemon["home"]):
        raise ConfigurationError("--home=%s is not a directory: the daemon processes start there" % daemon["home"])
    with from_table():  # the value now; what to write once the module's release is known
        python_hash_seed(ns.python_hash_seed, None, "--python-hash-seed")
    process_group = ns.process_group or PROCESS_GROUP
    if not re.match(r"^[\w.-]+$", process_group):
        raise ConfigurationError("--process-group=%s: the name may have letters, digits, _ . - only" % process_group)
    mount_point = "/" + ns.mount_point.strip("/") if ns.mount_point.strip("/") else "/"
    aliases = []
    for url, path in ns.url_alias:
        if not url.startswith("/"):
            raise ConfigurationError("--url-alias %s %s: the URL must start with /" % (url, path))
        if not os.path.exists(path):
            raise ConfigurationError("--url-alias %s %s: %s does not exist" % (url, path, path))
        aliases.append((url, os.path.abspath(path), os.path.isdir(path)))
    document_root = _existing("--document-root", ns.document_root, "directory") if ns.document_root else None
    if static:
        document_root = application[1]
    includes = [_existing("--include-file", path) for path in ns.include_file]
    server_root = os.path.abspath(ns.server_root or "/tmp/wsgi-express-%d" % port)
    limits = {"limit_request_body": _count("--limit-request-body", ns.limit_request_body),
              "keep_alive_timeout": _count("--keep-alive-timeout", ns.keep_alive_timeout),
              "server_backlog": _count("--server-backlog", ns.server_backlog)}
    max_clients = _count("--max-clients", ns.max_clients) if ns.max_clients is not None else None
    pid_file = os.path.abspath(ns.pid_file) if ns.pid_file else os.path.join(server_root, "httpd.pid")
    environ = dict(environ or {}, **dict(ns.environment))
    logs = _log_setup(ns, server_root)
    services = _services(ns, user, group)
    for flag, urls in (("--ignore-activity", ns.ignore_activity),):
        for url in urls:
            _url(flag, url)
    proxies = [(_url("--proxy-mount-point", url), target) for url, target in ns.proxy_mount_point]
    if ns.telemetry_service and not ns.telemetry_service.startswith("unix:/"):
        raise ConfigurationError("--telemetry-service=%s is not a local socket: give unix:/path/to/socket"
                                 % ns.telemetry_service)
    if ns.free_threading and not sysconfig.get_config_var("Py_GIL_DISABLED"):
        raise ConfigurationError("--free-threading needs a free-threaded Python (built with --disable-gil), and "
                                 "%s is not: leave the option out, or run wsgi-express from one" % sys.executable)
    files = {"--envvars-script": ns.envvars_script, "--rewrite-rules": ns.rewrite_rules, "--mime-types": ns.mime_types,
             "--host-access-script": ns.host_access_script, "--auth-user-script": ns.auth_user_script,
             "--auth-group-script": ns.auth_group_script}
    files = {flag: _existing(flag, path) if path else None for flag, path in files.items()}
    if ns.auth_group_script and not ns.auth_user_script:
        raise ConfigurationError("--auth-group-script needs --auth-user-script: users are authenticated first")
    handlers = [(extension if extension.startswith(".") else "." + extension, _existing("--add-handler", script))
                for extension, script in ns.add_handler]
    shell = ns.shell_executable
    if ns.process_name and command == "setup-server":
        shell = discovery.bash() or shell
    if not os.access(shell, os.X_OK):
        raise ConfigurationError("--shell-executable=%s is not an executable shell" % shell)

    mpm_sizes = _mpm(daemon, ns, max_clients)
    read_timeout = _request_read_timeout(ns)
    if check_port:
        for flag, number in (("--port", port), ("--https-port", https_port)):
            if number:
                _check_port(ns.host, number, flag)
    memo = discovery.remember_in(os.path.join(server_root, MEMO))
    check = None if ns.skip_import_check or static else _ImportCheck(
        application, daemon["home"], daemon.get("python_path") or [], dict(environ, **_environment_file(ns)),
        user, group, os.path.join(server_root, IMPORT_RECORD))
    try:
        httpd = discovery.httpd_executable(ns.httpd_executable)
        modules_dir = discovery.modules_directory(ns.modules_directory)
        module_path = discovery.module_location(ns.module_path, modules_dir)
        discovery.check_module_python(module_path)
        version = module_version(module_path)
        _check_since(ns, version)
        directive = daemon_directive(process_group, daemon, version)
        with from_table():
            seed = python_hash_seed(ns.python_hash_seed, version, "--python-hash-seed")
        builtin = discovery.compiled_in(httpd)
        mpm = discovery.mpm_module(builtin, modules_dir, ns.server_mpm)
        wanted = ([mpm] if mpm else []) + list(BASE_MODULES) + _features(ns, tls_setup, document_root)
        modules = discovery.load_modules(builtin, modules_dir, wanted)
    except ConfigurationError:
        if check:
            check.cancel()
        raise
    if check:
        check.result()

    server_name = ns.server_name or "localhost"
    context = {
        "version": __version__, "command": command, "server_root": server_root, "httpd": httpd,
        "server_name": server_name, "modules": modules, "module_path": module_path,
        "url_host": ns.host if ns.host not in ("", "0.0.0.0", "::") else ns.server_name or "localhost",
        "module_version": version, "user": user, "group": group, "port": port, "https_port": https_port,
        "listen_host": ("[%s]" % ns.host if ":" in ns.host else ns.host) if ns.host else None,
        "virtual_hosts": bool(ns.server_name), "server_aliases": ns.server_alias, "allow_localhost": ns.allow_localhost,
        "parent_domain": server_name[4:] if server_name.lower().startswith("www.") and ns.server_name else None,
        "http2": ns.http2, "tls": tls_setup,
        "mime_types": files["--mime-types"] or discovery.mime_types(), "logs": logs,
        "error_log": logs["error"], "access_log": logs["access"],
        "log_level": ns.log_level, "mpm": mpm_sizes, "pid_file": pid_file, **limits,
        "request_read_timeout": read_timeout,
        "document_root": document_root or os.path.join(server_root, "htdocs"),
        "serve_document_root": bool(document_root), "static": static, "url_aliases": aliases,
        "directory_index": ns.directory_index, "directory_listing": ns.directory_listing,
        "allow_override": " ".join(ns.allow_override) or "None", "error_documents": ns.error_document,
        "error_override": ns.error_override, "rewrite_rules": files["--rewrite-rules"], "with_cgi": ns.with_cgi,
        "handlers": handlers, "mount_point": mount_point,
        "enable_sendfile": ns.enable_sendfile, "dont_write_bytecode": ns.dont_write_bytecode,
        "python_hash_seed": seed, "daemon_directive": directive, "process_group": process_group,
        "application_group": ns.application_group or "%{GLOBAL}",
        "include_files": includes,
        "server_tokens": ns.server_tokens, "server_signature": ns.server_signature, "trace_enable": ns.trace_enable,
        "application_type": application[0], "entry_point": application[1], "callable_object": application[2],
        "environ": environ, "environment_file": os.path.abspath(ns.environment_file) if ns.environment_file else None,
        "setenv": ns.setenv, "passenv": ns.passenv, "envvars_script": files["--envvars-script"],
        "reload_on_changes": ns.reload_on_changes, "reload_interval": RELOAD_INTERVAL,
        "monitor_files": [application[1]] if application[0] == "script" else [],
        "proxy_mount_points": proxies, "proxy_virtual_hosts": ns.proxy_virtual_host, "proxy_timeout": ns.proxy_timeout,
        "trust_proxy_headers": ns.trust_proxy_header, "trust_proxies": ns.trust_proxy,
        "compress_types": COMPRESSED_TYPES if ns.compress_responses else (), "server_status": ns.server_status,
        "server_metrics": bool(ns.server_metrics), "chunked_request": ns.chunked_request,
        "map_head_to_get": ns.map_head_to_get, "disable_reloading": ns.disable_reloading,
        "orphan_interpreter": ns.orphan_interpreter, "ignore_activity": ns.ignore_activity,
        "python_warnings": ns.python_warnings, "free_threading": ns.free_threading,
        "telemetry_service": ns.telemetry_service, "telemetry_interval": ns.telemetry_interval,
        "slow_requests": ns.slow_requests, "telemetry_options": ns.telemetry_options,
        "services": services, "python_home": daemon["python_home"], "home": daemon["home"],
        "host_access_script": files["--host-access-script"], "auth_user_script": files["--auth-user-script"],
        "auth_group_script": files["--auth-group-script"], "auth_type": ns.auth_type, "auth_group": ns.auth_group,
        "socket_prefix": _existing("--socket-prefix", ns.socket_prefix, "directory") if ns.socket_prefix else server_root,
        "process_name": ns.process_name, "shell": shell,
    }
    names = TEMPLATES + ((("resources.wsgi", 0o644),) if handlers else ()) \
        + ((("apachectl", 0o755),) if command == "setup-server" else ())
    return Setup(context, names, summary(context, daemon), [memo] + ([check] if check else []))


def _seconds(value):
    if value is None:
        return "Apache's Timeout"
    return "off" if not value else "%s s" % value


def _bytes(value):
    return "off" if not value else "%d MiB" % (int(value) // 2 ** 20) if int(value) >= 2 ** 20 else "%s bytes" % value


def summary(context, daemon):
    """The lines start-server and setup-server print: where, what, how big, which limits."""
    urls = ["http://%s:%d/" % (context["url_host"], context["port"])]
    if context["https_port"]:
        urls.append("https://%s:%d/" % (context["url_host"], context["https_port"]))

    def value(key):
        return daemon_value(daemon, key)

    urls = [url + context["mount_point"].lstrip("/") for url in urls]
    application = "%s (%s)" % (context["entry_point"], context["application_type"])
    if (context["application_type"], context["entry_point"], context["callable_object"]) == WELCOME:
        application = "none given: the welcome page"
    lines = [
        "URL          %s" % "  ".join(urls),
        "application  %s" % application,
        "daemon       %d process(es) x %d thread(s)%s, home %s" % (
            value("processes"), value("threads"),
            ", as %s:%s" % (context["user"], context["group"]) if context["user"] else "", value("home")),
        "timeouts     request %s, graceful %s, queue %s, inactivity %s, socket %s, connect %s" % tuple(
            _seconds(value(key)) for key in TIMEOUTS_SHOWN),
        "limits       memory %s, virtual memory %s, cpu time %s, maximum requests %s" % (
            _bytes(value("memory_limit")), _bytes(value("virtual_memory_limit")),
            _seconds(value("cpu_time_limit")), value("maximum_requests") or "off"),
        "mod_wsgi     %s  %s" % (context["module_version"] or "?", context["module_path"]),
        "logs         %s" % ("the terminal" if context["error_log"].startswith("/dev/") else context["logs"]["directory"]),
        "server root  %s" % context["server_root"],
    ]
    if context["static"]:
        lines = [line for line in lines if not line.startswith(("daemon", "timeouts", "limits"))]
    if context["reload_on_changes"]:
        lines.append("reloading    on code changes (checked every %s s)" % context["reload_interval"])
    return lines


def _unchanged(path, content, mode):
    try:
        with open(path) as current:
            return current.read() == content and (os.stat(path).st_mode & 0o777) == mode
    except OSError:
        return False


LOG_MODE = 0o640  # logs name URLs and clients: readable by root and the server root's group only


def _logs(setup):
    """The log files Apache opens itself (none when they go to the terminal or through rotatelogs)."""
    logs = setup.context["logs"]
    paths = [logs["startup"]] + ([] if logs["rotatelogs"] else [logs["error"], logs["access"]])
    return [path for path in paths if path and not path.startswith("/dev/")]


def _open_logs(setup):
    """The log files that exist and that others may read or anyone but root may write."""
    found = []
    for path in _logs(setup):
        try:
            if os.stat(path).st_mode & 0o777 & ~LOG_MODE:
                found.append(path)
        except OSError:
            pass
    return found


def _private_logs(setup):
    """Make the log directory and each log file, or narrow its mode, before Apache opens it (it keeps an
    existing file's mode)."""
    os.makedirs(setup.context["logs"]["directory"], mode=0o755, exist_ok=True)
    for path in _logs(setup):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, LOG_MODE)
        try:
            os.fchmod(fd, os.fstat(fd).st_mode & LOG_MODE)
        finally:
            os.close(fd)


def write(setup, dry_run=False):
    """Write the server root's files that differ, and only once ``httpd -t`` accepts the new
    configuration: a configuration Apache refuses never replaces the running one.  Returns the
    names of the files (to be) written, and of log files whose mode is to be narrowed."""
    root = setup.server_root
    logs = [os.path.basename(path) for path in _open_logs(setup)]
    if setup.current():
        if not dry_run:
            _private_logs(setup)
            for record in setup.records:
                record.save()
        return logs
    changed = [name for name, (content, mode) in sorted(setup.files.items())
               if not _unchanged(os.path.join(root, name), content, mode)]
    if dry_run:
        return changed + logs
    os.makedirs(root, mode=0o755, exist_ok=True)
    # Under --document-root, the mount point's directory makes Apache split the URL there: SCRIPT_NAME is
    # the mount point, PATH_INFO the rest (as mod_wsgi-express does).
    os.makedirs(setup.context["document_root"] + setup.context["mount_point"].rstrip("/"), mode=0o755, exist_ok=True)
    _private_logs(setup)
    staged = {}
    try:
        for name in changed:
            content, mode = setup.files[name]
            staged[name] = os.path.join(root, "%s.new" % name)
            with open(staged[name], "w") as out:
                out.write(content)
            os.chmod(staged[name], mode)
        configtest(setup, staged.get("httpd.conf", setup.config))
        for name, path in staged.items():
            os.replace(path, os.path.join(root, name))
        with open(os.path.join(root, STAMP), "w") as out:
            out.write(setup.stamp(setup.files))
        for record in setup.records:
            record.save()
    finally:
        for path in staged.values():
            if os.path.exists(path):
                os.unlink(path)
    return changed + logs


def configtest(setup, config):
    """``httpd -t`` on ``config``; ConfigurationError with Apache's message if it refuses it."""
    done = subprocess.run([setup.context["httpd"], "-f", config, "-t"], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise ConfigurationError("Apache refuses the configuration, which is left as it was: %s"
                                 % " ".join(done.stderr.split()))


def httpd_argv(context, config):
    """httpd's arguments after the program: the configuration, and the startup log (-E) if any."""
    startup = context["logs"]["startup"]
    return ["-f", config] + (["-E", startup] if startup else [])


def start(setup):
    """Replace this process by httpd in the foreground: it then owns the signals (SIGINT and SIGTERM
    stop it, SIGUSR1 restarts it gracefully, SIGHUP restarts it).  With --envvars-script, a shell
    reads the script first and then becomes httpd."""
    context = setup.context
    httpd = context["httpd"]
    argv = [context["process_name"] or httpd] + httpd_argv(context, setup.config) + ["-DFOREGROUND"]
    sys.stdout.flush()
    sys.stderr.flush()
    if context["envvars_script"]:
        rename = '-a "$0" ' if context["process_name"] else ""
        shell = discovery.bash() if rename else context["shell"]
        os.execv(shell, [shell, "-c", '. "$1"; shift; exec %s"$@"' % rename, argv[0], context["envvars_script"],
                         httpd] + argv[1:])
    os.execv(httpd, argv)
