"""`python -m dashboard check`, `targets` and `settings` on the command line: exit codes
(0 all met, 1 a target missed, 2 the store cannot be read or a usage mistake), one line
per missed target, and the audited writes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from dashboard import cli, config, ingest, store
from dashboard.roles import Actor

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _forget_timezone() -> Iterator[None]:
    """`main()` hands the office time zone to the process: leave none behind."""
    yield
    config.set_office_tz_setting(None)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def add_requests(n: int, received: str, service: str = "ktp_el") -> None:
    frame = pd.DataFrame(
        {
            "request_id": [f"B{i:03d}" for i in range(n)],
            "received_at": [received] * n,
            "channel": ["walk_in"] * n,
            "service": [service] * n,
        }
    )
    ingest.ingest_table(frame, "requests", source_name="b.csv", actor=Actor.cli("t"))


def test_nothing_imported_is_a_missed_target(home: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(capsys, "check", "--date", "2020-06-10")
    assert code == 1
    assert out == [
        "import_stale_days: Belum pernah ada log yang diimpor; target paling lama setiap 7 hari."
    ]
    assert err == []


def test_all_met_exits_0_with_one_line(home: Path, capsys: pytest.CaptureFixture) -> None:
    # One kk request (not in the e-KTP backlog), imported now: no visits, no backlog, fresh.
    add_requests(1, "2020-06-02 09:00", service="kk")
    code, out, _ = run(capsys, "check", "--date", "2020-06-10")
    # 28 days ending 06-10 start on 05-14 (06-10 minus 27 days).
    assert (code, out) == (0, ["Semua target terpenuhi (2020-05-14 s.d. 2020-06-10)."])
    code, out, _ = run(capsys, "check", "--date", "2020-06-10", "--days", "7", "--lang", "en")
    assert (code, out) == (0, ["All targets met (2020-06-04 to 2020-06-10)."])


def test_a_missed_target_is_one_line_and_exit_1(home: Path, capsys: pytest.CaptureFixture) -> None:
    # 30 old open requests, cap 10, no demand: as of Thu 06-04 they clear Tue 06-09, 5 days
    # later (Fri 10, weekend closed, Mon 10, Tue 10). Target 5: met; target 4: missed.
    add_requests(30, "2020-04-15 09:00")
    code, out, _ = run(
        capsys, "targets", "set", "backlog_clear_days", "5", "--reason", "r", "--user", "ani"
    )
    assert (code, out) == (0, ["target backlog_clear_days is 5 (by ani: r)"])
    assert run(capsys, "check", "--date", "2020-06-04")[0] == 0
    run(
        capsys, "targets", "set", "backlog_clear_days", "4", "--reason", "stricter", "--user", "ani"
    )
    code, out, _ = run(capsys, "check", "--date", "2020-06-04", "--lang", "en")
    assert code == 1
    assert out == [
        "backlog_clear_days: The backlog of 30 requests clears in 5 days at a cap of 10/day; "
        "target ≤ 4 days."
    ]
    with store.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT changed_by, setting, old_value, new_value, reason FROM settings_audit "
            "ORDER BY audit_id"
        ).fetchall()
    assert rows == [
        ("ani", "target.backlog_clear_days", "30 (default)", "5", "r"),
        ("ani", "target.backlog_clear_days", "5", "4", "stricter"),
    ]


def test_a_store_that_cannot_be_read_exits_2(home: Path, capsys: pytest.CaptureFixture) -> None:
    (home / "dashboard.duckdb").write_bytes(b"this is not a DuckDB file" * 100)
    code, out, err = run(capsys, "check", "--date", "2020-06-10")
    assert code == 2 and out == []
    assert len(err) == 1 and err[0].startswith("error: the store ") and "cannot be read" in err[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--days", "0"],
        ["check", "--date", "10/06/2020"],
        ["check", "--lang", "fr"],
    ],
)
def test_usage_mistakes_exit_2(home: Path, capsys: pytest.CaptureFixture, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == [] and len(err) == 1


def test_too_many_days_is_refused(home: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "check", "--days", "1831")
    assert code == 1 and err == ["error: --days must be at most 1830, not 1831"]


def test_targets_set_refuses_out_of_range_naming_the_range(
    home: Path, capsys: pytest.CaptureFixture
) -> None:
    code, out, err = run(
        capsys, "targets", "set", "no_show_max", "1.5", "--reason", "r", "--user", "a"
    )
    assert (code, out) == (1, [])
    assert err == ["error: no_show_max must be between 0 and 1 (a fraction: 0.15 = 15%), not 1.5."]
    code, _, err = run(
        capsys, "targets", "set", "rejection_band", "0.05-0.02", "--reason", "r", "--user", "a"
    )
    assert code == 1 and "between 0 and 1 with low < high" in err[0]
    code, out, _ = run(capsys, "targets", "show")
    assert code == 0
    assert out == [
        "backlog_clear_days = 30 (default; accepted 1-365)",
        "rejection_band = 0.02-0.05 (default; accepted 0-1)",
        "no_show_max = 0.15 (default; accepted 0-1)",
        "max_days_at_cap = 10 (default; accepted 1-60)",
        "import_stale_days = 7 (default; accepted 1-90)",
    ]


def test_settings_set_and_show(home: Path, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys,
        "settings",
        "set",
        "--name",
        "Disdukcapil Kabupaten Balangan",
        "--kecamatan",
        "Paringin,Awayan, juai",
        "--reason",
        "set-up",
        "--user",
        "budi",
    )
    assert (code, out) == (0, ["office settings changed: name, kecamatan (by budi: set-up)"])
    code, out, _ = run(capsys, "settings", "show")
    assert code == 0
    assert out == [
        "name: Disdukcapil Kabupaten Balangan",
        "regency:  (default)",
        "address:  (default)",
        "timezone: Asia/Makassar (default)",
        "kecamatan: Awayan, juai, Paringin",
        "whatsapp:  (default)",
        "time zone in force: Asia/Makassar (DASHBOARD_TZ, when set, wins)",
    ]
    code, _, err = run(
        capsys, "settings", "set", "--timezone", "Mars/Base", "--reason", "r", "--user", "b"
    )
    assert code == 1 and err[0].startswith("error: Unknown time zone “Mars/Base”")
    code, _, err = run(capsys, "settings", "set", "--reason", "r", "--user", "b")
    assert code == 1 and "name a setting to change" in err[0]
    # The template's drop-down is the office's list now.
    out_file = tmp_path / "t.xlsx"
    code, out, _ = run(capsys, "template", "requests", "--out", str(out_file))
    assert code == 0 and out == [
        f"wrote the requests template to {out_file} (3 kecamatan in its list)"
    ]


def test_check_as_cron_runs_it(home: Path) -> None:
    """The real entry point, as `python -m dashboard check || mail ...` runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "check", "--date", "2020-06-10", "--lang", "en"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == (
        "import_stale_days: No log has been imported yet; target at least every 7 days.\n"
    )
    assert "Traceback" not in done.stderr
