"""The pipeline: load (sources, terraform) -> judge (engine) -> suppress -> baseline -> :class:`Report`.

:func:`check` runs it on paths, :func:`check_text` on one file's text; :func:`explain` loads paths
and reports each policy's grants. The facade :mod:`checker.api` offers these to the front doors.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.engine.findings import Finding, Severity
from checker.model import LoadResult, PolicyDocument, SkippedItem, SourceError
from checker.paths import display_path
from checker.report import ExplainEntry, Report
from checker.settings import InputError, Settings

if TYPE_CHECKING:
    from checker.catalog import Catalog
    from checker.engine.baseline import Baseline
    from checker.engine.profiles import Profile
    from checker.engine.suppressions import Suppressed

# Folders never searched when a directory is scanned (tool caches, dependencies, VCS data).
DEFAULT_EXCLUDED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".terraform", ".venv", "venv",
                                   "__pycache__", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
# JSON (policies, exports, plans, CloudFormation templates) and YAML templates (checker.sources.detect)
POLICY_SUFFIXES = (".json", ".yaml", ".yml", ".template")
STRICT_WILDCARDS_RULE = "IAM103"  # wildcard-future-risk
# ``progress(phase, done, total)``: phase "load" counts files read, "check" documents judged.
# The CLI passes one only when standard error is a terminal (checker/reporters/progress.py).
ProgressCallback = Callable[[str, int, int], None]


def iter_files(paths: Sequence[str | Path], exclude: Sequence[str] = (),
               allow_outside: bool = False) -> Iterator[tuple[Path, bool]]:
    """Files to read, with whether the user named them explicitly; sorted, so runs are deterministic.

    In a scanned folder, a link whose target lies outside the folder is read only with
    ``allow_outside``; a link loop, a broken link or anything but a regular file is an input error.
    """
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            if p.is_symlink():
                raise InputError(f"{raw}: broken symbolic link (its target does not exist)")
            raise InputError(f"{raw}: no such file or directory")
        if p.is_file():
            yield p, True
            continue
        if not p.is_dir():
            raise InputError(f"{raw}: not a regular file or directory")
        found: list[Path] = []
        root = p.resolve()
        for dirpath, dirnames, filenames in os.walk(p, onerror=_walk_error):
            dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_EXCLUDED_DIRS)
            for name in filenames:
                if name.endswith(POLICY_SUFFIXES):
                    found.append(_checked_member(Path(dirpath) / name, root, allow_outside))
        for f in sorted(found):
            # Config globs are absolute (anchored at the config's folder: checker.settings.anchor_glob).
            if exclude and _excluded(f, exclude):
                continue
            yield f, False


def _excluded(f: Path, exclude: Sequence[str]) -> bool:
    import fnmatch

    rel = display_path(f)
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(f.name, pat)
               or fnmatch.fnmatch(Path(os.path.abspath(f)).as_posix(), pat) for pat in exclude)


def _checked_member(f: Path, root: Path, allow_outside: bool) -> Path:
    """A file found in a scanned folder, checked before anything reads it (a FIFO would block)."""
    try:
        mode = os.lstat(f).st_mode
    except OSError:
        mode = 0
    if stat.S_ISREG(mode):  # the common case: a regular file, no link
        return f
    shown = display_path(f)
    if f.is_symlink():
        try:
            target = f.resolve(strict=True)
        except RuntimeError:
            raise InputError(f"{shown}: symbolic link loop") from None
        except OSError as exc:
            if exc.errno == 40:  # ELOOP
                raise InputError(f"{shown}: symbolic link loop") from None
            raise InputError(f"{shown}: broken symbolic link (its target does not exist)") from None
        if not target.is_relative_to(root) and not allow_outside:
            raise InputError(f"{shown}: links to {target}, outside the scanned tree {display_path(root)}; "
                             "pass --allow-outside to read it")
    if not f.is_file():
        raise InputError(f"{shown}: not a regular file (a pipe, socket or device is never read)")
    return f


def _walk_error(exc: OSError) -> None:
    raise InputError(f"{exc.filename}: cannot read directory: {exc.strerror}")


class _NoTerraform:
    """What the Terraform front end gives for paths that hold no Terraform."""

    documents: tuple[PolicyDocument, ...] = ()
    errors: tuple[SourceError, ...] = ()
    skipped: tuple[SkippedItem, ...] = ()
    files: tuple[str, ...] = ()
    principals: tuple[Any, ...] = ()
    notices: tuple[str, ...] = ()
    read_files: frozenset[str] = frozenset()


_NO_TERRAFORM = _NoTerraform()


def load_paths(paths: Sequence[str | Path], settings: Settings,
               progress: ProgressCallback | None = None) -> LoadResult:
    """Everything under ``paths``: Terraform root modules, then JSON policy files and plans."""
    tf = _load_terraform(paths, settings)
    return _combine(tf, [_load_json_items(_json_items(paths, settings, tf), progress, template_parameters(settings))])


def _load_terraform(paths: Sequence[str | Path], settings: Settings) -> Any:
    """Terraform root modules first (folders holding .tf/.tf.json files, named .tf files); JSON files
    that a module reads with file()/templatefile() are judged through it, not alone. Named JSON
    files alone (a pre-commit run, an audit of one policy) never import the Terraform front end."""
    from checker.sources.detect import TERRAFORM_CONFIG_SUFFIXES

    if all(Path(p).is_file() and not str(p).endswith(TERRAFORM_CONFIG_SUFFIXES) for p in paths):
        return _NO_TERRAFORM
    from checker.terraform.to_model import load_terraform_paths

    return load_terraform_paths(paths, settings, InputError)


def _json_items(paths: Sequence[str | Path], settings: Settings, tf: Any) -> list[tuple[Path, bool]]:
    """The JSON files to read, once each (by real path), with whether the user named them."""
    from checker.sources.detect import is_terraform_file

    read_by_terraform = tf.read_files
    seen: set[str] = set()
    items: list[tuple[Path, bool]] = []
    real_folders: dict[Path, str] = {}  # a folder's real path, worked out once for all its files
    for p, explicit in iter_files(paths, settings.exclude, settings.allow_outside):
        if is_terraform_file(p):
            continue
        if explicit or os.path.islink(p):
            key = os.path.realpath(p)
        else:
            folder = real_folders.get(p.parent)
            if folder is None:
                folder = real_folders[p.parent] = os.path.realpath(p.parent)
            key = os.path.join(folder, p.name)
        if key in seen or (not explicit and key in read_by_terraform):
            continue
        seen.add(key)
        items.append((p, explicit))
    return items


@dataclass(slots=True)
class _Pieces:
    """What the JSON front end found in some files (a LoadResult's parts, before combining)."""

    documents: list[PolicyDocument] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    principals: list[Any] = field(default_factory=list)


def template_parameters(settings: Settings) -> dict[str, str]:
    """The values of ``--parameters`` for CloudFormation templates (read once per run)."""
    if not settings.parameters:
        return {}
    from checker.sources.cloudformation.parameters import ParameterError, read_parameters

    try:
        return read_parameters(settings.parameters)
    except ParameterError as exc:
        raise InputError(str(exc)) from None


def _load_json_items(items: Sequence[tuple[Path, bool]], progress: ProgressCallback | None = None,
                     parameters: Mapping[str, str] | None = None) -> _Pieces:
    out = _Pieces()
    for done, (path, explicit) in enumerate(items):
        if progress is not None:
            progress("load", done, len(items))
        shown = display_path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{shown}: cannot read file: {exc.strerror or exc}") from None
        _read_json(data, shown, explicit, out, parameters)
    return out


def _read_json(data: bytes | str, shown: str, explicit: bool, out: _Pieces,
               parameters: Mapping[str, str] | None = None) -> None:
    """One file's contents (a JSON policy, an account export, a plan or a CloudFormation template), into ``out``."""
    from checker.sources.detect import TEMPLATE_SUFFIXES, is_plan, is_template

    result: Any
    template = is_template(data)
    if shown.endswith(TEMPLATE_SUFFIXES) and not template:
        # YAML that does not look like a template (a workflow, a manifest): never parsed; skipped
        # quietly in a scanned folder
        if explicit:
            out.files.append(shown)
            out.skipped.append(SkippedItem.model_construct(file=shown, address=shown,
                                                           reason="not a CloudFormation template"))
        return
    if template:
        from checker.sources.cloudformation import load_template

        result = load_template(data, shown, parameters)
        if not result.files:  # not a template: YAML found in a folder is skipped quietly
            if explicit:
                out.files.append(shown)
                out.skipped.extend(result.skipped)
            return
        out.principals.extend(result.principals)
        out.files.extend(result.files)
        out.documents.extend(result.documents)
        out.errors.extend(result.errors)
        out.skipped.extend(result.skipped)
        return
    from checker.sources.json_policy import load_json_text

    if is_plan(data):  # terraform show -json, recognised by content
        from checker.sources.plan_json import load_plan_text

        result = load_plan_text(data, shown)
        out.principals.extend(result.principals)
    else:
        result = load_json_text(data, shown)
        if not explicit and not result.documents and not result.errors:
            # Other JSON in a scanned folder (package.json, data files) is skipped quietly.
            out.skipped.extend(result.skipped)
            return
        out.principals.extend(result.principals)
    out.files.append(shown)
    out.documents.extend(result.documents)
    out.errors.extend(result.errors)
    out.skipped.extend(result.skipped)


def _combine(tf: Any, parts: Sequence[_Pieces]) -> LoadResult:
    """One LoadResult: the Terraform part, then the JSON parts in order."""
    return LoadResult.model_construct(
        documents=(*tf.documents, *(d for p in parts for d in p.documents)),
        errors=(*tf.errors, *(e for p in parts for e in p.errors)),
        skipped=(*tf.skipped, *(s for p in parts for s in p.skipped)),
        files=(*tf.files, *(f for p in parts for f in p.files)),
        principals=(*tf.principals, *(x for p in parts for x in p.principals)),
        notices=tuple(tf.notices),
    )


# --- parallel judging of many JSON files (--jobs N) -----------------------------------------------
# Worth it only when there is much to judge: a worker costs a fork and the transfer of its results.
PARALLEL_MIN_FILES = 200


def _judge_in_parallel(tf: Any, items: list[tuple[Path, bool]], jobs: int, profile: Profile,
                       catalog: Catalog, progress: ProgressCallback | None,
                       parameters: Mapping[str, str] | None = None) -> tuple[LoadResult, list[Finding]]:
    """Judge the JSON files in a pool of ``jobs`` worker processes (:func:`checker.parallel.process_pool`).

    The files are cut into :func:`_pieces`, large ones first, and each free worker takes the next
    piece, so all end together however the work is spread over the files. A worker returns its
    findings and summaries of its documents (provenance, kind and statement Sids: what suppressions
    and reports read), not the documents' contents. Every file is judged on its own (JSON files
    and plans are self-contained), so the findings are those of a sequential run; the results come
    back in the files' order. This process judges the Terraform part meanwhile."""
    from checker.engine.runner import run_rules, sorted_unique
    from checker.parallel import process_pool

    pieces = _pieces(items, jobs)
    with process_pool(jobs) as pool:
        futures = [pool.submit(_judge_piece, piece, profile, parameters) for piece in pieces]
        tf_findings = run_rules(_combine(tf, []), profile, catalog)
        done: list[tuple[_Pieces, list[Finding]]] = []
        read = 0
        for piece, future in zip(pieces, futures, strict=True):
            if progress is not None:
                progress("load", read, len(items))
            done.append(future.result())
            read += len(piece)
    load = _combine(tf, [parts for parts, _ in done])
    return load, sorted_unique([*tf_findings, *(f for _, findings in done for f in findings)])


def _judge_piece(piece: list[tuple[Path, bool]], profile: Profile,
                 parameters: Mapping[str, str] | None = None) -> tuple[_Pieces, list[Finding]]:
    """In a worker: read and judge some JSON files; their findings and summaries of their documents."""
    from checker.catalog import get_catalog
    from checker.engine.runner import run_rules

    parts = _load_json_items(piece, parameters=parameters)
    findings = run_rules(_combine(_NO_TERRAFORM, [parts]), profile, get_catalog())
    summaries = _Pieces(documents=[_summary(d) for d in parts.documents], errors=parts.errors,
                        skipped=parts.skipped, files=parts.files, principals=parts.principals)
    return summaries, findings


def _pieces(items: list[tuple[Path, bool]], jobs: int) -> list[list[tuple[Path, bool]]]:
    """``items`` cut into consecutive pieces for ``jobs`` processes, smaller and smaller: each
    holds about ``1 / (2 * jobs)`` of the bytes still left, and at least :data:`SMALLEST_PIECE` of
    them all, so that the processes take large pieces first and end on small ones, together."""
    sizes = []
    for path, _ in items:
        try:
            sizes.append(os.stat(path).st_size + 1)
        except OSError:
            sizes.append(1)  # the reader reports it
    left = sum(sizes)
    smallest = left * SMALLEST_PIECE
    pieces: list[list[tuple[Path, bool]]] = []
    want = 0.0
    acc = 0
    for item, size in zip(items, sizes, strict=True):
        if not pieces or acc >= want:
            pieces.append([])
            want = max(left / (2 * jobs), smallest)
            acc = 0
        pieces[-1].append(item)
        acc += size
        left -= size
    return pieces


# The smallest piece, as a share of all the bytes: the processes end at most this much apart.
SMALLEST_PIECE = 1 / 64


def _summary(doc: PolicyDocument) -> PolicyDocument:
    """A document without its contents: provenance, kind and each statement's index, Sid and lines."""
    from checker.model import Statement

    return PolicyDocument.model_construct(
        file=doc.file, address=doc.address, kind=doc.kind, name=doc.name, principal=doc.principal,
        version=doc.version, id=doc.id, line=doc.line, end_line=doc.end_line, size=doc.size,
        problems=doc.problems,
        statements=tuple(Statement.model_construct(index=s.index, sid=s.sid, effect=s.effect, line=s.line,
                                           end_line=s.end_line) for s in doc.statements),
    )


def catalog_summary(catalog: Catalog) -> dict[str, Any]:
    info = catalog.info()
    return {
        "sources": [
            {"name": s.name, "version": s.version, "date": s.date, "actions": s.action_count}
            for s in info.sources
        ],
        "actions": info.total_actions,
    }


def resolve_profile(settings: Settings) -> Profile:
    from checker.engine.profiles import ProfileError, RuleSetting, load_profile

    try:
        profile = load_profile(settings.profile)
    except ProfileError as exc:
        raise InputError(str(exc)) from None
    if settings.strict_wildcards:  # --strict-wildcards: wildcard-future-risk (IAM103) on, as an error
        rules = {**profile.rules, STRICT_WILDCARDS_RULE: RuleSetting(enabled=True, severity=Severity.ERROR)}
        profile = profile.model_copy(update={"rules": rules})
    return profile


def check(paths: Sequence[str | Path], settings: Settings | None = None, *,
          progress: ProgressCallback | None = None) -> Report:
    """Judge every policy under ``paths`` with the settings' profile."""
    from checker.catalog import get_catalog
    from checker.engine.runner import run_rules

    settings = settings or Settings()
    profile = resolve_profile(settings)
    baseline = load_baseline(settings.baseline) if settings.baseline else None
    tf = _load_terraform(paths, settings)
    items = _json_items(paths, settings, tf)
    catalog = get_catalog()
    from checker.parallel import worker_count

    jobs = worker_count(settings.jobs, len(items), minimum=PARALLEL_MIN_FILES)
    parameters = template_parameters(settings)
    if jobs > 1:
        load, findings = _judge_in_parallel(tf, items, jobs, profile, catalog, progress, parameters)
    else:
        load = _combine(tf, [_load_json_items(items, progress, parameters)])
        findings = run_rules(load, profile, catalog, progress=progress)
    return _report(load, findings, profile, catalog, settings, baseline)


def check_text(text: str | bytes, filename: str, settings: Settings | None = None) -> Report:
    """Judge one file's contents as if read from ``filename`` (an editor's unsaved buffer, a test): a
    JSON policy, an account export or a plan. Findings name ``filename``; nothing is read from it.
    A Terraform file is an input error: a module is judged whole, from its folder, by :func:`check`."""
    from checker.catalog import get_catalog
    from checker.engine.runner import run_rules
    from checker.sources.detect import is_terraform_file

    if is_terraform_file(Path(filename)):
        raise InputError(f"{filename}: a Terraform file is judged with its module: check the module's folder")
    settings = settings or Settings()
    profile = resolve_profile(settings)
    baseline = load_baseline(settings.baseline) if settings.baseline else None
    parts = _Pieces()
    _read_json(text, filename, True, parts, template_parameters(settings))
    load = _combine(_NO_TERRAFORM, [parts])
    catalog = get_catalog()
    return _report(load, run_rules(load, profile, catalog), profile, catalog, settings, baseline)


def _report(load: LoadResult, findings: list[Finding], profile: Profile, catalog: Catalog, settings: Settings,
            baseline: Baseline | None) -> Report:
    """The judged findings, suppressed (comments, config exceptions, then the baseline), as a Report."""
    findings, suppressed = apply_suppressions(findings, load, profile, settings, baseline)
    return Report(profile=profile, catalog=catalog_summary(catalog), findings=findings, load=load,
                  fail_on=settings.fail_on or profile.fail_on, suppressed=suppressed)


def load_baseline(path: str | Path) -> Baseline:
    from checker.engine.baseline import Baseline, BaselineError

    try:
        return Baseline.load(path)
    except BaselineError as exc:
        raise InputError(str(exc)) from None


def apply_suppressions(findings: list[Finding], load: LoadResult, profile: Profile, settings: Settings,
                       baseline: Baseline | None = None) -> tuple[list[Finding], list[Suppressed]]:
    """Comment suppressions and config exceptions, then the baseline (docs/configuration.md)."""
    from checker.engine import suppressions

    if settings.no_suppressions:
        suppressed: list[Suppressed] = []
    else:
        findings, suppressed = suppressions.apply_suppressions(findings, load, profile, settings.exceptions)
    if baseline is not None:
        findings, accepted = baseline.apply(findings)
        suppressed = sorted([*suppressed, *accepted], key=lambda s: s.finding.sort_key())
    return findings, suppressed


def explain(paths: Sequence[str | Path], settings: Settings | None = None) -> tuple[list[ExplainEntry], LoadResult]:
    """Every policy found, its evaluated document and its grants by access level."""
    from checker.analysis.principals import explain_documents
    from checker.analysis.sensitivity import corrected_level
    from checker.catalog import LEVELS, get_catalog

    settings = settings or Settings()
    load = load_paths(paths, settings)
    catalog = get_catalog()
    entries: list[ExplainEntry] = []
    # Per principal (Terraform, plans): each document with the grants the principal receives from it.
    for doc, grants in explain_documents(load, catalog):
        by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
        for action in grants.allowed_actions():
            # The gate's level: AWS's, corrected where AWS labels a read as a write (checker.analysis.sensitivity).
            by_level.setdefault(corrected_level(action), []).append(action)
        entries.append(ExplainEntry(doc, {k: v for k, v in by_level.items() if v}, grants))
    return entries, load
