"""Files generated from another source: write them, or check that they are what the source gives."""

import argparse
import difflib
import sys


def main(description, path, generate, make_target):
    """The command line of a generator: ``generate(current text)`` gives the wanted text of ``path``;
    ``--check`` exits 1 with a diff when the file differs, else the file is written."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    current = path.read_text() if path.exists() else ""
    wanted = generate(current)
    if args.check:
        if current != wanted:
            diff = "".join(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True),
                                                "%s (committed)" % path.name, "%s (generated)" % path.name))
            sys.exit("%s is not what its source gives: run make %s\n%s" % (path, make_target, diff[:4000]))
        return 0
    path.write_text(wanted)
    print("wrote %s" % path)
    return 0
