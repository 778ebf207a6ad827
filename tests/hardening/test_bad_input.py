"""The corpus of bad input: whatever the file, the gate ends with exit 1 or 2, one clear reason naming
the file (and line), no traceback, in bounded time and memory.

Each case builds its input in a temporary folder (large ones are generated, not committed) and states
the expected exit code and a regular expression the one-line reason must match. The process runs
as a child whose CPU time and peak memory are measured (targets: 30 s, 1 GB).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENTRY = REPO / "check_permissions.py"
TIME_LIMIT_S = 30.0
MEMORY_LIMIT_MB = 1024.0

READ_ONLY = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::b"}]}


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float


# Runs the entry script in the child and, at exit, reports the child's own peak memory (VmHWM of
# its address space: ru_maxrss would also count the pytest process it was forked from).
_WRAP = r"""
import os, runpy, sys
sys.argv = sys.argv[1:]
code = 0
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
finally:
    sys.stdout.flush()
    sys.stderr.flush()
    with open("/proc/self/status") as fh:
        hwm = next((line.split()[1] for line in fh if line.startswith("VmHWM")), "0")
    os.write(2, f"\n@@VmHWM {hwm}\n".encode())
os._exit(code)
"""


def run_gate(args: list[str], cwd: Path, *, as_user: list[str] | None = None) -> Outcome:
    """Runs the gate as a child and reaps it with ``wait4``: ``seconds`` is that child's own CPU time
    (user + system: a busy machine does not inflate it as it inflates wall time), ``peak_mb`` its
    own peak resident memory."""
    import tempfile

    cmd = [*(as_user or []), sys.executable, "-c", _WRAP, str(ENTRY), *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    match = re.search(r"\n@@VmHWM (\d+)\n$", stderr)
    assert match, f"the child did not report its peak memory: {stderr[-2000:]}"
    stderr = stderr[: match.start()]
    # A finding's message wraps at 120 columns, the rest indented by four spaces: one line again, for
    # the reasons' patterns (source lines and details are indented by six).
    stdout = re.sub(r"\n {4}(?=\S)", " ", stdout)
    return Outcome(proc.returncode, stdout, stderr, usage.ru_utime + usage.ru_stime, int(match.group(1)) / 1024)


# What the gate run as another user really needs: the entry script, and the modules (with their
# dependencies: pydantic and the rest) that the check command imports for JSON and Terraform.
_PROBE = "import checker.cli.app, checker.api, checker.sources, checker.terraform; open({entry!r}, 'rb').close()"


def skip_unless_user_can_run_the_gate(as_user: list[str], cwd: Path, who: str = "user nobody") -> None:
    """Skips the calling test, with the probe's own error, where ``as_user`` cannot run the gate from
    ``cwd`` at all (an interpreter, virtual environment, site-packages or clone it may not read):
    that is this machine's layout, not the behaviour under test. Same interpreter, environment and
    working folder as ``run_gate``."""
    probe = subprocess.run([*as_user, sys.executable, "-c", _PROBE.format(entry=str(ENTRY))], cwd=cwd,
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or [f"exit {probe.returncode}"])[-1][:200]
        pytest.skip(f"{who} cannot import the gate and its dependencies here: {reason}")


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


# --- the corpus -------------------------------------------------------------------------------

Builder = Callable[[Path], list[str]]  # makes the input in a folder, returns the CLI arguments


def _file(content: object, name: str = "policy.json") -> Builder:
    def build(d: Path) -> list[str]:
        write(d / name, content)
        return ["check", name]
    return build


def _big_policy(d: Path) -> list[str]:
    """About 50 MB: 200,000 statements, one of which (in the middle) writes."""
    p = d / "big.json"
    with p.open("w", encoding="utf-8") as fh:
        fh.write('{"Version": "2012-10-17", "Statement": [\n')
        n = 200_000
        for i in range(n):
            action = "s3:PutObject" if i == n // 2 else "s3:ListBucket"
            sep = ",\n" if i < n - 1 else "\n"
            fh.write(f'  {{"Sid": "S{i:06d}", "Effect": "Allow", "Action": ["{action}", "s3:GetBucketLocation"], '
                     f'"Resource": "arn:aws:s3:::bucket-{i:06d}-with-a-rather-long-name-for-size", '
                     f'"Condition": {{"StringEquals": {{"aws:PrincipalTag/team": "cost-analytics"}}}}}}{sep}')
        fh.write("]}\n")
    assert p.stat().st_size > 40_000_000
    return ["check", "big.json"]


def _hostile_wildcards(d: Path) -> list[str]:
    patterns = ["s3:" + "*a" * 60 + "*b", "*" + "*a" * 60 + "b", "*:" + "?*" * 80, "s3:" + "*" * 5000]
    write(d / "policy.json", {"Version": "2012-10-17",
                              "Statement": [{"Effect": "Allow", "Action": patterns, "Resource": "*"}]})
    return ["check", "policy.json"]


def _symlink_loop(d: Path) -> list[str]:
    (d / "tree").mkdir()
    (d / "tree" / "a.json").symlink_to("b.json")
    (d / "tree" / "b.json").symlink_to("a.json")
    write(d / "tree" / "ok.json", READ_ONLY)
    return ["check", "tree"]


def _link_out_of_tree(d: Path) -> list[str]:
    write(d / "outside" / "secret.json", {"Version": "2012-10-17",
                                          "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    (d / "tree").mkdir()
    write(d / "tree" / "ok.json", READ_ONLY)
    (d / "tree" / "linked.json").symlink_to(d / "outside" / "secret.json")
    return ["check", "tree"]


def _fifo(d: Path) -> list[str]:
    (d / "tree").mkdir()
    write(d / "tree" / "ok.json", READ_ONLY)
    os.mkfifo(d / "tree" / "pipe.json")
    return ["check", "tree"]


def _wrong_type(field: str, value: object) -> Builder:
    stmt: dict[str, object] = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}
    doc: dict[str, object] = {"Version": "2012-10-17", "Statement": [stmt]}
    if field in ("Version", "Id", "Statement"):
        doc[field] = value
    else:
        stmt[field] = value
    return _file(doc)


CASES: dict[str, tuple[Builder, int, str]] = {
    "truncated": (_file('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'), 1,
                  r"policy\.json:1: .*IAM001.*not valid JSON"),
    "trailing-comma": (_file('{"Version": "2012-10-17",\n "Statement": [],\n}'), 1,
                       r"policy\.json:2: .*IAM001.*trailing comma"),
    "binary-with-policy-name": (_file(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))), 1,
                                r"policy\.json:1: .*IAM001.*not valid JSON"),
    "latin-1": (_file('{"Version": "2012-10-17", "Statement": [{"Sid": "caf\u00e9"}]}'.encode("latin-1")), 1,
                r"policy\.json:1: .*IAM001.*(UTF-8|not valid JSON)"),
    "utf8-bom": (_file(b"\xef\xbb\xbf" + json.dumps(READ_ONLY).encode()), 1,
                 r"policy\.json:1: .*IAM001.*byte order mark"),
    "empty": (_file(b""), 1, r"policy\.json:1: .*IAM001.*[Ee]mpty file"),
    "whitespace-only": (_file("  \n\n  "), 1, r"policy\.json:\d: .*IAM001.*not valid JSON"),
    "duplicate-keys": (_file('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",\n'
                             '"Action": "iam:PassRole",\n"Action": "s3:ListBucket", "Resource": "*"}]}'), 1,
                       r"policy\.json:3: .*IAM001.*duplicate key 'Action'"),
    "nested-200000": (_file("[" * 200_000), 1, r"policy\.json:1: .*IAM001.*not valid JSON"),
    "json-array-of-policies": (_file([READ_ONLY]), 2, r"not an IAM policy"),
    "policy-50mb": (_big_policy, 1, r"big\.json:\d+: error IAM001 .*200,000 statements: no AWS policy"),
    "hostile-wildcards": (_hostile_wildcards, 1, r"policy\.json:\d+: error IAM003"),
    "symlink-loop": (_symlink_loop, 2, r"tree/a\.json: .*(loop|symbolic link)"),
    "link-out-of-tree": (_link_out_of_tree, 2, r"tree/linked\.json: links to .*outside the scanned tree"),
    "fifo-named-json": (_fifo, 2, r"tree/pipe\.json: not a regular file"),
    "missing-path": (lambda d: ["check", "nope.json"], 2, r"nope\.json: no such file or directory"),
}
for _field, _values in {
    "Version": [None, 5, "2012-10-17x", []],
    "Id": [None, 5],
    "Statement": [None, 5, "x", {}],
    "Sid": [None, 5, []],
    "Effect": [None, 5, "allow", ["Allow"]],
    "Principal": [None, 5, "arn:aws:iam::111122223333:root", {"AWS": None}, {"Bogus": "x"}],
    "NotPrincipal": [None, 5],
    "Action": [None, 5, [], [None], {"a": "b"}],
    "NotAction": [None, 5, [5]],
    "Resource": [None, 5, [], [None]],
    "NotResource": [None, 5],
    "Condition": [None, 5, "x", {"StringEquals": None}, {"StringEquals": {"k": None}}, {"StringEquals": {"k": {}}}],
}.items():
    for _i, _v in enumerate(_values):
        CASES[f"wrong-type-{_field}-{_i}"] = (_wrong_type(_field, _v), 1, r"policy\.json:\d+: .*IAM001")


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_blocks_with_one_clear_reason(name: str, tmp_path: Path) -> None:
    build, expected_code, reason = CASES[name]
    args = build(tmp_path)
    outcome = run_gate(args, tmp_path)
    combined = outcome.out + outcome.err
    assert "Traceback" not in combined, combined[-3000:]
    assert outcome.code == expected_code, (outcome.code, combined[-3000:])
    assert re.search(reason, combined), combined[-3000:]
    assert outcome.seconds < TIME_LIMIT_S, outcome.seconds
    assert outcome.peak_mb < MEMORY_LIMIT_MB, outcome.peak_mb
    if outcome.code == 2:
        lines = [ln for ln in outcome.err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("check-permissions: error: "), outcome.err


def test_unreadable_file_and_directory_as_another_user() -> None:
    """Mode 000 means nothing to root: run the gate as nobody where we can switch users."""
    import tempfile

    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run the gate as another user")
    as_nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    tmp_path = Path(tempfile.mkdtemp(prefix="cp-unreadable-", dir="/tmp"))  # every parent searchable
    tmp_path.chmod(0o755)
    write(tmp_path / "locked.json", READ_ONLY).chmod(0)
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    write(tmp_path / "dir" / "ok.json", READ_ONLY).chmod(0o644)
    (tmp_path / "dir").chmod(0o755)
    (tmp_path / "dir" / "sub").chmod(0)
    try:
        skip_unless_user_can_run_the_gate(as_nobody, tmp_path)
        out = run_gate(["check", "locked.json"], tmp_path, as_user=as_nobody)
        # The command line's own check ("Path 'locked.json' is not readable") or ours: exit 2 either way.
        assert out.code == 2 and re.search(r"locked\.json.*(not readable|Permission denied)", out.err), out.err
        out = run_gate(["check", "dir"], tmp_path, as_user=as_nobody)
        assert out.code == 2 and "cannot read directory" in out.err and "dir/sub" in out.err, out.err
    finally:
        (tmp_path / "dir" / "sub").chmod(0o755)
        (tmp_path / "locked.json").chmod(0o644)
        shutil.rmtree(tmp_path, ignore_errors=True)
