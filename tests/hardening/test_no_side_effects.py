"""No side effects: the analyzer writes only the outputs asked for, opens no network connection and
executes nothing from its input.

Two independent guards:
- an audit hook (PEP 578) in the analyzer's own process records every file opened for writing,
  every socket operation and every process start;
- where the machine allows it (root, util-linux ``unshare``), the run happens in a private mount and
  network namespace with the scanned tree bind-mounted read-only and no network interface up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

GUARD = r"""
import os, sys
ALLOWED = set(sys.argv[1].split(os.pathsep)) if sys.argv[1] else set()
seen = []

def hook(event, args):
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND))
        if writing and isinstance(path, (str, bytes)) and os.path.abspath(os.fsdecode(path)) not in ALLOWED:
            seen.append(f"write {os.fsdecode(path)} mode={mode} flags={flags}")
    elif event.startswith("socket.") or event in ("subprocess.Popen", "os.system", "os.posix_spawn",
                                                  "os.exec", "os.spawn", "os.fork", "pty.spawn",
                                                  "webbrowser.open", "ctypes.dlopen"):
        seen.append(f"{event} {args!r}"[:300])

sys.addaudithook(hook)
sys.argv = ["check-permissions", *sys.argv[2:]]
from checker.cli.app import main

code = main()
if seen:
    sys.stderr.write("SIDE EFFECTS:\n" + "\n".join(seen) + "\n")
    code = 99
os._exit(code)
"""

POLICY = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:PutObject"],
                         "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}]}
MODULE = """
locals {
  actions = ["ce:GetCostAndUsage", "iam:PassRole"]
}

resource "aws_iam_policy" "p" {
  name   = "p"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = local.actions, Resource = "*" }]
  })
}

resource "aws_iam_policy" "from_file" {
  name   = "f"
  policy = file("${path.module}/policy.json")
}
"""


def _tree(root: Path) -> Path:
    tree = root / "tree"
    (tree / "module").mkdir(parents=True)
    (tree / "module" / "main.tf").write_text(MODULE, encoding="utf-8")
    (tree / "module" / "policy.json").write_text(json.dumps(POLICY, indent=2), encoding="utf-8")
    (tree / "policies").mkdir()
    (tree / "policies" / "p.json").write_text(json.dumps(POLICY, indent=2), encoding="utf-8")
    return tree


def _guarded(args: list[str], cwd: Path, allowed: list[Path], wrapper: list[str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO)}
    cmd = [*(wrapper or []), sys.executable, "-c", GUARD,
           os.pathsep.join(str(p.resolve()) for p in allowed), *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("target", ["policies", "module", "."])
def test_writes_only_the_outputs_asked_for(tmp_path: Path, target: str) -> None:
    tree = _tree(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    outputs = [out_dir / "report.json", out_dir / "report.txt"]
    before = sorted(p.relative_to(tree) for p in tree.rglob("*"))
    r = _guarded(["check", target, "--format", "json", "--output", str(outputs[0]),
                  "--format", "text", "--output", str(outputs[1])], tree, outputs)
    assert "SIDE EFFECTS" not in r.stderr, r.stderr
    assert r.returncode == 1, r.stdout + r.stderr  # the tree grants writes: the gate fails
    assert json.loads(outputs[0].read_text())["summary"]["passed"] is False
    assert outputs[1].read_text().strip()
    assert sorted(p.relative_to(tree) for p in tree.rglob("*")) == before


def test_explain_writes_nothing(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    r = _guarded(["explain", ".", "--format", "json"], tree, [])
    assert "SIDE EFFECTS" not in r.stderr, r.stderr
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)


def test_read_only_tree_and_no_network(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare for a private read-only mount and network namespace")
    probe = subprocess.run([unshare, "--mount", "--net", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"namespaces are not available here: {probe.stderr.strip()[:200]}")
    tree = _tree(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    script = (f"mount --bind -o ro {tree} {tree} && mount -o remount,bind,ro {tree} && "
              f"touch {tree}/probe 2>/dev/null && echo 'tree is writable' && exit 98; exec \"$@\"")
    r = _guarded(["check", ".", "--format", "json", "--output", str(out / "r.json")], tree,
                 [out / "r.json"], wrapper=[unshare, "--mount", "--net", "sh", "-c", script, "sh"])
    assert "tree is writable" not in r.stdout
    assert "SIDE EFFECTS" not in r.stderr, r.stderr
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads((out / "r.json").read_text())
    assert {f["rule_id"] for f in report["findings"]} >= {"IAM101"}
