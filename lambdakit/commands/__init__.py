"""The subcommands of the `lambdakit` command, one module each (see lambdakit/cli.py)."""
