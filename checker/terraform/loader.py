"""Loading a Terraform module like Terraform does, and evaluating its named values.

Every ``*.tf`` and ``*.tf.json`` file of one directory (not subdirectories) is parsed; blocks
keep their file and lines. Input variables get their values with Terraform's precedence
(lowest first): ``default`` < ``TF_VAR_name`` < ``terraform.tfvars`` < ``terraform.tfvars.json``
< ``*.auto.tfvars(.json)`` (lexical order) < ``var_files`` < ``vars``, converted to their type
constraint. Locals and outputs are evaluated lazily (cycles are reported, never recursed into).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.sources.jsonpos import JsonNode, JsonSyntaxError, parse_json
from checker.terraform import parser as tfparser
from checker.terraform import types as tftypes
from checker.terraform.blocks import Attribute, Block, Diagnostic, Expr
from checker.terraform.errors import TerraformError
from checker.terraform.evaluator import (
    Evaluator,
    Namespace,
    RefValue,
    Scope,
    materialize,
    no_references,
)
from checker.terraform.modsdir import ModuleRecord, read_modules_json, record_mismatch
from checker.terraform.syntax import Tree, name_of
from checker.terraform.typed import typed_unknown
from checker.terraform.values import Origin, TfStr, Unknown, mark, marked_strings

META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "providers", "lifecycle"})
JSON_BLOCK_TYPES = frozenset(
    {
        "statement", "principals", "not_principals", "condition", "inline_policy", "lifecycle",
        "provisioner", "connection", "dynamic", "content", "validation", "precondition",
        "postcondition", "backend", "cloud", "required_providers", "assume_role",
    }
)

# Block types Terraform accepts at the top level of a module; any other is an error there.
TOP_LEVEL_BLOCKS = frozenset({"terraform", "provider", "variable", "locals", "output", "module", "resource", "data",
                              "moved", "import", "check", "removed", "ephemeral"})

ReferenceResolver = Callable[[str, str, Origin], Any]
"""``resolve_reference(address, attribute, origin)``: a value for a resource or data source
attribute (e.g. the rendered ``data.aws_iam_policy_document.x.json``), or None to leave it
unknown. ``address`` includes an instance key when there is one, and in a child module the
module's address (``module.ops.aws_iam_policy.this``, see ``Module.address``)."""


# --------------------------------------------------------------------------------------
# Parsing files into blocks
# --------------------------------------------------------------------------------------


def _meta_lines(node: Any) -> tuple[int, int]:
    meta = getattr(node, "meta", None)
    if meta is None or getattr(meta, "empty", True):
        return 1, 1
    return int(meta.line), int(getattr(meta, "end_line", meta.line))


def _body_items(body: Tree, file: str) -> tuple[dict[str, Attribute], list[Block], list[Diagnostic]]:
    attrs: dict[str, Attribute] = {}
    blocks: list[Block] = []
    diags: list[Diagnostic] = []
    for item in body.children:
        if not isinstance(item, Tree):
            continue
        if item.data == "attribute":
            name = name_of(item.children[0])
            expr_node = item.children[-1]
            line, end = _meta_lines(item)
            eline, eend = _meta_lines(expr_node)
            if name in attrs:
                diags.append(Diagnostic("error", f'Duplicate argument "{name}"', file, line))
            attrs[name] = Attribute(name, Expr(expr_node, file, eline or line, eend or end), line, end)
        elif item.data == "block":
            blocks.append(_block(item, file, diags))
    return attrs, blocks, diags


def _block(node: Tree, file: str, diags: list[Diagnostic]) -> Block:
    heads = []
    body = None
    for c in node.children:
        if isinstance(c, Tree) and c.data == "body":
            body = c
            break
        if isinstance(c, Tree) and c.data != "new_line_or_comment":
            heads.append(name_of(c))
    kind, labels = heads[0], tuple(heads[1:])
    line, end = _meta_lines(node)
    attrs, blocks, more = _body_items(body, file) if body is not None else ({}, [], [])
    diags.extend(more)
    btype: str | None = None
    name = ""
    if kind in ("resource", "data") and len(labels) >= 2:
        btype, name = labels[0], labels[1]
    elif kind == "dynamic" and labels:
        btype, name = labels[0], labels[0]
    elif labels:
        name = labels[0]
    return Block(kind, btype, name, Path(file), line, end, attrs, blocks, labels)


def parse_hcl_file(path: Path, *, cross_check: bool = True) -> tuple[list[Block], list[Diagnostic]]:
    """The blocks of a native-syntax file (python-hcl2's reading) and its errors.

    With ``cross_check`` (the default; off only where the blocks are just scanned for module
    calls) HashiCorp's own parser reads the file too (:mod:`checker.terraform.crosscheck`): a file
    it rejects, or reads differently, gets an error at the first line where the readings differ.
    """
    raw = path.read_bytes().decode("utf-8")  # as Terraform reads it; python-hcl2 gets universal newlines
    text = raw.replace("\r\n", "\n").replace("\r", "\n") if "\r" in raw else raw
    tree = tfparser.parse_hcl(text, str(path))
    attrs, blocks, diags = _body_items(tree.children[0], str(path))
    if cross_check:
        from checker.terraform.crosscheck import cross_check as hcl_cross_check

        # parse_hcl parsed the text with a newline added: the positions of the tree are in that text
        disagreement = hcl_cross_check(text + "\n", tree, str(path), raw=raw + "\n")
        if disagreement is not None:
            diags.insert(0, Diagnostic("error", disagreement[0], str(path), disagreement[1]))
    for name, attr in attrs.items():
        diags.append(Diagnostic("error", f'Unsupported argument: an argument named "{name}" is not expected here',
                                str(path), attr.line))
    for b in blocks:
        if b.kind not in TOP_LEVEL_BLOCKS:  # Terraform rejects the module: what it holds is not judged
            diags.append(Diagnostic("error", f'Unsupported block type: blocks of type "{b.kind}" are not expected '
                                    "here", str(path), b.line))
    return blocks, diags


def _read_json(path: Path) -> JsonNode:
    """The JSON value of a ``.tf.json`` or ``.tfvars.json`` file, read by the project's strict JSON
    parser; a file it rejects is a TerraformError naming the line."""
    file = str(path)
    try:
        return parse_json(path.read_bytes()).root
    except JsonSyntaxError as exc:
        raise TerraformError(f"invalid JSON in {file}: {exc.message}", Origin(file, exc.line)) from None


def _json_tree(data: str, children: list[Any], line: int) -> Tree:
    t: Tree = Tree(data, children)
    t.meta.line = line
    t.meta.end_line = line
    t.meta.empty = False
    return t


def _json_scalar(node: JsonNode) -> Any:
    """A number, bool or null; a number written with a fraction or exponent that is whole is an int
    (Terraform's numbers do not tell 1.0 from 1)."""
    value = node.value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _json_expr(node: JsonNode, file: str, *, literal: bool = False) -> Tree:
    """The expression tree of a JSON value of Terraform's JSON syntax: strings are templates
    (``"${var.x}"``; plain text when ``literal``), numbers, bools and null are literals, arrays are
    tuples and objects are objects whose keys are templates too."""
    if node.kind == "string":
        return _json_string_expr(node.value, node.line, file, literal=literal)
    if node.kind == "array":
        return _json_tree("json_array", [_json_expr(c, file, literal=literal) for c in node.items], node.line)
    if node.kind == "object":
        pairs = [_json_tree("json_pair", [_json_string_expr(key, key_line, file, literal=literal),
                                          _json_expr(value, file, literal=literal)], key_line)
                 for key, key_line, value in node.members]
        return _json_tree("json_object", pairs, node.line)
    return _json_tree("json_literal", [_json_scalar(node)], node.line)


def _json_string_expr(text: str, line: int, file: str, *, literal: bool) -> Tree:
    if literal or ("${" not in text and "%{" not in text):
        if not literal:
            text = text.replace("$${", "${").replace("%%{", "%{")
        return _json_tree("json_literal", [TfStr(text, Origin(file, line))], line)
    return tfparser.template_from_text(text, file, line)


def _json_plain(node: JsonNode, file: str) -> Any:
    """The JSON value as plain Terraform values (strings are TfStr with their line)."""
    if node.kind == "string":
        return TfStr(node.value, Origin(file, node.line))
    if node.kind == "array":
        return [_json_plain(c, file) for c in node.items]
    if node.kind == "object":
        return {k: _json_plain(v, file) for k, _, v in node.members}
    return _json_scalar(node)


def _json_items(node: JsonNode) -> list[JsonNode]:
    """A block body in JSON may be one object or an array of objects."""
    if node.kind == "array":
        return [c for c in node.items if c.kind == "object"]
    return [node] if node.kind == "object" else []


def _json_body(
    node: JsonNode, file: str, kind: str, btype: str | None, name: str, labels: tuple[str, ...]
) -> Block:
    attrs: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for key, key_line, value in node.members:
        if key == "//":
            continue
        if key in JSON_BLOCK_TYPES and value.kind in ("object", "array") and kind != "locals":
            if key == "dynamic":
                for label, _, dyn in value.members:
                    for body in _json_items(dyn):
                        blocks.append(_json_body(body, file, "dynamic", label, label, (label,)))
                continue
            for body in _json_items(value):
                blocks.append(_json_body(body, file, key, None, "", ()))
            continue
        literal = (kind == "variable" and key in ("default", "description")) or key in ("source", "version")
        if kind == "variable" and key == "type" and value.kind == "string":
            expr_node: Any = tfparser.parse_expression(value.value, file, value.line)
        else:
            expr_node = _json_expr(value, file, literal=literal)
        attrs[key] = Attribute(key, Expr(expr_node, file, value.line, value.line), key_line, value.line)
    return Block(kind, btype, name, Path(file), node.line, node.line, attrs, blocks, labels)


def parse_json_file(path: Path) -> tuple[list[Block], list[Diagnostic]]:
    file = str(path)
    root = _read_json(path)
    blocks: list[Block] = []
    diags: list[Diagnostic] = []
    if root.kind != "object":
        raise TerraformError("the root of a .tf.json file must be an object", Origin(file, root.line))
    for kind, kind_line, value in root.members:
        if kind == "//":
            continue
        if kind in ("resource", "data"):
            for by_type in _json_items(value):
                for rtype, _, by_name in by_type.members:
                    for names in _json_items(by_name):
                        for rname, _, body in names.members:
                            for b in _json_items(body):
                                blocks.append(_json_body(b, file, kind, rtype, rname, (rtype, rname)))
        elif kind in ("module", "output", "variable", "provider"):
            for by_name in _json_items(value):
                for name, _, body in by_name.members:
                    for b in _json_items(body):
                        blocks.append(_json_body(b, file, kind, None, name, (name,)))
        elif kind in ("locals", "terraform"):
            for b in _json_items(value):
                blocks.append(_json_body(b, file, kind, None, "", ()))
        elif kind not in TOP_LEVEL_BLOCKS:
            diags.append(Diagnostic("error", f'Unsupported block type: blocks of type "{kind}" are not expected here',
                                    file, kind_line))
    return blocks, diags


def read_blocks(files: Sequence[Path], diags: list[Diagnostic], *, cross_check: bool = True) -> list[Block]:
    """The blocks of a module's configuration files as Terraform sees them: the primary files in
    order, then each override file (``override.tf``, ``*_override.tf``, ``.tf.json`` forms) merged
    into them (checker/terraform/overrides.py). Parse and read errors go to ``diags``.
    ``cross_check``: as :func:`parse_hcl_file` (off where the blocks are only scanned for module calls)."""
    from checker.terraform.overrides import is_override_file, merge_overrides

    primary: list[Block] = []
    overrides: list[Block] = []
    for f in files:
        try:
            if f.name.endswith(".tf.json"):
                blocks, more = parse_json_file(f)
            else:
                blocks, more = parse_hcl_file(f, cross_check=cross_check)
        except TerraformError as exc:
            origin = exc.origin or Origin(str(f), 1)
            diag = Diagnostic("error", exc.message, origin.file, origin.line)
            if diag not in diags:
                diags.append(diag)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            diags.append(Diagnostic("error", f"cannot read {f.name}: {exc}", str(f), 1))
            continue
        (overrides if is_override_file(f) else primary).extend(blocks)
        diags.extend(more)
    return merge_overrides(primary, overrides, diags) if overrides else primary


def module_files(path: Path) -> list[Path]:
    """The configuration files of a module directory, in lexical order (as Terraform reads them)."""
    return folder_members(path)[0]


def folder_members(path: Path) -> tuple[list[Path], list[tuple[Path, str]], list[Path]]:
    """One listing of a module folder, in lexical order: its configuration files; the configuration
    file names that are no regular file, and why (a broken link, a link loop, a pipe: never opened,
    it would block; Terraform fails on them, so does the gate); and OpenTofu's own files (``.tofu``,
    ``.tofu.json``: Terraform does not read them, OpenTofu does, so a module applied with OpenTofu can
    differ from what the gate judged)."""
    files: list[Path] = []
    unreadable: list[tuple[Path, str]] = []
    tofu: list[Path] = []
    for p in sorted(path.iterdir(), key=lambda q: q.name):
        name = p.name
        if name.startswith("."):
            continue
        if name.endswith((".tofu", ".tofu.json")):
            tofu.append(p)
        elif not name.endswith((".tf", ".tf.json")):
            continue
        elif p.is_file():
            files.append(p)
        elif not p.is_dir():
            try:
                os.stat(p)
            except OSError as exc:
                why = "symbolic link loop" if exc.errno == 40 else "broken symbolic link (its target does not exist)"
                unreadable.append((p, why))
                continue
            unreadable.append((p, "not a regular file (a pipe, socket or device is never read)"))
    return files, unreadable, tofu


# --------------------------------------------------------------------------------------
# The module
# --------------------------------------------------------------------------------------

NO_VALUE = object()


@dataclass
class _Variable:
    name: str
    block: Block
    type: tftypes.TypeSpec | None = None
    default: Any = NO_VALUE
    nullable: bool = True
    sensitive: bool = False  # sensitive = true: its value carries the sensitive mark


@dataclass
class _Failed:
    error: TerraformError


class ResourceInstance(RefValue):
    """One instance of a resource or data source: configured arguments are known, the rest
    is known only after apply."""

    def __init__(self, module: Module, block: Block, address: str, extra: Mapping[str, Any]) -> None:
        self.module = module
        self.block = block
        self.address = address
        self.extra = extra

    def get_attr(self, name: str, origin: Origin) -> Any:
        return self.module._resource_attribute(self, name, origin)

    def materialize(self, origin: Origin) -> Any:
        return Unknown(f"{self.address} is known only after apply", origin, self.address, None)


class ModuleInstance(RefValue):
    """One instance of a module call as a value: its outputs, evaluated when read."""

    def __init__(self, caller: Module, child: Module, address: str) -> None:
        self.caller = caller
        self.child = child
        self.address = address

    def get_attr(self, name: str, origin: Origin) -> Any:
        if name not in self.child._outputs:
            raise TerraformError(f'Unsupported attribute: {self.address} has no output named "{name}"', origin)
        return self.caller._guarded(f"{self.address}.{name}", lambda: self.child.output(name), origin)

    def materialize(self, origin: Origin) -> Any:
        return {name: self.get_attr(name, origin) for name in sorted(self.child._outputs)}


# The kinds of problem :meth:`Module.child_module` names when a called module cannot be read.
MODULE_PROBLEMS = ("unavailable", "stale", "outside", "cycle", "missing", "unreadable")


class Module:
    """A loaded module: blocks, variables and lazily evaluated locals and outputs."""

    def __init__(
        self,
        path: Path,
        *,
        scan_root: Path,
        allow_outside: bool,
        workspace: str | None,
        root_dir: Path | None = None,
        loading: tuple[Path, ...] = (),
    ) -> None:
        self.path = path
        self.files: tuple[Path, ...] = ()
        self.diagnostics: list[Diagnostic] = []
        self.outside_reads: list[Path] = []
        self.variables: dict[str, Any] = {}
        self.blocks: list[Block] = []
        self.resolve_reference: ReferenceResolver | None = None
        # The module instance's address ("" for the root, "module.a.module.b" for a child); the
        # resolve_reference hook receives resource addresses prefixed with it.
        self.address = ""
        # FunctionContext
        self.root_dir = root_dir or path
        self.base_dir = self.root_dir
        self.scan_root = scan_root
        self.allow_outside = allow_outside
        self.workspace = workspace
        self._loading = (*loading, path.resolve())
        self._evaluator = Evaluator()
        self._var_decls: dict[str, _Variable] = {}
        self._local_attrs: dict[str, Attribute] = {}
        self._local_values: dict[str, Any] = {}
        self._deps_cache: dict[str, list[str]] = {}
        self._outputs: dict[str, Block] = {}
        self._resources: dict[str, dict[str, Block]] = {}
        self._data: dict[str, dict[str, Block]] = {}
        self._modules: dict[str, Block] = {}
        self._children: dict[str, Module | Unknown] = {}  # by instance address (module.x, module.x[0])
        self._resolving: list[str] = []
        # The records of the root module's .terraform/modules/modules.json (shared by every module
        # of the tree) and this module's key in them ("" for the root, "a.b" for module.a.module.b).
        self.modules_json: Mapping[str, ModuleRecord] = {}
        self.key = ""

    def sensitive_strings(self) -> set[str]:
        """The strings of every sensitive variable value of this module and the modules it has
        loaded (the values a tfvars file, ``--var`` or a module call gave them): never printed."""
        out: set[str] = set()
        stack: list[Module] = [self]
        seen: set[int] = set()
        while stack:
            m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            for value in m.variables.values():
                out |= marked_strings(value)
            stack.extend(c for c in m._children.values() if isinstance(c, Module))
        return out

    # -- FunctionContext ---------------------------------------------------------------------

    def note_outside(self, path: Path) -> None:
        if path not in self.outside_reads:
            self.outside_reads.append(path)

    # -- diagnostics -----------------------------------------------------------------------

    def _error(self, exc: TerraformError, fallback: Origin | None = None) -> None:
        origin = exc.origin or fallback or Origin(str(self.path), 1)
        diag = Diagnostic("error", exc.message, origin.file, origin.line)
        if diag not in self.diagnostics:
            self.diagnostics.append(diag)

    # -- indexing blocks -------------------------------------------------------------------

    def _index(self) -> None:
        for b in self.blocks:
            if b.kind == "locals":
                for name, attr in b.attributes.items():
                    if name in self._local_attrs:
                        self.diagnostics.append(
                            Diagnostic("error", f'Duplicate local value definition: "{name}"', str(b.file), attr.line)
                        )
                    self._local_attrs[name] = attr
            elif b.kind == "output":
                self._outputs[b.name] = b
            elif b.kind == "resource" and b.type:
                self._resources.setdefault(b.type, {})[b.name] = b
            elif b.kind == "data" and b.type:
                self._data.setdefault(b.type, {})[b.name] = b
            elif b.kind == "module":
                self._modules[b.name] = b

    # -- scopes ----------------------------------------------------------------------------

    def _scope(self, file: str, extra: Mapping[str, Any] | None) -> Scope:
        extra = extra or {}

        def root(name: str, origin: Origin) -> Any:
            if name in extra:
                return _wrap_extra(name, extra[name])
            return self._root(name, origin)

        return Scope(file, root, self)

    def _root(self, name: str, origin: Origin) -> Any:
        if name == "var":
            return Namespace("var", self._var)
        if name == "local":
            return Namespace("local", lambda n, o: self.local(n, o))
        if name == "path":
            return Namespace("path", self._path)
        if name == "terraform":
            return Namespace("terraform", self._terraform)
        if name == "data":
            return Namespace("data", self._data_type)
        if name == "module":
            return Namespace("module", self._module_ref)
        if name in ("each", "count", "self"):
            where = {"each": "for_each", "count": "count", "self": "a provisioner or connection block"}[name]
            raise TerraformError(
                f'Reference to "{name}" in context without {where}: "{name}" can be used only in a block that '
                f"sets {where}" if name != "self" else f'Invalid "self" reference: "self" can be used only in {where}',
                origin,
            )
        if name in self._resources:
            return Namespace(name, lambda n, o: self._resource_ref("resource", name, n, o))
        raise TerraformError(
            f'Reference to undeclared resource: a managed resource type "{name}" has not been declared in this module',
            origin,
        )

    def _var(self, name: str, origin: Origin) -> Any:
        if name not in self.variables:
            raise TerraformError(
                f'Reference to undeclared input variable: an input variable with the name "{name}" has not been declared',
                origin,
            )
        value = self.variables[name]
        if isinstance(value, Unknown) and value.origin != origin:
            # an unknown variable is reported where it is used (var.x in a policy), not declared
            return Unknown(value.reason, origin, value.ref, value.attribute, value.extra)
        return value

    def _path(self, name: str, origin: Origin) -> Any:
        if name == "module":
            rel = os.path.relpath(self.path.resolve(), self.root_dir.resolve())
            return TfStr(rel.replace(os.sep, "/"), origin)
        if name == "root":
            return TfStr(".", origin)
        if name == "cwd":
            return TfStr(str(self.root_dir.resolve()), origin)
        raise TerraformError(f'Invalid "path" attribute: the "path" object does not have an attribute named "{name}"', origin)

    def _terraform(self, name: str, origin: Origin) -> Any:
        if name == "workspace":
            if self.workspace is None:
                return Unknown("the workspace is not known: name it with --workspace NAME or TF_WORKSPACE",
                               origin, "terraform.workspace")
            return TfStr(self.workspace, origin)
        raise TerraformError(f'Invalid "terraform" attribute: "terraform.{name}" is not supported', origin)

    def _data_type(self, dtype: str, origin: Origin) -> Any:
        if dtype not in self._data:
            raise TerraformError(
                f'Reference to undeclared resource: a data resource type "{dtype}" has not been declared in this module',
                origin,
            )
        return Namespace(f"data.{dtype}", lambda n, o: self._resource_ref("data", dtype, n, o))

    def _resource_ref(self, mode: str, rtype: str, name: str, origin: Origin) -> Any:
        table = self._resources if mode == "resource" else self._data
        block = table.get(rtype, {}).get(name)
        if block is None:
            what = "managed resource" if mode == "resource" else "data resource"
            raise TerraformError(
                f'Reference to undeclared resource: a {what} "{rtype}" "{name}" has not been declared in this module',
                origin,
            )
        instances = self.instances(block)
        if isinstance(instances, Unknown):
            return Unknown(instances.reason, origin, block.address, None)
        if "count" in block.attributes:
            return [ResourceInstance(self, block, addr, extra) for addr, extra, _ in instances]
        if "for_each" in block.attributes:
            return {str(extra["each"]["key"]): ResourceInstance(self, block, addr, extra) for addr, extra, _ in instances}
        addr, extra, _ = instances[0]
        return ResourceInstance(self, block, addr, extra)

    def _resource_attribute(self, inst: ResourceInstance, name: str, origin: Origin) -> Any:
        block = inst.block
        if self.resolve_reference is not None:
            full = f"{self.address}.{inst.address}" if self.address else inst.address
            resolved = self.resolve_reference(full, name, origin)
            if resolved is not None:
                return resolved
        attr = block.attributes.get(name)
        if attr is not None and name not in META_ARGUMENTS:
            key = f"{inst.address}.{name}"
            value = self._guarded(key, lambda: self.evaluate(attr.expr, inst.extra), origin)
            return value
        if block.kind == "data":
            reason = f"{inst.address}.{name} is known only when the data source is read"
        else:
            reason = f"{inst.address}.{name} is known only after apply"
        return typed_unknown(reason, origin, inst.address, name)

    def _guarded(self, key: str, compute: Callable[[], Any], origin: Origin) -> Any:
        if key in self._resolving:
            cycle = [*self._resolving[self._resolving.index(key):], key]
            raise TerraformError("Cycle: " + " -> ".join(cycle), origin)
        self._resolving.append(key)
        try:
            return compute()
        finally:
            self._resolving.pop()

    # -- child modules -----------------------------------------------------------------------

    def _module_ref(self, name: str, origin: Origin) -> Any:
        """``module.<name>``: the outputs of the call's instance, a list of them (``count``) or a map
        (``for_each``), as Terraform gives them; an Unknown when they cannot be known."""
        block = self._modules.get(name)
        if block is None:
            raise TerraformError(
                f'Reference to undeclared module: no module call named "{name}" is declared in this module', origin
            )
        counted = "count" in block.attributes or "for_each" in block.attributes
        if not counted:
            return self._module_value(name, block.address, None, origin)
        instances = self.instances(block)
        if isinstance(instances, Unknown):
            return Unknown(instances.reason, origin, f"module.{name}", None)
        live = [(addr, extra) for addr, extra, skipped in instances if not skipped]
        if "count" in block.attributes:
            return [self._module_value(name, addr, extra, origin) for addr, extra in live]
        return {str(extra["each"]["key"]): self._module_value(name, addr, extra, origin) for addr, extra in live}

    def _module_value(self, name: str, instance: str, extra: Mapping[str, Any] | None, origin: Origin) -> Any:
        child = self.child_module(name, instance, extra)
        if isinstance(child, Unknown):
            return Unknown(f"{instance}: {child.reason}", origin, instance, None)
        return ModuleInstance(self, child, instance)

    def child_module(self, name: str, instance: str | None = None,
                     extra: Mapping[str, Any] | None = None) -> Module | Unknown:
        """The loaded child module of the instance ``instance`` (``module.x``, ``module.x[0]``,
        ``module.x["k"]``; default: the call without ``count``/``for_each``) of ``module "name"``, with
        ``extra`` its ``count``/``each``, or an Unknown saying why it cannot be read (its ``extra``
        names the kind of problem under ``module_problem``: see :data:`MODULE_PROBLEMS`).

        A local source (``./``, ``../``) is read from its folder; any other one from the folder
        ``terraform init`` installed it in (``.terraform/modules/modules.json`` of the root module),
        when the record still describes the block (checker.terraform.modsdir)."""
        block = self._modules[name]
        instance = instance or block.address
        if instance in self._children:
            return self._children[instance]
        result = self._load_child(block, instance, extra)
        self._children[instance] = result
        return result

    def child_at(self, instance: str) -> Module | Unknown | None:
        """The child module of the instance address ``instance`` (``module.x[0]``), loading it with
        that instance's ``count``/``each``; None when no such instance exists."""
        if instance in self._children:
            return self._children[instance]
        name = instance[len("module."):].split("[", 1)[0]
        block = self._modules.get(name)
        if block is None:
            return None
        try:
            instances = self.instances(block)
        except TerraformError:
            return None
        if isinstance(instances, Unknown):
            return None
        for addr, extra, skipped in instances:
            if addr == instance and not skipped:
                return self.child_module(name, addr, extra)
        return None

    def _load_child(self, block: Block, instance: str, extra: Mapping[str, Any] | None) -> Module | Unknown:
        name = block.name
        origin = Origin(str(block.file), block.line)

        def problem(kind: str, reason: str) -> Unknown:
            return Unknown(reason, origin, f"module.{name}", None, (("module_problem", kind),))

        src_attr = block.attributes.get("source")
        source = self.try_evaluate(src_attr.expr) if src_attr else None
        if not isinstance(source, str):
            return problem("unavailable", "it has no known source")
        key = f"{self.key}.{name}" if self.key else name
        local = source.startswith("./") or source.startswith("../")
        if local:
            written = self.path / str(source)
            linked = linked_outside(written, self.scan_root)
        else:
            record = self.modules_json.get(key)
            if record is None:
                return problem("unavailable", f'its source "{source}" is not installed (no record in '
                                              ".terraform/modules/modules.json)")
            version_attr = block.attributes.get("version")
            version = self.try_evaluate(version_attr.expr) if version_attr else None
            stale = record_mismatch(record, str(source), str(version) if isinstance(version, str)
                                    else None if version is None else "(not a constant string)")
            if stale is not None:
                return problem("stale", stale)
            written = record.dir
            linked = linked_outside(written, self.scan_root) or _outside(written, self.scan_root)
        child_path = written.resolve()
        if linked is not None and not self.allow_outside:
            return problem("outside", f"its source {source} links to {linked}, outside the scanned tree; pass "
                                      "--allow-outside to read it")
        if child_path in self._loading:
            return problem("cycle", f"it calls a module that is already being loaded ({source}): a cycle of module "
                                    "calls, which Terraform rejects")
        if not child_path.is_dir():
            if local:
                return problem("missing", f'the source directory "{source}" does not exist')
            return problem("unavailable", f'its source "{source}" is not installed (modules.json names the folder '
                                          f"{written}, which does not exist)")
        if linked is not None:
            self.note_outside(linked)
        inputs = {k: self.try_evaluate(a.expr, extra) for k, a in block.attributes.items()
                  if k not in META_ARGUMENTS and k not in ("source", "version")}
        try:
            loaded = _load(
                child_path, var_files=(), vars=(), env={}, workspace=self.workspace,
                scan_root=self.scan_root, allow_outside=self.allow_outside, inputs=inputs,
                root_dir=self.root_dir, loading=self._loading,
            )
        except OSError as exc:  # an unreadable folder: the module is not judged (an error)
            return problem("unreadable", f'cannot read the source directory "{source}": {exc.strerror or exc}')
        for d in loaded.diagnostics:
            if d not in self.diagnostics:
                self.diagnostics.append(d)
        loaded.base_dir = self.base_dir
        loaded.resolve_reference = self.resolve_reference
        loaded.modules_json = self.modules_json
        loaded.key = key
        loaded.address = f"{self.address}.{instance}" if self.address else instance
        return loaded

    # -- evaluation ------------------------------------------------------------------------

    def evaluate(self, expr: Expr, extra: Mapping[str, Any] | None = None) -> Any:
        """The value of ``expr`` in this module; raises TerraformError for what Terraform rejects.

        ``extra``: names visible in the expression, e.g. ``{"each": {"key": k, "value": v}}``,
        ``{"count": {"index": 0}}`` or ``{"self": ...}``.
        """
        try:
            return self._evaluator.evaluate(expr.node, self._scope(expr.file, extra))
        except RecursionError:
            raise TerraformError("expression is nested too deeply to evaluate; simplify it", expr.origin) from None

    def try_evaluate(self, expr: Expr, extra: Mapping[str, Any] | None = None) -> Any:
        """Like :meth:`evaluate`, but an error becomes a diagnostic and an Unknown with its message."""
        try:
            return self.evaluate(expr, extra)
        except TerraformError as exc:
            self._error(exc, expr.origin)
            return Unknown(exc.message, exc.origin or expr.origin)

    def local(self, name: str, origin: Origin | None = None) -> Any:
        """The value of ``local.<name>`` (TerraformError if it fails, e.g. a cycle)."""
        if name in self._local_values:
            value = self._local_values[name]
            if isinstance(value, _Failed):
                raise value.error
            return value
        if name not in self._local_attrs:
            raise TerraformError(
                f'Reference to undeclared local value: a local value with the name "{name}" has not been declared',
                origin,
            )
        for dep in self._local_order(name):
            if dep in self._local_values:
                continue
            attr = self._local_attrs[dep]
            try:
                self._local_values[dep] = self._guarded(
                    f"local.{dep}", _bind(self.evaluate, attr.expr), attr.expr.origin
                )
            except TerraformError as exc:
                self._local_values[dep] = _Failed(exc)
        return self.local(name, origin)

    def _local_order(self, name: str) -> list[str]:
        """``name`` and the locals it refers to, dependencies first; TerraformError on a cycle."""
        order: list[str] = []
        evaluated = self._local_values
        done: set[str] = set()
        path: list[str] = []
        stack: list[tuple[str, list[str]]] = [(name, self._local_deps(name))]
        path.append(name)
        while stack:
            current, deps = stack[-1]
            if deps:
                dep = deps.pop()
                if dep in done or dep in evaluated or dep not in self._local_attrs:
                    continue
                if dep in path:
                    cycle = [*path[path.index(dep):], dep]
                    attr = self._local_attrs[dep]
                    raise TerraformError(
                        "Cycle in local values: " + " -> ".join(f"local.{n}" for n in cycle), attr.expr.origin
                    )
                path.append(dep)
                stack.append((dep, self._local_deps(dep)))
                continue
            stack.pop()
            path.pop()
            done.add(current)
            order.append(current)
        return order

    def _local_deps(self, name: str) -> list[str]:
        deps = self._deps_cache.get(name)
        if deps is None:
            attr = self._local_attrs[name]
            deps = self._deps_cache[name] = list(reversed(_references(attr.expr.node, "local", attr.expr.file)))
        return list(deps)

    def output(self, name: str) -> Any:
        block = self._outputs.get(name)
        if block is None:
            raise TerraformError(f'no output named "{name}" in {self.path}')
        attr = block.attributes.get("value")
        if attr is None:
            raise TerraformError(f'output "{name}" has no value argument', Origin(str(block.file), block.line))
        value = self.evaluate(attr.expr)
        flag = block.attributes.get("sensitive")
        if flag is not None and self._evaluator.evaluate(flag.expr.node, Scope(flag.expr.file, no_references, None)) is True:
            return mark(value)
        return value

    @property
    def outputs(self) -> list[str]:
        return list(self._outputs)

    @property
    def locals(self) -> list[str]:
        return list(self._local_attrs)

    def evaluate_all(self) -> None:
        """Evaluate every local and output, recording failures as diagnostics."""
        for name, attr in self._local_attrs.items():
            try:
                self.local(name)
            except TerraformError as exc:
                self._error(exc, attr.expr.origin)
        for name, block in self._outputs.items():
            try:
                self.output(name)
            except TerraformError as exc:
                self._error(exc, Origin(str(block.file), block.line))

    # -- instances -------------------------------------------------------------------------

    def instances(self, block: Block, extra: Mapping[str, Any] | None = None
                  ) -> list[tuple[str, dict[str, Any], str | None]] | Unknown:
        """(address, scope, skipped reason) of each instance of a resource, data source or module
        call; an Unknown when ``count``/``for_each`` is not known. A block whose ``count`` is 0 or
        whose ``for_each`` is empty gives one entry with the reason it is skipped."""
        base = dict(extra or {})
        address = block.address
        if "count" in block.attributes:
            attr = block.attributes["count"]
            count = self.evaluate(attr.expr, extra)
            if isinstance(count, Unknown):
                return Unknown(f"the count of {address} is not known: {count.reason}", count.origin, count.ref,
                               count.attribute)
            if isinstance(count, str):
                count = tftypes.convert(count, ("number",), attr.expr.origin)
            if isinstance(count, bool) or not isinstance(count, (int, float)) or count < 0 or count != int(count):
                raise TerraformError(
                    'Invalid count argument: the "count" argument must be a non-negative whole number', attr.expr.origin
                )
            if count == 0:
                return [(address, base, "count = 0: no instance is created")]
            return [(f"{address}[{i}]", {**base, "count": {"index": i}}, None) for i in range(int(count))]
        if "for_each" in block.attributes:
            attr = block.attributes["for_each"]
            coll = self.evaluate(attr.expr, extra)
            if isinstance(coll, Unknown):
                return Unknown(f"the for_each of {address} is not known: {coll.reason}", coll.origin, coll.ref,
                               coll.attribute)
            items: list[tuple[Any, Any]]
            if isinstance(coll, dict):
                items = [(k, coll[k]) for k in sorted(coll)]
            elif isinstance(coll, tuple):  # a set
                for v in coll:
                    if not isinstance(v, str):
                        raise TerraformError(
                            'Invalid for_each argument: a set used in "for_each" must contain only strings',
                            attr.expr.origin,
                        )
                items = [(v, v) for v in coll]
            else:
                raise TerraformError(
                    'Invalid for_each argument: the "for_each" argument must be a map, or set of strings, and you '
                    f"have provided a value of type {_type(coll)}",
                    attr.expr.origin,
                )
            unknown = next((k for k, _ in items if isinstance(k, Unknown)), None)
            if isinstance(unknown, Unknown):
                return unknown
            if not items:
                return [(address, base, "for_each is empty: no instance is created")]
            import json as _json

            return [
                (f"{address}[{_json.dumps(str(k))}]", {**base, "each": {"key": TfStr(str(k), attr.expr.origin)
                                                                         if not isinstance(k, TfStr) else k,
                                                                         "value": v}}, None)
                for k, v in items
            ]
        return [(address, base, None)]

    # -- blocks as values --------------------------------------------------------------------

    def evaluate_block(self, block: Block, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A block as a dict: its arguments, and its nested blocks (dynamic ones expanded) as
        lists under their type. Errors become Unknowns (and diagnostics)."""
        result: dict[str, Any] = {}
        for name, attr in block.attributes.items():
            if name in META_ARGUMENTS:
                continue
            result[name] = self.try_evaluate(attr.expr, extra)
        for nested in block.blocks:
            if nested.kind == "dynamic":
                expanded = expand_dynamic(self, nested, extra)
                target = result.setdefault(nested.type or nested.name, [])
                if isinstance(expanded, Unknown):
                    target.append(expanded)
                    continue
                for content, scope in expanded:
                    target.append(self.evaluate_block(content, scope))
            else:
                result.setdefault(nested.kind, []).append(self.evaluate_block(nested, extra))
        return result


def _bind(fn: Callable[[Expr], Any], expr: Expr) -> Callable[[], Any]:
    return lambda: fn(expr)


def _type(value: Any) -> str:
    from checker.terraform.evaluator import type_name

    return type_name(value)


def _wrap_extra(name: str, value: Any) -> Any:
    if isinstance(value, (dict, RefValue)) or value is None or isinstance(value, Unknown):
        return value
    return value


def expand_dynamic(
    module: Module, block: Block, extra: Mapping[str, Any] | None = None
) -> list[tuple[Block, Mapping[str, Any]]] | Unknown:
    """Each block a ``dynamic`` block generates: its ``content`` with the iterator in scope
    (``<label>.key``/``.value``, or the name given by ``iterator``)."""
    origin = Origin(str(block.file), block.line)
    content = next((b for b in block.blocks if b.kind == "content"), None)
    if content is None:
        raise TerraformError(f'dynamic "{block.type}" block has no content block', origin)
    iterator = block.type or block.name
    it_attr = block.attributes.get("iterator")
    if it_attr is not None:
        node = it_attr.expr.node
        while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
            node = node.children[0]
        if isinstance(node, Tree) and node.data == "identifier":
            iterator = str(node.children[0])
        else:
            raise TerraformError("Invalid dynamic iterator name: the iterator must be a name", it_attr.expr.origin)
    fe = block.attributes.get("for_each")
    if fe is None:
        raise TerraformError(f'dynamic "{block.type}" block has no for_each argument', origin)
    coll = module.try_evaluate(fe.expr, extra)
    if isinstance(coll, Unknown):
        return Unknown(f'the for_each of dynamic "{block.type}" is not known: {coll.reason}', coll.origin or origin,
                       coll.ref, coll.attribute)
    from checker.terraform.evaluator import _iterate

    return [(content, {**(extra or {}), iterator: {"key": k, "value": v}}) for k, v in _iterate(coll, fe.expr.origin)]


def _references(node: Any, root: str, file: str) -> list[str]:
    """Names ``n`` of the ``<root>.n`` references inside an expression tree (in order)."""
    return [chain[1] for chain in traversals(node, file) if len(chain) == 2 and chain[0] == root]


def traversals(node: Any, file: str) -> list[tuple[str, ...]]:
    """The references inside an expression tree, in order, as the names they start with: for
    ``data.aws_iam_policy_document.x.json`` the chains ``("data", "aws_iam_policy_document", "x",
    "json")``, ``("data", "aws_iam_policy_document", "x")`` ... down to ``("data",
    "aws_iam_policy_document")`` (an index or splat ends a chain: ``local.p[0].json`` gives ``("local",
    "p")``)."""
    found: list[tuple[str, ...]] = []
    stack = [node]
    pop = stack.pop
    push = stack.append
    extend = stack.extend
    while stack:
        cur = pop()
        if not isinstance(cur, Tree):
            continue
        data = cur.data
        if data == "get_attr_expr_term":
            chain = _chain(cur)
            if chain is not None:
                found.append(chain)
        elif data == "heredoc_template" or data == "heredoc_template_trim":
            tmpl = getattr(cur, "cp_template", None)
            if tmpl is None:
                try:
                    tmpl = tfparser.heredoc_template(cur.children[0], file)
                except TerraformError:
                    continue
                cur.cp_template = tmpl
            push(tmpl)
            continue
        children = cur.children
        if len(children) == 1:
            push(children[0])
        else:
            extend(reversed(children))
    return found


def _chain(node: Tree) -> tuple[str, ...] | None:
    """``a.b.c`` of a ``get_attr_expr_term`` whose base is a name followed only by attributes."""
    names: list[str] = []
    cur: Any = node
    while True:
        if isinstance(cur, Tree) and cur.data == "get_attr_expr_term":
            attr = [c for c in cur.children[1].children if isinstance(c, Tree)]
            if not attr:
                return None
            names.append(str(attr[0].children[0]))
            cur = cur.children[0]
        elif isinstance(cur, Tree) and cur.data == "expr_term" and len(cur.children) == 1:
            cur = cur.children[0]
        elif isinstance(cur, Tree) and cur.data == "identifier":
            names.append(str(cur.children[0]))
            return tuple(reversed(names))
        else:
            return None


# --------------------------------------------------------------------------------------
# Variables
# --------------------------------------------------------------------------------------


def _declare_variables(module: Module) -> None:
    ev = module._evaluator
    for b in module.blocks:
        if b.kind != "variable":
            continue
        if b.name in module._var_decls:
            module.diagnostics.append(
                Diagnostic("error", f'Duplicate variable declaration: "{b.name}"', str(b.file), b.line)
            )
        var = _Variable(b.name, b)
        const_scope = Scope(str(b.file), no_references, None)
        try:
            if "type" in b.attributes:
                t = b.attributes["type"]
                var.type = tftypes.parse_type(t.expr.node, t.expr.file, ev, Scope(t.expr.file, no_references, None))
            if "nullable" in b.attributes:
                nullable = ev.evaluate(b.attributes["nullable"].expr.node, const_scope)
                var.nullable = nullable is not False
            if "sensitive" in b.attributes:
                var.sensitive = ev.evaluate(b.attributes["sensitive"].expr.node, const_scope) is True
            if "default" in b.attributes:
                d = b.attributes["default"]
                raw = ev.evaluate(d.expr.node, Scope(d.expr.file, no_references, None))
                var.default = tftypes.convert(raw, var.type, d.expr.origin) if var.type else raw
        except TerraformError as exc:
            module._error(exc, Origin(str(b.file), b.line))
        module._var_decls[b.name] = var


def _parse_mode_hcl(var: _Variable) -> bool:
    """Terraform parses -var and TF_VAR_ values as HCL unless the variable is a string (or untyped)."""
    return var.type is not None and var.type[0] != "string"


def _raw_value(module: Module, var: _Variable, text: str, source: str) -> Any:
    origin = Origin(source, 1)
    if not _parse_mode_hcl(var):
        return TfStr(text, origin)
    node = tfparser.parse_expression(text, source, 1)
    return module._evaluator.evaluate(node, Scope(source, no_references, None))


def _tfvars_values(module: Module, path: Path) -> dict[str, tuple[Any, Origin]]:
    file = str(path)
    out: dict[str, tuple[Any, Origin]] = {}
    if path.name.endswith(".json"):
        root = _read_json(path)
        if root.kind != "object":
            raise TerraformError("the root of a .tfvars.json file must be an object", Origin(file, root.line))
        for key, line, value in root.members:
            out[key] = (_json_plain(value, file), Origin(file, line))
        return out
    tree = tfparser.parse_hcl(path.read_text(encoding="utf-8"), file)
    attrs, blocks, diags = _body_items(tree.children[0], file)
    module.diagnostics.extend(diags)
    for b in blocks:
        module.diagnostics.append(Diagnostic("error", f"Unexpected {b.kind} block in a tfvars file", file, b.line))
    for name, attr in attrs.items():
        value = module._evaluator.evaluate(attr.expr.node, Scope(file, no_references, None))
        out[name] = (value, attr.expr.origin)
    return out


def _assign_variables(
    module: Module,
    *,
    var_files: Sequence[Path],
    vars: Sequence[str],
    env: Mapping[str, str],
    inputs: Mapping[str, Any] | None,
) -> None:
    decls = module._var_decls
    values: dict[str, tuple[Any, Origin]] = {}
    if inputs is not None:
        for k, v in inputs.items():
            if k in decls:
                values[k] = (v, Origin(str(module.path), 1))
            else:
                module.diagnostics.append(Diagnostic(
                    "error", f'Unsupported argument: an argument named "{k}" is not expected here: the module '
                    "declares no such variable", str(module.path), 1))
    else:
        for name, var in decls.items():
            text = env.get(f"TF_VAR_{name}")
            if text is not None:
                try:
                    values[name] = (_raw_value(module, var, text, f"TF_VAR_{name}"), Origin(f"TF_VAR_{name}", 1))
                except TerraformError as exc:
                    module._error(exc)
        files: list[Path] = []
        for fixed in ("terraform.tfvars", "terraform.tfvars.json"):
            if (module.path / fixed).is_file():
                files.append(module.path / fixed)
        autos = sorted(
            (p for p in module.path.iterdir()
             if p.is_file() and (p.name.endswith(".auto.tfvars") or p.name.endswith(".auto.tfvars.json"))),
            key=lambda p: p.name,
        )
        files.extend(autos)
        files.extend(Path(f) for f in var_files)
        for f in files:
            try:
                for name, (value, origin) in _tfvars_values(module, f).items():
                    if name not in decls:
                        module.diagnostics.append(Diagnostic(
                            "warning", f'Value for undeclared variable: the root module does not declare a variable '
                            f'named "{name}"', origin.file, origin.line))
                        continue
                    values[name] = (value, origin)
            except TerraformError as exc:
                module._error(exc, Origin(str(f), 1))
            except OSError as exc:
                module.diagnostics.append(Diagnostic("error", f"cannot read {f}: {exc.strerror}", str(f), 1))
        for item in vars:
            name, sep, text = item.partition("=")
            name = name.strip()
            if not sep or not name:
                module.diagnostics.append(Diagnostic(
                    "error", f'Invalid -var option "{item}": the given value must be NAME=VALUE', "<command line>", 1))
                continue
            if name not in decls:
                module.diagnostics.append(Diagnostic(
                    "error", f'Value for undeclared variable: a variable named "{name}" was assigned on the command '
                    "line, but the root module does not declare a variable of that name", "<command line>", 1))
                continue
            try:
                values[name] = (_raw_value(module, decls[name], text, f"-var {name}"), Origin(f"-var {name}", 1))
            except TerraformError as exc:
                module._error(exc)
    for name, var in decls.items():
        origin = Origin(str(var.block.file), var.block.line)
        if name in values:
            value, vorigin = values[name]
            if value is None and not var.nullable and var.default is not NO_VALUE:
                value = var.default
            elif value is None and not var.nullable:
                module.diagnostics.append(Diagnostic(
                    "error", f'Invalid value for input variable: the variable "{name}" is non-nullable, so it must '
                    "have a value other than null", vorigin.file, vorigin.line))
            try:
                if var.type is not None:
                    value = tftypes.convert(materialize(value, vorigin), var.type, vorigin)
                module.variables[name] = value
            except TerraformError as exc:
                message = f'Invalid value for input variable "{name}": {exc.message}'
                module._error(TerraformError(message, vorigin))
                module.variables[name] = Unknown(message, vorigin)
        elif var.default is not NO_VALUE:
            module.variables[name] = var.default
        else:
            module.variables[name] = Unknown(
                f"variable {name} has no value: set it with --var or a tfvars file", origin
            )
        if var.sensitive:
            module.variables[name] = mark(module.variables[name])


# --------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------


def load_module(
    path: Path,
    *,
    var_files: Sequence[Path] = (),
    vars: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    workspace: str | None = None,
    scan_root: Path | None = None,
    allow_outside: bool = False,
    inputs: Mapping[str, Any] | None = None,
) -> Module:
    """Load the module in directory ``path``. ``env`` defaults to ``os.environ`` (for
    ``TF_VAR_*``); ``workspace``: the value of ``terraform.workspace`` (None: not known, so an
    Unknown, and what depends on it is judged both ways); ``inputs`` are the evaluated arguments of a module call (child modules:
    no tfvars, no environment)."""
    module = _load(
        path, var_files=var_files, vars=vars, env=os.environ if env is None else env, workspace=workspace,
        scan_root=scan_root or path, allow_outside=allow_outside, inputs=inputs, root_dir=None, loading=(),
    )
    module.modules_json = read_modules_json(path)
    return module


def _load(
    path: Path,
    *,
    var_files: Sequence[Path],
    vars: Sequence[str],
    env: Mapping[str, str],
    workspace: str | None,
    scan_root: Path,
    allow_outside: bool,
    inputs: Mapping[str, Any] | None,
    root_dir: Path | None,
    loading: tuple[Path, ...],
) -> Module:
    module = Module(path, scan_root=scan_root, allow_outside=allow_outside, workspace=workspace,
                    root_dir=root_dir, loading=loading)
    files, unreadable, tofu_files = folder_members(path)
    module.files = tuple(files)
    for bad, why in unreadable:
        module.diagnostics.append(Diagnostic("error", f"cannot read {bad.name}: {why}", str(bad), 1))
    for tofu in tofu_files:
        module.diagnostics.append(Diagnostic(
            "error", f"{tofu.name} is read by OpenTofu (where it replaces the .tf file of the same name) and ignored "
            "by Terraform; the gate judges what Terraform reads, so what this file configures is not judged",
            str(tofu), 1))
    readable: list[Path] = []
    for f in files:
        outside = linked_outside(f, scan_root)
        if outside is not None:
            if not allow_outside:
                module.diagnostics.append(Diagnostic(
                    "error", f"{f.name} links to {outside}, outside the scanned tree; pass --allow-outside to read it",
                    str(f), 1))
                continue
            module.note_outside(outside)
        readable.append(f)
    module.blocks = read_blocks(readable, module.diagnostics)
    module._index()
    _declare_variables(module)
    _assign_variables(module, var_files=var_files, vars=vars, env=env, inputs=inputs)
    return module


def _outside(path: Path, scan_root: Path) -> Path | None:
    """The real path of ``path`` when it lies outside the scanned tree (a folder a modules.json
    record names); None when it is inside."""
    root = Path(os.path.realpath(scan_root))
    real = Path(os.path.realpath(path))
    return None if real == root or root in real.parents else real


def linked_outside(path: Path, scan_root: Path) -> Path | None:
    """The real path of ``path`` when a symbolic link takes it out of the scanned tree although the
    path as written stays inside it (a linked file or module folder); None otherwise."""
    root = Path(os.path.realpath(scan_root))
    real = Path(os.path.realpath(path))
    if real == root or root in real.parents:
        return None
    written = Path(os.path.normpath(os.path.abspath(path)))
    root_written = Path(os.path.normpath(os.path.abspath(scan_root)))
    if written == root_written or root_written in written.parents:
        return real
    return None


def find_root_modules(path: Path) -> list[Path]:
    """The directories under ``path`` holding ``.tf``/``.tf.json`` files that are applied as root
    modules (sorted). A folder is a root when it is ``path`` itself, when it has its own tfvars
    (``terraform.tfvars``, ``*.auto.tfvars``, their ``.json`` forms), backend or provider
    configuration, or when no other module of the tree calls it through a local source. A folder
    that is only called (``modules/x`` called from ``envs/prod``) is judged through its callers."""
    dirs: list[Path] = []
    skip = {".terraform", ".git", "node_modules"}
    for current, subdirs, filenames in os.walk(path):
        subdirs[:] = sorted(d for d in subdirs if d not in skip and not d.startswith("."))
        if any(n.endswith(".tf") or n.endswith(".tf.json") for n in filenames):
            dirs.append(Path(current).resolve())
    called: set[Path] = set()
    calls: dict[Path, set[Path]] = {}
    configured: set[Path] = set()
    for d in dirs:
        blocks = read_blocks(module_files(d), [], cross_check=False)
        if applied_as_root(d, blocks):
            configured.add(d)
        for b in blocks:
            if b.kind != "module" or "source" not in b.attributes:
                continue
            node = b.attributes["source"].expr
            try:
                src = Evaluator().evaluate(node.node, Scope(node.file, no_references, None))
            except TerraformError:
                continue
            if isinstance(src, str) and (src.startswith("./") or src.startswith("../")):
                called.add((d / src).resolve())
                calls.setdefault(d, set()).add((d / src).resolve())
    top = path.resolve()
    roots = {d for d in dirs if d not in called or d == top or d in configured}
    # Modules that only call each other (a -> b -> a) are reached from no root: the first of each
    # such group is loaded as a root too (and reports the cycle), never silently left out.
    reached: set[Path] = set()
    for r in roots:
        reached |= _reachable(r, calls)
    for d in dirs:
        if d not in reached:
            roots.add(d)
            reached |= _reachable(d, calls)
    return [d for d in dirs if d in roots]


TFVARS_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")


def applied_as_root(directory: Path, blocks: Sequence[Block]) -> bool:
    """Whether a module folder carries what only a root module uses: its own tfvars
    (``terraform.tfvars``, ``*.auto.tfvars``, ``.json`` forms), a backend (or ``cloud``) block, or a
    provider configuration."""
    try:
        names = [p.name for p in directory.iterdir() if p.is_file()]
    except OSError:
        names = []
    if any(n in ("terraform.tfvars", "terraform.tfvars.json") or n.endswith(TFVARS_SUFFIXES) for n in names):
        return True
    for b in blocks:
        if b.kind == "provider":
            return True
        if b.kind == "terraform" and any(n.kind in ("backend", "cloud") for n in b.blocks):
            return True
    return False


def _reachable(start: Path, calls: Mapping[Path, set[Path]]) -> set[Path]:
    seen = {start}
    stack = [start]
    while stack:
        for nxt in calls.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
