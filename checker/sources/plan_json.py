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
from dataclasses import dataclass
from typing import Any

from checker.model import DocumentKind
from checker.sources.detect import is_plan as is_plan  # re-exported: detection by content
from checker.sources.jsonpos import JsonNode, JsonSyntaxError, parse_json
from checker.terraform.iam import (
    ATTACHMENTS,
    EXCLUSIVE_INLINE,
    INLINE_POLICIES,
    MEMBERSHIPS,
    PRINCIPAL_TYPES,
    RESOURCE_POLICIES,
    AttachmentItem,
    ExclusiveItem,
    Extracted,
    MembershipItem,
    PolicyItem,
    PrincipalItem,
    provider_accounts,
    region_partition,
)
from checker.terraform.to_model import TerraformLoad, build_from_extracted
from checker.terraform.values import Origin, TfStr, Unknown

# Attributes that link a policy to a principal or a policy ARN: their references are followed.
_LINKS = frozenset({"role", "user", "group", "roles", "users", "groups", "role_name", "user_name", "group_name",
                    "policy_arn", "policy_arns", "permissions_boundary", "managed_policy_arns", "policy_names"})




@dataclass
class _Resource:
    address: str
    rtype: str
    mode: str
    after: JsonNode  # the object of values
    unknown: Any  # after_unknown (plain)
    module: str  # module address ("" for root)


class _PlanReader:
    def __init__(self, root: JsonNode, file: str) -> None:
        self.root = root
        self.file = file
        self.references: dict[tuple[str, str], list[str]] = {}  # (config address, attr) -> references
        self.configured: dict[str, set[str]] | None = None  # config address -> attributes written
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
                if addr is None or exprs is None or exprs.kind != "object":
                    continue
                full = f"{prefix}.{addr.value}" if prefix else str(addr.value)
                self.configured[full] = {name for name, _, _ in exprs.members}
                for name, _, e in exprs.members:
                    refs = e.get("references") if e.kind == "object" else None
                    if refs is not None and refs.kind == "array":
                        self.references[(full, name)] = [str(x.value) for x in refs.items if x.kind == "string"]
            calls = mod.get("module_calls")
            for name, _, call in calls.members if calls is not None and calls.kind == "object" else ():
                child = call.get("module") if call.kind == "object" else None
                stack.append((f"{prefix}.module.{name}" if prefix else f"module.{name}", child))

    def resources(self) -> list[_Resource]:
        out: list[_Resource] = []
        changes = self.root.get("resource_changes")
        if changes is not None and changes.kind == "array" and changes.items:
            for rc in changes.items:
                change = rc.get("change")
                if change is None or change.kind != "object":
                    continue
                actions = change.get("actions")
                acts = [a.value for a in actions.items] if actions is not None and actions.kind == "array" else []
                after = change.get("after")
                if acts == ["delete"] or after is None or after.kind != "object":
                    continue
                au = change.get("after_unknown")
                out.append(_Resource(str(_v(rc, "address")), str(_v(rc, "type")), str(_v(rc, "mode") or "managed"),
                                     after, au.to_python() if au is not None else {},
                                     str(_v(rc, "module_address") or "")))
            return out
        pv = self.root.get("planned_values")
        stack = [pv.get("root_module")] if pv is not None and pv.kind == "object" else []
        while stack:
            mod = stack.pop()
            if mod is None or mod.kind != "object":
                continue
            res = mod.get("resources")
            for r in res.items if res is not None and res.kind == "array" else ():
                values = r.get("values")
                if values is not None and values.kind == "object":
                    out.append(_Resource(str(_v(r, "address")), str(_v(r, "type")), str(_v(r, "mode") or "managed"),
                                         values, {}, str(_v(mod, "address") or "")))
            kids = mod.get("child_modules")
            stack.extend(kids.items if kids is not None and kids.kind == "array" else ())
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
            ref = self._ref(r, name) if name in _LINKS else None
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


def _v(node: JsonNode, key: str) -> Any:
    child = node.get(key)
    return child.value if child is not None else None


def _flat(value: Any) -> Any:
    return value


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
    for r in reader.resources():
        if r.mode != "managed":
            continue
        rtype = r.rtype

        def val(name: str, r: _Resource = r) -> Any:
            return reader.value(r, name)

        def line(name: str, r: _Resource = r) -> int:
            node = r.after.get(name)
            return node.line if node is not None else r.after.line

        if rtype in INLINE_POLICIES:
            owner_kind, owner_attr = INLINE_POLICIES[rtype]
            ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.IDENTITY, _flat(val("policy")),
                                          file, line("policy"), name=val("name"), owner_kind=owner_kind,
                                          owner=val(owner_attr), flat=True))
        elif rtype == "aws_iam_policy":
            ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.IDENTITY, _flat(val("policy")),
                                          file, line("policy"), name=val("name"), arn_of=r.address, flat=True,
                                          policy_path=val("path") or "/", arn=val("arn")))
        elif rtype in PRINCIPAL_TYPES:
            kind = PRINCIPAL_TYPES[rtype]
            item = PrincipalItem(r.address, kind, val("name"), file, r.after.line)
            boundary = val("permissions_boundary")
            if boundary not in (None, ""):
                item.boundary = boundary
                item.boundary_line = line("permissions_boundary")
            if kind == "role":
                ex.policies.append(PolicyItem(f"{r.address}.assume_role_policy", r.address, rtype, DocumentKind.TRUST,
                                              _flat(val("assume_role_policy")), file, line("assume_role_policy"),
                                              flat=True))
                item.trust = f"{r.address}.assume_role_policy"
                arns = val("managed_policy_arns")
                for a in arns if isinstance(arns, list) else ([arns] if arns else []):
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
                for i, ip in enumerate(inline.items if inline is not None and inline.kind == "array" else ()):
                    pol = ip.get("policy")
                    if pol is None or pol.kind != "string" or not pol.value:
                        continue
                    ex.policies.append(PolicyItem(f"{r.address}.inline_policy[{i}]", r.address, rtype,
                                                  DocumentKind.IDENTITY, TfStr(pol.value, Origin(file, pol.line)),
                                                  file, pol.line, name=_v(ip, "name"), owner_kind="role",
                                                  owner=Unknown("the role itself", None, r.address, "name"), flat=True))
            ex.principals.append(item)
        elif rtype in ATTACHMENTS:
            owner_kind, owner_attr, _many, pol_attr, pol_many = ATTACHMENTS[rtype]
            pols = val(pol_attr)
            items = pols if pol_many and isinstance(pols, list) else [pols]
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
        elif rtype == "aws_iam_policy_attachment":
            for owner_kind, attr in (("role", "roles"), ("user", "users"), ("group", "groups")):
                owners = val(attr)
                if owners:
                    ex.attachments.append(AttachmentItem(r.address, rtype, owner_kind,
                                                         owners if isinstance(owners, list) else [owners],
                                                         val("policy_arn"), file, line("policy_arn")))
        elif rtype in MEMBERSHIPS:
            if rtype == "aws_iam_user_group_membership":
                users, groups = [val("user")], val("groups") or []
            else:
                users, groups = val("users") or [], [val("group")]
            ex.memberships.append(MembershipItem(r.address, list(users), list(groups), file, r.after.line,
                                                 exclusive=rtype == "aws_iam_group_membership"))
        elif rtype == "aws_organizations_policy":
            ex.policies.append(PolicyItem(r.address, r.address, rtype, DocumentKind.SCP, _flat(val("content")), file,
                                          line("content"), flat=True))
        else:
            attr = RESOURCE_POLICIES.get(rtype, "policy")
            if (rtype.startswith("aws_") and r.after.get(attr) is not None) or (
                    isinstance(r.unknown, dict) and r.unknown.get(attr) is True and rtype in RESOURCE_POLICIES):
                value = val(attr)
                if value in (None, ""):
                    continue
                guessed = DocumentKind.RESOURCE if rtype in RESOURCE_POLICIES else None
                ex.policies.append(PolicyItem(r.address, r.address, rtype, guessed, _flat(value), file, line(attr),
                                              flat=True))
    ex.accounts, ex.partitions = _provider_pins(root)
    build_from_extracted(ex, out)
    secrets = _sensitive_variable_strings(root)
    if secrets:
        out.documents = [d.model_copy(update={"sensitive": d.sensitive | secrets}) for d in out.documents]
    return out


def _provider_pins(root: JsonNode) -> tuple[set[str] | None, set[str] | None]:
    """The accounts and partitions the plan's AWS provider configurations pin (as
    :meth:`checker.terraform.iam.Walker._providers`: each must pin them; constants only)."""
    conf = root.get("configuration")
    pcs = conf.get("provider_config") if conf is not None and conf.kind == "object" else None
    providers = [pc for _, _, pc in (pcs.members if pcs is not None and pcs.kind == "object" else ())
                 if pc.kind == "object" and _v(pc, "name") == "aws" and not _v(pc, "module_address")]
    accounts: set[str] | None = set() if providers else None
    partitions: set[str] | None = set() if providers else None
    for pc in providers:
        exprs = pc.get("expressions")

        def constant(node: JsonNode | None, key: str) -> Any:
            expr = node.get(key) if node is not None and node.kind == "object" else None
            value = expr.get("constant_value") if expr is not None and expr.kind == "object" else None
            return value.to_python() if value is not None else None

        assume = exprs.get("assume_role") if exprs is not None and exprs.kind == "object" else None
        roles = [constant(a, "role_arn") for a in (assume.items if assume is not None and assume.kind == "array"
                                                   else ())]
        pinned = provider_accounts(constant(exprs, "allowed_account_ids"), roles)
        accounts = None if pinned is None or accounts is None else accounts | pinned
        partition = region_partition(constant(exprs, "region"))
        partitions = None if partition is None or partitions is None else partitions | {partition}
    return accounts, partitions


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
