"""Benchmark of the Terraform loader and evaluator.

Generates a module of 10 files and 500 expressions (locals, jsonencode policy documents, for
expressions, templates) in a temporary directory, then measures:

* whole-process time of ``python -c 'load and evaluate everything'`` (several runs, median);
  target: under 0.5 s. The CPU time (user + sys) of the same runs is printed too: on a machine
  shared with other work the wall time mostly measures the others;
* per-file parse time: ``parse_hcl`` (python-hcl2's Lark parser and the conversion to
  checker.terraform.syntax nodes) and the Lark parse alone, the parser already built.

Run: ``.venv/bin/python benchmarks/bench_terraform.py``
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES = 10
PER_FILE = 50  # 10 x 50 = 500 expressions
RUNS = 7


def generate(root: Path) -> None:
    (root / "variables.tf").write_text(
        'variable "env" {\n  type    = string\n  default = "prod"\n}\n', encoding="utf-8"
    )
    for f in range(FILES):
        lines = ["locals {"]
        for i in range(PER_FILE):
            name = f"f{f}_e{i}"
            kind = i % 5
            if kind == 0:
                lines.append(f'  {name} = "arn:aws:s3:::${{var.env}}-{f}-{i}/$${{aws:username}}/*"')
            elif kind == 1:
                lines.append(f'  {name} = [for b in ["a", "b", "c"] : "${{local.f{f}_e{i - 1}}}-${{b}}" if b != "c"]')
            elif kind == 2:
                lines.append(
                    f"  {name} = jsonencode({{\n"
                    '    Version = "2012-10-17"\n'
                    "    Statement = [for a in local." + f"f{f}_e{i - 1}" + " : {\n"
                    '      Effect = "Allow", Action = ["s3:GetObject", "s3:ListBucket"], Resource = a\n'
                    "    }]\n  })"
                )
            elif kind == 3:
                lines.append(
                    f"  {name} = <<-EOT\n    %{{ for k, v in {{ a = 1, b = 2 }} ~}}\n"
                    f"    ${{k}}=${{v * {i}}}\n    %{{ endfor ~}}\n    EOT"
                )
            else:
                lines.append(f'  {name} = {{ for k in ["x", "y"] : k => {i} * 2 + length(k) }}')
        lines.append("}")
        (root / f"file{f}.tf").write_text("\n".join(lines) + "\n", encoding="utf-8")


SCRIPT = """
import sys
from pathlib import Path
from checker.terraform import load_module
m = load_module(Path(sys.argv[1]), env={})
m.evaluate_all()
assert not m.diagnostics, m.diagnostics[:3]
assert len(m.locals) == COUNT, len(m.locals)
""".replace("COUNT", str(FILES * PER_FILE))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root)
        cmd = [sys.executable, "-c", SCRIPT, str(root)]
        subprocess.run(cmd, check=True)  # warm the disk cache
        times = []
        cpu = []
        for _ in range(RUNS):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, check=True)
            times.append(time.perf_counter() - t)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        base = []
        for _ in range(RUNS):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import checker.terraform"], check=True)
            base.append(time.perf_counter() - t)

        from checker.terraform import load_module
        from checker.terraform.parser import get_parser, parse_hcl

        lark = get_parser()
        parse_times = []
        lark_times = []
        for f in sorted(root.glob("file*.tf")):
            text = f.read_text(encoding="utf-8")
            t = time.perf_counter()
            parse_hcl(text, str(f))
            parse_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            lark.parse(text + "\n")
            lark_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        m = load_module(root, env={})
        m.evaluate_all()
        in_process = time.perf_counter() - t

    median = statistics.median(times)
    print(f"module: {FILES} files, {FILES * PER_FILE} expressions")
    print(f"whole process (load + evaluate all), median of {RUNS}: {median * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); target < 500 ms: "
          f"{'OK' if median < 0.5 else 'MISSED'}")
    print(f"  CPU time (user + sys) of those runs: median {statistics.median(cpu) * 1000:.0f} ms "
          f"(min {min(cpu) * 1000:.0f})")
    print(f"  of which interpreter + imports (python -c 'import checker.terraform'): "
          f"{statistics.median(base) * 1000:.0f} ms")
    print(f"in-process load + evaluate (parser cached): {in_process * 1000:.0f} ms")
    print(f"parse per file (parse_hcl): median {statistics.median(parse_times) * 1000:.1f} ms, "
          f"max {max(parse_times) * 1000:.1f} ms; of which python-hcl2's Lark parser: median "
          f"{statistics.median(lark_times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
