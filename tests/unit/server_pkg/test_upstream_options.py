"""Every start-server option of mod_wsgi-express 6.1.1 (as read from its sdist into the committed fixture
mod_wsgi_express_options.json; `make upstream` compares the two) is one that wsgi-express takes:
parsed with a value a user would give, and either in force or refused with why."""
import argparse

import pytest

from wsgi_express import cli
from wsgi_express.errors import ConfigurationError
from wsgi_express.options import REFUSED
from wsgi_express import server
import express_upstream

UPSTREAM = express_upstream.options()
REFUSED_FLAGS = {flag: key for key, (flag, why) in REFUSED.items()}


def test_the_sdist_has_the_options_mod_wsgi_express_shows():
    flags = [option["flag"] for option in UPSTREAM]
    # as `mod_wsgi-express start-server --help` lists them on Linux: 147 in 6.1.1
    assert len(flags) == len(set(flags)) == 147, flags
    assert {"--setup-only", "--https-only", "--mount-point", "--trust-proxy-header"} <= set(flags)


def parse(*args):
    try:
        return cli.parser().parse_args(["start-server", *args])
    except SystemExit as exc:  # argparse's refusal
        raise AssertionError("wsgi-express refuses %s" % " ".join(args)) from exc


@pytest.mark.parametrize("option", UPSTREAM, ids=[option["flag"] for option in UPSTREAM])
def test_each_option_parses_and_changes_what_wsgi_express_does(option):
    plain = vars(parse("app.wsgi"))
    given = vars(parse("app.wsgi", *express_upstream.sample(option)))
    changed = {key for key in given if given[key] != plain[key]}
    assert changed, "%s is accepted but changes nothing" % option["flag"]
    if option["flag"] in REFUSED_FLAGS:
        with pytest.raises(ConfigurationError, match="^%s is refused: " % option["flag"]):
            server.configure(argparse.Namespace(**given), "start-server")


def test_none_is_unrecognized_and_the_count_is_reported(capsys):
    unrecognized = []
    for option in UPSTREAM:
        dummy, extra = cli.parser().parse_known_args(["start-server", "app.wsgi", *express_upstream.sample(option)])
        if extra:
            unrecognized.append(option["flag"])
    with capsys.disabled():
        print("\nmod_wsgi-express %s: %d start-server options, %d unrecognized by wsgi-express"
              % (express_upstream.UPSTREAM_VERSION, len(UPSTREAM), len(unrecognized)))
    assert unrecognized == []
