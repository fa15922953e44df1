"""How much slower is `python -m dashboard export daily` than one bare DuckDB query?

A nightly job or an analyst runs `export daily` over years of data. Its cost is a Python
start, our imports and the contract's metrics query (14 columns, the backlog by
cumulative sums, the capacity calendar). The floor is a bare Python process that imports
duckdb, opens the same file read-only and runs one `GROUP BY date` aggregate. Target:
the CLI within 3x of that floor (issue 2).

The store (`bench/out/export_home/dashboard.duckdb`) holds five years (2020-06-08 ..
2025-06-07) with 1,000,000 requests and 1,000,000 appointments, generated directly in
DuckDB SQL (deterministic: values come from `hash(i)`, not a random generator), with the
channel/status/kecamatan mix of a real office. It is reused while its recipe is unchanged.

Each repetition runs both commands as fresh subprocesses, alternating, after one
warm-up each (so both read the file from the page cache); the result is the median.
Also measured, to show where the time goes: an empty interpreter, `import duckdb`, the
CLI's imports, and the metrics query alone in-process.

Writes `bench/out/export_cli.json`. Run: `python -m bench.bench_export [--reps N]
[--rebuild]` from the project root.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
HOME = OUT_DIR / "export_home"
RESULT = OUT_DIR / "export_cli.json"

START, END = date(2020, 6, 8), date(2025, 6, 7)
ROWS = 1_000_000
TARGET_RATIO = 3.0
RECIPE = f"v1 rows={ROWS} {START}..{END}"  # bump to force a rebuild of a reused store

BARE_QUERY = (
    "SELECT received_date, count(*) FROM requests "
    "WHERE received_date BETWEEN DATE '2020-06-08' AND DATE '2025-06-07' GROUP BY 1 ORDER BY 1"
)
BARE_CODE = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[1], read_only=True, config={"
    "'autoinstall_known_extensions': False, 'autoload_known_extensions': False})\n"
    f"con.execute({BARE_QUERY!r}).fetchall()\n"
)

_REQUESTS_SQL = """
INSERT INTO requests
SELECT request_id, received_at, CAST(received_at AS DATE), channel, service, kecamatan,
       lower(kecamatan), phone_hash, phone_masked, nik_hash,
       cancelled_at, CAST(cancelled_at AS DATE), 1, i + 2
FROM (
    SELECT i, 'B' || lpad(CAST(i AS VARCHAR), 7, '0') AS request_id,
           CAST($start AS TIMESTAMP)
             + to_days(CAST(i * $days // $rows AS INTEGER))
             + to_minutes(CAST(420 + hash(i, 'minute') % 840 AS INTEGER)) AS received_at,
           CASE WHEN hash(i, 'channel') % 100 < 70 THEN 'whatsapp'
                WHEN hash(i, 'channel') % 100 < 90 THEN 'walk_in'
                WHEN hash(i, 'channel') % 100 < 97 THEN 'online' ELSE 'app' END AS channel,
           CASE WHEN hash(i, 'service') % 100 < 88 THEN 'ktp_el'
                WHEN hash(i, 'service') % 100 < 94 THEN 'kk' ELSE 'akta_lahir' END AS service,
           ['Paringin', 'Paringin Selatan', 'Lampihong', 'Batumandi', 'Juai', 'Halong',
            'Awayan', 'Tebing Tinggi'][CAST(1 + hash(i, 'kec') % 8 AS BIGINT)] AS kecamatan,
           CASE WHEN hash(i, 'phone') % 10 < 8 THEN left(sha256('phone' || i), 32) END AS phone_hash,
           CASE WHEN hash(i, 'phone') % 10 < 8
                THEN '0800****' || lpad(CAST(i % 1000 AS VARCHAR), 3, '0') END AS phone_masked,
           left(sha256('nik' || i), 32) AS nik_hash,
           CASE WHEN hash(i, 'cancel') % 100 < 3 THEN received_at
                + to_days(CAST(1 + hash(i, 'cdays') % 60 AS INTEGER)) END AS cancelled_at
    FROM range($rows) r(i)
)
"""

_APPOINTMENTS_SQL = """
INSERT INTO appointments
SELECT appointment_id, request_id, queue_number, scheduled_date, status, checked_in_at,
       temperature_c, mask, handwash, rejection_reason, recorded_at,
       coalesce(CAST(checked_in_at AS DATE), CAST(recorded_at AS DATE), scheduled_date),
       coalesce(CAST(recorded_at AS DATE), CAST(checked_in_at AS DATE), scheduled_date),
       2, i + 2
FROM (
    SELECT *, CASE WHEN status IN ('recorded', 'rejected')
                   THEN CAST(scheduled_date AS TIMESTAMP)
                        + to_minutes(CAST(480 + hash(i, 'arrive') % 360 AS INTEGER)) END
                AS checked_in_at,
              CASE WHEN status IN ('recorded', 'rejected')
                   THEN CAST(36.0 + (hash(i, 'temp') % 15) / 10.0
                             + CASE WHEN status = 'rejected' THEN 1.6 ELSE 0 END AS DECIMAL(4, 1))
                   END AS temperature_c,
              CASE WHEN status IN ('recorded', 'rejected') THEN true END AS mask,
              CASE WHEN status IN ('recorded', 'rejected') THEN true END AS handwash,
              CASE WHEN status = 'rejected' THEN 'fever' END AS rejection_reason,
              CASE WHEN status = 'recorded'
                   THEN CAST(scheduled_date AS TIMESTAMP)
                        + to_minutes(CAST(495 + hash(i, 'arrive') % 360 AS INTEGER)) END
                AS recorded_at
    FROM (
        SELECT i, 'J' || lpad(CAST(i AS VARCHAR), 7, '0') AS appointment_id,
               'B' || lpad(CAST(i AS VARCHAR), 7, '0') AS request_id,
               CAST(i % 100000 AS INTEGER) AS queue_number,
               CAST($start AS DATE) + CAST(i * $days // $rows + 1 + hash(i, 'lead') % 40 AS INTEGER)
                   AS scheduled_date,
               CASE WHEN hash(i, 'status') % 100 < 78 THEN 'recorded'
                    WHEN hash(i, 'status') % 100 < 84 THEN 'rejected'
                    WHEN hash(i, 'status') % 100 < 94 THEN 'no_show'
                    WHEN hash(i, 'status') % 100 < 96 THEN 'cancelled'
                    WHEN hash(i, 'status') % 100 < 98 THEN 'rescheduled'
                    ELSE 'scheduled' END AS status
        FROM range($rows) r(i)
    )
)
"""


def _env() -> dict[str, str]:
    env = {**os.environ, "DASHBOARD_HOME": str(HOME), "PYTHONPATH": str(ROOT)}
    env.pop("DASHBOARD_DEBUG", None)
    return env


def build_store(rebuild: bool = False) -> Path:
    """Create (or reuse) the five-year, 1M + 1M store; return its path."""
    os.environ["DASHBOARD_HOME"] = str(HOME)
    from dashboard import capacity, config, roles, store

    path = config.db_path()
    if path.exists() and not rebuild:
        try:
            with store.connect(path, read_only=True) as con:
                if store.get_meta(con, "bench_recipe") == RECIPE:
                    return path
        except Exception:  # noqa: BLE001 - an unreadable old store is simply rebuilt
            pass
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    days = (END - START).days + 1
    params = {"start": START, "days": days, "rows": ROWS}
    began = time.perf_counter()
    with store.connect(path) as con:
        con.execute("SET enable_progress_bar = false")
        with store.transaction(con):
            con.execute(_REQUESTS_SQL, params)
            con.execute(_APPOINTMENTS_SQL, params)
            store.refresh_closed_dates(con, "all")  # as ingest keeps it
            for import_id, kind in ((1, "requests"), (2, "appointments")):
                con.execute(
                    "INSERT INTO imports (import_id, file_name, content_hash, kind, rows_read, "
                    "inserted, updated, unchanged, quarantined, orphans, warnings, imported_by, "
                    "started_at, finished_at) "
                    "VALUES (?, ?, NULL, ?, ?, ?, 0, 0, 0, 0, 0, 'bench', now(), now())",
                    [import_id, f"bench_{kind}", kind, ROWS, ROWS],
                )
            capacity.ensure_holidays(con)
            store.bump_data_version(con)
        # Two effective-dated cap changes, as a real office would have made.
        actor = roles.Actor.cli("bench")
        capacity.set_default(
            con, 15, reason="bench: more staff", actor=actor, effective_from=date(2020, 8, 3)
        )
        capacity.set_weekday(
            con, 5, 8, reason="bench: short Fridays", actor=actor, effective_from=date(2021, 1, 1)
        )
        store.set_meta(con, "bench_recipe", RECIPE)
        con.execute("CHECKPOINT")
    print(f"built {path} in {time.perf_counter() - began:.1f} s")
    return path


def _timed(cmd: list[str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}... failed: {done.stderr.decode()[-500:]}")
    return elapsed


def _median_of(cmd: list[str], reps: int) -> float:
    _timed(cmd)
    return statistics.median(_timed(cmd) for _ in range(reps))


def _metrics_in_process(path: Path, reps: int) -> float:
    """The metrics query alone (imports paid once), in a subprocess: median seconds."""
    code = (
        "import statistics, sys, time\n"
        "from datetime import date\n"
        "from dashboard import metrics, store\n"
        "times = []\n"
        f"for _ in range({reps + 1}):\n"
        "    t = time.perf_counter()\n"
        "    with store.connect(sys.argv[1], read_only=True) as con:\n"
        f"        metrics.daily_csv(con, date.fromisoformat('{START}'), "
        f"date.fromisoformat('{END}'), metrics.Filters())\n"
        "    times.append(time.perf_counter() - t)\n"
        "print(statistics.median(times[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-500:])
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="timed repetitions (default 7)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store")
    args = parser.parse_args(argv)

    path = build_store(args.rebuild)
    py = sys.executable
    cli_cmd = [py, "-m", "dashboard", "export", "daily", "--start", str(START), "--end", str(END)]
    bare_cmd = [py, "-c", BARE_CODE, str(path)]

    # Check the CLI's answer once: one row per day, the header first.
    done = subprocess.run(cli_cmd, cwd=ROOT, env=_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"export daily failed: {done.stderr.strip()}")
    lines = done.stdout.splitlines()
    days = (END - START).days + 1
    if len(lines) != days + 1 or not lines[0].startswith("date,requests,"):
        raise RuntimeError(f"export daily gave {len(lines)} lines, expected {days + 1}")

    _timed(bare_cmd)
    _timed(cli_cmd)
    bare, cli = [], []
    for _ in range(args.reps):  # alternate, so drift on a busy machine hits both alike
        bare.append(_timed(bare_cmd))
        cli.append(_timed(cli_cmd))
    bare_med, cli_med = statistics.median(bare), statistics.median(cli)

    breakdown = {
        "python_empty_s": _median_of([py, "-c", "pass"], 5),
        "import_duckdb_s": _median_of([py, "-c", "import duckdb"], 5),
        "import_cli_export_path_s": _median_of(
            [py, "-c", "from dashboard import cli, metrics, store, capacity"], 5
        ),
        "metrics_daily_csv_in_process_s": _metrics_in_process(path, 5),
    }
    with __import__("duckdb").connect(str(path), read_only=True) as con:
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed names
            for t in ("requests", "appointments")
        }
    result = {
        "bench": "export_cli",
        "what": "python -m dashboard export daily (5 years) vs a bare duckdb GROUP BY query",
        "store": str(path.relative_to(ROOT)),
        "rows": counts,
        "range": [str(START), str(END)],
        "days": days,
        "reps": args.reps,
        "bare_median_s": round(bare_med, 4),
        "cli_median_s": round(cli_med, 4),
        "ratio": round(cli_med / bare_med, 2),
        "target_ratio": TARGET_RATIO,
        "meets_target": cli_med / bare_med <= TARGET_RATIO,
        "bare_all_s": [round(t, 4) for t in bare],
        "cli_all_s": [round(t, 4) for t in cli],
        "breakdown": {k: round(v, 4) for k, v in breakdown.items()},
        "bare_query": BARE_QUERY,
        "python": platform.python_version(),
        "duckdb": __import__("duckdb").__version__,
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"export daily, {days} days over {counts['requests']:,} requests + "
        f"{counts['appointments']:,} appointments: CLI {cli_med:.3f} s vs bare query "
        f"{bare_med:.3f} s (median of {args.reps}) -> {cli_med / bare_med:.2f}x "
        f"(target <= {TARGET_RATIO:.0f}x: {'met' if result['meets_target'] else 'NOT met'})"
    )
    print("  where the time goes: " + ", ".join(f"{k} {v:.3f}" for k, v in breakdown.items()))
    print(f"  wrote {RESULT.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
