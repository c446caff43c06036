"""The ``wfm`` command line.

Each subcommand lives next to the code it drives, in a module that exposes ``add_parser(subparsers)``;
``add_parser`` registers its arguments and sets ``func(args) -> int`` (the exit code). This file only
assembles them, so adding a command is one line in :data:`COMMANDS`.

Errors: an invalid argument (``ValueError``/``TypeError`` raised by the validation of any public
function, or an argparse error) prints one line to stderr and exits with status 2, no traceback.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

from .core.records import to_jsonable

#: modules providing ``add_parser(subparsers)``, in the order ``wfm --help`` lists them
COMMANDS = (
    "wfm._cli_basic",
    "wfm.bp.cli",
    "wfm.sweep.cli",
    "wfm.landscape.cli",
    "wfm.theory.cli",
    "wfm.figures.cli",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and exit code 2 (argparse's default is also 2)."""

    def error(self, message):  # pragma: no cover - exercised through subprocess tests
        self.exit(2, f"wfm: error: {message}\n")


def print_json(record):
    """Print one machine-readable record (``--json``)."""
    print(json.dumps(to_jsonable(record), sort_keys=True))


def build_parser():
    from .core import __version__

    parser = _Parser(prog="wfm", description="Wide flat minima: perceptrons and committee machines, the statistical-physics way.")
    parser.add_argument("--version", action="version", version=f"wfm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return run_command(args)


def run_command(args):
    """Run a parsed command: ValueError/TypeError → one line on stderr and exit 2; Ctrl-C → exit 130."""
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError) as exc:
        print(f"wfm {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wfm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
