from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from checker.analysis.arnscope import Scope, resource_scope, scopable
from checker.analysis.partial import samples
from checker.analysis.sensitivity import categories, sensitive_candidates
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, PolicyDocument, Statement

from ._util import granted_to, summarize


class UnscopedDataRead(Rule):
    """Allow grants reads of customer data on every bucket, table or stream, not on named ones

    ## What it does
    For every allowed action classified `data` (object contents, table items, records, log events,
    query results ...; `checker/data/sensitive_actions.json`), looks at the statement's resources and
    reports each one that does not name the container of the data:

    - `"Resource": "*"`, and `NotResource` (every resource but a few);
    - an ARN with a wildcard or a policy variable in the bucket, table, stream, log group, queue ...
      part (`arn:aws:s3:::*/*`, `arn:aws:s3:::cur-*/*`, `arn:aws:dynamodb:*:*:table/*`), or in the
      partition or service (`arn:aws:*`);
    - a Resource whose value is not known (a Terraform value known only after apply), unless
      what is unknown of it is typed: `"${aws_s3_bucket.cur.arn}/*"` and
      `"arn:aws:s3:::${aws_s3_bucket.cur.id}/*"` name the bucket the module creates (or a data
      source reads), `"arn:${data.aws_partition.current.partition}:s3:::cur/*"` a named bucket in
      the partition the module is applied in; such a value is judged on what is known of it;
    - a statement with no Resource at all.

    Wildcards after the container (`arn:aws:s3:::cur-bucket/reports/*`) and in the region or
    account are fine. Which part is the container comes from the action's ARN formats in the AWS
    service catalog. Actions the profile lists in `unscoped_data_reads` are exempt: the `read-only`
    profile lists `logs:GetLogEvents`, `logs:FilterLogEvents` and `cloudtrail:LookupEvents`, which
    the onboarding role grants on `*` (LookupEvents has no resource type at all). One finding per
    statement, naming its offending Resource entries and listing the data actions they grant.

    ## Why is this bad?
    A read-only role that may read *any* bucket's objects or *any* table's items reads far more
    than it was trusted with: every bucket created later, backups, other teams' data. A cost
    analysis needs one bucket, the one the Cost & Usage Report is delivered to.

    ## Example
    ```json
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"}
    ```
    Use instead: the named bucket (and prefix), `"Resource": "arn:aws:s3:::cur-bucket/reports/*"`.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """

    id = "IAM302"
    name = "unscoped-data-read"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.IDENTITY, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        profile = ctx.profile
        for sg in ctx.grants(doc).allows:
            data = sorted(a for a in sensitive_candidates(sg.actions)
                          if "data" in categories(a) and not profile.unscoped_read_allowed(a))
            if not data:
                continue
            stmt = sg.statement
            to = granted_to(stmt, ctx)
            if stmt.not_resource is not None:
                yield self._violation(f"{stmt.path}/NotResource", stmt.label, data,
                                      "NotResource (every resource except those listed)", ctx, to)
                continue
            if stmt.resource is None:
                yield self._violation(stmt.path, stmt.label, data, "a statement without Resource", ctx, to)
                continue
            for j, res in enumerate(stmt.resource):
                stand_ins = samples(res)
                if res.unknown is not None and stand_ins is None:
                    yield self._violation(f"{stmt.path}/Resource/{j}", stmt.label, data,
                                          f"a Resource whose value is not known ({res.unknown})", ctx, to)
                    continue
                reasons: dict[str, list[str]] = {}
                for action in data:
                    # a partly known value (a bucket the module creates, an ARN in an unknown
                    # partition) is judged on stand-ins for its typed parts: scoped only if both are
                    for value in stand_ins or (res.value,):
                        scope, why = resource_scope(value, action, ctx.catalog)
                        if scope is Scope.UNSCOPED:
                            reasons.setdefault(why, []).append(action)
                            break
                if not reasons:
                    continue
                hit = sorted(a for acts in reasons.values() for a in acts)
                why = "; ".join(sorted(reasons))
                yield self._violation(f"{stmt.path}/Resource/{j}", stmt.label, hit,
                                      f"Resource {res.value!r} ({why})", ctx, to)

    @staticmethod
    def _violation(path: str, label: str, actions: list[str], where: str, ctx: RuleContext,
                   to: str = "") -> Violation:
        return Violation(
            path=path,
            message=(f"{label} allows {len(actions)} read(s) of customer data on {where}: {summarize(actions)}; "
                     f"{_hint(actions, ctx)}{to}"),
            actions=tuple(actions),
            detail=where,
        )

    def group_message(self, stmt: Statement | None, violations: Sequence[Violation], actions: Sequence[str],
                      ctx: RuleContext) -> str:
        label = stmt.label if stmt is not None else "the policy"
        where = summarize([v.detail for v in violations], 3)
        return (f"{label} allows {len(actions)} read(s) of customer data on {where}: {summarize(actions)}; "
                f"{_hint(actions, ctx)}{granted_to(stmt, ctx)}")


def _hint(actions: Sequence[str], ctx: RuleContext) -> str:
    fixed = [a for a in actions if not scopable(a, ctx.catalog)]
    if not fixed:
        return "name the bucket, table or stream instead"
    if len(fixed) == len(actions):
        return ("AWS authorizes these only on \"*\" (no resource type): remove them, or accept them "
                "in the profile's unscoped_data_reads")
    return (f"name the bucket, table or stream instead; {summarize(fixed, 3)} can only be granted "
            "on \"*\" (no resource type): remove or accept in the profile's unscoped_data_reads")
