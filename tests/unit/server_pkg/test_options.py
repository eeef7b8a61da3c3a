"""The launcher's flags come from the collection's option table, and render the site role's directive."""
import os
import pathlib

import pytest

from ansible_collections.wsgi.apache.plugins.filter.daemon_process import daemon_process
from ansible_collections.wsgi.apache.plugins.module_utils import daemon_options as table
from wsgi_express import cli, server
from wsgi_express.options import EXPRESS_DEFAULTS, PROCESS_GROUP
from wsgi_express._shared import daemon_options as shared

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCRIPT = ("script", "/srv/app/app.wsgi", "application")


def parse(*flags):
    return cli.parser().parse_args(["start-server", "app.wsgi", *flags])


def test_the_package_reads_the_collection_table_itself():
    """Not a copy: in a checkout the package's table is the collection's module_utils file."""
    assert os.path.realpath(shared.__file__) == str(ROOT / "plugins" / "module_utils" / "daemon_options.py")
    rows = [[getattr(option, field) for field in option.__slots__] for option in shared.OPTIONS]
    assert rows == [[getattr(option, field) for field in option.__slots__] for option in table.OPTIONS]


def test_every_table_option_is_a_flag():
    text = cli.parser()._subparsers._group_actions[0].choices["start-server"].format_help()
    for option in table.OPTIONS:
        assert "--%s " % option.name in text


# Flags as a user types them, and the same options as site_apps[].daemon would hold them.
SAME = [
    (["--processes", "2", "--threads", "4", "--request-timeout", "60", "--graceful-timeout", "10"],
     {"processes": 2, "threads": 4, "request_timeout": 60, "graceful_timeout": 10}),
    (["--memory-limit", "536870912", "--virtual-memory-limit", "1073741824", "--cpu-time-limit", "30"],
     {"memory_limit": 536870912, "virtual_memory_limit": 1073741824, "cpu_time_limit": 30}),
    (["--supplementary-groups", "adm,users", "--queue-timeout", "5", "--listen-backlog", "50",
      "--connect-timeout", "7", "--socket-timeout", "4", "--header-buffer-size", "8192"],
     {"supplementary_groups": ["adm", "users"], "queue_timeout": 5, "listen_backlog": 50, "connect_timeout": 7,
      "socket_timeout": 4, "header_buffer_size": 8192}),
    (["--inactivity-timeout", "300", "--maximum-requests", "1000", "--working-directory", "/srv/app",
      "--python-path", "/srv/lib", "--python-path", "/srv/more", "--display-name", "my app"],
     {"inactivity_timeout": 300, "maximum_requests": 1000, "home": "/srv/app", "python_path": ["/srv/lib", "/srv/more"],
      "display_name": "my app"}),
    # --server-metrics takes no value, as mod_wsgi-express's does
    (["--server-metrics", "--umask", "0027", "--send-buffer-size", "0", "--response-socket-timeout", "30",
      "--python-eggs", "/tmp/eggs"],
     {"server_metrics": True, "umask": "0027", "send_buffer_size": 0, "response_socket_timeout": 30,
      "python_eggs": "/tmp/eggs"}),
]


@pytest.mark.parametrize("flags,options", SAME, ids=["sizes", "limits", "sockets", "paths", "6.1.1-only"])
def test_launcher_and_site_role_render_the_same_directive(flags, options):
    launcher = server.daemon_directive(PROCESS_GROUP,
                                       server.daemon_options(parse(*flags), SCRIPT, "www-data", "www-data", 8000), "6.1.1")
    # The launcher's own defaults, written out as a site role user would.
    defaults = dict(EXPRESS_DEFAULTS, user="www-data", group="www-data", display_name="(wsgi:8000)",
                    home="/srv/app", python_home=__import__("sys").prefix)
    role = daemon_process(dict(defaults, **options), PROCESS_GROUP, "6.1.1", "site_apps[x].daemon")
    assert launcher == role
    for option_name in ("processes", "memory-limit", "supplementary-groups", "python-path"):
        if option_name.replace("-", "_") in options:
            assert " %s=" % option_name in launcher


def test_working_directory_is_home():
    assert parse("--working-directory", "/srv/x").home == "/srv/x"


def test_script_directory_is_the_default_home():
    options = server.daemon_options(parse(), SCRIPT, None, None, 8000)
    assert options["home"] == "/srv/app"


def test_relative_paths_are_from_the_current_directory():
    options = server.daemon_options(parse("--working-directory", "site", "--python-path", "lib"), SCRIPT,
                                    None, None, 8000)
    assert options["home"] == os.path.join(os.getcwd(), "site")
    assert options["python_path"] == [os.path.join(os.getcwd(), "lib")]


@pytest.mark.parametrize("flags,message", [
    (["--memory-limit", "512M"], "--memory-limit=512M is not a byte count: mod_wsgi takes 536870912"),
    (["--threads", "0"], "--threads=0 is out of range: threads must be between 1 and"),
    (["--header-buffer-size", "4096"], "--header-buffer-size=4096 is out of range"),
    (["--request-timeout", "soon"], "--request-timeout=soon is not a whole number"),
    (["--supplementary-groups", "adm,,users"], "--supplementary-groups=adm,,users: '' is not a group name"),
    (["--cpu-priority", "20"], "--cpu-priority=20 is out of range: cpu-priority must be between -20 and 19"),
])
def test_bad_daemon_values_name_the_flag(flags, message):
    with pytest.raises(server.ConfigurationError) as err:
        server.daemon_options(parse(*flags), SCRIPT, None, None, 8000)
    assert message in str(err.value)
