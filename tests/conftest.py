from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests assert what is accepted and found, not how fast one example runs: on a shared 2-core
# machine running the suite in parallel an example can take longer than hypothesis's 200 ms deadline
# (a flaky failure, seen in CI-like runs). Speed has its own budgets in benchmarks/.
settings.register_profile("check-permissions", deadline=None)
settings.load_profile("check-permissions")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CHECK_PERMISSIONS_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"shared data folder not found at {path} (set CHECK_PERMISSIONS_SHARED)")
    return path
