"""The front doors: the command line (:mod:`checker.cli.app`, typer), the pre-commit hook
(:mod:`checker.cli.precommit`), the GitHub Action's gate step (:mod:`checker.cli.action`) and the
live check of an applied role (:mod:`checker.cli.verify`). Options in, an api call, an exit code out.

Nothing is imported here: ``python -m checker.cli.action`` and the pre-commit planner do not load typer.
"""
