"""mod_wsgi-express's own start-server options, and the migration guide's table of them beside
wsgi-express's.

The options are read from the mod_wsgi sdist on the package index once, into a fixture that is
committed (tests/unit/server_pkg/mod_wsgi_express_options.json): the unit tests and the guide's table
use it offline, and --check-upstream compares it with the sdist.

    python3 tools/express_upstream.py                   write docs/wsgi-express-migration.md's table
    python3 tools/express_upstream.py --check           exit 1 if the table is not what it would write
    python3 tools/express_upstream.py --refresh         read the sdist again, rewrite the fixture
    python3 tools/express_upstream.py --check-upstream  exit 1 if the sdist's options differ from the fixture

The sdist comes from the index this machine's pip uses (its configured index-url, else pip's default),
is checked against the SHA-256 the index publishes, and is kept in ~/.cache/wsgi-apache/sdists.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import pathlib
import ssl
import sys
import tarfile
import urllib.request

import generated
import pipconfig

ROOT = pathlib.Path(__file__).resolve().parent.parent
UPSTREAM_VERSION = "6.1.1"
FIXTURE = ROOT / "tests" / "unit" / "server_pkg" / "mod_wsgi_express_options.json"
CACHE = pathlib.Path(os.environ.get("WSGIAH_CACHE", pathlib.Path.home() / ".cache" / "wsgi-apache")) / "sdists"
GUIDE = ROOT / "docs" / "wsgi-express-migration.md"
BEGIN, END = "<!-- BEGIN options table: tools/express_upstream.py -->", "<!-- END options table -->"
# A value for each option a user would give, where the option's type or default does not say
# (wsgi-express checks these where mod_wsgi-express takes any string).
SAMPLES = {"--application-type": "module", "--server-mpm": "worker", "--log-level": "info", "--auth-type": "Digest",
           "--map-head-to-get": "On", "--telemetry-service": "unix:/run/metrics.sock", "--mount-point": "/app"}


def index_url():
    """The package index this machine's pip uses, else pip's own default."""
    url = pipconfig.index()
    if not url:
        from pip._internal.models.index import PyPI  # pylint: disable=import-outside-toplevel
        url = PyPI.simple_url
    return url.rstrip("/")


def _context():
    return ssl.create_default_context(cafile=pipconfig.cert() or None)


def sdist(version=UPSTREAM_VERSION):
    """The path of mod_wsgi-VERSION.tar.gz, downloaded once and checked against the index's SHA-256."""
    name = "mod_wsgi-%s.tar.gz" % version
    path = CACHE / name
    if path.exists():
        return path
    context = _context()
    request = urllib.request.Request(index_url() + "/mod-wsgi/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, context=context, timeout=120) as answer:
        files = json.load(answer)["files"]
    found = [entry for entry in files if entry["filename"] == name]
    if not found:
        raise SystemExit("express_upstream: %s is not on %s" % (name, index_url()))
    with urllib.request.urlopen(found[0]["url"], context=context, timeout=300) as answer:
        data = answer.read()
    if hashlib.sha256(data).hexdigest() != found[0]["hashes"]["sha256"]:
        raise SystemExit("express_upstream: %s does not match the SHA-256 the index publishes" % name)
    CACHE.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".part").write_bytes(data)
    path.with_suffix(".part").replace(path)
    return path


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def options():
    """Each option start-server shows in --help on Linux, as the fixture has them."""
    return json.loads(FIXTURE.read_text())["options"]


def sdist_options(version=UPSTREAM_VERSION):
    """Each option start-server shows in --help on Linux, read from the sdist: {flag, action, nargs, type,
    choices, default}."""
    with tarfile.open(sdist(version)) as tar:
        source = tar.extractfile("mod_wsgi-%s/src/express/options.py" % version).read().decode()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "add_option"):
            continue
        targets = _literal(node.args[0]).split("|")
        if "hidden" in targets or not {"all", "unix"} & set(targets):
            continue
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        if getattr(keywords.get("help"), "attr", None) == "SUPPRESS_HELP":
            continue
        entry = {"flag": next(_literal(arg) for arg in node.args[1:] if str(_literal(arg)).startswith("--"))}
        for key in ("action", "nargs", "type", "choices", "default"):
            entry[key] = _literal(keywords[key]) if key in keywords else None
        if "callback" in keywords:  # check_percentage: a float in 0-1
            entry["type"] = "float"
        found.append(entry)
    return found


def sample(option):
    """The arguments a user gives with the option."""
    if option["action"] in ("store_true", "store_false"):
        return [option["flag"]]
    value = SAMPLES.get(option["flag"])
    if value is None:
        value = {"int": "7", "float": "0.5"}.get(option["type"] or "string", "value")
    return [option["flag"]] + [value] * (option["nargs"] or 1)


def _ours():
    sys.path.insert(0, str(ROOT / "server_pkg" / "src"))
    from wsgi_express import cli, options as ours  # pylint: disable=import-outside-toplevel
    return cli.parser(), ours


def _start_server(parser):
    # argparse keeps the subcommands' parsers in its subparsers action
    action = next(a for a in parser._actions if a.dest == "command")  # pylint: disable=protected-access
    return action.choices["start-server"]


def compare():
    """[(upstream flag, our flag or None, note)] for every upstream option."""
    parser, ours = _ours()
    start = _start_server(parser)
    by_flag = {flag: action for action in start._actions for flag in action.option_strings}  # pylint: disable=protected-access
    refused = dict(ours.REFUSED.values())
    rows = []
    for option in options():
        flag = option["flag"]
        action = by_flag.get(flag)
        if flag in refused:
            rows.append((flag, None, "refused: " + refused[flag]))
        elif action is None:
            rows.append((flag, None, "not recognized"))
        else:
            note = ours.DIFFERENCES.get(flag, "")
            rows.append((flag, flag, note))
    return rows


def table(rows):
    lines = ["| mod_wsgi-express %s | wsgi-express | notes |" % UPSTREAM_VERSION, "|---|---|---|"]
    for flag, mine, note in rows:
        lines.append("| `%s` | %s | %s |" % (flag, "`%s`" % mine if mine else "—", note.replace("|", "\\|")))
    return "\n".join(lines)


def rendered_guide(text):
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return "%s%s\n%s\n%s%s" % (head, BEGIN, table(compare()), END, tail)


def fixture_text(version=UPSTREAM_VERSION):
    """The fixture: the release, its sdist's SHA-256 and its options, one to a line."""
    rows = ",\n".join("  " + json.dumps(option) for option in sdist_options(version))
    return '{\n "version": %s,\n "sdist_sha256": "%s",\n "options": [\n%s\n ]\n}\n' % (
        json.dumps(version), hashlib.sha256(sdist(version).read_bytes()).hexdigest(), rows)


def main():
    if sys.argv[1:] == ["--refresh"]:
        FIXTURE.write_text(fixture_text())
        print("wrote %s" % FIXTURE)
        return 0
    if sys.argv[1:] == ["--check-upstream"]:
        if FIXTURE.read_text() != fixture_text():
            sys.exit("%s differs from mod_wsgi %s's sdist on %s: run python3 tools/express_upstream.py --refresh"
                     % (FIXTURE, UPSTREAM_VERSION, index_url()))
        print("%s: the same %d options as mod_wsgi %s's sdist" % (FIXTURE.name, len(options()), UPSTREAM_VERSION))
        return 0
    return generated.main(__doc__.split("\n\n", maxsplit=1)[0], GUIDE, rendered_guide)


if __name__ == "__main__":
    sys.exit(main())
