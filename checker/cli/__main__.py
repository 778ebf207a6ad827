"""``python -m checker.cli``: the command line, as the ``check-permissions`` script runs it."""

import sys

from checker.cli.app import main

sys.exit(main())
