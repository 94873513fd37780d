"""`python -m lambdakit ...` is the `lambdakit` command."""

import sys

from .cli import main

sys.exit(main())
