#!/usr/bin/env python3
"""Entry script: ``python check_permissions.py check PATH`` from a checkout (same as ``check-permissions``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checker.cli.app import main

if __name__ == "__main__":
    sys.exit(main())
