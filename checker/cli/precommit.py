"""The pre-commit hook: from the files a commit changes to what must be judged.

pre-commit passes the changed files; a ``.tf`` file alone is never judged, because its module's
variables, locals and other files decide what it grants. So every changed file is mapped to what
reads it:

- ``*.tf`` / ``*.tf.json``: the module in its folder;
- ``*.tfvars`` / ``*.tfvars.json``: the module in its folder, or the nearest folder above it
  that holds a module (inside the repository);
- templates (``*.tftpl``, ``*.tpl``, ``*.json.tpl``) and JSON files that a module reads: every
  module whose configuration names the file by its path relative to the module, e.g.
  ``templatefile("${path.module}/policies/read.json.tpl", ...)``; a template that no module names
  (a computed path) goes to the nearest module above it;
- other ``*.json`` files: judged on their own when they are IAM policies (or exports, or plans,
  or CloudFormation templates, whatever the JSON front end recognises); other JSON is skipped quietly;
- ``*.yaml``, ``*.yml``, ``*.template``: judged on their own when they are CloudFormation
  templates (by content); other YAML is skipped quietly.

A module that other modules of the repository call with a local ``source`` is then replaced by
the root modules that call it (transitively), so it is judged with the inputs they give it; a
module that nothing in the repository calls, or that has its own tfvars, backend or provider
configuration (someone applies it as it is), is judged as a root module too.

Unlike ``check``, which exits 2 when it finds no policy, the hook exits 0 when none of the
changed files can affect a policy: a commit that touches only a ``package.json`` has nothing to
prove.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.report import Report
    from checker.settings import Settings

TF_SUFFIXES = (".tf", ".tf.json")
VARS_SUFFIXES = (".tfvars", ".tfvars.json")
TEMPLATE_SUFFIXES = (".tftpl", ".tpl", ".tmpl")
JSON_SUFFIXES = (".json",)
CLOUDFORMATION_SUFFIXES = (".yaml", ".yml", ".template")  # checker.sources.detect.TEMPLATE_SUFFIXES

# checker.pipeline.DEFAULT_EXCLUDED_DIRS, repeated so that a commit with nothing to check does not
# import the analyser (tests/test_precommit.py keeps the two equal).
EXCLUDED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".terraform", ".venv", "venv",
                           "__pycache__", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"})

# A local module call: `source = "./x"` (HCL) or `"source": "../x"` (JSON syntax). Only files
# that match are parsed, with the real parser, to read their module blocks.
_LOCAL_SOURCE = re.compile(r"""(?:\bsource\s*=|"source"\s*:)\s*"\.\.?/""")


def kind_of(path: str | Path) -> str | None:
    """``terraform``, ``vars``, ``template``, ``json``, ``cloudformation`` or None (not for this hook)."""
    name = Path(path).name.lower()
    if name.endswith(TF_SUFFIXES):
        return "terraform"
    if name.endswith(VARS_SUFFIXES):
        return "vars"
    if name.endswith(TEMPLATE_SUFFIXES):
        return "template"
    if name.endswith(JSON_SUFFIXES):
        return "json"
    if name.endswith(CLOUDFORMATION_SUFFIXES):
        return "cloudformation"
    return None


def find_repository_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` with a ``.git`` (a folder, or a file in worktrees
    and submodules); ``start`` itself when there is none."""
    start = start.resolve()
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d
    return start


@dataclass
class Plan:
    """What the changed files lead to. Paths are absolute and resolved."""

    modules: dict[Path, list[str]] = field(default_factory=dict)  # module folder -> why (changed files)
    policies: list[Path] = field(default_factory=list)  # JSON files to judge on their own
    also_read: list[Path] = field(default_factory=list)  # ... that modules in ``modules`` read too
    notes: list[str] = field(default_factory=list)  # changed files that lead nowhere, and why
    ignored: list[str] = field(default_factory=list)  # files this hook does not read (quietly)

    @property
    def empty(self) -> bool:
        return not self.modules and not self.policies


class _Repository:
    """The Terraform modules of the repository, indexed lazily (one walk, files read once)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._excluded = EXCLUDED_DIRS
        self._modules: dict[Path, list[Path]] | None = None
        self._texts: dict[Path, str] = {}
        self._callers: dict[Path, set[Path]] | None = None
        self._is_module: dict[Path, bool] = {}

    def excluded(self, path: Path) -> bool:
        """Inside a folder that is never scanned (``.terraform``, ``node_modules`` ...), judged by the
        path inside the repository only (a checkout under ``~/venv/`` is not excluded)."""
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            return False
        return any(p in self._excluded for p in parts[:-1])

    @property
    def modules(self) -> dict[Path, list[Path]]:
        """Module folder -> its configuration files, for every module in the repository."""
        if self._modules is None:
            self._modules = {}
            for current, subdirs, names in os.walk(self.root):
                subdirs[:] = sorted(d for d in subdirs if d not in self._excluded and not d.startswith("."))
                files = sorted(n for n in names if n.endswith(TF_SUFFIXES) and not n.startswith("."))
                if files:
                    d = Path(current)
                    self._modules[d] = [d / n for n in files]
        return self._modules

    def is_module(self, folder: Path) -> bool:
        """The folder holds ``*.tf`` / ``*.tf.json`` files (as Terraform reads them)."""
        if folder not in self._is_module:
            try:
                self._is_module[folder] = any(
                    n.endswith(TF_SUFFIXES) and not n.startswith(".") and (folder / n).is_file()
                    for n in os.listdir(folder))
            except OSError:
                self._is_module[folder] = False
        return self._is_module[folder]

    def text(self, path: Path) -> str:
        if path not in self._texts:
            try:
                self._texts[path] = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                self._texts[path] = ""
        return self._texts[path]

    def nearest_module(self, start: Path) -> Path | None:
        """``start`` or the nearest folder above it, up to the repository root, holding a module."""
        for d in (start, *start.parents):
            if self.is_module(d):
                return d
            if d == self.root or self.root not in d.parents:
                return None
        return None

    def modules_naming(self, target: Path) -> list[Path]:
        """Modules whose configuration names ``target`` by its path relative to the module
        (``"${path.module}/policies/read.json"`` names ``policies/read.json``; ``other-read.json``
        does not)."""
        found: list[Path] = []
        for folder, files in self.modules.items():
            rel = os.path.relpath(target, folder).replace(os.sep, "/")
            pattern = re.compile(r"(?<![\w.\-])" + re.escape(rel) + r"(?![\w.\-])")
            if any(pattern.search(self.text(f)) for f in files):
                found.append(folder)
        return found

    @property
    def callers(self) -> dict[Path, set[Path]]:
        """Module folder -> the module folders of the repository that call it with a local source."""
        if self._callers is None:
            self._callers = {}
            for folder, files in self.modules.items():
                for f in files:
                    if not _LOCAL_SOURCE.search(self.text(f)):
                        continue
                    for source in _local_sources(f):
                        callee = (folder / source).resolve()
                        self._callers.setdefault(callee, set()).add(folder)
        return self._callers

    def applied_as_root(self, folder: Path) -> bool:
        """The folder has its own tfvars, backend or provider configuration: someone applies it as a
        root module, whoever else calls it (checker.terraform.loader.applied_as_root)."""
        from checker.terraform.loader import applied_as_root, module_files, read_blocks

        try:
            files = module_files(folder)
        except OSError:
            return False
        return applied_as_root(folder, read_blocks(files, [], cross_check=False))

    def roots_calling(self, module: Path) -> list[Path]:
        """The root modules whose call tree reaches ``module``: those nothing calls, and those with
        their own tfvars, backend or provider configuration (``module`` itself too when it has them);
        ``module`` itself when none calls it."""
        roots: set[Path] = set()
        seen = {module}
        todo = [module]
        while todo:
            current = todo.pop()
            callers = self.callers.get(current, set()) - {current}
            if not callers or self.applied_as_root(current):
                roots.add(current)
            if not callers:
                continue
            for c in callers:
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        # A cycle of calls leaves no root: judge the module itself (Terraform rejects the cycle,
        # and the evaluator reports it).
        return sorted(roots) or [module]


def _local_sources(path: Path) -> list[str]:
    """The local ``source`` of each module block of one configuration file."""
    from checker.terraform.errors import TerraformError
    from checker.terraform.loader import parse_hcl_file, parse_json_file

    try:
        blocks, _ = (parse_json_file(path) if path.name.endswith(".json")
                     else parse_hcl_file(path, cross_check=False))
    except (TerraformError, OSError, UnicodeDecodeError, ValueError):
        return []  # a file that does not parse is reported when its own module is judged
    out: list[str] = []
    for b in blocks:
        attr = b.attributes.get("source") if b.kind == "module" else None
        if attr is None:
            continue
        value = _literal(attr.expr.node)
        if value is not None and (value.startswith("./") or value.startswith("../")):
            out.append(value)
    return out


def _literal(node: object) -> str | None:
    """A module source is a literal string in Terraform: read it without evaluating anything."""
    from checker.terraform.evaluator import Evaluator, Scope, no_references

    try:
        value = Evaluator().evaluate(node, Scope("", no_references, None))
    except Exception:
        return None
    return value if isinstance(value, str) else None


# Every shape the JSON front ends read contains one of these (lower-cased; URL-encoded documents
# keep their key names): policy grammar, AWS CLI wrappers, account exports, Terraform plans. JSON
# with none of them (package.json, tsconfig.json) is skipped without loading the analyser.
# tests/test_precommit.py checks the list against checker/sources/json_policy.py.
POLICY_HINTS = (b"statement", b"statment", b"2012-10-17", b"2008-10-17", b"policyversion", b"policydocument",
                b"assumerolepolicydocument", b"roledetaillist", b"userdetaillist", b"groupdetaillist",
                b'"policies"', b"format_version")


def _json_may_be_policy(path: Path, *, template_ok: bool) -> bool:
    """True when the JSON front end should see the file on its own: it mentions something every
    policy, export or plan has. A file that a module reads as a template (``${...}``) is judged only
    through that module when ``template_ok`` is false: alone, its placeholders are not actions."""
    try:
        data = path.read_bytes()
    except OSError:
        return True  # unreadable: let the front end report it
    if not template_ok and b"${" in data:
        return False
    if b"\0" in data[:4]:  # UTF-16 or UTF-32: the front end reads or reports it
        return True
    lower = data.lower()
    return any(h in lower for h in POLICY_HINTS) or _is_template(data)


def _is_template(data: bytes) -> bool:
    from checker.sources.detect import is_template

    return is_template(data)


def _excluded_by(path: Path, shown: str, exclude: Sequence[str]) -> bool:
    """The same matching as ``check`` applies to files found in folders (``Settings.exclude``)."""
    import fnmatch

    full = path.as_posix()
    return any(fnmatch.fnmatch(shown, pat) or fnmatch.fnmatch(path.name, pat) or fnmatch.fnmatch(full, pat)
               for pat in exclude)


def plan(files: Iterable[str | Path], *, root: Path | None = None, exclude: Sequence[str] = ()) -> Plan:
    """Map changed files to the modules and policy files that must be judged. ``exclude`` globs
    (the configuration's) drop changed files as ``check`` drops them from scanned folders."""
    repo = _Repository((root or find_repository_root(Path.cwd())).resolve())
    out = Plan()
    targets: dict[Path, list[str]] = {}

    def add(module: Path, why: str) -> None:
        reasons = targets.setdefault(module, [])
        if why not in reasons:
            reasons.append(why)

    for raw in files:
        shown = Path(raw).as_posix()
        kind = kind_of(raw)
        path = Path(os.path.abspath(raw))
        folder = path.parent.resolve()
        path = folder / path.name
        if kind is None or repo.excluded(path) or _excluded_by(path, shown, exclude):
            out.ignored.append(shown)
            continue
        if kind == "terraform":
            if repo.is_module(folder):
                add(folder, shown)
            else:  # the module's last file was deleted: nothing is left to judge
                out.notes.append(f"{shown}: its folder holds no Terraform configuration any more")
        elif kind == "vars":
            module = repo.nearest_module(folder)
            if module is None:
                out.notes.append(f"{shown}: no Terraform module in its folder or above it; not checked")
            else:
                add(module, shown)
        elif kind == "cloudformation":
            try:
                template = path.is_file() and _is_template(path.read_bytes())
            except OSError:
                template = True  # unreadable: let the front end report it
            if template:
                out.policies.append(path)
            else:
                out.ignored.append(shown)  # YAML that is no template (a workflow, a config file)
        else:
            if not path.is_file():
                continue  # a deleted template or JSON file: the modules naming it fail on their own
            readers = repo.modules_naming(path)
            for m in readers:
                add(m, shown)
            if kind == "json":
                if not _json_may_be_policy(path, template_ok=not readers):
                    if not readers:
                        out.ignored.append(shown)
                    continue
                out.policies.append(path)
                if readers:
                    out.also_read.append(path)
                continue
            if readers:
                continue
            module = repo.nearest_module(folder)
            if module is None:
                out.notes.append(f"{shown}: no Terraform module names it or holds it; not checked")
            else:
                add(module, shown)
    found: dict[Path, list[str]] = {}
    for module, reasons in targets.items():  # in the order of the changed files
        for r in repo.roots_calling(module):
            for why in reasons:
                if why not in found.setdefault(r, []):
                    found[r].append(why)
    out.modules = dict(sorted(found.items()))
    return out


def _config_file(folder: Path) -> Path:
    from checker.settings import InputError

    names = sorted(n for n in os.listdir(folder) if n.endswith(TF_SUFFIXES) and not n.startswith("."))
    if not names:
        raise InputError(f"{folder}: no Terraform configuration files")
    return folder / names[0]


@dataclass
class Result:
    plan: Plan
    report: Report | None  # None: nothing to check

    @property
    def exit_code(self) -> int:
        return 0 if self.report is None else self.report.exit_code


def run(files: Sequence[str | Path], settings: Settings, *, root: Path | None = None) -> Result:
    """Judge what the changed ``files`` lead to (see the module docstring)."""
    from checker.api import check
    from checker.paths import display_path

    root = (root or find_repository_root(Path.cwd())).resolve()
    p = plan(files, root=root, exclude=settings.exclude)
    if p.empty:
        return Result(p, None)
    # The scanned tree is the repository, not the one module named: a module may read
    # ../policies/x.json (Settings.scan_root, honoured by checker.terraform.to_model).
    settings = dataclasses.replace(settings, scan_root=str(root))
    # A module is named by one of its configuration files: the Terraform front end then loads that
    # folder as a root module, without searching the folders below it for other modules.
    paths: list[Path] = [_config_file(m) for m in sorted(p.modules)] + p.policies
    report = check(paths, settings)
    # JSON that is not a policy was named only because it changed: drop its "skipped" line.
    named = {display_path(f) for f in p.policies}
    used = {d.file for d in report.load.documents} | {e.file for e in report.load.errors}
    quiet = named - used
    if quiet:
        report.load = report.load.model_copy(update={
            "skipped": tuple(s for s in report.load.skipped if s.file not in quiet),
            "files": tuple(f for f in report.load.files if f not in quiet),
        })
    # A policy file that a module reads is judged twice (alone, and as the module uses it): keep
    # the module's finding where both report the same rule on the same line.
    both = {display_path(f) for f in p.also_read}
    if both:
        via_module = {(f.rule_id, f.file, f.line) for f in report.findings if f.file in both and f.address != f.file}
        report.findings = [f for f in report.findings
                           if not (f.file in both and f.address == f.file
                                   and (f.rule_id, f.file, f.line) in via_module)]
    if not p.modules and not report.load.documents and not report.load.errors:
        return Result(Plan(notes=p.notes, ignored=p.ignored + sorted(quiet)), None)
    return Result(p, report)


def describe(result: Result) -> list[str]:
    """The lines the hook prints before the report: what was judged and why."""
    p = result.plan
    lines = [f"note: {n}" for n in p.notes]
    for module, why in p.modules.items():
        lines.append(f"module {_shown(module)}: checked for {', '.join(why)}")
    if result.report is None:
        lines.append("check-permissions: nothing to check (no changed file is a policy or feeds one)")
    return lines


def _shown(folder: Path) -> str:
    """A folder relative to the working directory (``.`` for the working directory itself)."""
    rel = os.path.relpath(folder, Path.cwd())
    return folder.as_posix() if rel.startswith("..") else Path(rel).as_posix()
