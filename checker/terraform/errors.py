"""Errors of the Terraform front end."""

from __future__ import annotations

from checker.terraform.values import Origin


class TerraformError(Exception):
    """An error Terraform itself would report (type error, missing attribute, cycle...).

    ``message`` is the sentence shown to users; ``origin`` where the failing expression was
    written. Loader and evaluator turn these into diagnostics instead of tracebacks.
    """

    def __init__(self, message: str, origin: Origin | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}" if self.origin else self.message


class LimitError(TerraformError):
    """An analyser bound was reached (expression depth, steps, 'for' size): Terraform itself would
    compute a value, so ``try()`` and ``can()`` do not fall back on it (checker/terraform/limits.py)."""
