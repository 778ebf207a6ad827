"""A CloudFormation template to the model: its IAM resources, resource policies and principals.

The template is decoded (:mod:`~checker.sources.cloudformation.decode`), its values evaluated
(:mod:`~checker.sources.cloudformation.intrinsics`), and what it creates of IAM listed in the
Terraform front end's items (:mod:`checker.terraform.items`), which one builder
(:func:`checker.terraform.to_model.build_from_extracted`) turns into documents and principals: a
role's inline policies, managed policy ARNs (read offline), boundary and trust, a policy attached to
a role of the template through ``Ref``, a user's groups, resource policies. So every principal is
judged by its effective permissions, as in Terraform.

Addresses: ``Resources/<LogicalId>`` (a CDK-synthesised resource: its ``aws:cdk:path``), and for a
policy inside it the property path, e.g. ``Resources/AuditRole/Policies/0``,
``Resources/AuditRole/AssumeRolePolicyDocument``.

SAM (``Transform: AWS::Serverless-2016-10-31``) is applied first by AWS's translator
(:func:`_apply_sam`); what it generates is written at the lines of the SAM resource it came from.

What each other resource type does is its classification (:mod:`.inventory`): every resource
policy it classifies is read; a grant, identity, trust or attachment type without a reader here is
unjudged (IAM006), code run during deployment (custom resources, hooks, macros) is IAM007.

Fails closed: a nested stack, a stack set, a module and a macro (a ``Transform`` other than SAM's)
are unresolved (IAM004, :func:`_unread`); a value that cannot be known is
unresolved (IAM002) where a policy needs it; an invalid template is IAM001 at its line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from checker.model import DocumentKind, ProblemKind, SourceError
from checker.sources.cloudformation import inventory
from checker.sources.cloudformation.decode import CfnList, CfnMap, TemplateSyntaxError, line_of
from checker.sources.cloudformation.intrinsics import (
    NO_VALUE,
    NOVALUE,
    Either,
    EvalError,
    Evaluator,
    MacroError,
    Resource,
    TooMany,
    alternatives,
    items_of,
    macro_name,
    variants,
)
from checker.sources.cloudformation.inventory import SAM_TRANSFORM
from checker.terraform.items import (
    AttachmentItem,
    Extracted,
    LentItem,
    MembershipItem,
    PolicyItem,
    PrincipalItem,
    Unresolved,
)
from checker.terraform.values import Origin, TfStr, Unknown

CDK_PATH = "aws:cdk:path"
MAX_PROPERTY_CHOICES = 32  # nested Fn::If writing a resource's whole Properties

INLINE_POLICY_TYPES = {"AWS::IAM::RolePolicy": ("role", "RoleName"), "AWS::IAM::UserPolicy": ("user", "UserName"),
                       "AWS::IAM::GroupPolicy": ("group", "GroupName")}
PRINCIPAL_TYPES = {"AWS::IAM::Role": "role", "AWS::IAM::User": "user", "AWS::IAM::Group": "group"}
# An instance profile lends its role to the EC2 instances that use it (Terraform: iam.LENDERS)
PROFILE_ROLES = {"Roles[*]": "role"}
# Types the inventory classifies as touching IAM that grant nothing a principal can use by themselves
# (as Terraform's inventory.FOREIGN_NONE): identity providers, profiles, credentials of a user whose
# own permissions are judged.
NO_POLICY = frozenset({"AWS::IAM::InstanceProfile", "AWS::IAM::AccessKey", "AWS::IAM::OIDCProvider",
                       "AWS::IAM::SAMLProvider", "AWS::IAM::ServerCertificate", "AWS::IAM::VirtualMFADevice",
                       "AWS::CDK::Metadata"})
# Nested templates whose source this front end cannot read (IAM004), with what to do instead.
NESTED = {
    "AWS::CloudFormation::Stack": "a nested stack (its template, at TemplateURL, is not read): check that "
                                  "template on its own",
    "AWS::CloudFormation::StackSet": "a stack set (its template is deployed to other accounts): check that "
                                     "template on its own",
}
ORGANIZATIONS_JUDGED = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")


class Unread(NamedTuple):
    """Why a resource is not judged: its finding's rule and message."""

    rule: ProblemKind
    message: str


def _unread(entry: inventory.Entry | None, rtype: str, props: Mapping[str, Any]) -> Unread | None:
    """What a resource type without a reader here does, by its classification (inventory.classify):
    None when it grants nothing; else the finding (runs code: IAM007; a nested template, a SAM type
    outside the transform, a module: IAM004; a grant, identity, trust or attachment this front end
    does not judge, and a type CloudFormation does not know: IAM006). A type whose policy-shaped
    properties are all absent grants nothing through them."""
    if rtype.endswith("::MODULE"):
        return Unread(ProblemKind.UNRESOLVED_MODULE,
                      f"{rtype} is a CloudFormation module (its template is in the registry, not here)")
    if entry is None:
        return Unread(ProblemKind.UNJUDGED, f"{rtype} is not a resource type of CloudFormation's registry schemas "
                                            "(a third-party or private type, or a misspelling): what it grants is "
                                            "not known")
    note = f" ({entry.note})" if entry.note else ""
    if entry.kind == "none" or rtype in NO_POLICY:
        return None
    if entry.kind == "runs-code":
        return Unread(ProblemKind.RUNS_CODE, f"{rtype} runs code during deployment{note}; what it does is not "
                                             "judged")
    if entry.kind == "nested":
        return Unread(ProblemKind.UNRESOLVED_MODULE, f"{rtype} is {NESTED[rtype]}" if rtype in NESTED else
                      f"{rtype} creates resources from a template of its own{note}, which is not read")
    if entry.kind == "transform":
        return Unread(ProblemKind.UNRESOLVED_MODULE, f"{rtype} is a SAM type: it exists only through the "
                                                     f"{SAM_TRANSFORM} transform, which the template does not declare")
    if entry.policy_properties and not any(_written(props, p.path) for p in entry.policy_properties):
        return None
    return Unread(ProblemKind.UNJUDGED, f"{rtype} ({entry.kind}) grants in a form the gate does not judge{note}; "
                                        "review it and suppress this finding with a reason")


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def _written(props: Any, path: str) -> bool:
    """Whether the template writes ``path`` (``A.B``, ``A[*].B``) of ``props``; a step that is an
    intrinsic function may hold anything, so it counts as written."""
    values = [props]
    for step in path.split("."):
        key, many = (step[:-3], True) if step.endswith("[*]") else (step, False)
        nxt: list[Any] = []
        for v in values:
            if isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("Ref", "Fn::If", "Fn::GetAtt",
                                                                          "Fn::ImportValue", "Fn::FindInMap"):
                return True
            if isinstance(v, dict) and key in v:
                inner = v[key]
                nxt.extend(inner if many and isinstance(inner, list) else [inner])
        if not nxt:
            return False
        values = nxt
    return True


def _apply_transforms(template: CfnMap, file: str, parameters: Mapping[str, Any],
                      ex: Extracted, errors: list[SourceError], base: str = "") -> CfnMap | None:
    """The template once its transforms are applied, or None when one cannot be (reported in ``ex``
    or ``errors``).

    SAM (``AWS::Serverless-2016-10-31``) is applied by AWS's translator (:func:`_apply_sam`); any
    other transform is a macro whose code rewrites the template: unresolved."""
    if template.get("Transform") is None:
        return template
    from checker.sources.cloudformation.sam import uses_sam  # AWS's translator: only for a transform

    if uses_sam(template):
        translated = _apply_sam(template, file, parameters, ex, errors, base)
        if translated is None:
            return None
        template = translated
        if template.get("Transform") is None:
            return template
    transform = template["Transform"]
    names = transform if isinstance(transform, list) else [transform]
    line = template.key_lines.get("Transform", 1)
    for name in names:
        shown = name if isinstance(name, str) else json.dumps(_plain(name))[:80]
        message = (f"transform {shown} is a macro: its code rewrites the template before CloudFormation "
                   "creates anything, so what it creates cannot be read")
        ex.unresolved.append(Unresolved(address=f"{base}Transform", file=file, line=line_of(name, line), message=message,
                                        rule=ProblemKind.UNRESOLVED_MODULE))
    return None


def _apply_sam(template: CfnMap, file: str, parameters: Mapping[str, Any], ex: Extracted,
               errors: list[SourceError], base: str = "") -> CfnMap | None:
    """The template as AWS's SAM translator makes it, with lines: what passes through unchanged keeps
    its own lines; a generated resource is written at the line of the SAM resource it came from (the
    inline policy ``<Role>Policy<i>`` of a generated role at ``Policies[i]`` of that resource). What
    the translator rejects is an invalid template (IAM001) at the SAM resource's line; what it cannot
    do (its own failure, CloudFormation's size limits) leaves the template unread (IAM004)."""
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return template  # the reader reports it
    key_lines: dict[str, int] = getattr(resources, "key_lines", {})
    transform_line = template.key_lines.get("Transform", 1)
    from checker.sources.cloudformation import sam

    try:
        known = {k: str(v) for k, v in parameters.items() if isinstance(v, str)}
        result, origins = sam.translate(_plain(template), known)
    except sam.SamTranslationError as exc:
        for problem in exc.problems:
            line = key_lines.get(problem.logical_id, transform_line) if problem.logical_id else transform_line
            if exc.invalid:
                errors.append(SourceError.model_construct(
                    file=file, line=max(line, 1), message=f"SAM transform: the template is invalid: {problem.message}"))
            else:
                where = f"{base}Resources/{problem.logical_id}" if problem.logical_id else f"{base}Transform"
                ex.unresolved.append(Unresolved(
                    address=where, file=file, line=max(line, 1), rule=ProblemKind.UNRESOLVED_MODULE,
                    message=f"SAM transform: {problem.message}: the template's SAM resources cannot be judged"))
        return None
    out = CfnMap(origin=template.origin)
    for key, value in result.items():
        line = template.key_lines.get(key, transform_line)
        if key == "Resources" and isinstance(value, dict):
            out[key] = _sam_resources(resources, value, origins, file)
        elif key in template and _plain(template[key]) == value:
            out[key] = template[key]
        elif key in template and isinstance(template[key], dict) and isinstance(value, dict):
            merged = CfnMap(origin=template[key].origin)
            for name, entry in value.items():
                old = template[key].get(name)
                merged[name] = old if old is not None and _plain(old) == entry else _located(entry, file, line)
                merged.key_lines[name] = getattr(template[key], "key_lines", {}).get(name, line)
            out[key] = merged
        else:
            out[key] = _located(value, file, line)
        out.key_lines[key] = line
    return out


_ROLE_POLICY = re.compile(r"^(?P<role>.+)Policy(?P<index>\d+)$")


def _sam_resources(original: Mapping[str, Any], translated: Mapping[str, Any], origins: Mapping[str, str],
                   file: str) -> CfnMap:
    key_lines: dict[str, int] = getattr(original, "key_lines", {})
    out = CfnMap(origin=getattr(original, "origin", None))
    for logical_id, body in translated.items():
        source = origins.get(logical_id, logical_id)
        line = key_lines.get(source, line_of(original.get(source), 1))
        old = original.get(logical_id)
        if source == logical_id and old is not None and _plain(old) == body:
            out[logical_id] = old
        else:
            located = _located(body, file, line)
            sam_props = original.get(source, {}).get("Properties") if isinstance(original.get(source), dict) else None
            if isinstance(sam_props, dict):
                _sam_policy_lines(located, logical_id, sam_props, file)
            out[logical_id] = located
        out.key_lines[logical_id] = line
    return out


def _sam_policy_lines(resource: Any, logical_id: str, sam_props: Mapping[str, Any], file: str) -> None:
    """A generated role's inline policy ``<Role>Policy<i>`` and managed policy ARNs at the line of the
    SAM resource's ``Policies`` entry they come from."""
    props = resource.get("Properties") if isinstance(resource, dict) else None
    policies = sam_props.get("Policies")
    if not isinstance(props, CfnMap) or not isinstance(policies, list):
        return
    for entry in props.get("Policies") or []:
        m = _ROLE_POLICY.match(str(entry.get("PolicyName", ""))) if isinstance(entry, dict) else None
        if m and m.group("role") == logical_id and int(m.group("index")) < len(policies):
            source = policies[int(m.group("index"))]
            props["Policies"][props["Policies"].index(entry)] = _located(_plain(entry), file,
                                                                          line_of(source, props.line))
    names = {str(p): line_of(p, 0) for p in policies if isinstance(p, str)}
    arns = props.get("ManagedPolicyArns")
    if isinstance(arns, list):
        for i, arn in enumerate(arns):
            if isinstance(arn, str) and names.get(arn.rsplit("/", 1)[-1]):
                arns[i] = TfStr(str(arn), Origin(file, names[arn.rsplit("/", 1)[-1]]))


def _located(value: Any, file: str, line: int) -> Any:
    """A value the translator generated, as decoded values written at ``line``."""
    origin = Origin(file, line, line)
    if isinstance(value, dict):
        out = CfnMap(origin=origin)
        for k, v in value.items():
            out[str(k)] = _located(v, file, line)
            out.key_lines[str(k)] = line
        return out
    if isinstance(value, list):
        return CfnList([_located(v, file, line) for v in value], origin=origin)
    if isinstance(value, str):
        return TfStr(value, Origin(file, line))
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def is_template_value(value: Any) -> bool:
    """A decoded value is a CloudFormation template: ``AWSTemplateFormatVersion``, or ``Resources``
    whose entries have a ``Type`` of ``AWS::...`` (or ``Custom::...``)."""
    if not isinstance(value, dict):
        return False
    if "AWSTemplateFormatVersion" in value:
        return True
    resources = value.get("Resources")
    return isinstance(resources, dict) and bool(resources) and all(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and str(r["Type"]).startswith(("AWS::", "Custom::"))
        for r in resources.values())


def decode_template(data: bytes | str, file: str) -> Any:
    """The decoded values of a template's text (JSON when it starts with ``{``, else YAML)."""
    from checker.sources.cloudformation.decode import parse_json_template, parse_yaml
    from checker.sources.jsonpos import decode_text

    text = decode_text(data) if isinstance(data, bytes) else data
    if text.lstrip().startswith("{"):
        return parse_json_template(text, file)
    return parse_yaml(text, file)


def extract_embedded(value: Any, parameters: Any, ex: Extracted, prefix: str, file: str, line: int,
                     one_line: bool = False) -> None:
    """A template given as a Terraform value (``aws_cloudformation_stack``'s ``template_body``), read
    into the Terraform front end's items ``ex`` with addresses under ``prefix``
    (``aws_cloudformation_stack.x/Resources/Role``). Lines: a heredoc's or a literal's lines in the
    Terraform file (its first line at the value's origin), ``file()``/``templatefile()`` lines in the
    template file, ``jsonencode(...)`` the lines of the encoded Terraform values. ``parameters``: the
    resource's ``parameters`` map (an unknown value leaves the parameter unknown; an unknown map, every
    parameter). An unknown body is
    unresolved (IAM002); an invalid one is IAM001 (``ex.diagnostics``). ``one_line``: the text is one
    string of a file (a plan's JSON), so everything of it is at ``line``."""
    if isinstance(value, Unknown):
        ex.unresolved.append(Unresolved(prefix, file, line, f"{prefix}: its template_body is not known "
                                                            f"({value.reason}): the IAM the stack creates cannot be judged"))
        return
    if isinstance(value, dict) or (isinstance(value, TfStr) and value.encoded_from is not None):
        tfile = file
        structure = value if isinstance(value, dict) else value.encoded_from
        template: Any = _from_structure(structure, file, line)
    elif isinstance(value, str):
        origin = value.origin if isinstance(value, TfStr) else None
        from_file = value.from_file if isinstance(value, TfStr) else None
        tfile = file if one_line else from_file or (origin.file if origin else file)
        start = 1 if from_file or one_line else (origin.line if origin else line)
        try:
            template = decode_template("\n" * (start - 1) + str(value), tfile)
        except TemplateSyntaxError as exc:
            ex.diagnostics.append((tfile, line if one_line else exc.line, f"{prefix}: template_body: {exc.message}"))
            return
        if one_line:
            template = _from_structure(_plain(template), file, line)
    else:
        ex.unresolved.append(Unresolved(prefix, file, line, f"{prefix}: its template_body is not a template text "
                                                            "(no text): the IAM the stack creates cannot be judged"))
        return
    if not is_template_value(template):
        ex.diagnostics.append((tfile, line_of(template, line) or line,
                               f"{prefix}: template_body is not a CloudFormation template"))
        return
    errors: list[SourceError] = []
    if isinstance(parameters, Unknown):
        declared = template.get("Parameters")
        given: dict[str, Any] = {str(k): parameters for k in (declared if isinstance(declared, dict) else {})}
    else:
        given = {str(k): v for k, v in parameters.items() if isinstance(v, str | Unknown)} \
            if isinstance(parameters, Mapping) else {}
    Reader(template, tfile, given, ex, errors, set(), prefix).read()
    for err in errors:
        ex.diagnostics.append((err.file, err.line, f"{prefix}: {err.message}"))


def _from_structure(value: Any, file: str, line: int) -> Any:
    """An encoded Terraform value (``jsonencode({...})``) as decoded template values: strings keep
    their Terraform origins; a mapping or list is at the line of its first value (else ``line``)."""
    if isinstance(value, dict):
        out = CfnMap()
        for k, v in value.items():
            out[str(k)] = _from_structure(v, file, line)
            out.key_lines[str(k)] = line_of(out[str(k)], line)
        first = next((line_of(v) for v in out.values() if line_of(v)), line)
        out.origin = Origin(file, first, first)
        return out
    if isinstance(value, list | tuple):
        items = [_from_structure(v, file, line) for v in value]
        first = next((line_of(v) for v in items if line_of(v)), line)
        return CfnList(items, origin=Origin(file, first, first))
    if isinstance(value, TfStr):
        return value if value.origin is not None else TfStr(str(value), Origin(file, line))
    if isinstance(value, str):
        return TfStr(value, Origin(file, line))
    return value


class Reader:
    """Reads one decoded template into the Terraform front end's items ``ex``; invalid parts go to
    ``errors`` (IAM001), the values of NoEcho parameters to ``sensitive``."""

    def __init__(self, template: CfnMap, file: str, parameters: Mapping[str, Any], ex: Extracted,
                 errors: list[SourceError], sensitive: set[str], prefix: str = "") -> None:
        self.template = template
        self.base = f"{prefix}/" if prefix else ""
        self.file = file
        self.parameters = parameters
        self.ex = ex
        self.errors = errors
        self.sensitive = sensitive

    def error(self, line: int, message: str) -> None:
        self.errors.append(SourceError.model_construct(file=self.file, line=max(line, 1), message=message))

    def read(self) -> None:
        template = _apply_transforms(self.template, self.file, self.parameters, self.ex, self.errors, self.base)
        if template is None:
            return
        resources = template.get("Resources")
        if not isinstance(resources, dict):
            self.error(line_of(resources, 1), "Resources must be a mapping of logical ids to resources")
            return
        index: dict[str, Resource] = {}
        for logical_id, body in resources.items():
            address = f"{self.base}Resources/{logical_id}"
            if isinstance(body, dict):
                meta = body.get("Metadata")
                if isinstance(meta, dict) and isinstance(meta.get(CDK_PATH), str) and meta[CDK_PATH]:
                    address = f"{self.base}{meta[CDK_PATH]}"
            rtype = body.get("Type") if isinstance(body, dict) else None
            index[str(logical_id)] = Resource(str(logical_id), str(rtype) if isinstance(rtype, str) else "", address)
        try:
            ev = Evaluator(template, self.file, index, self.parameters)
        except EvalError as exc:
            self.error(exc.line, exc.message)
            return
        for err in ev.errors:
            self.error(err.line, err.message)
        for name in ev.sensitive_params:
            value = ev.params.get(name)
            for s in _strings(value):
                self.sensitive.add(s)
        for logical_id, body in resources.items():
            r = index[str(logical_id)]
            line = resources.key_lines.get(logical_id, line_of(body, 1)) if isinstance(resources, CfnMap) \
                else line_of(body, 1)
            try:
                self.resource(ev, r, body, line)
            except MacroError as exc:
                self.ex.unresolved.append(Unresolved(address=r.address, file=self.file, line=max(exc.line, 1),
                                                     message=f"{r.address}: {exc.message}",
                                                     rule=ProblemKind.UNRESOLVED_MODULE))
            except EvalError as exc:
                self.error(exc.line, f"{r.address}: {exc.message}")

    def resource(self, ev: Evaluator, r: Resource, body: Any, line: int) -> None:
        if r.logical_id == "Fn::Transform":  # a macro that writes resources (AWS::Include of a snippet)
            raise MacroError(f"Fn::Transform runs the macro {macro_name(body)}: its code adds resources when "
                             "CloudFormation processes the template, so what they grant cannot be read", line)
        if not isinstance(body, dict) or not r.rtype:
            raise EvalError("a resource must be a mapping with a Type", line)
        type_line = body.key_lines.get("Type", line) if isinstance(body, CfnMap) else line
        if "Condition" in body:
            value = ev.condition(body["Condition"], line_of(body["Condition"], line))
            if value is False:
                self.ex.skipped.append((self.file, r.address, f"its Condition {body['Condition']} is false: "
                                                              "CloudFormation does not create it"))
                return
        props = body.get("Properties")
        if props is None:
            props = CfnMap(origin=Origin(self.file, line, line))
        if not isinstance(props, dict):
            raise EvalError("Properties must be a mapping", line_of(props, line))
        if "Fn::Transform" in props and len(props) == 1:  # the whole mapping is written by a macro
            ev.eval(props, 0)  # raises MacroError
        props = self.by_key(props, line)
        rtype = r.rtype
        for path, kind in (PROFILE_ROLES if rtype == "AWS::IAM::InstanceProfile" else
                           inventory.passed_roles(rtype)).items():
            self.passed_role(ev, r, props, path, kind, line)
        reader = _READERS.get(rtype)
        if reader is not None:
            reader(self, ev, r, props, line)
            return
        entry = inventory.classify(rtype)
        if entry is not None and entry.kind == "resource-policy":
            for path in entry.paths("resource-policy"):
                self.resource_policy(ev, r, props, path, line)
            return
        if entry is not None and entry.kind == "organizations-policy" and "Content" in props:
            ptype = self.scalar(ev, props, "Type")
            if isinstance(ptype, str) and str(ptype) not in ORGANIZATIONS_JUDGED:
                return  # tag, backup, AI opt-out ... policies grant nothing
            self.policy(ev, r, props, "Content", DocumentKind.SCP, line,
                        name=self.scalar(ev, props, "Name"))
            return
        unread = _unread(entry, rtype, props)
        if unread is not None:
            where = type_line
            if entry is not None:
                written = [_top(p.path) for p in entry.policy_properties if _written(props, p.path)]
                where = self.prop_line(props, written[0], type_line) if written else type_line
            self.ex.unresolved.append(Unresolved(r.address, self.file, where, f"{r.address}: {unread.message}",
                                                 unread.rule))

    def resource_policy(self, ev: Evaluator, r: Resource, props: Mapping[str, Any], path: str, line: int) -> None:
        """Each policy at ``path`` (``A.B``, ``A[*].B``, relative to Properties) of a resource."""
        found: list[tuple[Any, Any, str]] = []
        for container, key, address in self.places(ev, props, path, r.address):
            if key is None:
                self.ex.unresolved.append(Unresolved(r.address, self.file, line_of(container, line),
                                                     f"{r.address}: its {path} cannot be judged: {container.reason}"))
            else:
                found.append((container, key, address))
        by_address: dict[str, list[tuple[Any, Any]]] = {}
        for container, key, address in found:
            by_address.setdefault(address, []).append((container, key))
        for address, places in by_address.items():
            container, key = places[0]
            if len(places) > 1:  # the same policy under several choices: judged as one value of those choices
                values = tuple(c[k] for c, k in places)
                merged = CfnMap({key: Either(f"choice:{address}", values, "a choice that is not known")},
                                origin=getattr(container, "origin", None))
                merged.key_lines[key] = self.prop_line(container, key, line)
                container = merged
            self.policy(ev, r, container, key, DocumentKind.RESOURCE, line, address=address,
                        evaluated=container is not props)

    def passed_role(self, ev: Evaluator, r: Resource, props: Mapping[str, Any], path: str, kind: str,
                    line: int) -> None:
        """A role or instance profile the resource hands to a service at ``path``: lent permissions
        (IAM006 unless the template defines it, as for Terraform's passed roles). An instance profile of
        the template lends the roles it holds (read with the profile)."""
        what = f"hands the {kind.replace('-', ' ')} over through {path}:"
        profiles = {x.address for x in ev.resources.values() if x.rtype == "AWS::IAM::InstanceProfile"}
        for container, key, _ in self.places(ev, props, path, r.address):
            if key is None:  # a step on the way is not known: what it hands over is not either
                where, value = line_of(container, line), container
            else:
                where = self.prop_line(container, key, line)
                value = ev.eval(container[key]) if container is props else container[key]
            for option in alternatives(value):
                if kind == "instance-profile" and isinstance(option, dict):  # a launch template's {Arn | Name}
                    option = option.get("Arn", option.get("Name"))
                    if option is None:
                        continue
                if isinstance(option, Unknown) and option.ref in profiles:
                    continue
                self.ex.lent.append(LentItem(r.address, r.rtype, kind, [option], what, self.file,
                                             line_of(option, where)))

    def places(self, ev: Evaluator, props: Mapping[str, Any], path: str, address: str) -> list[tuple[Any, Any, str]]:
        """Every place ``path`` reaches in the properties, under every choice: ``(container, key,
        address)`` with the value at ``container[key]`` (not evaluated when ``container`` is ``props``).
        ``A.B`` steps into a mapping, ``A[*]`` into a list's items, ``A{*}`` into a map's values; a step
        chosen by ``Fn::If`` is walked for each choice. A step that is not known ends its walk as
        ``(Unknown, None, address)``: what lies below it cannot be read."""
        out: list[tuple[Any, Any, str]] = []
        steps = path.split(".")
        level: list[tuple[Any, str]] = [(props, address)]
        for n, step in enumerate(steps):
            key = re.split(r"[\[{]", step, maxsplit=1)[0]
            nxt: list[tuple[Any, str]] = []
            for container, at in level:
                if isinstance(container, Unknown):
                    out.append((container, None, at))
                    continue
                if not isinstance(container, dict) or key not in container:
                    continue
                holders: list[tuple[Any, Any, str]] = [(container, key, f"{at}/{key}")]
                for each in re.findall(r"\[\*\]|\{\*\}", step[len(key):]):
                    inner: list[tuple[Any, Any, str]] = []
                    for c, k, a in holders:
                        for option in alternatives(ev.eval(c[k]) if c is props else c[k]):
                            if isinstance(option, Unknown):
                                out.append((option, None, a))
                            elif each == "[*]" and isinstance(option, list):
                                inner.extend((option, i, f"{a}/{i}") for i in range(len(option)))
                            elif each == "{*}" and isinstance(option, dict):
                                inner.extend((option, k2, f"{a}/{k2}") for k2 in option)
                    holders = inner
                if n == len(steps) - 1:
                    out.extend(holders)
                    continue
                for c, k, a in holders:
                    nxt.extend((option, a) for option in alternatives(ev.eval(c[k]) if c is props else c[k]))
            level = nxt
        return out

    def by_key(self, props: Mapping[str, Any], line: int, depth: int = 0) -> Mapping[str, Any]:
        """Properties written as a whole by one ``Fn::If`` (CloudFormation takes the chosen branch as
        the mapping), written key by key instead: each key an ``Fn::If`` of the branches' values, with
        ``AWS::NoValue`` where a branch lacks the key, so that every property is judged as a property
        written with ``Fn::If`` is (each choice that is not known). ``AWS::NoValue`` is no properties.
        No other function can write the mapping (``Fn::Transform`` is read before): refused."""
        if len(props) != 1:
            return props
        key = next(iter(props))
        if key == "Ref" and props[key] == NO_VALUE:
            return CfnMap(origin=getattr(props, "origin", None))
        if key != "Fn::If":
            if key == "Ref" or key.startswith("Fn::"):
                raise EvalError(f"Properties must be a mapping, not {key}", line_of(props, line))
            return props
        arg = props[key]
        where = line_of(props, line_of(arg, line))
        if depth > MAX_PROPERTY_CHOICES or not isinstance(arg, list) or len(arg) != 3:
            raise EvalError("Fn::If writing Properties takes [Condition, Properties, Properties]"
                            if depth <= MAX_PROPERTY_CHOICES else
                            f"Properties chosen by more than {MAX_PROPERTY_CHOICES} nested Fn::If", where)
        branches: list[Mapping[str, Any]] = []
        for branch in arg[1:]:
            if not isinstance(branch, dict):
                raise EvalError("each branch of an Fn::If writing Properties must be a mapping or AWS::NoValue",
                                line_of(branch, where))
            branches.append(self.by_key(branch, line_of(branch, where), depth + 1))
        out = CfnMap(origin=getattr(props, "origin", None))
        for name in dict.fromkeys(k for b in branches for k in b):
            holder = next(b for b in branches if name in b)
            at = getattr(holder, "key_lines", {}).get(name, line_of(holder[name], where))
            origin = Origin(self.file, at)
            values = [b[name] if name in b else CfnMap({"Ref": NO_VALUE}, origin=origin) for b in branches]
            out[name] = CfnMap({"Fn::If": CfnList([arg[0], *values], origin=origin)}, origin=origin)
            out.key_lines[name] = at
        return out

    def prop_line(self, props: Any, key: Any, default: int) -> int:
        """The line of ``props[key]`` (a mapping's key, or a list's index)."""
        lines: dict[str, int] = getattr(props, "key_lines", {})
        value = props.get(key) if isinstance(props, Mapping) else props[key]
        return lines.get(key, line_of(value, default))

    def policy(self, ev: Evaluator, r: Resource, props: Mapping[str, Any], key: str, kind: DocumentKind | None,
               line: int, *, address: str | None = None, text: bool = False, name: Any = None,
               owner_kind: str | None = None, owner: Any = None, arn_of: str | None = None,
               evaluated: bool = False) -> PolicyItem | None:
        """The policy in property ``key`` of ``props`` (already evaluated when ``evaluated``); None when
        the property is ``AWS::NoValue`` under every choice (a choice that leaves it out has no policy)."""
        where = self.prop_line(props, key, line)
        value = props[key] if evaluated else ev.eval(props[key])
        policy = _policy_value(value, Origin(self.file, where))
        if policy is NOVALUE:
            return None
        item = PolicyItem(address=address or f"{r.address}/{key}", resource=r.address, rtype=r.rtype, kind=kind,
                          value=policy, file=self.file, line=where,
                          name=name, owner_kind=owner_kind, owner=owner, arn_of=arn_of,
                          flat=text or isinstance(value, str))
        self.ex.policies.append(item)
        return item

    def names(self, ev: Evaluator, props: Mapping[str, Any], key: str) -> list[Any]:
        """A list property (role names, ARNs) as the values it may hold: every value of every
        combination of unknown conditions (attaching more never hides a grant)."""
        if key not in props:
            return []
        out: list[Any] = []
        for item in items_of(ev.eval(props[key])):
            if isinstance(item, Unknown) or item not in out:
                out.append(item)
        return out

    def scalar(self, ev: Evaluator, props: Mapping[str, Any], key: str, *, evaluated: bool = False) -> Any:
        """A scalar property; one that differs between choices that are not known is unknown."""
        if key not in props:
            return None
        value = props[key] if evaluated else ev.eval(props[key])
        try:
            options = variants(value)
        except TooMany:
            options = [value, value]
        if len({str(o) if isinstance(o, str) else id(o) for o in options}) == 1:
            return options[0]
        return Unknown(f"{key} depends on a condition or parameter that is not known",
                       Origin(self.file, line_of(props[key], 1)))

    def inline_policies(self, ev: Evaluator, r: Resource, props: Mapping[str, Any], line: int, kind: str) -> None:
        if "Policies" not in props:
            return
        where = self.prop_line(props, "Policies", line)
        owner = Unknown(f"{r.address}", ref=r.address)
        for i, entry in enumerate(items_of(ev.eval(props["Policies"]))):
            if isinstance(entry, Unknown):
                self.ex.unresolved.append(Unresolved(r.address, self.file, where, f"{r.address} Policies: {entry.reason}"))
                continue
            if not isinstance(entry, dict) or "PolicyDocument" not in entry:
                raise EvalError("each entry of Policies needs PolicyName and PolicyDocument", line_of(entry, where))
            self.policy(ev, r, entry, "PolicyDocument", DocumentKind.IDENTITY, line,
                        address=f"{r.address}/Policies/{i}", name=self.scalar(ev, entry, "PolicyName", evaluated=True),
                        owner_kind=kind, owner=owner, evaluated=True)

    def managed_arns(self, ev: Evaluator, props: Mapping[str, Any], key: str, line: int) -> list[tuple[Any, int]]:
        return [(arn, line_of(arn, self.prop_line(props, key, line))) for arn in self.names(ev, props, key)]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str)]
    if isinstance(value, Either):
        return [s for o in value.options for s in _strings(o)]
    return []


def _policy_value(value: Any, origin: Origin) -> Any:
    """An evaluated policy property as the Terraform builder reads it: a JSON text, an Unknown, or
    the structure of every combination of unknown choices merged (:func:`_merge`); ``NOVALUE`` when
    every choice leaves the property out."""
    if isinstance(value, Unknown) or value is None:
        return value
    try:
        options = [o for o in variants(value) if o is not NOVALUE]  # a choice without the policy grants nothing
    except TooMany as exc:
        return Unknown(f"the policy has {exc}", origin)
    if not options:
        return NOVALUE
    if all(isinstance(o, str) for o in options):
        if len({str(o) for o in options}) == 1:
            return options[0]
        merged_texts: list[Any] = []
        for o in options:
            try:
                merged_texts.append(json.loads(str(o)))
            except ValueError:
                return options[0]  # the builder reports the invalid JSON
        return TfStr(json.dumps(merged_texts[0]), origin, encoded_from=_merge(merged_texts, origin))
    for o in options:
        if isinstance(o, Unknown):
            return o
        if not isinstance(o, dict):
            return TfStr(json.dumps(_plain(o)), origin)  # the builder reports what it is
    merged = _merge(options, origin)
    return TfStr("", origin, encoded_from=merged)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=lambda u: f"unknown:{getattr(u, 'reason', u)}")


def _merge(docs: list[Any], origin: Origin) -> Any:
    """One document for every combination of unknown choices: the Allow statements of any, the
    Deny statements of all (a Deny that exists only under some choice cannot be relied on)."""
    if len(docs) == 1:
        return docs[0]
    base = docs[0]
    per_doc: list[list[Any]] = []
    for d in docs:
        s = d.get("Statement") if isinstance(d, dict) else None
        per_doc.append(list(s) if isinstance(s, list) else ([s] if s is not None else []))
    keys_in_all = [{_canonical(_plain(s)) for s in stmts} for stmts in per_doc]
    merged: list[Any] = []
    seen: set[str] = set()
    for stmts in per_doc:
        for s in stmts:
            key = _canonical(_plain(s))
            if key in seen:
                continue
            if isinstance(s, dict) and s.get("Effect") == "Deny" and not all(key in k for k in keys_in_all):
                continue
            seen.add(key)
            merged.append(s)
    _distinct_sids(merged)
    out = CfnMap(base, origin=getattr(base, "origin", origin))
    out.key_lines = dict(getattr(base, "key_lines", {}))
    statement = base.get("Statement") if isinstance(base, dict) else None
    out["Statement"] = CfnList(merged, origin=getattr(statement, "origin", origin))
    return out


def _distinct_sids(statements: list[Any]) -> None:
    """Statements of other choices keep their Sid with ``Alt<n>`` appended where it is taken (Sids are
    unique in a policy: the alternatives of one statement are not duplicates)."""
    used = {str(s["Sid"]) for s in statements if isinstance(s, dict) and isinstance(s.get("Sid"), str)}
    taken: set[str] = set()
    for i, s in enumerate(statements):
        sid = s.get("Sid") if isinstance(s, dict) else None
        if not isinstance(sid, str):
            continue
        if sid not in taken:
            taken.add(str(sid))
            continue
        n = 2
        while f"{sid}Alt{n}" in used or f"{sid}Alt{n}" in taken:
            n += 1
        renamed = CfnMap(s, origin=getattr(s, "origin", None))
        renamed.key_lines = dict(getattr(s, "key_lines", {}))
        renamed["Sid"] = TfStr(f"{sid}Alt{n}", getattr(sid, "origin", None))
        taken.add(str(renamed["Sid"]))
        statements[i] = renamed


# --- resource readers ------------------------------------------------------------------------------


def _read_principal(rd: Reader, ev: Evaluator, r: Resource, props: Mapping[str, Any], line: int) -> None:
    kind = PRINCIPAL_TYPES[r.rtype]
    name_key = {"role": "RoleName", "user": "UserName", "group": "GroupName"}[kind]
    name = rd.scalar(ev, props, name_key)
    item = PrincipalItem(address=r.address, kind=kind, name=name if isinstance(name, str) else None, file=rd.file,
                         line=line, managed_suffix="/ManagedPolicyArns", boundary_suffix="/PermissionsBoundary")
    if kind == "role":
        trust = None
        if "AssumeRolePolicyDocument" in props:
            trust = rd.policy(ev, r, props, "AssumeRolePolicyDocument", DocumentKind.TRUST, line)
        if trust is None:
            raise EvalError("AWS::IAM::Role needs AssumeRolePolicyDocument", line)
        item.trust = trust.address
    if "PermissionsBoundary" in props:
        item.boundary = rd.scalar(ev, props, "PermissionsBoundary")
        item.boundary_line = rd.prop_line(props, "PermissionsBoundary", line)
    item.managed_arns = rd.managed_arns(ev, props, "ManagedPolicyArns", line)
    rd.ex.principals.append(item)
    rd.inline_policies(ev, r, props, line, kind)
    if kind == "user" and "Groups" in props:
        groups = rd.names(ev, props, "Groups")
        rd.ex.memberships.append(MembershipItem(address=f"{r.address}/Groups", users=[Unknown(r.address, ref=r.address)],
                                                groups=groups, file=rd.file, line=rd.prop_line(props, "Groups", line)))


def _read_policy(rd: Reader, ev: Evaluator, r: Resource, props: Mapping[str, Any], line: int) -> None:
    """AWS::IAM::Policy and AWS::IAM::ManagedPolicy, attached to the Roles, Users and Groups they name."""
    name_key = "ManagedPolicyName" if r.rtype == "AWS::IAM::ManagedPolicy" else "PolicyName"
    name = rd.scalar(ev, props, name_key)
    if "PolicyDocument" not in props:
        raise EvalError(f"{r.rtype} needs PolicyDocument", line)
    item = rd.policy(ev, r, props, "PolicyDocument", DocumentKind.IDENTITY, line, address=r.address,
                     name=name if isinstance(name, str) else None, arn_of=r.address)
    if item is None:
        raise EvalError(f"{r.rtype} needs PolicyDocument", line)
    ref = Unknown(f"{r.address}", ref=r.address, attribute="arn")
    for key, kind in (("Roles", "role"), ("Users", "user"), ("Groups", "group")):
        owners = rd.names(ev, props, key)
        if owners:
            rd.ex.attachments.append(AttachmentItem(address=f"{r.address}/{key}", rtype=r.rtype, owner_kind=kind,
                                                    owners=owners, policy=ref, file=rd.file, line=item.line))


def _read_inline(rd: Reader, ev: Evaluator, r: Resource, props: Mapping[str, Any], line: int) -> None:
    kind, owner_key = INLINE_POLICY_TYPES[r.rtype]
    if "PolicyDocument" not in props or owner_key not in props:
        raise EvalError(f"{r.rtype} needs PolicyDocument and {owner_key}", line)
    rd.policy(ev, r, props, "PolicyDocument", DocumentKind.IDENTITY, line, address=r.address,
              name=rd.scalar(ev, props, "PolicyName"), owner_kind=kind, owner=rd.scalar(ev, props, owner_key))


def _read_membership(rd: Reader, ev: Evaluator, r: Resource, props: Mapping[str, Any], line: int) -> None:
    group = rd.scalar(ev, props, "GroupName")
    rd.ex.memberships.append(MembershipItem(address=r.address, users=rd.names(ev, props, "Users"), groups=[group],
                                            file=rd.file, line=line))


def _read_permission_set(rd: Reader, ev: Evaluator, r: Resource, props: Mapping[str, Any], line: int) -> None:
    """AWS::SSO::PermissionSet: the role it becomes in each account it is assigned to."""
    name = rd.scalar(ev, props, "Name")
    item = PrincipalItem(address=r.address, kind="role", name=name if isinstance(name, str) else None,
                         file=rd.file, line=line, managed_suffix="/ManagedPolicies",
                         boundary_suffix="/PermissionsBoundary")
    owner = Unknown(r.address, ref=r.address)
    if "InlinePolicy" in props:
        rd.policy(ev, r, props, "InlinePolicy", DocumentKind.IDENTITY, line, owner_kind="role", owner=owner)
    item.managed_arns = rd.managed_arns(ev, props, "ManagedPolicies", line)
    boundary = ev.eval(props["PermissionsBoundary"]) if "PermissionsBoundary" in props else None
    if isinstance(boundary, dict) and "ManagedPolicyArn" in boundary:
        item.boundary = boundary["ManagedPolicyArn"]
        item.boundary_line = rd.prop_line(props, "PermissionsBoundary", line)
    # a boundary named by CustomerManagedPolicyReference lives in each account: it narrows nothing here
    if props.get("CustomerManagedPolicyReferences"):
        rd.ex.unresolved.append(Unresolved(
            f"{r.address}/CustomerManagedPolicyReferences", rd.file,
            rd.prop_line(props, "CustomerManagedPolicyReferences", line),
            f"{r.address}: CustomerManagedPolicyReferences name policies that exist in each account the permission "
            "set is assigned to: their documents cannot be judged"))
    rd.ex.principals.append(item)


def _service_principal(p: str) -> bool:
    return p.endswith((".amazonaws.com", ".amazonaws.com.cn", ".amazon.com")) or ("." in p and not p.startswith("arn:"))


def _read_lambda_permission(rd: Reader, ev: Evaluator, r: Resource, props: Mapping[str, Any], line: int) -> None:
    """AWS::Lambda::Permission: the statement it adds to the function's resource policy."""
    values = {k: ev.eval(props[k]) for k in ("Action", "FunctionName", "Principal", "SourceAccount", "SourceArn",
                                             "PrincipalOrgID", "FunctionUrlAuthType", "EventSourceToken")
              if k in props}
    for k in ("Action", "FunctionName", "Principal"):
        if k not in values:
            raise EvalError(f"AWS::Lambda::Permission needs {k}", line)
    origin = Origin(rd.file, line, line)

    def at(key: str) -> int:
        return rd.prop_line(props, key, line)

    principal = values["Principal"]
    statement = CfnMap(origin=origin)
    statement["Effect"] = TfStr("Allow", Origin(rd.file, line))
    if isinstance(principal, str) and str(principal) == "*":
        statement["Principal"] = principal
    else:
        key = "Service" if isinstance(principal, str) and _service_principal(str(principal)) else "AWS"
        statement["Principal"] = CfnMap({key: principal}, origin=Origin(rd.file, at("Principal")))
    statement["Action"] = values["Action"]
    statement["Resource"] = values["FunctionName"]
    conditions = CfnMap(origin=origin)
    string_equals = CfnMap(origin=origin)
    if "SourceAccount" in values:
        string_equals["AWS:SourceAccount"] = values["SourceAccount"]
    if "PrincipalOrgID" in values:
        string_equals["aws:PrincipalOrgID"] = values["PrincipalOrgID"]
    if "FunctionUrlAuthType" in values:
        string_equals["lambda:FunctionUrlAuthType"] = values["FunctionUrlAuthType"]
    if string_equals:
        conditions["StringEquals"] = string_equals
    if "SourceArn" in values:
        conditions["ArnLike"] = CfnMap({"AWS:SourceArn": values["SourceArn"]}, origin=origin)
    if conditions:
        statement["Condition"] = conditions
    document = CfnMap({"Version": TfStr("2012-10-17", origin), "Statement": CfnList([statement], origin=origin)},
                      origin=origin)
    rd.ex.policies.append(PolicyItem(address=r.address, resource=r.address, rtype=r.rtype, kind=DocumentKind.RESOURCE,
                                     value=_policy_value(document, origin), file=rd.file, line=line))


_READERS = {
    **dict.fromkeys(PRINCIPAL_TYPES, _read_principal),
    "AWS::IAM::Policy": _read_policy,
    "AWS::IAM::ManagedPolicy": _read_policy,
    **dict.fromkeys(INLINE_POLICY_TYPES, _read_inline),
    "AWS::IAM::UserToGroupAddition": _read_membership,
    "AWS::SSO::PermissionSet": _read_permission_set,
    "AWS::Lambda::Permission": _read_lambda_permission,
}
