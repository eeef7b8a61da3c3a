"""The server-option table: each row is a flag with its help, its check, and what it writes."""
import argparse

import pytest

from wsgi_express import cli, options
from wsgi_express.errors import ConfigurationError


def start_server_help():
    return cli.parser()._subparsers._group_actions[0].choices["start-server"].format_help()  # pylint: disable=protected-access


def parse(*flags):
    return cli.parser().parse_args(["start-server", "app.wsgi", *flags])


def test_every_row_is_a_flag_with_its_help():
    text = " ".join(start_server_help().split())
    for row in options.ROWS:
        assert row.flag in text, row.flag
        assert " ".join(row.help.split())[:40] in text, row.flag


def test_a_row_s_default_is_what_the_parser_gives():
    given = vars(parse())
    for row in options.ROWS:
        assert given[row.dest] == row.default, row.flag


@pytest.mark.parametrize("row", [row for row in options.ROWS if row.directive], ids=lambda row: row.flag)
def test_a_row_with_a_directive_writes_it_when_set_and_only_then(row):
    sample = {options.Flag: True}.get(type(row.kind))
    if sample is None:
        sample = ["One", "Two"] if isinstance(row.kind, options.Many) else "On" if row.kind.choices else "5"
    lines = options.directives({row.dest: sample})
    assert lines and all(line.split()[0] == row.directive.split()[0] for line in lines), lines
    if isinstance(sample, list) and "{joined}" not in row.directive:
        assert len(lines) == 2
    assert options.directives({row.dest: row.default}) == []


def test_a_refused_row_refuses_naming_why():
    for row in options.ROWS:
        if row.refused:
            value = True if isinstance(row.kind, options.Flag) else "x"
            with pytest.raises(ConfigurationError, match="^%s is refused: " % row.flag):
                options.checked(argparse.Namespace(**{**vars(parse()), row.dest: value}))


def test_a_row_that_needs_another_flag_says_which():
    ns = parse("--ssl-verify-client", "/admin", "--https-port", "8443")
    with pytest.raises(ConfigurationError, match="^--ssl-verify-client needs --ssl-ca-certificate-file: "):
        options.checked(ns)
    with pytest.raises(ConfigurationError, match="^--hsts-policy needs --https-port: "):
        options.checked(parse("--hsts-policy", "max-age=60"))


def test_kinds_check_and_normalise(tmp_path):
    values = options.checked(parse("--port", "8080", "--mount-point", "app/", "--keep-alive-timeout", "0",
                                   "--url-alias", "/static", str(tmp_path), "--initial-workers", "0.5"))
    assert values["port"] == 8080 and values["mount_point"] == "/app" and values["keep_alive_timeout"] == 0
    assert values["url_alias"] == [("/static", str(tmp_path), True)] and values["initial_workers"] == 0.5
    for flags, message in ((["--port", "0"], "--port=0 is not a port number"),
                           (["--initial-workers", "2"], "--initial-workers=2.0 is not a fraction"),
                           (["--ignore-activity", "health"], "--ignore-activity=health is not a URL path"),
                           (["--error-log-name", "a/b"], "--error-log-name=a/b is not a file name"),
                           (["--process-group", "a b"], "--process-group=a b: the name may have"),
                           (["--mime-types", str(tmp_path / "none")], "does not exist or is not a file")):
        with pytest.raises(ConfigurationError, match=message):
            options.checked(parse(*flags))


def test_needs_and_too_new_follow_the_rows():
    values = options.checked(parse("--compress-responses", "--server-status", "--trust-proxy-header", "X-Real-IP"))
    assert {"deflate", "status", "host"} <= options.needs(values)
    assert "proxy" not in options.needs(values)
    with pytest.raises(ConfigurationError, match="^--trust-proxy-header needs mod_wsgi 4.5.0 or later, and the "
                                                 "module is 4.4.0"):
        options.too_new(values, "4.4.0")
    options.too_new(values, "4.5.0")


def test_choices_are_taken_in_any_case_where_mod_wsgi_express_takes_them():
    assert options.checked(parse("--map-head-to-get", "off"))["map_head_to_get"] == "Off"
