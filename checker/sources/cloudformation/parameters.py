"""Parameter values for templates: ``--parameters FILE`` (the AWS CLI's JSON,
``[{"ParameterKey": "K", "ParameterValue": "V"}]``, or CloudFormation's ``{"Parameters": {"K": "V"}}``
of a template configuration file) and ``--parameters K=V``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

MAX_FILE_BYTES = 4 * 1024 * 1024


class ParameterError(ValueError):
    """A parameters argument that cannot be read (a usage error)."""


def read_parameters(items: Sequence[str]) -> dict[str, str]:
    """The parameter values of ``--parameters`` arguments, in order (later ones win)."""
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if eq and key and "/" not in key and not Path(item).is_file():
            out[key.strip()] = value
            continue
        out.update(_from_file(item))
    return out


def _from_file(name: str) -> dict[str, str]:
    path = Path(name)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ParameterError(f"{name}: parameters file larger than {MAX_FILE_BYTES:,} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"{name}: no such parameters file (--parameters takes FILE or Key=Value)") from None
    except OSError as exc:
        raise ParameterError(f"{name}: cannot read parameters file: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ParameterError(f"{name}: not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
        return {str(k): _text(v, name, str(k)) for k, v in data["Parameters"].items()}
    if not isinstance(data, list):
        raise ParameterError(f"{name}: expected [{{\"ParameterKey\": ..., \"ParameterValue\": ...}}, ...] "
                             "(the AWS CLI's format) or {\"Parameters\": {...}}")
    out: dict[str, str] = {}
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("ParameterKey"), str):
            raise ParameterError(f"{name}: entry {i} has no ParameterKey")
        if entry.get("UsePreviousValue") and "ParameterValue" not in entry:
            continue  # the deployed stack's value: not known here
        if "ParameterValue" not in entry:
            raise ParameterError(f"{name}: entry {i} ({entry['ParameterKey']}) has no ParameterValue")
        out[entry["ParameterKey"]] = _text(entry["ParameterValue"], name, entry["ParameterKey"])
    return out


def _text(value: object, name: str, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise ParameterError(f"{name}: the value of {key} must be a string")
