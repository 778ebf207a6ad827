"""Grammar lint through parliament (duo-labs), shared by the lint rules IAM510-IAM520.

Parliament is run once per document (:func:`lint`, cached by document identity) and only when a lint
rule asks, so a run without lint rules never imports it (the import is costly, more so with
``pkg_resources``: benchmarks/README.md). What this adapter does around it:

- **Input from the model, not the file.** The document is written out as JSON with one value per
  line, and each line remembers its model path (``Statement/0/Resource/1``), so parliament's line
  numbers map back to the model and the engine points at the right line in the right file, for
  JSON policies and Terraform alike. Values the front end could not resolve are left out (a
  Resource becomes ``arn:*:*:*:*:*``, which fits every resource type): they are reported by the
  rules that judge unresolved values, never as lint.
- **NotAction is never parliament's business.** Parliament treats the excluded actions as granted
  (resource, condition and ``Resource *`` checks on them); a NotAction statement is handed over as
  ``"Action": "*"``, which parliament does not expand, so its NotAction handling produces nothing.
- **Newer catalog first.** Actions parliament's older data lacks are removed before analysis (so the
  rest of the statement is still checked) and its UNKNOWN_ACTION/UNKNOWN_PREFIX never reported:
  IAM003 judges actions against our catalog. Resource and condition-key verdicts are re-checked
  against our catalog, which drops the actions it knows better.
- **No surprises.** The import runs with warnings silenced and without ``pkg_resources`` (a
  stand-in gives parliament the one function it uses at import); private auditors are off (they
  would execute ``*.py`` files found in parliament's folder); nothing is written anywhere (only
  parliament's CLI writes ``/tmp/parliament.log``; this module never calls it).
- **Sids are checked here.** Parliament stops analysing a statement at an invalid Sid, so Sids are
  left out of its input and checked by this module (duplicate Sids, characters IAM rejects).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import types
import warnings
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from checker.model import DocumentKind, PolicyDocument, ProblemKind, Statement

if TYPE_CHECKING:
    from checker.catalog import Catalog

ANY_ARN = "arn:*:*:*:*:*"
_OIDC_PROVIDER = re.compile(r"^arn:[-a-z*]*:iam::\d{12}:oidc-provider/.+$")
_SAML_PROVIDER = re.compile(r"^arn:[-a-z*]*:iam::\d{12}:saml-provider/.+$")
_STS_PRINCIPAL = re.compile(r"^arn:[-a-z]+:sts::\d{12}:(assumed-role|federated-user)/.+$")

# Global condition keys (AWS "AWS global condition context keys", 2025), lower-case; a ``/`` suffix
# takes any tag key. Parliament's own list is older; these are valid with every action.
GLOBAL_KEYS = frozenset(k.lower() for k in (
    "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgPaths", "aws:PrincipalOrgID",
    "aws:PrincipalIsAWSService", "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList",
    "aws:PrincipalType", "aws:userid", "aws:username", "aws:AssumedRoot", "aws:FederatedProvider",
    "aws:TokenIssueTime", "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:ChatbotSourceArn",
    "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4", "aws:SourceIdentity", "aws:SourceIp",
    "aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:VpcSourceIp", "aws:VpceAccount",
    "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:ResourceAccount", "aws:ResourceOrgID",
    "aws:ResourceOrgPaths", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast",
    "aws:ViaAWSService", "aws:CurrentTime", "aws:EpochTime", "aws:Referer", "aws:RequestedRegion",
    "aws:TagKeys", "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID",
    "aws:SourceOrgPaths", "aws:SourceOwner", "aws:UserAgent", "aws:IsMcpServiceAction",
))
GLOBAL_KEY_PREFIXES = ("aws:principaltag/", "aws:resourcetag/", "aws:requesttag/")


class LintIssue(NamedTuple):
    """One kept parliament finding (or one of this module's Sid checks), mapped to the model."""

    issue: str  # parliament's issue name (MALFORMED, RESOURCE_MISMATCH ...), or SID_* / LINT_FAILED
    path: str
    message: str
    actions: tuple[str, ...] = ()


@dataclass(slots=True)
class _Node:
    kind: str  # obj | arr | val
    path: str
    members: list[tuple[str, _Node]] = field(default_factory=list)
    items: list[_Node] = field(default_factory=list)
    value: str = ""


@dataclass(slots=True)
class _Emitted:
    text: str
    paths: list[str]  # paths[i] is the model path of line i + 1


# --- importing parliament ----------------------------------------------------------------------


def parliament_module() -> Any:
    """Parliament, imported once, quietly, without pkg_resources."""
    if "parliament" in sys.modules:
        return sys.modules["parliament"]
    spec = importlib.util.find_spec("parliament")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("parliament is not installed")
    folder = next(iter(spec.submodule_search_locations))
    shim: types.ModuleType | None = None
    if "pkg_resources" not in sys.modules:
        # Parliament calls pkg_resources.resource_filename(__name__, name) twice at import; the real
        # pkg_resources is slow to import (benchmarks/README.md) and warns that it is deprecated.
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = lambda _package, name: f"{folder}/{name}"  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = shim
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import parliament
    finally:
        if shim is not None and sys.modules.get("pkg_resources") is shim:
            del sys.modules["pkg_resources"]
    return parliament


# --- writing the document out ------------------------------------------------------------------


def _val(path: str, value: str) -> _Node:
    return _Node("val", path, value=value)


def _arr_or_val(path: str, values: list[tuple[str, str]]) -> _Node:
    """One value stays a scalar (as most policies write it); several become a list."""
    if len(values) == 1:
        return _val(values[0][0], values[0][1])
    return _Node("arr", path, items=[_val(p, v) for p, v in values])


def _known_action(parliament: Any, value: str) -> bool:
    if value in ("*", "*:*"):
        return True
    try:
        parliament.expand_action(value)
    except Exception:  # UnknownAction/UnknownPrefix/ValueError: IAM003 judges it against our catalog
        return False
    return True


def _statement_node(stmt: Statement, kind: DocumentKind, parliament: Any) -> _Node:
    sp = stmt.path
    node = _Node("obj", sp)
    node.members.append(("Effect", _val(f"{sp}/Effect", stmt.effect if stmt.effect in ("Allow", "Deny") else "Allow")))
    for key, element in (("Principal", stmt.principal), ("NotPrincipal", stmt.not_principal)):
        if element is None:
            continue
        if "*" in element:
            node.members.append((key, _val(f"{sp}/{key}", "*")))
            continue
        pnode = _Node("obj", f"{sp}/{key}")
        for ptype, values in element.items():
            known = [(f"{sp}/{key}/{ptype}/{j}", v.value) for j, v in enumerate(values) if v.unknown is None]
            if known:
                pnode.members.append((ptype, _Node("arr", f"{sp}/{key}/{ptype}",
                                                   items=[_val(p, v) for p, v in known])))
        if pnode.members:
            node.members.append((key, pnode))
    if stmt.not_action is not None and stmt.action is None:
        # Parliament treats NotAction's exclusions as grants: hand it "*", which it never expands.
        node.members.append(("Action", _val(f"{sp}/NotAction", "*")))
    elif stmt.action is not None:
        acts = [(f"{sp}/Action/{j}", a.value) for j, a in enumerate(stmt.action)
                if a.unknown is None and _known_action(parliament, a.value)]
        node.members.append(("Action", _Node("arr", f"{sp}/Action", items=[_val(p, v) for p, v in acts])))
    for key, resources in (("Resource", stmt.resource), ("NotResource", stmt.not_resource)):
        if resources is None:
            continue
        if key == "NotResource":
            # Parliament checks NotResource entries as if they were granted resources.
            node.members.append((key, _val(f"{sp}/{key}", ANY_ARN)))
            continue
        vals = [(f"{sp}/{key}/{j}", r.value if r.unknown is None else ANY_ARN) for j, r in enumerate(resources)]
        if vals:
            node.members.append((key, _Node("arr", f"{sp}/{key}", items=[_val(p, v) for p, v in vals])))
    if stmt.resource is None and stmt.not_resource is None and kind is DocumentKind.TRUST:
        node.members.append(("Resource", _val(sp, ANY_ARN)))  # trust policies have none: check the rest
    cond = _Node("obj", f"{sp}/Condition")
    for op, block in stmt.condition.items():
        if "${" in op or op == "(invalid)":
            continue
        bnode = _Node("obj", f"{sp}/Condition/{op}")
        scalar_only = "bool" in op.lower() or "null" in op.lower()  # parliament reads these as one scalar
        for k, values in block.items():
            kp = f"{sp}/Condition/{op}/{k}"
            known = [(kp, v.value) for v in values if v.unknown is None]
            if not known:
                continue
            bnode.members.append((k, _val(kp, known[0][1]) if scalar_only else _arr_or_val(kp, known)))
        if bnode.members:
            cond.members.append((op, bnode))
    if cond.members:
        node.members.append(("Condition", cond))
    return node


def _document_node(doc: PolicyDocument, parliament: Any) -> _Node:
    root = _Node("obj", "")
    version = doc.version
    if version is None and isinstance(doc.raw, dict) and isinstance(doc.raw.get("Version"), str):
        version = doc.raw["Version"]
    if version is not None:
        root.members.append(("Version", _val("Version", version)))
    root.members.append(("Statement", _Node("arr", "Statement",
                                            items=[_statement_node(s, doc.kind, parliament) for s in doc.statements])))
    return root


def _emit(root: _Node) -> _Emitted:
    lines: list[str] = []
    paths: list[str] = []

    def put(text: str, path: str) -> None:
        lines.append(text)
        paths.append(path)

    def write(node: _Node, indent: str, lead: str, comma: str) -> None:
        if node.kind == "val":
            put(f"{indent}{lead}{json.dumps(node.value)}{comma}", node.path)
            return
        opener, closer = ("{", "}") if node.kind == "obj" else ("[", "]")
        children: list[tuple[str, _Node]] = (
            [(f"{json.dumps(k)}: ", n) for k, n in node.members] if node.kind == "obj" else [("", n) for n in node.items]
        )
        if not children:
            put(f"{indent}{lead}{opener}{closer}{comma}", node.path)
            return
        put(f"{indent}{lead}{opener}", node.path)
        for i, (child_lead, child) in enumerate(children):
            write(child, indent + "  ", child_lead, "," if i < len(children) - 1 else "")
        put(f"{indent}{closer}{comma}", node.path)

    write(root, "", "", "")
    return _Emitted("\n".join(lines) + "\n", paths)


# --- running it and keeping what is true -------------------------------------------------------

_CACHE: OrderedDict[int, tuple[PolicyDocument, tuple[LintIssue, ...]]] = OrderedDict()
_CACHE_SIZE = 256


def lint(doc: PolicyDocument, catalog: Catalog) -> tuple[LintIssue, ...]:
    """Every kept lint issue of one document; parliament runs once per document and run."""
    hit = _CACHE.get(id(doc))
    if hit is not None and hit[0] is doc:
        return hit[1]
    try:
        issues = tuple(_lint(doc, catalog))
    except Exception as exc:  # a lint crash is a lint finding, never a traceback
        issues = (LintIssue("LINT_FAILED", "", f"the grammar lint (parliament) could not analyse this policy: "
                                               f"{type(exc).__name__}: {exc}"),)
    _CACHE[id(doc)] = (doc, issues)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return issues


def _lint(doc: PolicyDocument, catalog: Catalog) -> Iterable[LintIssue]:
    if not doc.statements:
        return
    parliament = parliament_module()
    emitted = _emit(_document_node(doc, parliament))
    policy = parliament.analyze_policy_string(emitted.text, ignore_private_auditors=True,
                                              include_community_auditors=False)
    condition_groups: dict[tuple[str, str], list[str]] = {}
    bucket_escalations: dict[str, list[tuple[str, str]]] = {}
    for f in policy.findings:
        loc = f.location if isinstance(f.location, dict) else {}
        line = loc.get("line", loc.get("lineno"))
        path = emitted.paths[line - 1] if isinstance(line, int) and 0 < line <= len(emitted.paths) else ""
        issue = str(f.issue)
        if issue == "RESOURCE_POLICY_PRIVILEGE_ESCALATION":
            m = re.search(r"on (\S+) due to s3:(\w+) not being allowed, but does allow s3:(\w+)", str(f.detail))
            if m:
                bucket_escalations.setdefault(m.group(3), []).append((m.group(1), m.group(2)))
            continue
        if issue == "UNKNOWN_CONDITION_FOR_ACTION":
            m = re.match(r"Unknown condition (\S+) for action (\S+)$", str(f.detail))
            if m:
                condition_groups.setdefault((_condition_path(doc, path, m.group(1)), m.group(1)), []).append(m.group(2))
            continue
        kept = _convert(doc, catalog, parliament, issue, f.detail, path, loc)
        if kept is not None:
            yield kept
    for (path, key), actions in condition_groups.items():
        kept = _unsupported_key(doc, catalog, path, key, actions)
        if kept is not None:
            yield kept
    for privilege, gaps in bucket_escalations.items():
        kept = _bucket_escalation(doc, catalog, privilege, gaps)
        if kept is not None:
            yield kept


def _bucket_escalation(doc: PolicyDocument, catalog: Catalog, privilege: str,
                       gaps: list[tuple[str, str]]) -> LintIssue | None:
    """One issue per bucket-level privilege, at the first Allow pattern that grants it; None when no
    Allow grants it by our reading (parliament saw a NotAction statement as ``"*"``)."""
    from checker.catalog import iam_pattern_matches

    action = f"s3:{privilege}"
    path, label = "", "the policy"
    for stmt in doc.statements:
        if not stmt.is_allow:
            continue
        if stmt.not_action is not None:
            if not any(iam_pattern_matches(v.value, action) for v in stmt.not_action if v.unknown is None):
                path, label = f"{stmt.path}/NotAction", stmt.label
                break
            continue
        j = next((j for j, v in enumerate(stmt.action or ()) if v.unknown is None
                  and iam_pattern_matches(v.value, action)), None)
        if j is not None:
            path, label = f"{stmt.path}/Action/{j}", stmt.label
            break
    if not path:
        return None
    buckets = sorted({b for b, _ in gaps})
    withheld = sorted({f"s3:{o}" for _, o in gaps})
    names = [action, *withheld]
    infos = [catalog.get(n) for n in names]
    return LintIssue("RESOURCE_POLICY_PRIVILEGE_ESCALATION", path,
                     f"{label} allows {action} on {', '.join(buckets)} but not {', '.join(withheld)} on its objects: "
                     f"whoever may change the bucket's policy or ACL may grant themselves what is withheld",
                     actions=tuple(i.name if i is not None else n for i, n in zip(infos, names, strict=True)))


def _statement_of(doc: PolicyDocument, path: str) -> Statement | None:
    m = re.match(r"^Statement/(\d+)", path)
    if not m:
        return None
    idx = int(m.group(1))
    return next((s for s in doc.statements if s.index == idx), None)


def _label(doc: PolicyDocument, path: str) -> str:
    stmt = _statement_of(doc, path)
    return stmt.label if stmt is not None else "the policy"


def _condition_path(doc: PolicyDocument, path: str, key: str) -> str:
    """The path of ``key`` inside the condition operator block ``path`` points at."""
    stmt = _statement_of(doc, path)
    parts = path.split("/")
    if stmt is None or len(parts) < 4 or parts[2] != "Condition":
        return path
    op = parts[3]
    block = stmt.condition.get(op, {})
    for k in block:
        if k.lower() == key.lower():
            return f"{stmt.path}/Condition/{op}/{k}"
    return path


def _problem_covers(doc: PolicyDocument, path: str) -> bool:
    """True when IAM001 already reports a structural problem of this statement (or the document)."""
    stmt = _statement_of(doc, path)
    for p in doc.problems:
        if p.rule is not ProblemKind.INVALID:
            continue
        if stmt is None or p.path in ("", stmt.path) or p.path.startswith(stmt.path + "/"):
            return True
    return False


def _convert(doc: PolicyDocument, catalog: Catalog, parliament: Any, issue: str, detail: Any, path: str,
             loc: dict[str, Any]) -> LintIssue | None:
    label = _label(doc, path)
    if issue in ("UNKNOWN_ACTION", "UNKNOWN_PREFIX", "INVALID_VERSION", "MISMATCHED_TYPE_BUT_USABLE", "INVALID_SID",
                 "DUPLICATE_SID"):
        return None  # IAM003 / IAM001 / documented usage / checked by this module
    if issue == "MALFORMED":
        text = str(detail or "")
        if _problem_covers(doc, path):
            return None
        if doc.kind is DocumentKind.TRUST and "Resource" in text:
            return None
        return LintIssue(issue, path, f"{label}: {text[:1].lower() + text[1:]}")
    if issue in ("EXCEPTION", "MALFORMED_JSON"):
        return LintIssue(issue, path, f"{label}: the grammar lint (parliament) could not analyse it: {detail}")
    if issue == "UNKNOWN_OPERATOR":
        return LintIssue(issue, path, f"{label}: condition operator {detail!s} is not an IAM operator; IAM rejects "
                                      "the policy")
    if issue in ("UNKNOWN_PRINCIPAL", "UNKNOWN_FEDERATION_SOURCE"):
        return _principal_issue(doc, issue, str(detail or ""), path, label)
    if issue == "INVALID_ARN":
        value = str(loc.get("string", ""))
        return LintIssue(issue, path, f"{label}: Resource {value!r} is not a valid ARN: {detail}")
    if issue == "RESOURCE_MISMATCH":
        return _resource_mismatch(doc, catalog, parliament, detail, path, label)
    if issue in ("MISMATCHED_TYPE", "MISMATCHED_TYPE_OPERATION_TO_NULL"):
        text = str(detail or "the Null operator takes true or false")
        m = re.match(r"Type mismatch: (\S+) requires", text)
        key = m.group(1) if m else ""
        if key.lower() == "aws:epochtime" and re.search(r"\['?\d+'?\]", text):
            return None  # epoch seconds are what aws:EpochTime takes (parliament only knows dates)
        return LintIssue(issue, _condition_path(doc, path, key) if key else path, f"{label}: {text}")
    if issue == "BAD_PATTERN_FOR_MFA":
        return LintIssue(issue, path, f"{label}: {detail}")
    if issue in ("RESOURCE_STAR", "RESOURCE_EFFECTIVELY_STAR"):
        return _resource_star(doc, catalog, issue, detail, path, label)
    if issue == "NO_VERSION":
        return LintIssue(issue, "", "the policy has no Version element: IAM reads it as 2008-10-17, which does not "
                                    "substitute policy variables such as ${aws:username}")
    if issue == "OLD_VERSION":
        return LintIssue(issue, "Version", "Version 2008-10-17 does not substitute policy variables such as "
                                           "${aws:username} (they are taken literally); use 2012-10-17")
    return LintIssue(issue, path, f"{label}: {issue.lower().replace('_', ' ')}: {detail}")


def _principal_issue(doc: PolicyDocument, issue: str, value: str, path: str, label: str) -> LintIssue | None:
    if issue == "UNKNOWN_FEDERATION_SOURCE" and (_OIDC_PROVIDER.match(value) or _SAML_PROVIDER.match(value)):
        return None
    if issue == "UNKNOWN_PRINCIPAL" and _STS_PRINCIPAL.match(value):
        return None
    stmt = _statement_of(doc, path)
    exact = path
    if stmt is not None:
        for key, element in (("Principal", stmt.principal), ("NotPrincipal", stmt.not_principal)):
            for ptype, values in (element or {}).items():
                if ptype == "CanonicalUser":
                    if not value:
                        return None  # parliament does not know CanonicalUser principals (S3 uses them)
                    continue
                for j, v in enumerate(values):
                    if v.value == value:
                        exact = f"{stmt.path}/{key}/{ptype}/{j}"
    what = "federated principal" if issue == "UNKNOWN_FEDERATION_SOURCE" else "principal"
    shown = repr(value) if value else "of an unknown type"
    return LintIssue(issue, exact, f"{label}: {what} {shown} is not an account, ARN or provider IAM accepts")


def _arn_format(template: str) -> str:
    return re.sub(r"\$\{.*?\}", "*", template)


def _resource_mismatch(doc: PolicyDocument, catalog: Catalog, parliament: Any, detail: Any, path: str,
                       label: str) -> LintIssue | None:
    stmt = _statement_of(doc, path)
    if stmt is None or not isinstance(detail, list):
        return None
    resources = [r.value for r in stmt.resource or () if r.unknown is None]
    kept: list[tuple[str, str]] = []
    for item in detail:
        if not isinstance(item, dict):
            continue
        name, fmt = str(item.get("action", "")), str(item.get("required_format", ""))
        details = catalog.details(name) if catalog.get(name) is not None else None
        canonical = details.name if details is not None else name
        if details is not None and _fits(parliament, details.resource_arns, resources):
            continue  # our newer data knows a resource type these ARNs fit
        if (canonical, fmt) not in kept:
            kept.append((canonical, fmt))
    if not kept:
        return None
    names = sorted({a for a, _ in kept})
    shown = ", ".join(f"{a} (needs {fmt})" for a, fmt in kept[:8]) + (f" and {len(kept) - 8} more" if len(kept) > 8 else "")
    return LintIssue("RESOURCE_MISMATCH", f"{stmt.path}/Resource",
                     f"{label}: no Resource fits what these actions act on, so they grant nothing here: {shown}",
                     actions=tuple(names))


def _fits(parliament: Any, arns: tuple[tuple[str, str], ...], resources: list[str]) -> bool:
    for rtype, template in arns:
        fmt = _arn_format(template)
        for r in resources:
            try:
                if parliament.is_arn_strictly_valid(rtype, fmt, r):
                    return True
            except Exception:
                continue
    return False


def _resource_star(doc: PolicyDocument, catalog: Catalog, issue: str, detail: Any, path: str,
                   label: str) -> LintIssue | None:
    stmt = _statement_of(doc, path)
    if stmt is None:
        return None
    if issue == "RESOURCE_EFFECTIVELY_STAR":
        return LintIssue(issue, f"{stmt.path}/Resource", f"{label}: its Resource patterns cover every resource the "
                                                         "actions act on, which is Resource \"*\" in all but name")
    names: list[str] = []
    for name in detail if isinstance(detail, list) else ():
        details = catalog.details(str(name)) if catalog.get(str(name)) is not None else None
        if details is None or not details.resource_types:
            continue  # the action takes no resource ARN: "*" is the only choice
        if details.name not in names:
            names.append(details.name)
    if not names:
        return None
    star = next((f"{stmt.path}/Resource/{j}" for j, r in enumerate(stmt.resource or ()) if r.value == "*"),
                f"{stmt.path}/Resource")
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return LintIssue(issue, star, f"{label} grants on Resource \"*\" {len(names)} action(s) that can be scoped to "
                                  f"resource ARNs: {shown}", actions=tuple(sorted(names)))


def _unsupported_key(doc: PolicyDocument, catalog: Catalog, path: str, key: str,
                     actions: list[str]) -> LintIssue | None:
    lower = key.lower()
    label = _label(doc, path)
    prefix = lower.split(":", 1)[0]
    if "." in prefix or prefix == "saml":
        return None  # identity-provider keys (token.actions.githubusercontent.com:sub, SAML:aud)
    if prefix == "aws":
        if lower in GLOBAL_KEYS or lower.startswith(GLOBAL_KEY_PREFIXES):
            return None
        return LintIssue("UNKNOWN_CONDITION_FOR_ACTION", path,
                         f"{label}: {key} is not an AWS global condition key; a misspelt key never matches, so the "
                         "condition never holds (an Allow grants nothing, a Deny denies nothing)")
    kept: list[str] = []
    for name in actions:
        details = catalog.details(name) if catalog.get(name) is not None else None
        if details is not None and any(_key_matches(documented, key) for documented in details.condition_keys):
            continue
        canonical = details.name if details is not None else name
        if canonical not in kept:
            kept.append(canonical)
    if not kept:
        return None
    kept.sort()
    shown = ", ".join(kept[:8]) + (f" and {len(kept) - 8} more" if len(kept) > 8 else "")
    return LintIssue("UNKNOWN_CONDITION_FOR_ACTION", path,
                     f"{label}: condition key {key} is not supported by {shown}; for these actions the key is absent "
                     "from the request, so the condition does not hold", actions=tuple(kept))


def _key_matches(documented: str, key: str) -> bool:
    """A documented key (``s3:ExistingObjectTag/<key>``, ``aws:RequestTag/${TagKey}``) against a used one."""
    d, k = documented.lower(), key.lower()
    for marker in ("${", "<", "tag-key"):
        if marker in d:
            return k.startswith(d.split(marker, 1)[0])
    return d == k
