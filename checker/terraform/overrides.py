"""Terraform's override files: ``override.tf``, ``*_override.tf`` and their ``.tf.json`` forms.

Terraform reads a module's primary files first, then its override files in lexical order, and
merges each top-level block of an override file into the primary block with the same type and
labels (Terraform documentation, "Override Files"):

- an argument replaces the primary block's argument of the same name (or is added);
- nested blocks of one type replace every nested block of that type in the primary block (their
  contents are not merged); a ``dynamic "statement"`` block is of type ``statement`` here, on
  either side (a static override replaces the primary's dynamic blocks of that type, and back);
- a resource's ``lifecycle`` block is merged argument by argument;
- ``locals`` are merged value by value, whichever ``locals`` block holds them;
- a ``terraform`` block is merged into the primary one (``required_providers`` entry by entry);
- a ``variable``, ``output``, ``module``, ``resource``, ``data``, ``ephemeral``, ``locals`` entry or
  ``provider`` block with no primary block to override is an error, as are ``moved``, ``import``
  and ``check`` blocks in an override file (a ``removed`` block there is accepted, and declares
  nothing judged here).

A merged argument keeps the position where the override file writes it, so a finding about it
points at the override file and its line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from checker.terraform.blocks import Attribute, Block, Diagnostic
from checker.terraform.errors import TerraformError
from checker.terraform.evaluator import Evaluator, Scope, no_references

__all__ = ["is_override_file", "merge_overrides"]


def is_override_file(path: Path) -> bool:
    """Terraform's rule: the name without ``.tf``/``.tf.json`` is ``override`` or ends in ``_override``."""
    name = path.name
    stem = name[: -len(".tf.json")] if name.endswith(".tf.json") else name[: -len(".tf")] if name.endswith(".tf") else ""
    return stem == "override" or stem.endswith("_override")


# Terraform's errors (summary, detail) for blocks an override file may not hold.
_NOT_OVERRIDABLE = {
    "moved": ("Cannot override 'moved' blocks",
              "Records of moved objects can appear only in normal files, not in override files."),
    "import": ("Cannot override 'import' blocks",
               "Import blocks can appear only in normal files, not in override files."),
    "check": ("Can't override check blocks", "Override files cannot override check blocks."),
}
# Blocks Terraform accepts in an override file and that declare nothing the gate judges.
_IGNORED = frozenset({"removed"})


def _provider_key(block: Block) -> tuple[str, ...]:
    """A provider configuration is named by its provider and its ``alias`` (a constant string)."""
    alias = block.attributes.get("alias")
    if alias is None:
        return ("provider", block.name, "")
    try:
        value = Evaluator().evaluate(alias.expr.node, Scope(alias.expr.file, no_references, None))
    except TerraformError:
        value = None
    text = str(value) if isinstance(value, str) else f"<expression at {alias.expr.file}:{alias.line}>"
    return ("provider", block.name, text)


def _key(block: Block) -> tuple[str, ...]:
    if block.kind == "provider":
        return _provider_key(block)
    return (block.kind, *block.labels)


def _missing(block: Block) -> str:
    what = {
        "variable": (f'Missing base variable declaration to override: there is no variable named "{block.name}". An '
                     "override file can only override a variable that was already declared in a primary "
                     "configuration file."),
        "output": (f'Missing base output definition to override: there is no output named "{block.name}". An '
                   "override file can only override an output that was already defined in a primary "
                   "configuration file."),
        "module": (f'Missing module call to override: there is no module call named "{block.name}". An override '
                   "file can only override a module call that was defined in a primary configuration file."),
        "resource": (f'Missing resource to override: there is no {block.type} resource named "{block.name}". An '
                     "override file can only override a resource block defined in a primary configuration file."),
        "data": (f'Missing data resource to override: there is no {block.type} data resource named "{block.name}". '
                 "An override file can only override a data block defined in a primary configuration file."),
        "ephemeral": (f'Missing ephemeral resource to override: there is no {block.type} ephemeral resource named '
                      f'"{block.name}". An override file can only override an ephemeral block defined in a primary '
                      "configuration file."),
        "provider": (f'Missing base provider configuration for override: there is no {block.name} provider '
                     "configuration with this alias. An override file can only override a provider configuration "
                     "that was already defined in a primary configuration file."),
    }
    return what.get(block.kind, f"Missing {block.kind} block to override")


def _merge_attributes(base: dict[str, Attribute], override: dict[str, Attribute]) -> dict[str, Attribute]:
    merged = dict(base)
    merged.update(override)
    return merged


def _merge_block(base: Block, override: Block) -> Block:
    """``base`` with ``override``'s arguments and nested block types replacing its own."""
    attributes = _merge_attributes(base.attributes, override.attributes)
    blocks: list[Block]
    if base.kind == "terraform":
        blocks = _merge_terraform_blocks(base.blocks, override.blocks)
    else:
        replaced = {_nested_type(b) for b in override.blocks}
        if base.kind in ("resource", "data", "ephemeral") and "lifecycle" in replaced:
            blocks = _merge_lifecycle(base.blocks, override.blocks)
        else:
            blocks = [b for b in base.blocks if _nested_type(b) not in replaced] + list(override.blocks)
    return dataclasses.replace(base, attributes=attributes, blocks=blocks)


def _nested_type(block: Block) -> str:
    """The block type a nested block stands for: a ``dynamic "statement"`` block is a ``statement``
    (Terraform's merged body drops the primary's dynamic blocks of an overridden type too)."""
    return (block.type or block.name) if block.kind == "dynamic" else block.kind


def _merge_lifecycle(base: Sequence[Block], override: Sequence[Block]) -> list[Block]:
    replaced = {_nested_type(b) for b in override if b.kind != "lifecycle"}
    kept = [b for b in base if _nested_type(b) not in replaced]
    out: list[Block] = []
    for ov in override:
        if ov.kind != "lifecycle":
            continue
        current = next((b for b in kept if b.kind == "lifecycle"), None)
        if current is None:
            kept.append(ov)
        else:
            kept[kept.index(current)] = dataclasses.replace(
                current, attributes=_merge_attributes(current.attributes, ov.attributes),
                blocks=[b for b in current.blocks if b.kind not in {x.kind for x in ov.blocks}] + list(ov.blocks))
    out.extend(kept)
    out.extend(b for b in override if b.kind not in ("lifecycle",))
    return out


def _merge_terraform_blocks(base: Sequence[Block], override: Sequence[Block]) -> list[Block]:
    """Nested blocks of a ``terraform`` block: ``required_providers`` merged entry by entry; a
    ``backend`` or ``cloud`` block replaces both of the primary's; any other type replaces its own."""
    out = list(base)
    for ov in override:
        if ov.kind == "required_providers":
            current = next((b for b in out if b.kind == "required_providers"), None)
            if current is not None:
                out[out.index(current)] = dataclasses.replace(
                    current, attributes=_merge_attributes(current.attributes, ov.attributes))
                continue
            out.append(ov)
        elif ov.kind in ("backend", "cloud"):
            out = [b for b in out if b.kind not in ("backend", "cloud")] + [ov]
        else:
            out = [b for b in out if b.kind != ov.kind] + [ov]
    return out


def merge_overrides(primary: list[Block], overrides: Sequence[Block], diags: list[Diagnostic]) -> list[Block]:
    """The module's blocks after merging ``overrides`` (the blocks of its override files, files in
    lexical order) into ``primary``; errors Terraform reports go to ``diags``."""
    blocks = list(primary)
    index: dict[tuple[str, ...], int] = {}
    for i, b in enumerate(blocks):
        if b.kind not in ("locals", "terraform"):
            index.setdefault(_key(b), i)
    for ov in overrides:
        if ov.kind in _NOT_OVERRIDABLE:
            summary, detail = _NOT_OVERRIDABLE[ov.kind]
            diags.append(Diagnostic("error", f"{summary}: {detail}", str(ov.file), ov.line))
            continue
        if ov.kind in _IGNORED:
            continue
        if ov.kind == "locals":
            for name, attr in ov.attributes.items():
                where = next((i for i, b in enumerate(blocks) if b.kind == "locals" and name in b.attributes), None)
                if where is None:
                    diags.append(Diagnostic(
                        "error", f'Missing base local value definition to override: there is no local value named '
                        f'"{name}". An override file can only override a local value that was defined in a primary '
                        "configuration file.", str(ov.file), attr.line))
                    continue
                base = blocks[where]
                blocks[where] = dataclasses.replace(base, attributes={**base.attributes, name: attr})
            continue
        if ov.kind == "terraform":
            where = next((i for i, b in enumerate(blocks) if b.kind == "terraform"), None)
            if where is None:
                blocks.append(ov)
            else:
                blocks[where] = _merge_block(blocks[where], ov)
            continue
        found = index.get(_key(ov))
        if found is None:
            diags.append(Diagnostic("error", _missing(ov), str(ov.file), ov.line))
            continue
        blocks[found] = _merge_block(blocks[found], ov)
    return blocks
