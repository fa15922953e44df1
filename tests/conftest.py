"""Shared fixtures: every test gets its own DASHBOARD_HOME; tests never touch data/."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty DASHBOARD_HOME for this test."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("DASHBOARD_HOME", str(path))
    monkeypatch.setenv("DASHBOARD_TZ", "Asia/Makassar")
    return path
