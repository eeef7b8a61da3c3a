"""express_args: options as a role holds them, arguments as wsgi-express parses them."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.filter.express_args import FilterModule, express_args
from wsgi_express import cli


def test_registered():
    assert FilterModule().filters()["express_args"] is express_args


@pytest.mark.parametrize("options,expected", [
    ({"request_timeout": 60}, ["--request-timeout", "60"]),
    ({"reload_on_changes": True, "access_log": False, "log_level": None}, ["--reload-on-changes"]),
    ({"python_path": ["/a", "/b"]}, ["--python-path", "/a", "--python-path", "/b"]),
    ({"url_alias": [["/static", "/srv/s"], ["/media", "/srv/m"]]},
     ["--url-alias", "/static", "/srv/s", "--url-alias", "/media", "/srv/m"]),
])
def test_arguments(options, expected):
    assert express_args(options) == expected


def test_the_launcher_parses_them_back():
    options = {"processes": 2, "url_alias": [["/static", "/srv/s"]], "reload_on_changes": True,
               "supplementary_groups": ["adm", "users"], "python_path": ["/a", "/b"]}
    ns = cli.parser().parse_args(["setup-server", "app.wsgi", *express_args(options)])
    assert (ns.processes, ns.url_alias, ns.reload_on_changes, ns.supplementary_groups, ns.python_path) == \
        ("2", [["/static", "/srv/s"]], True, ["adm", "users"], ["/a", "/b"])


def test_not_a_dict():
    with pytest.raises(AnsibleFilterError):
        express_args(["--port", "80"])
