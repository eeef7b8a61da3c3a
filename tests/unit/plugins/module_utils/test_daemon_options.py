"""The WSGIDaemonProcess option table: validation and rendering."""
import pytest

from ansible_collections.wsgi.apache.plugins.module_utils import daemon_options as d

RELEASE_NOTES_4_1_0 = ["request-timeout", "graceful-timeout", "memory-limit", "virtual-memory-limit",
                       "cpu-time-limit", "supplementary-groups", "queue-timeout", "listen-backlog",
                       "connect-timeout", "socket-timeout", "header-buffer-size", "inactivity-timeout",
                       "maximum-requests", "home", "shutdown-timeout"]


def test_every_option_of_the_4_1_0_release_notes_is_in_the_table():
    names = [o.name for o in d.OPTIONS]
    assert set(RELEASE_NOTES_4_1_0) <= set(names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("option", d.OPTIONS, ids=lambda o: o.name)
def test_each_row_is_complete(option):
    assert option.kind in ("int", "bytes", "float", "name", "names", "path", "paths", "text", "octal", "flag")
    assert option.doc and option.since
    d.version_tuple(option.since)
    if option.kind in ("int", "bytes"):
        assert option.minimum is not None and option.maximum is not None and option.minimum <= option.maximum


def test_render_in_table_order_with_joined_lists_and_quoted_text():
    line = d.render("blog", {"request_timeout": "60", "processes": 2, "display_name": "my app",
                             "python_path": ["/a", "/b"], "supplementary_groups": ["adm", "www-data"]}, "6.1.1")
    assert line == ('WSGIDaemonProcess blog supplementary-groups=adm,www-data processes=2 '
                    'display-name="my app" python-path=/a:/b request-timeout=60')


def test_none_values_are_left_out():
    assert d.render("g", {"processes": None, "threads": 3}) == "WSGIDaemonProcess g threads=3"


@pytest.mark.parametrize("options, message", [
    ({"request_timout": 1}, "daemon.request_timout is not a WSGIDaemonProcess option: did you mean request_timeout?"),
    ({"zzz": 1}, "daemon.zzz is not a WSGIDaemonProcess option: see the option table"),
    ({"processes": "two"}, "daemon.processes='two' is not a whole number"),
    ({"processes": True}, "daemon.processes=True is not a whole number"),
    ({"processes": 0}, "daemon.processes=0 is out of range: processes must be between 1 and"),
    ({"request_timeout": -1}, "daemon.request_timeout=-1 is out of range"),
    ({"header_buffer_size": 8191}, "header-buffer-size must be between 8192 and"),
    ({"memory_limit": "512M"}, "daemon.memory_limit='512M' is not a byte count: mod_wsgi takes 536870912 (that is 512M)"),
    ({"memory_limit": "1.5GiB"}, "1610612736 (that is 1.5GiB)"),
    ({"memory_limit": "lots"}, "such as 536870912 for 512M"),
    ({"home": "relative/dir"}, "daemon.home='relative/dir' is not an absolute path"),
    ({"supplementary_groups": []}, "give a non-empty list"),
    ({"supplementary_groups": ["ok", "bad name"]}, "supplementary_groups=['ok', 'bad name']: 'bad name' is not a group name"),
    ({"switch_interval": 0}, "is not a positive number of seconds"),
    ({"display_name": "two\nlines"}, "must be a non-empty single line of text"),
    ({"umask": 23}, "daemon.umask=23 is not a umask: write it as a quoted string of octal digits, such as '0027' "
                    "(YAML reads an unquoted 0027 as the number 23)"),
    ({"umask": "0028"}, "daemon.umask='0028' is not a umask"),
    ({"umask": "01777"}, "daemon.umask='01777' is not a umask"),
    ({"server_metrics": "yes please"}, "daemon.server_metrics='yes please' is not On or Off"),
    ({"send_buffer_size": 511}, "send-buffer-size must be between 512 and 2147483647 bytes (or 0, mod_wsgi's default)"),
    ({"socket_user": "#12x"}, "daemon.socket_user='#12x' is not a user or group name (or #number)"),
    ({"script_user": "www-data", "script_group": "www-data"},
     "daemon sets both script-user and script-group: mod_wsgi takes one of them"),
])
def test_bad_values_name_the_option_the_value_and_the_fix(options, message):
    with pytest.raises(d.OptionError) as err:
        d.render("g", options)
    assert message in str(err.value)


def test_options_newer_than_the_module_are_refused():
    with pytest.raises(d.OptionError) as err:
        d.render("g", {"response_flush_delay": 5}, "6.0.0", "site_apps[x].daemon")
    assert str(err.value) == ("site_apps[x].daemon.response_flush_delay needs mod_wsgi 6.1.0 or newer, and this host "
                              "gets mod_wsgi 6.0.0: remove the option or set mod_wsgi_version to 6.1.0 or newer")
    assert "response-flush-delay=5" in d.render("g", {"response_flush_delay": 5}, "6.1.0")


def test_group_name_is_checked():
    with pytest.raises(d.OptionError):
        d.render("bad name", {})


def test_doc_line_names_kind_unit_range_default_and_release():
    line = d.doc_line(d.BY_KEY["header_buffer_size"])
    assert line.startswith("C(header_buffer_size) (bytes, bytes, >= 8192, mod_wsgi default 32768, since 4.1.0): ")


def test_the_options_mod_wsgi_6_1_1_parses_and_the_two_6_0_0_removed():
    # wsgi_daemon.c of 6.1.1 (docs/configuration-directives/WSGIDaemonProcess.rst) has 44;
    # mod_wsgi.c up to 5.0.2 also had newrelic-config-file and newrelic-environment.
    current = [o.name for o in d.OPTIONS if not o.until]
    assert len(current) == 44
    assert {"umask", "chroot", "python-eggs", "send-buffer-size", "receive-buffer-size", "response-socket-timeout",
            "socket-user", "script-user", "script-group", "server-metrics"} <= set(current)
    assert {(o.name, o.until) for o in d.OPTIONS if o.until} == {("newrelic-config-file", "6.0.0"),
                                                                 ("newrelic-environment", "6.0.0")}


def test_new_kinds_render_as_mod_wsgi_reads_them():
    line = d.render("g", {"umask": "27", "server_metrics": True, "send_buffer_size": 0, "socket_user": "#33",
                          "script_group": "adm", "response_socket_timeout": 30}, "6.1.1")
    assert line == ("WSGIDaemonProcess g umask=0027 script-group=adm socket-user=#33 send-buffer-size=0 "
                    "response-socket-timeout=30 server-metrics=On")


def test_options_a_release_removed_are_refused_for_it_and_kept_for_older_ones():
    assert "newrelic-environment=staging" in d.render("g", {"newrelic_environment": "staging"}, "5.0.2")
    with pytest.raises(d.OptionError) as err:
        d.render("g", {"newrelic_environment": "staging"}, "6.0.0", "site_apps[x].daemon")
    assert str(err.value) == ("site_apps[x].daemon.newrelic_environment was removed in mod_wsgi 6.0.0, and this host "
                              "gets mod_wsgi 6.0.0: remove the option, or set mod_wsgi_version to a release before 6.0.0")
    with pytest.raises(d.OptionError) as err:
        d.render("g", {"newrelic_config_file": "/etc/newrelic.ini"}, "6.1.1", None)
    assert str(err.value) == "--newrelic-config-file was removed in mod_wsgi 6.0.0, and the module is mod_wsgi 6.1.1: remove the option"
