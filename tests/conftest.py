"""Shared test fixtures: where the external corpora live.

The corpora (seed runbooks, their inventory, public runbooks, alert formats, logs) stay outside the
repository in ../shared and are read from there, never copied in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ASTREINTE_SHARED", ROOT.parent / "shared")).resolve()
SEEDS = SHARED / "seeds"
SPEC = SHARED / "spec"
PUBLIC_RUNBOOKS = SHARED / "data" / "runbooks"


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared corpora are missing at {SHARED}; set ASTREINTE_SHARED to their folder")
    return SHARED
