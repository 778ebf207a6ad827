"""Running the command line with its standard output on a pseudo-terminal (colour, terminal width)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_on_pty(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run the CLI with standard output on a pseudo-terminal; return the exit code and what it printed."""
    main, child = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, str(REPO / "check_permissions.py"), *args], cwd=cwd,
                                stdout=child, stderr=subprocess.PIPE, env=env)
        os.close(child)
        chunks = []
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=120)
        if proc.stderr is not None:
            proc.stderr.close()
    finally:
        os.close(main)
    return code, b"".join(chunks).decode("utf-8", "replace")
