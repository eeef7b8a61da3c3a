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
from wsgi_express._shared.layout import file_sha256, keeps_socket_path, module_patches, module_version
from wsgi_express.errors import ConfigurationError, from_table
from wsgi_express import options
from wsgi_express.options import EXPRESS_DEFAULTS

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
    "md": (("watchdog_module", "mod_watchdog.so"), ("md_module", "mod_md.so")),
    "cgid": (("cgid_module", "mod_cgid.so"),),
    "reqtimeout": (("reqtimeout_module", "mod_reqtimeout.so"),),
}
# WSGIServerMetrics, which --server-metrics (a daemon option) also writes server-wide, came with 4.3.0.
SERVER_METRICS_SINCE = "4.3.0"
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


def _application(values, positional, application):
    """(type, entry point, callable) of the app, checked: with none given, the welcome page."""
    if application:
        return application
    entry = values["entry_point_flag"] or positional
    if values["application_type"] == "static":
        return ("static", options.DIRECTORY.check("SCRIPT", entry or os.getcwd()), None)
    if not entry:
        return WELCOME
    if values["application_type"] in ("script", "paste"):
        if not os.path.isfile(entry):
            raise ConfigurationError("SCRIPT=%s does not exist: give the path of the %s" % (
                entry, "WSGI script file (or --application-type module for a module)"
                if values["application_type"] == "script" else "Paste Deploy configuration file"))
        return (values["application_type"], os.path.abspath(entry), values["callable_object"])
    if not _MODULE_ENTRY.match(entry):
        raise ConfigurationError("--entry-point=%s is not a module: use pkg.module or pkg.module:callable" % entry)
    return ("module", entry, values["callable_object"])


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


def _mpm(daemon, values):
    """Apache worker threads: room for twice the daemon threads, or --max-clients if more, whole children of 25;
    how many start and stay idle, from the --*-workers fractions of them. The scoreboard (ServerLimit) has room
    for twice the children: at a graceful restart the new generation starts its children while the old one's
    finish their requests, where with no free slot new connections waited until an old child had exited."""
    capacity = max(2 * daemon_value(daemon, "processes") * daemon_value(daemon, "threads"), values["max_clients"] or 0)
    servers = max(1, -(-capacity // THREADS_PER_CHILD))
    workers = servers * THREADS_PER_CHILD

    def share(key, default):
        return default if values[key] is None else max(1, int(round(values[key] * workers)))

    start = share("initial_workers", THREADS_PER_CHILD)
    return {"server_limit": 2 * servers, "process_limit": 2 * workers,
            "threads": THREADS_PER_CHILD, "workers": workers,
            "start_servers": max(1, -(-start // THREADS_PER_CHILD)), "start_processes": start,
            "min_spare": share("minimum_spare_workers", THREADS_PER_CHILD),
            "max_spare": share("maximum_spare_workers", workers)}


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
TEMPLATES = (("httpd.conf", 0o644), ("handler.wsgi", 0o644), ("logrotate.conf", 0o644))
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


def _environment_file(path):
    """What --environment-file sets, for the import check (the daemons read it themselves)."""
    if not path:
        return {}
    try:
        with open(path) as fh:
            values = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ConfigurationError("--environment-file=%s is not a readable JSON object: %s" % (path, exc))
    if not isinstance(values, dict):
        raise ConfigurationError("--environment-file=%s holds no JSON object: write {\"NAME\": \"value\", ...}" % path)
    return {str(name): str(value) for name, value in values.items()}


def _acme(values, server_root, parent_domain):
    """mod_md's settings for --acme-ca (None without it): the names of the certificate, where mod_md keeps it."""
    if not values["acme_ca"]:
        return None
    for dest in ("ssl_certificate_file", "ssl_certificate_key_file", "ssl_certificate"):
        if values[dest]:
            raise ConfigurationError("--acme-ca gets the certificate from the CA, and %s gives one: leave out one of "
                                     "them" % options.BY_DEST[dest].flag)
    names = [values["server_name"]] + values["server_alias"] + ([parent_domain] if parent_domain else [])
    for name in names:
        if tls.acme_cannot_validate(name):
            raise ConfigurationError("--acme-ca: the CA cannot validate %s (a wildcard or an IP address): leave it out "
                                     "of --server-alias, or give --ssl-certificate-file" % name)
    return {"ca": values["acme_ca"], "contact": values["acme_contact"], "ca_root": values["acme_ca_root"],
            "renew_window": values["acme_renew_window"] or options.ACME_RENEW_WINDOW,
            "stapling": values["acme_stapling"], "store": os.path.join(server_root, "md"), "names": names}


def _tls(values, acme):
    """The HTTPS settings: None without --https-port (every flag of it needs --https-port)."""
    if not values["https_port"]:
        return None
    certificate, key = values["ssl_certificate_file"], values["ssl_certificate_key_file"]
    if values["ssl_certificate"]:  # mod_wsgi-express's basename form
        certificate = certificate or options.FILE.check("--ssl-certificate", values["ssl_certificate"] + ".crt")
        key = key or options.FILE.check("--ssl-certificate", values["ssl_certificate"] + ".key")
    if not (certificate and key or acme):
        raise ConfigurationError("--https-port=%d needs --ssl-certificate-file and --ssl-certificate-key-file "
                                 "(or --ssl-certificate PATH for PATH.crt and PATH.key), or --acme-ca"
                                 % values["https_port"])
    return {"port": values["https_port"], "certificate": certificate, "key": key, "acme": acme,
            "chain": values["ssl_certificate_chain_file"], "ca": values["ssl_ca_certificate_file"],
            "verify_urls": sorted(values["ssl_verify_client"] or (["/"] if values["ssl_ca_certificate_file"] else []),
                                  reverse=True),
            "environment": values["ssl_environment"], "only": values["https_only"],
            "hsts_policy": values["hsts_policy"], "protocols": tls.PROTOCOLS, "ciphers": tls.CIPHERS}


def _log_setup(values, server_root):
    """Where and how Apache logs: files in the log directory, or the terminal."""
    directory = values["log_directory"] or server_root
    to_terminal = values["log_to_terminal"] and not values["log_directory"]  # as mod_wsgi-express: the directory wins
    rotatelogs = None
    if values["rotate_logs"] and not to_terminal:
        rotatelogs = values["rotatelogs_executable"] or discovery.rotatelogs()
        if not (rotatelogs and os.access(rotatelogs, os.X_OK)):
            raise ConfigurationError("--rotate-logs needs Apache's rotatelogs program (%s): install it (apache2-utils "
                                     "on Debian) or give --rotatelogs-executable" % (rotatelogs or "not found"))

    def path(kind, wanted=True, terminal="/dev/stderr"):
        return (terminal if to_terminal else os.path.join(directory, values[kind + "_log_name"])) if wanted else None

    log_format = values["access_log_format"] or "common"
    error, access, startup = path("error"), path("access", values["access_log"], "/dev/stdout"), path("startup", values["startup_log"])
    return {
        "directory": directory, "rotatelogs": rotatelogs, "max_size": values["max_log_size"],
        "error": error, "access": access, "startup": startup,
        # the files Apache opens itself: none when they go to the terminal or through rotatelogs
        "files": [p for p in [startup] + ([] if rotatelogs else [error, access]) if p and not p.startswith("/dev/")],
        "access_nickname": log_format if log_format in ("common", "combined") else "custom",
        "access_format": None if log_format in ("common", "combined") else log_format.replace('"', '\\"'),
        "error_format": values["error_log_format"].replace('"', '\\"') if values["error_log_format"] else None,
    }


def _request_read_timeout(values):
    """RequestReadTimeout's arguments, as mod_wsgi-express writes them."""
    parts = []
    for part in ("header", "body"):
        seconds, maximum, rate = (values["%s_%s" % (part, name)] for name in ("timeout", "max_timeout", "min_rate"))
        if seconds:
            parts.append("%s=%d%s%s" % (part, seconds, "-%d" % maximum if maximum else "",
                                        ",MinRate=%d" % rate if rate else ""))
    return " ".join(parts) or None


def _services(values, user, group):
    """The --service-script daemons: name, script, user, group, log file."""
    given = {flag: dict(values["service_" + flag]) for flag in ("user", "group", "log_file")}
    services = [{"name": name, "script": script, "user": given["user"].get(name, user),
                 "group": given["group"].get(name, group), "log": given["log_file"].get(name)}
                for name, script in values["service_script"]]
    for flag, named in given.items():
        for name in set(named) - {service["name"] for service in services}:
            raise ConfigurationError("--service-%s %s: no --service-script is named %s"
                                     % (flag.replace("_", "-"), name, name))
    return services


def _plan(values, ns, command, application, environ):
    """Every decision that takes more than one option, before anything on the host is asked."""
    application = _application(values, getattr(ns, "entry_point", None), application)
    user, group = _accounts(ns.user, ns.group)
    daemon = daemon_options(ns, application, user, group, values["port"])
    if not os.path.isdir(daemon["home"]):
        raise ConfigurationError("--home=%s is not a directory: the daemon processes start there" % daemon["home"])
    with from_table():  # the value now; what to write once the module's release is known
        python_hash_seed(values["python_hash_seed"], None, "--python-hash-seed")
    if values["free_threading"] and not sysconfig.get_config_var("Py_GIL_DISABLED"):
        raise ConfigurationError("--free-threading needs a free-threaded Python (built with --disable-gil), and "
                                 "%s is not: leave the option out, or run wsgi-express from one" % sys.executable)
    shell = discovery.bash() or values["shell_executable"] if values["process_name"] and command == "setup-server" \
        else values["shell_executable"]
    if not os.access(shell, os.X_OK):
        raise ConfigurationError("--shell-executable=%s is not an executable shell" % shell)
    server_root = os.path.abspath(values["server_root"] or "/tmp/wsgi-express-%d" % values["port"])
    static = application[0] == "static"
    document_root = application[1] if static else values["document_root"]
    server_name = values["server_name"] or "localhost"
    parent_domain = server_name[4:] if server_name.lower().startswith("www.") and values["server_name"] else None
    tls_setup = _tls(values, _acme(values, server_root, parent_domain))
    host = values["host"]
    return {
        "command": command, "version": __version__, "user": user, "group": group, "daemon": daemon, "shell": shell,
        "application_type": application[0], "entry_point": application[1], "callable_object": application[2],
        "static": static, "server_root": server_root, "tls": tls_setup,
        "https_port": tls_setup["port"] if tls_setup else None, "server_name": server_name,
        "url_host": host if host not in ("", "0.0.0.0", "::") else values["server_name"] or "localhost",
        "listen_host": ("[%s]" % host if ":" in host else host) if host else None,
        "virtual_hosts": bool(values["server_name"]),
        "parent_domain": parent_domain,
        "document_root": document_root or os.path.join(server_root, "htdocs"), "serve_document_root": bool(document_root),
        "pid_file": values["pid_file"] or os.path.join(server_root, "httpd.pid"),
        "socket_prefix": values["socket_prefix"] or server_root, "logs": _log_setup(values, server_root),
        "services": _services(values, user, group), "mpm": _mpm(daemon, values),
        "request_read_timeout": _request_read_timeout(values),
        "environ": dict(environ or {}, **dict(values["environment"])),
        "handlers": [(extension if extension.startswith(".") else "." + extension, script)
                     for extension, script in values["add_handler"]],
        "compress_types": COMPRESSED_TYPES, "reload_interval": RELOAD_INTERVAL,
        "wsgi_directives": options.directives(values),
        "monitor_files": [application[1]] if application[0] == "script" else [],
        "python_home": daemon["python_home"], "home": daemon["home"], "server_metrics": bool(daemon.get("server_metrics")),
        "features": options.needs(values) | {"reqtimeout"} | ({"rewrite"} if static else set())
        | ({"rewrite"} if server_name.lower().startswith("www.") and values["server_name"] else set())
        | ({"status"} if daemon.get("server_metrics") else set()),
    }


def _host(values, plan, check):
    """What this host has: httpd, its modules, the module's release; the options the release lacks refused."""
    try:
        httpd = discovery.httpd_executable(values["httpd_executable"])
        modules_dir = discovery.modules_directory(values["modules_directory"])
        module_path = discovery.module_location(values["module_path"], modules_dir)
        discovery.check_module_python(module_path)
        version = module_version(module_path)
        options.too_new(values, version)
        if plan["server_metrics"] and version and version_tuple(version) < version_tuple(SERVER_METRICS_SINCE):
            raise ConfigurationError("--server-metrics needs mod_wsgi %s or later, and the module is %s: upgrade it "
                                     "or leave the option out" % (SERVER_METRICS_SINCE, version))
        with from_table():
            seed = python_hash_seed(values["python_hash_seed"], version, "--python-hash-seed")
        directive = daemon_directive(values["process_group"], plan["daemon"], version)
        builtin = discovery.compiled_in(httpd)
        mpm = discovery.mpm_module(builtin, modules_dir, values["server_mpm"])
        wanted = ([mpm] if mpm else []) + list(BASE_MODULES) + [
            module for feature in FEATURE_MODULES if feature in plan["features"] for module in FEATURE_MODULES[feature]]
        modules = discovery.load_modules(builtin, modules_dir, wanted)
    except ConfigurationError:
        if check:
            check.cancel()
        raise
    if check:
        check.result()
    sha256 = file_sha256(module_path)  # a new build of the module is a new decision: a graceful restart loads it
    return {"httpd": httpd, "module_path": module_path, "module_version": version, "module_sha256": sha256,
            "keeps_socket_path": keeps_socket_path(module_patches(sha256)), "python_hash_seed": seed,
            "daemon_directive": directive, "modules": modules,
            "mime_types": values["mime_types"] or discovery.mime_types()}


def configure(ns, command, application=None, environ=None, check_port=True):
    """Check every option and the host, and decide the server root's files.

    ``application`` ((type, entry point, callable)) and ``environ`` come from the Django command;
    start-server and setup-server take them from ``ns``.  Raises ConfigurationError.
    """
    values = options.checked(ns)
    plan = _plan(values, ns, command, application, environ)
    if check_port:
        for flag, number in (("--port", values["port"]), ("--https-port", plan["https_port"])):
            if number:
                _check_port(values["host"], number, flag)
    memo = discovery.remember_in(os.path.join(plan["server_root"], MEMO))
    check = None if values["skip_import_check"] or plan["static"] else _ImportCheck(
        (plan["application_type"], plan["entry_point"], plan["callable_object"]), plan["home"],
        plan["daemon"].get("python_path") or [], dict(plan["environ"], **_environment_file(values["environment_file"])),
        plan["user"], plan["group"], os.path.join(plan["server_root"], IMPORT_RECORD))
    context = {**values, **plan, **_host(values, plan, check)}
    del context["daemon"], context["features"]
    names = TEMPLATES + ((("resources.wsgi", 0o644),) if plan["handlers"] else ()) \
        + ((("apachectl", 0o755),) if command == "setup-server" else ())
    return Setup(context, names, summary(context, plan["daemon"]), [memo] + ([check] if check else []))


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
        "logs         %s" % ("the terminal" if context["logs"]["error"].startswith("/dev/") else context["logs"]["directory"]),
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


def _open_logs(setup):
    """The log files that exist and that others may read or anyone but root may write."""
    found = []
    for path in setup.context["logs"]["files"]:
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
    for path in setup.context["logs"]["files"]:
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
