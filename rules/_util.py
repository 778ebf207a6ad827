"""Helpers shared by rules (not a rule: the registry only loads ``iam*.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from checker.model import Located, Statement


def action_path(stmt: Statement, loc: Located) -> str:
    """The model path of one Action/NotAction entry, found by identity, else the key."""
    for key, values in (("Action", stmt.action), ("NotAction", stmt.not_action)):
        for j, v in enumerate(values or ()):
            if v is loc:
                return f"{stmt.path}/{key}/{j}"
    if stmt.not_action is not None:
        return f"{stmt.path}/NotAction"
    return f"{stmt.path}/Action"


def summarize(items: Sequence[str], limit: int = 8, show: Callable[[str], str] | None = None) -> str:
    """``a, b, c and 12 more``: messages stay readable; the full list is in the finding's actions.

    ``show`` formats each item shown (only those: a list may hold 20,000 actions)."""
    head = items if len(items) <= limit else items[:limit]
    text = ", ".join(map(show, head) if show is not None else head)
    return text if len(items) <= limit else text + f" and {len(items) - limit} more"
