"""--jobs N on many JSON files: the same report as one process (findings, suppressions, summary)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checker import pipeline as api
from checker.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
MANAGED = REPO.parent / "shared" / "data" / "aws-managed-policies.json"
PLAN = REPO / "tests" / "terraform_iam" / "fixtures" / "plan_write.json"
EXPORT = {
    "RoleDetailList": [{
        "RoleName": "Audit",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole"}]},
        "RolePolicyList": [{"PolicyName": "Cost", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}}],
    }],
    "UserDetailList": [], "GroupDetailList": [], "Policies": [],
}


PATTERNS = ["s3:Get*", "s3:PutObject", "ec2:Describe*", "iam:PassRole", "*", "ce:*", "logs:GetLogEvents",
            "sts:AssumeRole", "kms:Decrypt", "s3:ListBucket", "secretsmanager:GetSecretValue", "iam:Create*",
            "dynamodb:GetItem", "s3:nosuchaction", "cloudtrail:LookupEvents", "lambda:InvokeFunction"]


def synthetic(i: int) -> dict[str, Any]:
    """A varied policy: Allows and Denies, NotAction, Sids, conditions, wildcards and unknown actions."""
    statements: list[dict[str, Any]] = []
    for j in range(1 + i % 4):
        k = i * 7 + j * 3
        stmt: dict[str, Any] = {"Sid": f"S{i}x{j}", "Effect": "Deny" if (i + j) % 9 == 0 else "Allow",
                                "Action": [PATTERNS[(k + n) % len(PATTERNS)] for n in range(1 + k % 3)],
                                "Resource": "*" if k % 2 else f"arn:aws:s3:::bucket-{i}/*"}
        if k % 11 == 0:
            stmt["NotAction"] = stmt.pop("Action")
        if k % 5 == 0:
            stmt["Condition"] = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
        statements.append(stmt)
    return {"Version": "2012-10-17", "Statement": statements}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """260 policies (AWS managed ones when the shared data is there, else synthetic ones) and the
    awkward cases: a plan, an account export, broken and foreign JSON, a link to another file of
    the tree, and a config exception by Sid."""
    root = tmp_path_factory.mktemp("parallel")
    folder = root / "policies"
    folder.mkdir()
    if MANAGED.is_file():
        documents = {p["name"]: p["document"]
                     for p in json.loads(MANAGED.read_text(encoding="utf-8"))["policies"][:260]}
    else:
        documents = {f"synthetic-{i:03d}": synthetic(i) for i in range(260)}
    for name, document in documents.items():
        (folder / f"{name}.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    shutil.copy(PLAN, folder / "zz-plan.json")
    (folder / "export.json").write_text(json.dumps(EXPORT, indent=1), encoding="utf-8")
    (folder / "broken.json").write_text('{"Version": "2012-10-17", "Statement": [', encoding="utf-8")
    (folder / "package.json").write_text('{"name": "x", "version": "1.0.0"}', encoding="utf-8")
    os.symlink(folder / "export.json", folder / "export-link.json")
    (root / ".check-permissions.toml").write_text(
        '[[exceptions]]\nrule = "IAM101"\npath = "policies/*.json"\nsid = "*"\n'
        'actions = ["s3:PutObject"]\nreason = "test"\n', encoding="utf-8")
    return root


def report_of(tree: Path, jobs: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.chdir(tree)
    settings = load_settings([Path("policies")], config=None, no_config=False, profile=None)
    report = api.check(["policies"], _with_jobs(settings, jobs))
    data = report.to_dict()
    data["documents"] = [(d.file, d.address, d.kind.value, [s.sid for s in d.statements])
                         for d in report.load.documents]
    data["principals"] = [p.address for p in report.load.principals]
    return data


def _with_jobs(settings: api.Settings, jobs: int) -> api.Settings:
    import dataclasses

    return dataclasses.replace(settings, jobs=jobs)


def test_parallel_report_equals_sequential(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = report_of(tree, 1, monkeypatch)
    two = report_of(tree, 2, monkeypatch)
    three = report_of(tree, 3, monkeypatch)
    assert one["summary"]["files"] == 263  # 260 policies, the plan, the export, the broken file
    assert one["suppressed"], "the exception should apply somewhere"
    assert any(f["rule_id"] == "IAM001" and f["file"] == "policies/broken.json" for f in one["findings"])
    assert one == two == three


def test_parallel_run_uses_workers(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = api._judge_in_parallel

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "_judge_in_parallel", spy)
    report_of(tree, 2, monkeypatch)
    assert calls == [1]
    calls.clear()
    report_of(tree, 1, monkeypatch)
    assert calls == []


def test_cli_jobs_same_output(tree: Path) -> None:
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "checker.cli", "check", "policies", "-f", "json", *extra],
                              cwd=tree, capture_output=True, text=True, check=False)

    one, two, auto = run("--jobs", "1"), run("--jobs", "2"), run()  # the default: --jobs 0, auto
    assert one.returncode == two.returncode == auto.returncode == 1
    assert one.stdout == two.stdout == auto.stdout
    assert one.stderr == two.stderr == auto.stderr == ""


def test_auto_jobs_uses_workers_only_for_enough_files(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker import parallel

    calls: list[int] = []
    real = api._judge_in_parallel

    def spy(tf: Any, items: Any, jobs: int, *rest: Any) -> Any:
        calls.append(jobs)
        return real(tf, items, jobs, *rest)

    monkeypatch.setattr(api, "_judge_in_parallel", spy)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 3)
    auto = report_of(tree, parallel.AUTO_JOBS, monkeypatch)
    assert calls == [3]
    assert auto == report_of(tree, 1, monkeypatch)
    calls.clear()
    monkeypatch.chdir(tree)
    few = sorted(str(p) for p in Path("policies").glob("*.json"))[:api.PARALLEL_MIN_FILES - 1]
    api.check(few, _with_jobs(api.Settings(), parallel.AUTO_JOBS))
    assert calls == []


@pytest.mark.parametrize(("jobs", "units", "minimum", "auto_minimum", "cpus", "expected"), [
    (1, 1000, 200, None, 4, 1),   # --jobs 1: one process
    (4, 1000, 200, None, 2, 4),   # as asked, even beyond the CPUs
    (4, 3, 2, None, 2, 3),        # never more processes than units
    (4, 199, 200, None, 2, 1),    # below the minimum: one process
    (0, 1000, 200, None, 2, 2),   # auto: one per CPU
    (0, 1000, 200, None, 64, 8),  # auto is capped
    (0, 199, 200, None, 8, 1),    # auto below the minimum
    (0, 31, 2, 32, 8, 1),         # auto below its own minimum (Terraform roots)
    (2, 31, 2, 32, 8, 2),         # ... which an explicit --jobs does not have
    (0, 40, 2, 32, 1, 1),         # one CPU: one process
])
def test_worker_count(jobs: int, units: int, minimum: int, auto_minimum: int | None, cpus: int, expected: int,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    from checker import parallel

    monkeypatch.setattr(parallel, "usable_cpus", lambda: cpus)
    assert parallel.worker_count(jobs, units, minimum=minimum, auto_minimum=auto_minimum) == expected


def test_usable_cpus_is_the_affinity_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker import parallel

    monkeypatch.setattr(parallel, "cgroup_cpu_quota", lambda: None)
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert parallel.usable_cpus() == expected


def test_an_input_error_in_a_worker_reaches_the_caller(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.sources.json_policy as json_policy

    victim = sorted(p.name for p in (tree / "policies").glob("*.json"))[-5]  # in the worker's share
    real = json_policy.load_json_text

    def failing(data: bytes, shown: str) -> Any:
        if shown.endswith(victim):
            raise api.InputError(f"{shown}: cannot read file: test")
        return real(data, shown)

    monkeypatch.setattr(json_policy, "load_json_text", failing)  # the forked worker inherits it
    monkeypatch.chdir(tree)
    with pytest.raises(api.InputError, match=f"policies/{victim}: cannot read file: test"):
        api.check(["policies"], _with_jobs(api.Settings(), 2))


def test_a_finding_survives_pickling_whole() -> None:
    """Workers send findings back pickled: equal, fingerprint included, and still frozen."""
    import dataclasses
    import pickle

    from checker.engine.findings import Finding, Severity

    finding = Finding(rule_id="IAM101", rule_name="write-action-allowed", severity=Severity.WARNING,
                      title="t", message="m", file="a.json", line=3, end_line=5, address="a.json#0",
                      path="Statement/0/Action/1", actions=("s3:PutObject",), help_url="https://x")
    copy = pickle.loads(pickle.dumps(finding, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy == finding
    assert [getattr(copy, f.name) for f in dataclasses.fields(Finding)] == \
        [getattr(finding, f.name) for f in dataclasses.fields(Finding)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.line = 4  # type: ignore[misc]


def test_a_worker_that_dies_fails_the_run(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed mid-run (out of memory, a signal) is an error, never a partial report."""
    parent = os.getpid()
    real = api._load_json_items

    def dying(items: Any, progress: Any = None, parameters: Any = None) -> Any:
        if os.getpid() != parent:
            os._exit(3)
        return real(items, progress, parameters)

    monkeypatch.setattr(api, "_load_json_items", dying)  # the forked worker inherits it
    monkeypatch.chdir(tree)
    with pytest.raises(RuntimeError, match=r"worker process ended unexpectedly: the run is incomplete"):
        api.check(["policies"], _with_jobs(api.Settings(), 2))


def test_a_dead_worker_is_an_internal_error_on_the_command_line(tree: Path) -> None:
    """Through the CLI: exit code 2 and a message, no traceback."""
    script = (
        "import os, sys\n"
        "from checker import pipeline as api\n"
        "real, parent = api._load_json_items, os.getpid()\n"
        "api._load_json_items = lambda items, progress=None, parameters=None: os._exit(9) if os.getpid() != parent "
        "else real(items, progress, parameters)\n"
        "from checker.cli.app import main\n"
        "sys.exit(main(['check', 'policies', '--jobs', '2']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tree, capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stderr
    assert "worker process ended unexpectedly: the run is incomplete" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("v2", "v1", "expected"), [
    ("max 100000\n", None, None),           # v2, no limit
    ("150000 100000\n", None, 2),           # 1.5 CPUs: two processes
    ("100000 100000\n", None, 1),
    (None, ("-1\n", "100000\n"), None),     # v1, no limit
    (None, ("300000\n", "100000\n"), 3),
    (None, None, None),                     # no control group files
    ("garbage\n", None, None),
])
def test_cgroup_cpu_quota(v2: str | None, v1: tuple[str, str] | None, expected: int | None, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    from checker import parallel

    monkeypatch.setattr(parallel, "CGROUP_V2_CPU_MAX", str(tmp_path / "cpu.max"))
    monkeypatch.setattr(parallel, "CGROUP_V1_QUOTA", str(tmp_path / "quota"))
    monkeypatch.setattr(parallel, "CGROUP_V1_PERIOD", str(tmp_path / "period"))
    if v2 is not None:
        (tmp_path / "cpu.max").write_text(v2)
    if v1 is not None:
        (tmp_path / "quota").write_text(v1[0])
        (tmp_path / "period").write_text(v1[1])
    assert parallel.cgroup_cpu_quota() == expected


def test_usable_cpus_respects_the_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker import parallel

    monkeypatch.setattr(parallel, "cgroup_cpu_quota", lambda: 1)
    assert parallel.usable_cpus() == 1


def test_sorted_unique_is_sorted_set() -> None:
    """The rule engine's dedupe (neighbours with the same key) equals sorted(set(...))."""
    import random

    from checker.engine.findings import Finding, Severity
    from checker.engine.runner import sorted_unique

    rng = random.Random(7)
    made = [Finding("IAM10" + str(rng.randint(1, 3)), "r", rng.choice(list(Severity)), "t",
                    rng.choice(["m", "n"]), rng.choice(["a.json", "b.json"]), rng.randint(1, 4), 5,
                    "addr", rng.choice(["", "Statement/0"]), rng.choice([(), ("s3:GetObject",)]), "")
            for _ in range(400)]
    got = sorted_unique(list(made))
    assert len(got) == len(set(made)) and set(got) == set(made)
    assert [f.sort_key() for f in got] == sorted(f.sort_key() for f in set(made))
