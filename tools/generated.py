"""Files generated from another source: write them, or check that they are what the source gives."""

import argparse
import difflib
import sys


def main(description, path, generate):
    """The command line of a generator of one file: ``generate(current text)`` gives the wanted text of
    ``path``."""
    return main_many(description, {path: generate})


def main_many(description, files):
    """The command line of a generator: for each ``path: generate`` of ``files``, ``generate(current
    text)`` gives the wanted text of ``path``; ``--check`` exits 1 with a diff when a file differs
    (or is missing), else the files are written."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    stale = []
    for path, generate in files.items():
        current = path.read_text() if path.exists() else ""
        wanted = generate(current)
        if args.check:
            if current != wanted:
                stale.append("".join(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True),
                                                          "%s (committed)" % path, "%s (generated)" % path)))
        elif current != wanted:
            path.write_text(wanted)
            print("wrote %s" % path)
    if stale:
        sys.exit("%d file(s) are not what their source gives: run make generate\n%s"
                 % (len(stale), "".join(stale)[:6000]))
    return 0
