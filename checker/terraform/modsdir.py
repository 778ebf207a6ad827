"""``.terraform/modules/modules.json``: the modules ``terraform init`` installed, and whether a record
still describes the module block that calls it.

A record is trusted only when its ``Source`` is the block's ``source`` after Terraform's
normalisation of module addresses (a registry address gains its default host
``registry.terraform.io``; ``github.com/o/r`` is ``git::https://github.com/o/r.git``; ``git@host:o/r``
is ``git::ssh://git@host/o/r``) and, when the block sets ``version``, its ``Version`` meets that
constraint. Otherwise ``terraform init`` would fetch something else than the folder holds, and the
module is unresolved.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ModuleRecord", "normalize_source", "read_modules_json", "record_mismatch", "version_meets"]


@dataclass(frozen=True)
class ModuleRecord:
    key: str
    dir: Path
    source: str | None
    version: str | None


def read_modules_json(root: Path) -> dict[str, ModuleRecord]:
    """Module keys (``a.b`` for ``module.a.module.b``) -> records of ``.terraform/modules/modules.json``."""
    path = root / ".terraform" / "modules" / "modules.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, ModuleRecord] = {}
    for m in data.get("Modules", []) if isinstance(data, dict) else []:
        if isinstance(m, dict) and isinstance(m.get("Key"), str) and isinstance(m.get("Dir"), str) and m["Key"]:
            source = m.get("Source")
            version = m.get("Version")
            out[m["Key"]] = ModuleRecord(m["Key"], (root / m["Dir"]).resolve(),
                                         source if isinstance(source, str) else None,
                                         version if isinstance(version, str) and version else None)
    return out


_NAME = re.compile(r"^[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?$")
_SYSTEM = re.compile(r"^[0-9a-z]{1,64}$")
_HOST = re.compile(r"^(?:[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?)(?:\.[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?)+"
                   r"(?::[0-9]+)?$")
_GIT_SSH = re.compile(r"^git@([^:/]+):(.+)$")
DEFAULT_REGISTRY = "registry.terraform.io"


def _split_subdir(address: str) -> tuple[str, str]:
    """go-getter's rule: ``//`` after the scheme separates the package from a sub-directory."""
    scheme_end = address.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else 0
    at = address.find("//", start)
    if at < 0:
        return address, ""
    package, subdir = address[:at], address[at + 2:]
    query = ""
    if "?" in subdir:
        subdir, query = subdir.split("?", 1)
        package = f"{package}?{query}"
    return package, subdir


def _registry(address: str) -> str | None:
    package, subdir = _split_subdir(address)
    if "::" in package or "?" in package or "://" in package:
        return None
    parts = package.split("/")
    if len(parts) == 4:
        host, parts = parts[0].lower(), parts[1:]
        if not _HOST.match(host) or host in ("github.com", "bitbucket.org"):
            return None
    elif len(parts) == 3:
        host = DEFAULT_REGISTRY
    else:
        return None
    ns, name, system = parts
    if not (_NAME.match(ns) and _NAME.match(name) and _SYSTEM.match(system.lower())):
        return None
    base = f"{host}/{ns}/{name}/{system.lower()}"
    return f"{base}//{subdir}" if subdir else base


def normalize_source(source: str) -> str:
    """A module source address as Terraform records it in modules.json."""
    s = source.strip()
    if s.startswith(("./", "../")):
        return s
    registry = _registry(s)
    if registry is not None:
        return registry
    package, subdir = _split_subdir(s)
    if package.startswith("github.com/"):
        repo, _, query = package.partition("?")
        parts = repo.split("/")
        if len(parts) >= 3:
            url = "/".join(parts[:3])
            if not url.endswith(".git"):
                url += ".git"
            extra = "/".join(parts[3:])
            subdir = "/".join(x for x in (extra, subdir) if x)
            package = f"git::https://{url}" + (f"?{query}" if query else "")
    else:
        m = _GIT_SSH.match(package)
        if m and "::" not in package:
            package = f"git::ssh://git@{m.group(1)}/{m.group(2)}"
    if not subdir:
        return package
    if "?" in package:
        head, query = package.split("?", 1)
        return f"{head}//{subdir}?{query}"
    return f"{package}//{subdir}"


# -- version constraints (HashiCorp go-version) ---------------------------------------------------

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_CONSTRAINT = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$")


def _parse(text: str) -> tuple[tuple[int, int, int], str, int] | None:
    """(numbers, prerelease, how many numbers were written)."""
    m = _VERSION.match(text.strip())
    if m is None:
        return None
    written = sum(1 for g in m.groups()[:3] if g is not None)
    nums = (int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))
    return nums, m.group(4) or "", written


def _cmp(a: tuple[tuple[int, int, int], str], b: tuple[tuple[int, int, int], str]) -> int:
    if a[0] != b[0]:
        return -1 if a[0] < b[0] else 1
    if a[1] == b[1]:
        return 0
    if not a[1]:
        return 1
    if not b[1]:
        return -1
    return -1 if a[1] < b[1] else 1


def version_meets(version: str, constraint: str) -> bool | None:
    """Whether ``version`` meets ``constraint`` (``">= 1.2, < 2.0"``, ``"~> 5.0"``); None when either
    cannot be read."""
    v = _parse(version)
    if v is None:
        return None
    vv = (v[0], v[1])
    for part in constraint.split(","):
        m = _CONSTRAINT.match(part)
        if m is None:
            return None
        op, target = m.group(1) or "=", _parse(m.group(2))
        if target is None:
            return None
        t = (target[0], target[1])
        # a pre-release meets only a constraint that names a pre-release of the same version
        if vv[1] and not (t[1] and t[0] == vv[0]):
            return False
        c = _cmp(vv, t)
        fails = {"=": c != 0, "!=": c == 0, ">": c <= 0, "<": c >= 0, ">=": c < 0, "<=": c > 0, "~>": c < 0}
        if fails[op]:
            return False
        if op == "~>":
            # ~> 1.2.3: the same 1.2; ~> 1.2: the same 1; ~> 1: any from 1 on (go-version)
            keep = max(target[2], 1) - 1
            if vv[0][:keep] != target[0][:keep]:
                return False
    return True


def record_mismatch(record: ModuleRecord, source: str, version: str | None) -> str | None:
    """Why ``record`` does not describe a module block with ``source`` and ``version``; None when it does."""
    recorded = normalize_source(record.source) if record.source is not None else None
    wanted = normalize_source(source)
    if recorded != wanted:
        return (f"modules.json records source {record.source or '(none)'}, the module block says {source}: run "
                "terraform init")
    if version is not None:
        if record.version is None:
            return (f"modules.json records no version of {source}, the module block asks for {version}: run "
                    "terraform init")
        meets = version_meets(record.version, version)
        if meets is not True:
            return (f"modules.json records version {record.version} of {source}, the module block asks for "
                    f"{version}: run terraform init")
    return None
