"""The `lambdakit` command. Each subcommand is a module in lambdakit/commands/.

To add one, write `lambdakit/commands/<name>.py` (dashes become underscores) with a
docstring (the command's description), `HELP` (one line for `lambdakit --help`),
`add_arguments(parser)` and `run(args)` returning the exit status, then list its name in
COMMANDS. Command modules import what they need inside `run`, so `--help` stays fast.
"""

import argparse
import importlib
import sys

COMMANDS = ("course", "serve", "install-kernel", "progress", "grade", "gradebook", "lite")


def _command_module(name):
    return importlib.import_module(f"lambdakit.commands.{name.replace('-', '_')}")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="lambdakit", description="lambdakit: a hands-on AWS Lambda course and a local Lambda runtime.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = _command_module(name)
        command = commands.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
