"""Terraform plan front end: ``terraform show -json plan.out`` to the model.

A plan is recognised by its content (``format_version`` with ``planned_values`` or
``resource_changes``), never by its name. Each resource instance that the plan creates, updates
or keeps (``resource_changes[].change.after``, else ``planned_values``) is read like the
Terraform front end reads a configuration, and values the plan marks in ``after_unknown`` are
unknown. References that link policies to roles (``role = aws_iam_role.audit.id``) are taken
from the plan's ``configuration`` section when the value itself is not known yet. Findings name
resource addresses; their lines are the lines of the plan file where each value is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.model import DocumentKind, ProblemKind
from checker.sources.detect import is_plan as is_plan  # re-exported: detection by content
from checker.sources.jsonpos import JsonNode, JsonSyntaxError, parse_json
from checker.terraform import inventory
from checker.terraform.iam import (
    ATTACHMENTS,
    EXCLUSIVE_INLINE,
    INLINE_POLICIES,
    LENDERS,
    MEMBERSHIPS,
    PRINCIPAL_TYPES,
    SPECIALISED,
    cloudformation_problem,
    item_line,
    provider_pins,
    role_paths,
    synthesise_grant,
)
from checker.terraform.items import (
    AttachmentItem,
    ExclusiveItem,
    Extracted,
    LentItem,
    MembershipItem,
    PolicyItem,
    PrincipalItem,
    Unresolved,
)
from checker.terraform.to_model import TerraformLoad, build_from_extracted
from checker.terraform.values import Origin, TfStr, Unknown

# Attributes that link a policy to a principal or a policy ARN: their references are followed.
_LINKS = frozenset({"role", "user", "group", "roles", "users", "groups", "role_name", "user_name", "group_name",
                    "policy_arn", "policy_arns", "permissions_boundary", "managed_policy_arns", "username",
                    "permission_set_arn", "group_id"})




@dataclass
class _Resource:
    address: str
    rtype: str
    mode: str
    after: JsonNode  # the object of values
    unknown: Any  # after_unknown (plain)
    module: str  # module address ("" for root)
    importing: int = 0  # the line of change.importing (0: not imported)


class _PlanReader:
    def __init__(self, root: JsonNode, file: str) -> None:
        self.root = root
        self.file = file
        self.references: dict[tuple[str, str], list[str]] = {}  # (config address, attr) -> references
        self.nested_keys: dict[tuple[str, str], set[str]] = {}  # (config address, block) -> arguments written in it
        self.configured: dict[str, set[str]] | None = None  # config address -> attributes written
        self.provisioners: dict[str, list[tuple[str, int]]] = {}  # config address -> (type, line)
        self._config(root.get("configuration"))

    def _config(self, conf: JsonNode | None) -> None:
        if conf is None or conf.kind != "object":
            return
        self.configured = {}
        stack: list[tuple[str, JsonNode | None]] = [("", conf.get("root_module"))]
        while stack:
            prefix, mod = stack.pop()
            if mod is None or mod.kind != "object":
                continue
            res = mod.get("resources")
            for r in res.items if res is not None and res.kind == "array" else ():
                addr = r.get("address")
                exprs = r.get("expressions")
                if addr is None:
                    continue
                full = f"{prefix}.{addr.value}" if prefix else str(addr.value)
                provs = r.get("provisioners")
                for prov in provs.items if provs is not None and provs.kind == "array" else ():
                    ptype = prov.get("type")
                    if ptype is not None and ptype.value in inventory.CODE_PROVISIONERS:
                        self.provisioners.setdefault(full, []).append((str(ptype.value), prov.line))
                if exprs is None or exprs.kind != "object":
                    continue
                self.configured[full] = {name for name, _, _ in exprs.members}
                for name, _, e in exprs.members:
                    refs = e.get("references") if e.kind == "object" else None
                    if refs is not None and refs.kind == "array":
                        self.references[(full, name)] = [str(x.value) for x in refs.items if x.kind == "string"]
                    elif e.kind == "array":  # a nested block: every reference written inside it
                        self.references[(full, name)] = _nested_references(e)
                        self.nested_keys[(full, name)] = _nested_keys(e)
            calls = mod.get("module_calls")
            for name, _, call in calls.members if calls is not None and calls.kind == "object" else ():
                child = call.get("module") if call.kind == "object" else None
                stack.append((f"{prefix}.module.{name}" if prefix else f"module.{name}", child))

    def resources(self) -> list[_Resource]:
        """Every resource instance the plan creates, updates or keeps; :class:`Malformed` when a
        part of the plan has another JSON type than ``terraform show -json`` writes."""
        out: list[_Resource] = []
        changes = self.root.get("resource_changes")
        if changes is not None and changes.kind != "null":
            _expect(changes, "array", "resource_changes")
            for rc in changes.items:
                _expect(rc, "object", "a resource_changes entry")
                change = rc.get("change")
                if change is None:
                    continue
                _expect(change, "object", "change")
                actions = change.get("actions")
                if actions is not None:
                    _expect(actions, "array", "change.actions")
                acts = [a.value for a in actions.items] if actions is not None else []
                after = change.get("after")
                if after is not None and after.kind != "null":
                    _expect(after, "object", "change.after")
                if acts == ["delete"] or after is None or after.kind != "object":
                    continue
                au = change.get("after_unknown")
                if au is not None and au.kind not in ("null", "bool"):
                    _expect(au, "object", "change.after_unknown")
                imp = change.get("importing")
                out.append(_Resource(str(_v(rc, "address")), str(_v(rc, "type")), str(_v(rc, "mode") or "managed"),
                                     after, au.to_python() if au is not None else {},
                                     str(_v(rc, "module_address") or ""),
                                     imp.line if imp is not None and imp.kind not in ("null", "bool") else 0))
            if changes.items:
                return out
        pv = self.root.get("planned_values")
        if pv is not None and pv.kind != "null":
            _expect(pv, "object", "planned_values")
        stack = [pv.get("root_module")] if pv is not None and pv.kind == "object" else []
        while stack:
            mod = stack.pop()
            if mod is None or mod.kind == "null":
                continue
            _expect(mod, "object", "a module of planned_values")
            res = mod.get("resources")
            if res is not None and res.kind != "null":
                _expect(res, "array", "planned_values resources")
            for r in res.items if res is not None else ():
                _expect(r, "object", "a planned_values resource")
                values = r.get("values")
                if values is not None and values.kind != "null":
                    _expect(values, "object", "values")
                if values is not None and values.kind == "object":
                    out.append(_Resource(str(_v(r, "address")), str(_v(r, "type")), str(_v(r, "mode") or "managed"),
                                         values, {}, str(_v(mod, "address") or "")))
            kids = mod.get("child_modules")
            if kids is not None and kids.kind != "null":
                _expect(kids, "array", "child_modules")
            stack.extend(kids.items if kids is not None else ())
        return out

    def value(self, r: _Resource, name: str, node: JsonNode | None = None, unknown: Any = None,
              path: str | None = None) -> Any:
        """An attribute of a planned resource: TfStr/list/dict with the plan's lines, or Unknown."""
        container = r.after if node is None else node
        unk = (r.unknown if isinstance(r.unknown, dict) else {}) if unknown is None else unknown
        child = container.get(name)
        u = unk.get(name) if isinstance(unk, dict) else None
        if u is True or (child is None and u):
            if node is None and not self.is_configured(r, name):
                return None  # computed by the provider, not written in the configuration
            ref = self._ref(r, name) if name in _LINKS or _role_head(r.rtype, name) else None
            return Unknown(f"{r.address}.{path or name} is known only after apply", Origin(self.file, container.line),
                           ref, None if ref is None else self._ref_attr(r, name))
        if child is None:
            return None
        return self._plain(child, u)

    def _plain(self, node: JsonNode, unknown: Any) -> Any:
        if node.kind == "string":
            return TfStr(node.value, Origin(self.file, node.line))
        if node.kind == "array":
            return [Unknown("known only after apply", Origin(self.file, c.line))
                    if isinstance(unknown, list) and i < len(unknown) and unknown[i] is True
                    else self._plain(c, unknown[i] if isinstance(unknown, list) and i < len(unknown) else None)
                    for i, c in enumerate(node.items)]
        if node.kind == "object":
            return {k: self._plain(v, unknown.get(k) if isinstance(unknown, dict) else None)
                    for k, _, v in node.members}
        return node.value

    def is_configured(self, r: _Resource, name: str, written: bool = False) -> bool:
        """Whether the configuration writes ``name``; without a configuration section: True, or
        with ``written`` whether the planned values hold it at all."""
        if self.configured is None:
            return r.after.get(name) is not None if written else True  # no configuration: every unknown counts
        base = re.sub(r"\[[^\]]*\]$", "", r.address)
        return name in self.configured.get(base, {name})

    def writes_nested(self, r: _Resource, block: str, key: str) -> bool:
        """Whether the configuration may write ``key`` inside the nested block ``block``: False only
        when the configuration section shows the block (a static one) without it."""
        if self.configured is None:
            return True
        base = re.sub(r"\[[^\]]*\]$", "", r.address)
        keys = self.nested_keys.get((base, block))
        return keys is None or key in keys

    def _refs(self, r: _Resource, name: str) -> list[str]:
        base = re.sub(r"\[[^\]]*\]$", "", r.address)
        return self.references.get((base, name), [])

    def _ref(self, r: _Resource, name: str) -> str | None:
        refs = self._refs(r, name)
        prefix = r.module
        for ref in refs:
            if ref.startswith(("var.", "local.", "each.", "count.", "path.")):
                continue
            parts = ref.split(".")
            n = 3 if parts[0] == "data" else 2
            if len(parts) >= n:
                addr = ".".join(parts[:n])
                return f"{prefix}.{addr}" if prefix else addr
        return None

    def _ref_attr(self, r: _Resource, name: str) -> str | None:
        for ref in self._refs(r, name):
            parts = ref.split(".")
            n = 3 if parts[0] == "data" else 2
            if len(parts) > n:
                return parts[n]
        return None


class Malformed(ValueError):
    """A part of a plan with another JSON type than the plan format has (a list that is a number)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _a(kind: str) -> str:
    """``an array``, ``a number``, ``null``: a JSON type as a message names it."""
    return kind if kind == "null" else ("an " if kind[0] in "aeiou" else "a ") + kind


def _expect(node: JsonNode, kind: str, what: str) -> None:
    if node.kind != kind:
        raise Malformed(f"{what} must be {_a(kind)}, found {_a(node.kind)}", node.line)


def _v(node: JsonNode, key: str) -> Any:
    child = node.get(key)
    return child.value if child is not None else None


def load_plan_text(data: bytes | str, file: str) -> TerraformLoad:
    """Every policy, principal and attachment a plan creates or keeps."""
    from checker.model import SourceError

    out = TerraformLoad()
    out.files.append(file)
    try:
        root = parse_json(data).root
    except JsonSyntaxError as exc:
        out.errors.append(SourceError.model_construct(file=file, line=max(exc.line, 1),
                                                      message=f"not valid JSON: {exc}"))
        return out
    reader = _PlanReader(root, file)
    ex = Extracted()
    try:
        for r in reader.resources():
            _read_resource(reader, r, ex, file)
        ex.accounts, ex.partitions = _provider_pins(root)
        build_from_extracted(ex, out)
    except Malformed as exc:
        out.errors.append(SourceError.model_construct(
            file=file, line=max(exc.line, 1), message=f"not a plan as `terraform show -json` writes it: {exc}"))
        return out
    except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
        # a value of another JSON type than the plan format has, where no check above names it
        out.errors.append(SourceError.model_construct(
            file=file, line=1, message=f"not a plan as `terraform show -json` writes it ({type(exc).__name__}: {exc})"))
        return out
    secrets = _sensitive_variable_strings(root)
    if secrets:
        out.documents = [d.model_copy(update={"sensitive": d.sensitive | secrets}) for d in out.documents]
    return out


def _aslist(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _list_value(r: _Resource, value: Any, name: str) -> list[Any]:
    """A list-typed argument: a list, or one unknown value; anything else is a malformed plan."""
    if value is None or isinstance(value, Unknown):
        return [] if value is None else [value]
    if not isinstance(value, list):
        node = r.after.get(name)
        found = _a(node.kind) if node is not None else type(value).__name__
        raise Malformed(f"{r.address}.{name} must be a list, found {found}",
                        node.line if node is not None else r.after.line)
    return value


def _written(value: Any, path: str) -> bool:
    """Whether a planned value sets ``path`` (``argument`` or ``block.argument``) to something."""
    head, _, rest = path.partition(".")
    if isinstance(value, Unknown):
        return True
    if not isinstance(value, dict) or head not in value:
        return False
    child = value[head]
    if not rest:
        return child not in (None, "", [], {}, False)
    return any(_written(c, rest) for c in (child if isinstance(child, list) else [child]))


def _read_resource(reader: _PlanReader, r: _Resource, ex: Extracted, file: str) -> None:
    """One planned resource instance: what the inventory says its type does."""
    rtype = r.rtype
    base = re.sub(r"\[[^\]]*\]$", "", r.address)
    for ptype, pline in reader.provisioners.get(base, ()):
        ex.unresolved.append(Unresolved(r.address, file, pline, f"{r.address}: a {ptype} provisioner runs a command "
                                        "during apply with the deploying credentials; what it does is not judged",
                                        rule=ProblemKind.RUNS_CODE))
    mode = "data" if r.mode == "data" else "resource"
    if mode == "data":
        if rtype in inventory.CODE_DATA_SOURCES:
            ex.unresolved.append(Unresolved(r.address, file, r.after.line, f"{r.address}: the external data source "
                                            "runs a program when it is read; what it does is not judged",
                                            rule=ProblemKind.RUNS_CODE))
        return
    if not inventory.is_aws(rtype):
        names = [name for name, _, _ in r.after.members]
        if rtype in inventory.AWSCC_READ:
            _awscc(reader, r, ex, file)
            return
        foreign = inventory.foreign_iam(rtype, names)
        if foreign is not None:
            ex.unresolved.append(Unresolved(r.address, file, r.after.line, f"{r.address}: {foreign} says IAM, and the "
                                            "gate does not read that provider: the permissions it grants are not "
                                            "judged", rule=ProblemKind.UNJUDGED))
        return
    entry = inventory.classify(mode, rtype)
    if entry is None:
        ex.unresolved.append(Unresolved(r.address, file, r.after.line, f"{r.address}: {rtype} is not a resource type "
                                        f"of the AWS provider {inventory.provider_version()} whose schema the gate "
                                        "records: what it grants is not known", rule=ProblemKind.UNJUDGED))
        return

    def val(name: str, r: _Resource = r) -> Any:
        return reader.value(r, name)

    def line(name: str, r: _Resource = r) -> int:
        node = r.after.get(name)
        return node.line if node is not None else r.after.line

    if r.importing and rtype in PRINCIPAL_TYPES:
        ex.unresolved.append(Unresolved(r.address, file, r.importing, f"the plan imports the existing "
                                        f"{PRINCIPAL_TYPES[rtype]} {r.address}: the policies it already has (attached "
                                        "and inline) stay, and the plan does not show them", rule=ProblemKind.UNJUDGED))
    if rtype in INLINE_POLICIES:
        owner_kind, owner_attr = INLINE_POLICIES[rtype]
        ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.IDENTITY, val("policy"),
                                      file, line("policy"), name=val("name"), owner_kind=owner_kind,
                                      owner=val(owner_attr), flat=True))
    elif rtype == "aws_iam_policy":
        ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.IDENTITY, val("policy"),
                                      file, line("policy"), name=val("name"), arn_of=r.address, flat=True,
                                      policy_path=val("path") or "/", arn=val("arn")))
    elif rtype == "aws_ssoadmin_permission_set_inline_policy":
        ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.IDENTITY, val("inline_policy"),
                                      file, line("inline_policy"), owner_kind="permission-set",
                                      owner=val("permission_set_arn"), flat=True))
    elif rtype in PRINCIPAL_TYPES:
        kind = PRINCIPAL_TYPES[rtype]
        item = PrincipalItem(r.address, kind, val("name"), file, r.after.line)
        boundary = val("permissions_boundary")
        if boundary not in (None, ""):
            item.boundary = boundary
            item.boundary_line = line("permissions_boundary")
        if kind == "role":
            ex.policies.append(PolicyItem(f"{r.address}.assume_role_policy", r.address, rtype, DocumentKind.TRUST,
                                          val("assume_role_policy"), file, line("assume_role_policy"), flat=True))
            item.trust = f"{r.address}.assume_role_policy"
            arns = val("managed_policy_arns")
            for a in _list_value(r, arns, "managed_policy_arns"):
                item.managed_arns.append((a, line("managed_policy_arns")))
            self_ref = Unknown("the role itself", None, r.address, "name")
            if reader.is_configured(r, "managed_policy_arns", written=True):
                # exclusive: the provider detaches every policy not listed
                ex.exclusives.append(ExclusiveItem(f"{r.address}.managed_policy_arns", "attached", "role",
                                                   self_ref, arns, file, line("managed_policy_arns")))
            inline = r.after.get("inline_policy")
            if reader.is_configured(r, "inline_policy", written=True):
                # exclusive: the provider deletes every inline policy not written in these blocks
                names = [_v(ip, "name") for ip in (inline.items if inline is not None and inline.kind == "array"
                                                   else ())]
                ex.exclusives.append(ExclusiveItem(f"{r.address}.inline_policy", "inline", "role", self_ref,
                                                   [n for n in names if isinstance(n, str)], file,
                                                   line("inline_policy")))
            _inline_policies(reader, r, ex, file)
        ex.principals.append(item)
    elif rtype in ATTACHMENTS:
        owner_kind, owner_attr, _many, pol_attr, pol_many = ATTACHMENTS[rtype]
        pols = val(pol_attr)
        items = _list_value(r, pols, pol_attr) if pol_many else [pols]
        for i, p in enumerate(items):
            ex.attachments.append(AttachmentItem(r.address + (f".{pol_attr}[{i}]" if pol_many else ""), rtype,
                                                 owner_kind, [val(owner_attr)], p, file, line(pol_attr)))
        if rtype.endswith("_exclusive"):
            ex.exclusives.append(ExclusiveItem(r.address, "attached", owner_kind, val(owner_attr), pols, file,
                                               line(pol_attr)))
    elif rtype in EXCLUSIVE_INLINE:
        owner_kind, owner_attr = EXCLUSIVE_INLINE[rtype]
        ex.exclusives.append(ExclusiveItem(r.address, "inline", owner_kind, val(owner_attr), val("policy_names"),
                                           file, line("policy_names")))
    elif rtype in ("aws_ssoadmin_customer_managed_policy_attachment", "aws_ssoadmin_permissions_boundary_attachment"):
        boundary_att = rtype == "aws_ssoadmin_permissions_boundary_attachment"
        holder: Any = r.after.to_python()
        if boundary_att:
            pb = holder.get("permissions_boundary") if isinstance(holder, dict) else None
            holder = pb[0] if isinstance(pb, list) and pb else {}
            arn = holder.get("managed_policy_arn") if isinstance(holder, dict) else None
            if isinstance(arn, str) and arn:
                ex.attachments.append(AttachmentItem(r.address, rtype, "permission-set", [val("permission_set_arn")],
                                                     TfStr(arn, Origin(file, r.after.line)), file, r.after.line,
                                                     boundary=True))
                return
        refs = holder.get("customer_managed_policy_reference") if isinstance(holder, dict) else None
        ref = refs[0] if isinstance(refs, list) and refs and isinstance(refs[0], dict) else None
        if ref is None:
            if not boundary_att:
                ex.unresolved.append(Unresolved(r.address, file, r.after.line,
                                                f"{r.address}: the customer managed policy it attaches is not known"))
            return
        name, path = ref.get("name"), ref.get("path") or "/"
        value: Any = (TfStr(f"arn:aws:iam::*:policy{path}{name}", Origin(file, r.after.line))
                      if isinstance(name, str) and isinstance(path, str) else
                      Unknown(f"{r.address}: the name of the customer managed policy is known only after apply",
                              Origin(file, r.after.line)))
        ex.attachments.append(AttachmentItem(r.address, rtype, "permission-set", [val("permission_set_arn")], value,
                                             file, r.after.line, boundary=boundary_att))
    elif rtype == "aws_iam_policy_attachment":
        for owner_kind, attr in (("role", "roles"), ("user", "users"), ("group", "groups")):
            owners = _list_value(r, val(attr), attr)
            if owners:
                ex.attachments.append(AttachmentItem(r.address, rtype, owner_kind, owners, val("policy_arn"), file,
                                                     line("policy_arn")))
    elif rtype in LENDERS:
        attr, lent_kind, what = LENDERS[rtype]
        lent = val(attr)
        lent_values = list(lent.values()) if isinstance(lent, dict) else [lent]
        if rtype == "aws_cognito_identity_pool_roles_attachment" and _written(r.after.to_python(), "role_mapping"):
            lent_values.append(Unknown("a role_mapping block maps claims to roles the gate does not read",
                                       Origin(file, line("role_mapping"))))
        ex.lent.append(LentItem(r.address, rtype, lent_kind, lent_values, what, file, line(attr), name=val("name")))
    elif rtype in MEMBERSHIPS:
        if rtype == "aws_iam_user_group_membership":
            users, groups = [val("user")], _list_value(r, val("groups"), "groups")
        else:
            users, groups = _list_value(r, val("users"), "users"), [val("group")]
        ex.memberships.append(MembershipItem(r.address, users, groups, file, r.after.line,
                                             exclusive=rtype == "aws_iam_group_membership"))
    elif rtype == "aws_organizations_policy":
        ptype = val("type")
        if ptype in (None, "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY") or isinstance(ptype, Unknown):
            ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.SCP, val("content"), file,
                                          line("content"), flat=True))
    elif entry.kind is inventory.Kind.GRANT and entry.synthesised:
        origin = Origin(file, r.after.line)
        synth = synthesise_grant(rtype, val, val, origin)
        if synth is not None:
            from checker.terraform.iam import structure_value

            ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.RESOURCE,
                                          structure_value(synth, origin), file, r.after.line))
    _passed_roles(reader, r, ex, file, val, line)
    if entry.grant_attributes and not entry.synthesised:  # also beside a policy (a bucket's ACL)
        values = {name: val(name) for name, _, _ in r.after.members}
        unknown = r.unknown if isinstance(r.unknown, dict) else {}
        written = [a for a in entry.grant_attributes
                   if a == "*" or _written(values, a) or (unknown.get(a.partition(".")[0]) is True
                                                           and reader.is_configured(r, a.partition(".")[0]))]
        if rtype.startswith("aws_s3_") and written == ["acl"] and values.get("acl") == "private":
            written = []
        if written:
            what = "the resource itself" if written == ["*"] else ", ".join(written)
            ex.unresolved.append(Unresolved(r.address, file, line(written[0].partition(".")[0]),
                                            f"{r.address}: {rtype} grants through {what}, in a form the gate does not "
                                            "judge (not a JSON policy); review it and suppress this finding with a "
                                            "reason, or grant through a policy", rule=ProblemKind.UNJUDGED))
    if entry.kind is inventory.Kind.CREATES_IAM:
        if rtype in ("aws_cloudformation_stack", "aws_cloudformation_stack_set"):
            body = val("template_body")
            if body is None:
                has_url = val("template_url") not in (None, "")
                attr = "template_url" if has_url else "template_body"
                ex.unresolved.append(Unresolved(r.address, file, line(attr), cloudformation_problem(r.address, has_url),
                                                rule=ProblemKind.UNJUDGED))
            else:
                from checker.sources.cloudformation.reader import extract_embedded

                extract_embedded(body, val("parameters") or {}, ex, r.address, file, line("template_body"),
                                 one_line=True)
        else:
            ex.unresolved.append(Unresolved(r.address, file, r.after.line, f"{r.address}: {entry.note}; the gate does "
                                            "not read what it creates", rule=ProblemKind.UNJUDGED))
    elif entry.kind is inventory.Kind.RUNS_CODE:
        ex.unresolved.append(Unresolved(r.address, file, r.after.line, f"{r.address}: {rtype} runs code during apply "
                                        f"({entry.note}); what it does is not judged", rule=ProblemKind.RUNS_CODE))
    if entry.policy_attributes and rtype not in SPECIALISED:
        for attr, dkind in entry.policy_attributes.items():
            head, _, leaf = attr.rpartition(".")
            if not head:
                value = val(attr)
                if value in (None, ""):
                    continue
                ex.policies.append(PolicyItem(r.address, r.address, rtype, dkind, value, file, line(attr), flat=True))
                continue
            outer = val(head)
            if isinstance(outer, Unknown):
                ex.policies.append(PolicyItem(f"{r.address}.{attr}", r.address, rtype, dkind, outer, file,
                                              line(head), flat=True))
                continue
            for i, nb in enumerate(_aslist(outer)):
                value = nb.get(leaf) if isinstance(nb, dict) else None
                if value in (None, ""):
                    continue
                ex.policies.append(PolicyItem(f"{r.address}.{head}[{i}].{leaf}", r.address, rtype, dkind, value, file,
                                              item_line(value, line(head)), flat=True))


def _nested_keys(node: JsonNode, depth: int = 0) -> set[str]:
    """Every argument name written in a nested block's expressions, at any depth."""
    out: set[str] = set()
    if depth > 8:
        return out
    for item in node.items if node.kind == "array" else [node] if node.kind == "object" else ():
        for name, _, child in item.members if item.kind == "object" else ():
            out.add(name)
            if child.kind == "array":
                out |= _nested_keys(child, depth + 1)
    return out


def _nested_references(node: JsonNode, depth: int = 0) -> list[str]:
    """Every reference written in a nested block's expressions (``configuration`` section)."""
    out: list[str] = []
    if depth > 8:
        return out
    for child in node.items if node.kind == "array" else [v for _, _, v in node.members] if node.kind == "object" else ():
        refs = child.get("references") if child.kind == "object" else None
        if refs is not None and refs.kind == "array":
            out += [str(x.value) for x in refs.items if x.kind == "string"]
        elif child.kind in ("array", "object"):
            out += _nested_references(child, depth + 1)
    return out


def _role_head(rtype: str, name: str) -> bool:
    """Whether the argument ``name`` hands a role over, or holds blocks that do."""
    return any(path.partition(".")[0] == name for path, _ in role_paths(rtype))


def _passed_roles(reader: _PlanReader, r: _Resource, ex: Extracted, file: str, val: Callable[[str], Any],
                  line: Callable[[str], int]) -> None:
    """The roles and instance profiles a planned resource hands over (iam.role_paths), nested
    blocks' too; a nested value known only after apply names what its block references."""
    unknown = r.unknown if isinstance(r.unknown, dict) else {}
    for path, kind in role_paths(r.rtype):
        name, _, rest = path.partition(".")
        if not rest:
            items = [v for v in _listed(val(name)) if v not in (None, "")]
        else:
            top = val(name)
            found: list[Any] = []
            if isinstance(top, Unknown):
                found.append(top)  # the whole block is known only after apply
            elif top is not None:
                keys = rest.split(".")
                _nested_role_values(reader, r, r.after.get(name), unknown.get(name), keys, f"{name}", found,
                                    reader.writes_nested(r, name, keys[-1]))
            refs = [x for x in reader._refs(r, name) if x.startswith(("aws_iam_role.", "aws_iam_instance_profile."))]
            items = [Unknown(v.reason, v.origin, f"{r.module}.{'.'.join(refs[0].split('.')[:2])}".lstrip("."))
                     if isinstance(v, Unknown) and v.ref is None and refs else v
                     for v in found if v not in (None, "")]
        if items:
            ex.lent.append(LentItem(r.address, r.rtype, kind, items, f"hands the {kind.replace('-', ' ')} over "
                                    f"through {path}:", file, item_line(items[0], line(name))))


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _nested_role_values(reader: _PlanReader, r: _Resource, node: JsonNode | None, unknown: Any,
                        keys: list[str], shown: str, out: list[Any], written: bool = True) -> None:
    """The values at ``keys`` below a planned value (nested blocks are lists of objects; an
    object-typed attribute an object), with their lines; a part known only after apply is an
    Unknown where it is (the plan writes null there and marks it in after_unknown), unless it is
    the argument itself and the configuration does not write it (``written``: the provider
    computes it)."""
    if node is None:
        return
    if node.kind == "array":
        for i, item in enumerate(node.items):
            u = unknown[i] if isinstance(unknown, list) and i < len(unknown) else None
            if u is True:
                out.append(Unknown(f"{r.address}.{shown}[{i}] is known only after apply", Origin(reader.file, item.line)))
            else:
                _nested_role_values(reader, r, item, u, keys, f"{shown}[{i}]", out, written)
        return
    if node.kind != "object":
        return
    key, rest = keys[0], keys[1:]
    child = node.get(key)
    u = unknown.get(key) if isinstance(unknown, dict) else None
    if u is True:
        if written or rest:
            out.append(Unknown(f"{r.address}.{shown}.{key} is known only after apply",
                               Origin(reader.file, child.line if child is not None else node.line)))
    elif child is None or child.kind == "null":
        return
    elif not rest:
        out.extend(_listed(reader._plain(child, u)))
    else:
        _nested_role_values(reader, r, child, u, rest, f"{shown}.{key}", out, written)


def _awscc(reader: _PlanReader, r: _Resource, ex: Extracted, file: str) -> None:
    """The AWS Cloud Control provider's IAM types, as the configuration front end reads them
    (checker/terraform/iam.py ``Walker._awscc``): JSON documents are strings or objects."""
    from checker.terraform.iam import structure_value

    rtype = r.rtype
    what = rtype[len("awscc_iam_"):]

    def val(name: str) -> Any:
        return reader.value(r, name)

    def line(name: str) -> int:
        node = r.after.get(name)
        return node.line if node is not None else r.after.line

    def doc(value: Any) -> Any:
        return structure_value(value, Origin(file, r.after.line)) if isinstance(value, (dict, list)) else value

    if what in ("role", "user", "group"):
        item = PrincipalItem(r.address, what, val(f"{what}_name"), file, r.after.line)
        boundary = val("permissions_boundary")
        if boundary not in (None, ""):
            item.boundary, item.boundary_line = boundary, line("permissions_boundary")
        if what == "role":
            ex.policies.append(PolicyItem(f"{r.address}.assume_role_policy_document", r.address, rtype,
                                          DocumentKind.TRUST, doc(val("assume_role_policy_document")), file,
                                          line("assume_role_policy_document"), flat=True))
            item.trust = f"{r.address}.assume_role_policy_document"
        for a in _list_value(r, val("managed_policy_arns"), "managed_policy_arns"):
            item.managed_arns.append((a, line("managed_policy_arns")))
        owner = Unknown("the resource itself", None, r.address, "name")
        for i, entry in enumerate(_list_value(r, val("policies"), "policies")):
            body = entry.get("policy_document") if isinstance(entry, dict) else entry
            ex.policies.append(PolicyItem(f"{r.address}.policies[{i}]", r.address, rtype, DocumentKind.IDENTITY,
                                          doc(body), file, item_line(body, line("policies")),
                                          name=entry.get("policy_name") if isinstance(entry, dict) else None,
                                          owner_kind=what, owner=owner, flat=True))
        ex.principals.append(item)
    elif what in ("role_policy", "user_policy", "group_policy"):
        owner_kind = what.split("_")[0]
        ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.IDENTITY, doc(val("policy_document")),
                                      file, line("policy_document"), name=val("policy_name"), owner_kind=owner_kind,
                                      owner=val(f"{owner_kind}_name"), flat=True))
    elif what in ("policy", "managed_policy"):
        ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.IDENTITY, doc(val("policy_document")),
                                      file, line("policy_document"),
                                      name=val("policy_name" if what == "policy" else "managed_policy_name"),
                                      arn_of=r.address, flat=True))
        for owner_kind, attr in (("role", "roles"), ("user", "users"), ("group", "groups")):
            owners = _list_value(r, val(attr), attr)
            if owners:
                ex.attachments.append(AttachmentItem(f"{r.address}.{attr}", rtype, owner_kind, owners,
                                                     Unknown("the resource itself", None, r.address, "arn"), file,
                                                     line(attr)))


def _inline_policies(reader: _PlanReader, r: _Resource, ex: Extracted, file: str) -> None:
    """A role's inline_policy blocks; one known only after apply is unresolved (IAM002)."""
    unknown = r.unknown.get("inline_policy") if isinstance(r.unknown, dict) else None
    owner = Unknown("the role itself", None, r.address, "name")
    if unknown is True and not reader.is_configured(r, "inline_policy"):
        return  # computed by the provider: the configuration writes no inline_policy block
    if unknown is True:
        ex.policies.append(PolicyItem(f"{r.address}.inline_policy", r.address, r.rtype, DocumentKind.IDENTITY,
                                      Unknown(f"{r.address}.inline_policy is known only after apply",
                                              Origin(file, r.after.line)),
                                      file, r.after.line, owner_kind="role", owner=owner, flat=True))
        return
    inline = r.after.get("inline_policy")
    if inline is not None and inline.kind != "null":
        _expect(inline, "array", f"{r.address}.inline_policy")
    items = list(inline.items) if inline is not None and inline.kind == "array" else []
    unknowns = unknown if isinstance(unknown, list) else []
    for i in range(max(len(items), len(unknowns))):
        ip = items[i] if i < len(items) else None
        u = unknowns[i] if i < len(unknowns) else None
        if ip is not None:
            _expect(ip, "object", f"{r.address}.inline_policy[{i}]")
        pol = ip.get("policy") if ip is not None else None
        where = pol.line if pol is not None else (ip.line if ip is not None else r.after.line)
        if u is True or (isinstance(u, dict) and u.get("policy") is True):
            value: Any = Unknown(f"{r.address}.inline_policy[{i}].policy is known only after apply", Origin(file, where))
        elif pol is None or pol.kind != "string" or not pol.value:
            continue
        else:
            value = TfStr(pol.value, Origin(file, pol.line))
        ex.policies.append(PolicyItem(f"{r.address}.inline_policy[{i}]", r.address, r.rtype, DocumentKind.IDENTITY,
                                      value, file, where, name=_v(ip, "name") if ip is not None else None,
                                      owner_kind="role", owner=owner, flat=True))


def _provider_pins(root: JsonNode) -> tuple[set[str] | None, set[str] | None]:
    """The accounts and partitions the plan's AWS provider configurations pin (as
    :meth:`checker.terraform.iam.Walker._providers`; constants only)."""
    conf = root.get("configuration")
    pcs = conf.get("provider_config") if conf is not None and conf.kind == "object" else None
    providers = [pc for _, _, pc in (pcs.members if pcs is not None and pcs.kind == "object" else ())
                 if pc.kind == "object" and _v(pc, "name") == "aws" and not _v(pc, "module_address")]

    def constant(node: JsonNode | None, key: str) -> Any:
        expr = node.get(key) if node is not None and node.kind == "object" else None
        value = expr.get("constant_value") if expr is not None and expr.kind == "object" else None
        return value.to_python() if value is not None else None

    def pins(pc: JsonNode) -> tuple[Any, list[Any], Any]:
        exprs = pc.get("expressions")
        assume = exprs.get("assume_role") if exprs is not None and exprs.kind == "object" else None
        roles = [constant(a, "role_arn") for a in (assume.items if assume is not None and assume.kind == "array"
                                                   else ())]
        return constant(exprs, "allowed_account_ids"), roles, constant(exprs, "region")

    return provider_pins(pins(pc) for pc in providers)


def _sensitive_variable_strings(root: JsonNode) -> frozenset[str]:
    """The strings of the root module's variables the configuration declares ``sensitive`` (the
    plan writes their values in ``variables``): never printed."""
    conf = root.get("configuration")
    mod = conf.get("root_module") if conf is not None and conf.kind == "object" else None
    decls = mod.get("variables") if mod is not None and mod.kind == "object" else None
    values = root.get("variables")
    if decls is None or decls.kind != "object" or values is None or values.kind != "object":
        return frozenset()
    out: set[str] = set()
    for name, _, decl in decls.members:
        flag = decl.get("sensitive") if decl.kind == "object" else None
        holder = values.get(name)
        value = holder.get("value") if holder is not None and holder.kind == "object" else None
        if flag is None or flag.value is not True or value is None:
            continue
        stack = [value]
        while stack:
            node = stack.pop()
            if node.kind == "string" and node.value:
                out.add(str(node.value))
            elif node.kind == "object":
                stack.extend(v for _, _, v in node.members)
            elif node.kind == "array":
                stack.extend(node.items)
    return frozenset(out)
