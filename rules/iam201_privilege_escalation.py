from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, NamedTuple

from checker.analysis.escalation import (
    Escalation,
    granting_resources,
    matches,
    on_any_resource,
    relevant_grants,
    star_actions,
)
from checker.analysis.principal_docs import principals_of
from checker.analysis.trust import names_sts
from checker.engine.findings import Severity
from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import DocumentKind, Located, PolicyDocument, Statement

from ._util import action_path, granted_to


class _Site(NamedTuple):
    """Where one action is granted: document, statement, the pattern that grants it."""

    doc: PolicyDocument
    stmt: Statement
    loc: Located
    action: str
    star: bool  # granted on any resource of the action's type (what a resource_star entry needs)
    resources: tuple[str, ...]  # the Resource values that grant it; () on every resource

    @property
    def order(self) -> tuple[str, str, int, int]:
        return (self.doc.file, self.doc.address, self.stmt.index, self.loc.line)

    def where(self, here: PolicyDocument) -> str:
        via = "NotAction" if self.loc.value == "NotAction" and self.stmt.not_action is not None else repr(self.loc.value)
        place = self.stmt.label if self.doc is here else f"{self.doc.address} {self.stmt.label}"
        on = f" on {', '.join(repr(r) for r in self.resources)}" if self.resources else ""
        return f"{self.action} ({place} via {via}{on})"


class PrivilegeEscalation(Rule):
    """Allowed actions combine into a known privilege-escalation path

    ## What it does
    Collects every action the Allow statements grant (wildcards and `NotAction` expanded,
    unconditional Denies subtracted), across all statements of the document and, when the front end
    knows the principal (Terraform roles, users and groups; account exports), across all identity
    policies of that principal (a user's groups included). It reports each known escalation
    combination that the grants complete: `iam:PassRole` with a compute create
    (`lambda:CreateFunction`, `ec2:RunInstances`, `glue:CreateDevEndpoint`,
    `cloudformation:CreateStack`, ECS, CodeBuild, SageMaker ...), `iam:CreatePolicyVersion`,
    `iam:SetDefaultPolicyVersion`, `iam:Attach*Policy`, `iam:Put*Policy`, `iam:UpdateAssumeRolePolicy`,
    `iam:CreateAccessKey`, `iam:CreateLoginProfile`/`UpdateLoginProfile`, `iam:AddUserToGroup`,
    `lambda:UpdateFunctionCode`, `sts:AssumeRole` on `"*"` and the rest of the list in
    `checker/data/privilege_escalation.json` (cloudsplaining's and policy_sentry's lists, each
    entry with its source). Only the smallest combinations are reported: once `iam:PassRole` +
    `lambda:CreateFunction` is reported, the entry that also needs `lambda:InvokeFunction` adds
    nothing.

    The finding points at the pattern that grants the combination's first action (for `iam:PassRole`
    combinations, the `iam:PassRole` grant), lists every action of the combination with the
    statement (and policy) that grants it and, when the statement names resources, the resources
    through which it grants it (`on 'arn:aws:iam::111122223333:role/deployer'`), and is reported
    once, in the document holding that pattern; the combinations anchored in one statement are one
    finding. An action is granted only where a `Resource` can name one of its resource types
    (`iam:PassRole` on an S3 bucket grants nothing). Otherwise resource scoping is not credited (a
    scoped `iam:PassRole` still hands over the scoped role's permissions), except for
    `sts:AssumeRole`, which counts only on any role: `"*"` or a wildcard or policy variable in the
    role's name, not a named role (`role/Reader`, or a Terraform reference to one role's ARN). In a resource policy the combinations are those its statements grant to the
    principals outside the scanned account (and the configuration's own roles and users; see
    docs/grants.md, "Resource policies"), together.

    ## Why is this bad?
    A principal that can write its own permissions, or hand a more privileged role to code it
    controls, holds every permission in the account in all but name. A read-only role must hold
    none of these; an audit should name them first.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
      {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}
    ```
    Use instead: no `iam:PassRole` in a role that creates compute, or `iam:PassRole` scoped to the
    one execution role with an `iam:PassedToService` condition, granted to a deployment principal
    that is reviewed as an administrator.

    ## References
    - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    - https://pathfinding.cloud/
    - https://cloudsplaining.readthedocs.io/en/latest/glossary/privilege-escalation/
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    """

    id = "IAM201"
    name = "privilege-escalation"
    severity = Severity.ERROR
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset({DocumentKind.IDENTITY, DocumentKind.RESOURCE})

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        # anchor statement's path -> (first anchor site, [(entry, sites)]): one finding per statement
        found: dict[str, tuple[_Site, list[tuple[Escalation, list[_Site]]]]] = {}
        seen: set[tuple[str, str]] = set()
        for pd in principals_of(doc, ctx):
            sites: dict[str, list[_Site]] = {}
            for d in pd.documents:
                for sg in pd.grants_of(d, ctx).allows:
                    if d.kind is DocumentKind.RESOURCE and names_sts(sg.statement):
                        continue  # a trust statement inside a resource policy: the trust rules judge it
                    for action in relevant_grants(sg.actions):
                        sites.setdefault(action.lower(), []).append(_Site(
                            d, sg.statement, sg.actions[action], action,
                            action.lower() in star_actions() and on_any_resource(action, sg.statement, ctx.catalog),
                            granting_resources(action, sg.statement, ctx.catalog)))
            granted = set(sites)
            star_granted = {a for a, ss in sites.items() if any(s.star for s in ss)}
            for entry in matches(granted, star_granted):
                chosen = []
                for a in entry.actions:
                    pool = [s for s in sites[a.lower()] if s.star or not entry.resource_star]
                    chosen.append(min(pool, key=lambda s: s.order))
                anchor = chosen[0]
                if anchor.doc is not doc:
                    continue  # reported in the document that holds the anchor
                path = action_path(anchor.stmt, anchor.loc)
                if (path, entry.id) in seen:
                    continue
                seen.add((path, entry.id))
                found.setdefault(anchor.stmt.path, (anchor, []))[1].append((entry, chosen))
        for anchor, entries in found.values():
            parts = []
            actions: list[str] = []
            for entry, chosen in entries:
                parts.append(f"{entry.id} ({entry.description}): " + ", ".join(s.where(doc) for s in chosen))
                actions.extend(s.action for s in chosen if s.action not in actions)
            principal = f" of {doc.principal}" if doc.principal else ""
            yield Violation(
                path=action_path(anchor.stmt, anchor.loc),
                message=(f"{anchor.stmt.label}{principal} completes {len(entries)} known privilege-escalation "
                         f"path(s): " + "; ".join(parts) + granted_to(anchor.stmt, ctx)),
                actions=tuple(actions),
            )
