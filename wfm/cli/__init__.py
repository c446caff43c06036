"""The ``wfm`` command line: the only part of wfm that parses arguments.

One module per family of commands, each with ``add_parsers(subparsers)`` registering its commands and setting
``func(args) -> exit code``; :mod:`wfm.cli.common` holds what they share (instance flags, ``-o KEY=VALUE``
options, ``--reference``, ``--progress``, ``--json``).

Errors: an invalid argument (a ``ValueError``/``TypeError`` raised by the validation of any public function,
or an argparse error) prints one line to stderr and exits with status 2, no traceback; Ctrl-C exits 130.
"""
from __future__ import annotations

import importlib
import sys

from .common import Parser, print_json  # noqa: F401

#: modules providing ``add_parsers(subparsers)``, in the order ``wfm --help`` lists their commands
COMMANDS = ("solve", "local_entropy", "measure", "theory", "sweep", "figures")


def build_parser():
    from ..core import __version__

    parser = Parser(prog="wfm", description="Wide flat minima: perceptrons and committee machines, the "
                                            "statistical-physics way. `wfm COMMAND --help` describes each command.")
    parser.add_argument("--version", action="version", version=f"wfm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parsers(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return run_command(args)


def run_command(args):
    """Run a parsed command: ValueError/TypeError -> one line on stderr and exit 2; Ctrl-C -> exit 130."""
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"wfm {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wfm: interrupted", file=sys.stderr)
        return 130
