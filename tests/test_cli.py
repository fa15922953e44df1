"""The command line (CONTRACT section 5): exit codes, one-line errors, the numbers it prints.

Most tests call `cli.main([...])` in-process (fast); a few run `python -m dashboard` as a
real subprocess to prove what a shell or a nightly job sees: exit status and no traceback.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import cli, config, store
from tests.fixtures import run_process

ROOT = Path(__file__).resolve().parent.parent

REQUESTS_CSV = """\
request_id,received_at,channel,service,kecamatan,nik,no_hp
R1,2020-06-08 08:00,whatsapp,ktp_el,Paringin,9999000000000001,0800-0000-0001
R2,2020-06-08 09:00,walk_in,ktp_el,Juai,,
R3,2020-06-09 10:00,wa,ktp_el, paringin ,,
"""

APPOINTMENTS_CSV = """\
appointment_id,request_id,queue_number,scheduled_date,status,checked_in_at,temperature_c,rejection_reason,recorded_at
A1,R1,1,2020-06-09,recorded,2020-06-09 08:10,36.5,,2020-06-09 08:30
A2,R2,2,2020-06-09,rejected,2020-06-09 08:20,38.1,fever,
A3,R3,3,2020-06-10,no_show,,,,
"""

HEADER = (
    "date,requests,requests_whatsapp,requests_walk_in,requests_online,requests_app,"
    "scheduled,checked_in,screening_rejected,recorded,no_show,cap,utilization,backlog_end"
)

# By hand from the two files above (CONTRACT section 3). 8-10 June 2020 are Mon-Wed.
EXPECTED_ALL = f"""\
{HEADER}
2020-06-08,2,1,1,0,0,0,0,0,0,0,10,0.0000,2
2020-06-09,1,1,0,0,0,2,2,1,1,0,10,0.1000,2
2020-06-10,0,0,0,0,0,1,0,0,0,1,10,0.0000,2
"""

# Walk-in only: R2 and its rejected appointment A2; R2 stays open (turned away).
EXPECTED_WALK_IN = f"""\
{HEADER}
2020-06-08,1,0,1,0,0,0,0,0,0,0,10,0.0000,1
2020-06-09,0,0,0,0,0,1,1,1,0,0,10,0.0000,1
2020-06-10,0,0,0,0,0,0,0,0,0,0,10,0.0000,1
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write_logs(folder: Path) -> tuple[Path, Path]:
    req = folder / "permohonan.csv"
    app = folder / "jadwal.csv"
    req.write_text(REQUESTS_CSV, encoding="utf-8")
    app.write_text(APPOINTMENTS_CSV, encoding="utf-8")
    return req, app


def assert_one_line_error(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err


# --- help and usage ---------------------------------------------------------------------


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("ingest", "export", "capacity", "users", "demo", "init"):
        assert f"    {command}" in out


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["export", "daily", "--start", "2020-06-31", "--end", "2020-07-01"], "'2020-06-31'"),
        (["export", "daily", "--start", "08/06/2020", "--end", "2020-07-01"], "YYYY-MM-DD"),
        (["export", "daily", "--start", "2020-06-08"], "--end"),
        (
            ["export", "daily", "--start", "2020-06-08", "--end", "2020-06-09", "--channel", "fax"],
            "fax",
        ),
        (
            [
                "capacity",
                "set",
                "--date",
                "2020-06-08",
                "--default",
                "--cap",
                "5",
                "--reason",
                "x",
                "--user",
                "u",
            ],
            "not allowed",
        ),
        (
            [
                "capacity",
                "set",
                "--weekday",
                "funday",
                "--cap",
                "5",
                "--reason",
                "x",
                "--user",
                "u",
            ],
            "funday",
        ),
        (["capacity", "set", "--default", "--cap", "-1", "--reason", "x", "--user", "u"], "-1"),
        (["capacity", "set", "--default", "--cap", "5", "--reason", "x"], "--user"),
        (["demo", "--days", "0"], "1 or more"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert_one_line_error(err)
    assert fragment in err


def test_weekday_names_in_both_languages() -> None:
    assert cli.parse_weekday("senin") == cli.parse_weekday("Monday") == 1
    assert cli.parse_weekday("JUMAT") == cli.parse_weekday("jum'at") == 5
    assert cli.parse_weekday("minggu") == cli.parse_weekday("sunday") == 7


# --- capacity -------------------------------------------------------------------------------


def test_capacity_set_and_show(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 14 Aug 2020 is a Friday; 15-16 the weekend; 17 Aug Independence Day; 18 a Tuesday.
    code, out, err = run(capsys, "capacity", "show", "--start", "2020-08-14", "--end", "2020-08-18")
    assert code == 0, err
    assert out == (
        "date,cap,source\n"
        "2020-08-14,10,default\n"
        "2020-08-15,0,weekday\n"
        "2020-08-16,0,weekday\n"
        "2020-08-17,0,holiday\n"
        "2020-08-18,10,default\n"
    )
    steps = [
        ["--default", "--cap", "15", "--effective", "2020-08-18", "--reason", "tambahan petugas"],
        ["--date", "2020-08-15", "--cap", "20", "--reason", "pelayanan Sabtu"],
        ["--weekday", "jumat", "--cap", "8", "--effective", "2020-08-01", "--reason", "Jumat"],
        ["--from", "2020-08-17", "--to", "2020-08-17", "--cap", "4", "--reason", "piket"],
    ]
    for step in steps:
        code, out, err = run(capsys, "capacity", "set", *step, "--user", "budi")
        assert code == 0, err
        assert out.count("\n") == 1 and "budi" in out
    code, out, _ = run(capsys, "capacity", "show", "--start", "2020-08-13", "--end", "2020-08-18")
    assert out == (
        "date,cap,source\n"
        "2020-08-13,10,default\n"
        "2020-08-14,8,weekday\n"
        "2020-08-15,20,override\n"
        "2020-08-16,0,weekday\n"
        "2020-08-17,4,override\n"
        "2020-08-18,15,default\n"
    )
    with store.connect(read_only=True) as con:
        audit = con.execute(
            "SELECT changed_by, old_value, new_value, reason FROM capacity_audit ORDER BY audit_id"
        ).fetchall()
    assert audit == [
        ("budi", "10", "15", "tambahan petugas"),
        ("budi", "0", "20", "pelayanan Sabtu"),
        ("budi", "10", "8", "Jumat"),
        ("budi", "0", "4", "piket"),
    ]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--date", "2020-08-15", "--cap", "5000"], "500"),
        (["--from", "2020-08-15"], "--to"),
        (["--date", "2020-08-15", "--to", "2020-08-16"], "--to needs --from"),
        (["--from", "2020-08-15", "--to", "2020-08-01"], "before"),
        (["--date", "2020-08-15", "--effective", "2020-08-01"], "--effective"),
        (["--date", "2020-08-15", "--reason", "   "], "reason"),
    ],
)
def test_capacity_set_refused(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    full = ["capacity", "set", *args, "--user", "budi"]
    if "--cap" not in args:
        full += ["--cap", "5"]
    if "--reason" not in args:
        full += ["--reason", "uji"]
    code, out, err = run(capsys, *full)
    assert code == 1
    assert out == ""
    assert_one_line_error(err)
    assert fragment in err
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM capacity_audit").fetchone()[0] == 0


# --- export daily ---------------------------------------------------------------------------


def test_export_daily_on_an_empty_store(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "daily", "--start", "2020-07-30", "--end", "2020-08-01")
    assert code == 0, err
    # 31 Jul 2020 is Idul Adha (holiday, cap 0: utilisation empty), 1 Aug a Saturday.
    assert out == (
        f"{HEADER}\n"
        "2020-07-30,0,0,0,0,0,0,0,0,0,0,10,0.0000,0\n"
        "2020-07-31,0,0,0,0,0,0,0,0,0,0,0,,0\n"
        "2020-08-01,0,0,0,0,0,0,0,0,0,0,0,,0\n"
    )


def test_export_daily_end_before_start(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "daily", "--start", "2020-06-10", "--end", "2020-06-08")
    assert code == 1 and out == ""
    assert_one_line_error(err)


def test_ingest_then_export_numbers(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req, app = write_logs(tmp_path)
    code, out, err = run(capsys, "ingest", str(app), str(req))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(
        f"{app} (appointments): read 3, inserted 3, updated 0, unchanged 0, quarantined 0"
    )
    assert lines[1].startswith(
        f"{req} (requests): read 3, inserted 3, updated 0, unchanged 0, quarantined 0"
    )

    code, out, err = run(capsys, "export", "daily", "--start", "2020-06-08", "--end", "2020-06-10")
    assert code == 0, err
    assert out == EXPECTED_ALL
    code, out, _ = run(
        capsys,
        "export",
        "daily",
        "--start",
        "2020-06-08",
        "--end",
        "2020-06-10",
        "--channel",
        "walk_in",
    )
    assert out == EXPECTED_WALK_IN
    target = tmp_path / "out" / "daily.csv"
    target.parent.mkdir()
    code, out, err = run(
        capsys, "export", "daily", "--start", "2020-06-08", "--end", "2020-06-10",
        "--kecamatan", "PARINGIN", "--out", str(target),
    )  # fmt: skip
    assert code == 0 and out == ""
    assert "3 days" in err
    text = target.read_bytes().decode("utf-8")
    assert text.splitlines()[1] == "2020-06-08,1,1,0,0,0,0,0,0,0,0,10,0.0000,1"
    assert text.splitlines()[2] == "2020-06-09,1,1,0,0,0,1,1,0,1,0,10,0.1000,1"

    # Every export is logged (CONTRACT 4): who, what, how many rows; the same row the
    # page's download of these bytes writes (exports.daily_csv_bytes).
    from datetime import date

    from dashboard import exports, metrics

    with store.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT username, role, what, filters, file_format, row_count FROM export_audit "
            "ORDER BY export_id"
        ).fetchall()
    start, end = date(2020, 6, 8), date(2020, 6, 10)
    expected_filters = [
        exports.filters_json(metrics.Filters.single(*f), start, end)
        for f in ((None, None, None), ("walk_in", None, None), (None, "PARINGIN", None))
    ]
    user = cli._default_user()
    assert rows == [(user, "admin", "daily_metrics", f, "csv", 3) for f in expected_filters]

    # Importing the same file again changes nothing.
    code, out, _ = run(capsys, "ingest", str(req))
    assert "read 3, inserted 0, updated 0, unchanged 3, quarantined 0" in out


def test_ingest_continues_after_a_refused_file(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req, app = write_logs(tmp_path)
    junk = tmp_path / "foto.csv"
    junk.write_text("nama,alamat\nBudi,Paringin\n", encoding="utf-8")
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    missing = tmp_path / "tidak_ada.csv"
    code, out, err = run(capsys, "ingest", str(junk), str(req), str(empty), str(missing), str(app))
    assert code == 1
    assert f"{req} (requests): read 3, inserted 3" in out
    assert f"{app} (appointments): read 3, inserted 3" in out
    assert "2 of 5 files imported" in out
    refused = err.strip().splitlines()
    assert len(refused) == 3
    assert all(line.startswith("error: ") for line in refused)
    assert str(junk) in refused[0] and str(empty) in refused[1] and str(missing) in refused[2]
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == 3
        assert con.execute("SELECT count(*) FROM appointments").fetchone()[0] == 3


def test_ingest_quarantine_is_counted(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "permohonan_salah.csv"
    bad.write_text(
        "id_permohonan;waktu_masuk;kanal\nR1;08/06/2020 08.15;wa\nR2;31/02/2020 09.00;WhatsApp\n"
        "R3;09/06/2020 10.00;merpati\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "ingest", str(bad), "--kind", "requests")
    assert code == 0, err
    assert "read 3, inserted 1, updated 0, unchanged 0, quarantined 2" in out


# --- users (delegated) and init -------------------------------------------------------------


def test_users_commands_are_delegated(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("rahasia-panjang-123\n"))
    code, out, err = run(capsys, "users", "add", "siti", "--role", "staff", "--name", "Siti")
    assert code == 0, err
    code, out, _ = run(capsys, "users", "list")
    assert code == 0
    assert "siti,Siti,staff" in out
    assert "rahasia" not in out
    code, out, err = run(capsys, "users", "add", "x", "--role", "boss", "--name", "X")
    assert code == 2
    assert_one_line_error(err)


def test_init_then_already_set_up(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "init")
    assert code == 0, err
    assert "username: admin" in out and "password: " in out
    assert "DEMO" in out
    for name in ("demo_head", "demo_staff", "demo_analyst"):
        assert name in out
    assert "demo_admin" not in out  # no demo account is an admin (issue 9)
    for secret in ("pii.key", "cookie_key"):
        assert (home / "secrets" / secret).stat().st_mode & 0o077 == 0  # 0600: owner only
    with store.connect(read_only=True) as con:
        assert store.is_demo(con)
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] > 1000
        assert (
            con.execute("SELECT count(*) FROM holidays WHERE year(day) = 2020").fetchone()[0] > 10
        )
    version = _data_version()

    code, out, err = run(capsys, "init")
    assert code == 0, err
    assert "already set up" in out
    assert "password" not in out
    assert _data_version() == version


def test_init_without_demo_keeps_the_store_empty(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "init", "--no-demo")
    assert code == 0
    assert "username: admin" in out and "DEMO" not in out
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == 0
        assert not store.is_demo(con)


def test_init_does_not_bring_the_demo_back_after_the_store_is_moved_aside(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # README "Loading your own logs": move the demo store aside, run again, import.
    code, out, _ = run(capsys, "init")
    assert code == 0 and "DEMO" in out
    (home / "dashboard.duckdb").rename(home.parent / "demo-store.duckdb")
    code, out, _ = run(capsys, "init")
    assert code == 0 and "DEMO" not in out and "password" not in out
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == 0
        assert not store.is_demo(con)


def _data_version() -> int:
    with store.connect(read_only=True) as con:
        return store.data_version(con)


# --- real processes -------------------------------------------------------------------------


def test_subprocess_exit_codes_and_no_traceback(home: Path, tmp_path: Path) -> None:
    req, _ = write_logs(tmp_path)
    done = run_process(home, "ingest", str(req))
    assert done.returncode == 0, done.stderr
    assert "read 3, inserted 3" in done.stdout

    done = run_process(home, "export", "daily", "--start", "2020-06-08", "--end", "2020-06-08")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "2020-06-08,2,1,1,0,0,0,0,0,0,0,10,0.0000,2"

    done = run_process(home, "demo")  # the store holds data now: refused
    assert done.returncode == 1
    assert_one_line_error(done.stderr)
    assert "empty store" in done.stderr

    # A store file that is not a database: one line, not a traceback.
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "dashboard.duckdb").write_text("not a database\n")
    done = run_process(broken, "export", "daily", "--start", "2020-06-08", "--end", "2020-06-08")
    assert done.returncode == 1
    assert_one_line_error(done.stderr)


def test_export_does_not_import_the_ui_stack(home: Path) -> None:
    """`export daily` is benchmarked against a bare DuckDB query: no Streamlit, Altair,
    holidays package, sign-in library, nor pandas/numpy/pyarrow (~0.4 s of imports) on its
    path, once the holiday table is filled (as `init` and every capacity change do)."""
    from dashboard import capacity

    with store.connect() as con:
        capacity.ensure_holidays(con)
    code = (
        "import sys\n"
        "from dashboard import cli\n"
        "rc = cli.main(['export', 'daily', '--start', '2020-06-08', '--end', '2020-06-09'])\n"
        "heavy = sorted(m for m in ('streamlit', 'altair', 'holidays', 'streamlit_authenticator',"
        " 'bcrypt', 'openpyxl', 'python_calamine', 'pandas', 'numpy', 'pyarrow')"
        " if m in sys.modules)\n"
        "print('HEAVY', heavy, rc)\n"
    )
    env = {**os.environ, "DASHBOARD_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "HEAVY [] 0"
    assert config.db_path().exists()


def test_init_prints_no_streamlit_noise(home: Path) -> None:
    """`make run` shows init's output in the terminal: the admin password, nothing else."""
    done = run_process(home, "init", "--no-demo")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "password: " in done.stdout
    done = run_process(
        home, "users", "add", "budi", "--role", "staff", "--name", "Budi", stdin="abcdefgh123\n"
    )
    assert done.returncode == 0 and done.stderr == ""


def test_export_to_a_missing_folder_is_refused_and_not_logged(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "tidak_ada" / "daily.csv"
    code, out, err = run(
        capsys,
        "export",
        "daily",
        "--start",
        "2020-06-08",
        "--end",
        "2020-06-09",
        "--out",
        str(target),
    )
    assert code == 1 and out == ""
    assert_one_line_error(err)
    assert "does not exist" in err
    assert not target.parent.exists()
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM export_audit").fetchone()[0] == 0
