"""Installation settings: where the data lives, the office time zone, limits.

Everything comes from the environment with a safe default, so the CLI, the pages and
the tests agree on one place to look.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Highest daily cap a form or the CLI accepts (a typo guard, not a policy).
MAX_DAILY_CAP = int(os.environ.get("DASHBOARD_MAX_CAP", "500"))

#: Default cap before any rule is set (CONTRACT.md section 2).
DEFAULT_CAP = 10


def home() -> Path:
    """`$DASHBOARD_HOME`, default `data/` in the project; created on first use."""
    raw = os.environ.get("DASHBOARD_HOME")
    path = Path(raw).expanduser() if raw else PROJECT_ROOT / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path() -> Path:
    """The one DuckDB file of the installation."""
    return home() / "dashboard.duckdb"


def office_tz() -> str:
    """Office time zone (IANA name); WITA by default."""
    return os.environ.get("DASHBOARD_TZ", "Asia/Makassar")
