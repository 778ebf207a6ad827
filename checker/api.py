"""The library surface: ``check(paths, settings) -> Report`` and ``explain(paths, settings)``.

The CLI only parses options and calls these; tests use them directly.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from checker import __version__
from checker._dataclass import dataclass
from checker.engine.findings import Finding, Severity
from checker.model import LoadResult, PolicyDocument, SkippedItem, SourceError

if TYPE_CHECKING:
    from checker.catalog import Catalog
    from checker.config import ConfigException
    from checker.engine.baseline import Baseline
    from checker.engine.suppressions import Suppressed
    from checker.grants import DocumentGrants
    from checker.profiles import Profile

TOOL_NAME = "check-permissions"
# Folders never searched when a directory is scanned (tool caches, dependencies, VCS data).
DEFAULT_EXCLUDED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".terraform", ".venv", "venv",
                                   "__pycache__", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
POLICY_SUFFIXES = (".json",)
STRICT_WILDCARDS_RULE = "IAM103"  # wildcard-future-risk
# ``progress(phase, done, total)``: phase "load" counts files read, "check" documents judged.
# The CLI passes one only when standard error is a terminal (checker/reporters/progress.py).
ProgressCallback = Callable[[str, int, int], None]


class InputError(Exception):
    """A usage or input error: missing path, unreadable file or folder, bad profile. Exit code 2."""


@dataclass(frozen=True)
class Settings:
    profile: str = "read-only"
    fail_on: Severity | None = None  # None: the profile's fail_on
    exclude: tuple[str, ...] = ()
    # Configuration (checker/config.py): exceptions from the config file, a baseline file, and the
    # config file that was read (None: none). Build these with checker.config.load_settings.
    exceptions: tuple[ConfigException, ...] = ()
    baseline: str | None = None
    config_file: str | None = None
    # --strict-wildcards: a wildcard that could match actions AWS adds later (IAM103) is an error.
    strict_wildcards: bool = False
    # Terraform (docs/terraform.md): --var-file and --var values for root modules, whether
    # file()/templatefile() may read outside the scanned tree (--allow-outside), and --jobs N
    # (root modules are loaded in N processes; check() judges PARALLEL_MIN_FILES or more JSON files
    # in N processes, and report.load.documents then holds summaries of the workers' documents).
    # jobs=0 (checker.parallel.AUTO_JOBS, the command line's default): one process per usable CPU
    # when the work is large enough; the library's default stays one process.
    var_files: tuple[str, ...] = ()
    vars: tuple[str, ...] = ()
    allow_outside: bool = False
    jobs: int = 1
    # --workspace NAME: the value of terraform.workspace; None: the TF_WORKSPACE environment
    # variable's, else not known (what depends on it is judged both ways).
    workspace: str | None = None
    # The tree file()/templatefile() may read in without --allow-outside (the pre-commit hook: the
    # repository); None: each path given (a named .tf file: its folder).
    scan_root: str | None = None


@dataclass
class Report:
    profile: Profile
    catalog: dict[str, Any]
    findings: list[Finding]
    load: LoadResult
    fail_on: Severity
    # Findings silenced by a comment, a config exception or the baseline (checker/engine/suppressions.py).
    suppressed: list[Suppressed] = field(default_factory=list)

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity.at_least(self.fail_on)]

    @property
    def passed(self) -> bool:
        fail_on = self.fail_on
        return not any(f.severity.at_least(fail_on) for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def counts(self) -> dict[str, int]:
        from collections import Counter

        by_severity = Counter(f.severity for f in self.findings)
        return {s.value: by_severity[s] for s in Severity}

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON report (docs/output.md, "JSON report"); key order is stable."""
        return self.as_dict(findings=[f.to_dict() for f in self.findings])

    def as_dict(self, *, findings: Any) -> dict[str, Any]:
        """:meth:`to_dict` with ``findings`` as the value of its ``findings`` key."""
        return {
            "tool": {"name": TOOL_NAME, "version": __version__},
            "catalog": self.catalog,
            "profile": {"name": self.profile.name, "fail_on": self.fail_on.value},
            "summary": {
                "files": len(self.load.files),
                "policies": len(self.load.documents),
                "findings": self.counts(),
                "passed": self.passed,
            },
            "findings": findings,
            "suppressed": [s.to_dict() for s in self.suppressed],
            "skipped": [{"file": s.file, "address": s.address, "reason": s.reason} for s in self.load.skipped],
        }


@dataclass
class ExplainEntry:
    document: PolicyDocument
    grants: dict[str, list[str]] = field(default_factory=dict)  # level -> actions
    # Per statement: what grants each action, and unmatched/unresolved patterns (explain's audit view).
    detail: DocumentGrants | None = None

    def to_dict(self) -> dict[str, Any]:
        d = self.document
        return {
            "file": d.file,
            "address": d.address,
            "kind": d.kind.value,
            "principal": d.principal,
            "line": d.line,
            "document": d.raw,
            "grants": self.grants,
        }


def display_path(path: Path) -> str:
    """A path as reports show it: relative to the working directory when inside it, POSIX style."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    if rel == "." or rel.startswith(".."):
        return path.as_posix()
    return rel if os.sep == "/" else Path(rel).as_posix()


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
            # Config globs are absolute (anchored at the config's folder: checker.config.anchor_glob).
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


_F = TypeVar("_F", bound=Callable[..., Any])


def _gc_paused(fn: _F) -> _F:
    """Run without the cyclic garbage collector: a run builds hundreds of thousands of acyclic
    objects, and every collection would walk all of them again (quadratic on a 50 MB policy)."""
    import functools
    import gc

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper  # type: ignore[return-value]


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
    return _combine(tf, [_load_json_items(_json_items(paths, settings, tf), progress)])


def _load_terraform(paths: Sequence[str | Path], settings: Settings) -> Any:
    """Terraform root modules first (folders holding .tf/.tf.json files, named .tf files); JSON files
    that a module reads with file()/templatefile() are judged through it, not alone. Named JSON
    files alone (a pre-commit run, an audit of one policy) never import the Terraform front end."""
    from checker.sources.detect import TERRAFORM_CONFIG_SUFFIXES

    if all(Path(p).is_file() and not str(p).endswith(TERRAFORM_CONFIG_SUFFIXES) for p in paths):
        return _NO_TERRAFORM
    from checker.sources.terraform_source import load_terraform_paths

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


def _load_json_items(items: Sequence[tuple[Path, bool]], progress: ProgressCallback | None = None) -> _Pieces:
    from checker.sources.detect import is_plan
    from checker.sources.json_policy import load_json_text

    out = _Pieces()
    for done, (path, explicit) in enumerate(items):
        if progress is not None:
            progress("load", done, len(items))
        shown = display_path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{shown}: cannot read file: {exc.strerror or exc}") from None
        result: Any
        if is_plan(data):  # terraform show -json, recognised by content
            from checker.sources.plan_json import load_plan_text

            result = load_plan_text(data, shown)
            out.principals.extend(result.principals)
        else:
            result = load_json_text(data, shown)
            if not explicit and not result.documents and not result.errors:
                # Other JSON in a scanned folder (package.json, data files) is skipped quietly.
                out.skipped.extend(result.skipped)
                continue
        out.files.append(shown)
        out.documents.extend(result.documents)
        out.errors.extend(result.errors)
        out.skipped.extend(result.skipped)
    return out


def _combine(tf: Any, parts: Sequence[_Pieces]) -> LoadResult:
    """One LoadResult: the Terraform part, then the JSON parts in order."""
    return LoadResult.trusted(
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
                       catalog: Catalog, progress: ProgressCallback | None) -> tuple[LoadResult, list[Finding]]:
    """Judge the JSON files in ``jobs`` processes: this one and ``jobs - 1`` forked workers.

    The files are cut into :func:`_pieces`, large ones first, and every process takes the next
    piece not yet taken (a counter in shared memory) until none is left, so all end together
    however the work is spread over the files. A worker sends each piece's result as soon as it
    is judged (a queue), so little is left to transfer when the last piece is done: its findings
    and summaries of its documents (provenance, kind and statement Sids: what suppressions and
    reports read), not the documents' contents. Every file is judged on its own (JSON files and
    plans are self-contained), so the findings are those of a sequential run; the parts are put
    back in the files' order. This process judges the Terraform part first."""
    import multiprocessing

    from checker.engine.runner import run_rules, sorted_unique

    context = multiprocessing.get_context("fork")
    work = _SharedWork(_pieces(items, jobs), context.Value("i", 0), profile, context.Queue())
    global _SHARED_WORK
    _SHARED_WORK = work  # what the forked workers inherit
    workers = [context.Process(target=_worker, daemon=True) for _ in range(jobs - 1)]
    try:
        for worker in workers:
            worker.start()
        tf_findings = run_rules(_combine(tf, []), profile, catalog)
        done: list[_PieceResult] = []
        ended = _judge_pieces(work, done, keep_documents=True, progress=progress, total=len(items))
        _collect(work, workers, done, ended)
    finally:
        _SHARED_WORK = None
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        work.results.close()
    done.sort(key=lambda result: result[0])
    load = _combine(tf, [parts for _, parts, _ in done])
    return load, sorted_unique([*tf_findings, *(f for _, _, findings in done for f in findings)])


# One judged piece: its index, what was loaded from it and its findings.
_PieceResult = tuple[int, "_Pieces", list[Finding]]


@dataclass(frozen=True)
class _SharedWork:
    """What the processes of a parallel run share: the pieces, the counter of pieces taken, the
    profile, and the queue on which workers send each result (or ``("failed", exception)``, then
    ``("ended", None)``)."""

    pieces: list[list[tuple[Path, bool]]]
    counter: Any
    profile: Profile
    results: Any


# Set while a parallel run forks its workers.
_SHARED_WORK: _SharedWork | None = None


def _worker() -> None:
    """A forked worker: judge pieces until none is left, sending each result; then say so."""
    work = _SHARED_WORK
    assert work is not None
    try:
        _judge_pieces(work, None, keep_documents=False)
    except BaseException as exc:  # every failure goes to the caller, which raises it
        import pickle

        failure: BaseException = exc
        try:
            pickle.dumps(exc)
        except Exception:  # the queue's thread would fail to send it: send its text
            failure = RuntimeError(f"{type(exc).__name__}: {exc}")
        work.results.put(("failed", failure))
    work.results.put(("ended", None))


def _collect(work: _SharedWork, workers: list[Any], done: list[_PieceResult], ended: int) -> None:
    """The workers' results, until each has said it ended (``ended`` of them already have); a
    worker's error is raised here. A worker that dies without a word (killed, out of memory) is
    an error too, never a silently partial run."""
    import queue

    while ended < len(workers):
        try:
            message = work.results.get(timeout=0.5)
        except queue.Empty:
            dead = [w for w in workers if not w.is_alive()]
            failed = [w.exitcode for w in dead if w.exitcode != 0]
            if failed or len(dead) == len(workers):  # all gone, and not all said they ended
                code = failed[0] if failed else 0
                raise RuntimeError(f"a worker process ended unexpectedly (exit code {code}): "
                                   "the run is incomplete") from None
            continue
        ended += _received(message, done)


def _received(message: tuple[str, Any], done: list[_PieceResult]) -> int:
    """Take one message of a worker: a result goes to ``done``, an error is raised; 1 when it ended."""
    kind, payload = message
    if kind == "piece":
        done.append(payload)
    elif kind == "failed":
        raise payload
    return 1 if kind == "ended" else 0


def _judge_pieces(work: _SharedWork, done: list[_PieceResult] | None, *, keep_documents: bool,
                  progress: ProgressCallback | None = None, total: int = 0) -> int:
    """Take pieces of the shared work until none is left; read and judge each. This process
    (``keep_documents``) keeps the documents in ``done``, and takes in what the workers sent
    after each piece (so that little is left to receive at the end); it returns how many workers
    said they ended. A worker sends summaries of its documents on the results queue."""
    import queue

    from checker.catalog import get_catalog
    from checker.engine.runner import run_rules

    pieces, counter, catalog = work.pieces, work.counter, get_catalog()
    ended = 0
    while True:
        with counter.get_lock():
            index = counter.value
            counter.value = index + 1
        if index >= len(pieces):
            return ended
        if progress is not None:
            progress("load", sum(len(p) for p in pieces[:index]), total)
        parts = _load_json_items(pieces[index])
        load = _combine(_NO_TERRAFORM, [parts])
        findings = run_rules(load, work.profile, catalog)
        if keep_documents:
            assert done is not None
            done.append((index, parts, findings))
            while True:
                try:
                    ended += _received(work.results.get_nowait(), done)
                except queue.Empty:
                    break
            continue
        _WORKER_KEEPS.append(load)  # a worker ends with os._exit: freeing its documents would only cost time
        summaries = _Pieces(documents=[_summary(d) for d in parts.documents], errors=parts.errors,
                            skipped=parts.skipped, files=parts.files, principals=parts.principals)
        work.results.put(("piece", (index, summaries, findings)))


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


_WORKER_KEEPS: list[LoadResult] = []


def _summary(doc: PolicyDocument) -> PolicyDocument:
    """A document without its contents: provenance, kind and each statement's index, Sid and lines."""
    from checker.model import Statement

    return PolicyDocument.trusted(
        file=doc.file, address=doc.address, kind=doc.kind, name=doc.name, principal=doc.principal,
        version=doc.version, id=doc.id, line=doc.line, end_line=doc.end_line, size=doc.size,
        problems=doc.problems,
        statements=tuple(Statement.trusted(index=s.index, sid=s.sid, effect=s.effect, line=s.line,
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
    from checker.profiles import ProfileError, RuleSetting, load_profile

    try:
        profile = load_profile(settings.profile)
    except ProfileError as exc:
        raise InputError(str(exc)) from None
    if settings.strict_wildcards:  # --strict-wildcards: wildcard-future-risk (IAM103) on, as an error
        rules = {**profile.rules, STRICT_WILDCARDS_RULE: RuleSetting(enabled=True, severity=Severity.ERROR)}
        profile = profile.model_copy(update={"rules": rules})
    return profile


@_gc_paused
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
    if jobs > 1 and hasattr(os, "fork"):  # workers inherit the loaded catalog and rules
        load, findings = _judge_in_parallel(tf, items, jobs, profile, catalog, progress)
    else:
        load = _combine(tf, [_load_json_items(items, progress)])
        findings = run_rules(load, profile, catalog, progress=progress)
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

    findings, suppressed = suppressions.apply_suppressions(findings, load, profile, settings.exceptions)
    if baseline is not None:
        findings, accepted = baseline.apply(findings)
        suppressed = sorted([*suppressed, *accepted], key=lambda s: s.finding.sort_key())
    return findings, suppressed


@_gc_paused
def explain(paths: Sequence[str | Path], settings: Settings | None = None) -> tuple[list[ExplainEntry], LoadResult]:
    """Every policy found, its evaluated document and its grants by access level."""
    from checker.catalog import LEVELS, get_catalog
    from checker.principals import explain_documents
    from checker.sensitivity import corrected_level

    settings = settings or Settings()
    load = load_paths(paths, settings)
    catalog = get_catalog()
    entries: list[ExplainEntry] = []
    # Per principal (Terraform, plans): each document with the grants the principal receives from it.
    for doc, grants in explain_documents(load, catalog):
        by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
        for action in grants.allowed_actions():
            # The gate's level: AWS's, corrected where AWS labels a read as a write (checker.sensitivity).
            by_level.setdefault(corrected_level(action), []).append(action)
        entries.append(ExplainEntry(doc, {k: v for k, v in by_level.items() if v}, grants))
    return entries, load
