"""Peak memory of a 1M-row appointment export, against the query alone.

Builds a throw-away store with 1,000,000 requests and 1,000,000 appointments (SQL
`range()`, no ingest: this measures the export, not the import), then runs each mode in
a fresh subprocess and reads its peak RSS with `resource.getrusage(RUSAGE_SELF)`:

- `imports`: the process after importing what an export imports (the floor);
- `query_only`: the export's SELECT streamed through Arrow record batches and dropped
  (the baseline: DuckDB doing the query, nothing kept);
- `export_file`: `exports.export_rows` (DuckDB `COPY ... TO` a temp file);
- `export_handoff`: the same plus `read_and_remove`, i.e. the one `bytes` object that
  Streamlit's media store keeps for a download;
- `streamlit_media`: the download button's callable run by Streamlit's own
  MediaFileManager, as on a click (what the server holds afterwards), as CSV and as
  gzipped CSV (`streamlit_media_gz`);
- `export_sorted`: the export's COPY with an ORDER BY (why exports come unsorted);
- `naive_pandas`: what the exporter avoids: the same query `.df()`, then `to_csv()`.

Writes `bench/out/export_memory.json`. Run: `python -m bench.bench_export_memory
[--rows N]` from the project root.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "export_memory.json"
MODES = (
    "imports",
    "query_only",
    "export_file",
    "export_handoff",
    "export_sorted",
    "streamlit_media",
    "streamlit_media_gz",
    "naive_pandas",
)
START, END = date(2020, 1, 1), date(2022, 12, 31)


def _peak_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build_store(home: Path, rows: int) -> None:
    os.environ["DASHBOARD_HOME"] = str(home)
    from dashboard import store, users
    from dashboard.roles import Actor

    # The download button looks the account up again when clicked.
    users.add(
        "bench", name="Bench", role="analyst", password=users.random_password(), actor=Actor.cli()
    )

    with store.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            """
            INSERT INTO requests
            SELECT 'R' || i, ts, CAST(ts AS DATE),
                   ['whatsapp', 'walk_in', 'online', 'app'][1 + i % 4], 'ktp_el',
                   k, lower(k), left(sha256('p' || i), 32), '0812****' || lpad(CAST(i % 1000 AS VARCHAR), 3, '0'),
                   left(sha256('n' || i), 32), NULL, NULL, 1, i
            FROM (SELECT i, TIMESTAMP '2020-06-08 08:00' + to_minutes(i % 500000) AS ts,
                         ['Paringin', 'Juai', 'Halong', 'Awayan', 'Batumandi'][1 + i % 5] AS k
                  FROM range(?) r(i))
            """,
            [rows],
        )
        con.execute(
            """
            INSERT INTO appointments
            SELECT 'J' || i, 'R' || i, 1 + i % 50, d,
                   CASE WHEN i % 10 = 0 THEN 'rejected' WHEN i % 7 = 0 THEN 'no_show' ELSE 'recorded' END,
                   d + TIME '08:10', CAST(36.0 + (i % 30) / 10 AS DECIMAL(4, 1)), true, true,
                   CASE WHEN i % 10 = 0 THEN 'fever' END,
                   CASE WHEN i % 10 <> 0 AND i % 7 <> 0 THEN d + TIME '08:40' END,
                   d, d, 1, i
            FROM (SELECT i, DATE '2020-06-09' + CAST(i % 700 AS INTEGER) AS d FROM range(?) r(i))
            """,
            [rows],
        )
        store.refresh_closed_dates(con, "all")  # as ingest keeps it


def child(mode: str) -> dict:
    """One measurement; runs inside a fresh interpreter."""
    from dashboard import exports, store
    from dashboard.roles import Actor

    actor = Actor("bench", "analyst")
    filters = None
    result: dict = {"mode": mode}
    t0 = time.perf_counter()
    with store.connect() as con:
        con.execute("SET enable_progress_bar = false")
        sql = exports.row_query("appointments")
        params = exports._params_for(sql, exports._filter_params(START, END, filters))
        if mode == "query_only":
            # A relation streams; `execute(...).to_arrow_reader` would copy every row first.
            reader = con.sql(sql, params=params).to_arrow_reader(100_000)
            result["rows"] = sum(batch.num_rows for batch in reader)
        elif mode in ("export_file", "export_handoff"):
            out = exports.export_rows(con, actor, "appointments", START, END, filters)
            result["rows"] = out.rows
            result["file_mib"] = round(out.path.stat().st_size / 2**20, 1)
            if mode == "export_handoff":
                data = exports.read_and_remove(out.path)
                result["bytes_held_mib"] = round(len(data) / 2**20, 1)
            else:
                out.path.unlink()
        elif mode == "export_sorted":
            # What an ORDER BY would cost (why row exports come unsorted).
            path = exports.tmp_dir() / "export-bench-sorted.csv"
            copy = f"COPY ({sql} ORDER BY a.scheduled_date, a.appointment_id) TO $path (HEADER)"
            result["rows"] = con.execute(copy, {**params, "path": str(path)}).fetchone()[0]
            path.unlink()
        elif mode in ("streamlit_media", "streamlit_media_gz"):
            # The download as Streamlit 1.67 serves it: the button's deferred callable run
            # by its MediaFileManager, the bytes kept in its in-memory media store.
            from streamlit.runtime.media_file_manager import MediaFileManager
            from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

            from dashboard import ui_exports

            manager = MediaFileManager(MemoryMediaFileStorage("/media"))
            fmt = "csv_gz" if mode.endswith("_gz") else "csv"
            generate = ui_exports.rows_generator(actor, "appointments", START, END, filters, fmt)
            file_id = manager.add_deferred(generate, "text/csv", "bench", file_name="a.csv")
            url = manager.execute_deferred(file_id)
            stored = manager._storage.get_file(url.rsplit("/", 1)[1].split(".")[0])
            result["bytes_held_mib"] = round(len(stored.content) / 2**20, 1)
            result["rss_after_mib"] = round(_current_mib(), 1)
        elif mode == "naive_pandas":
            frame = con.execute(sql, params).df()
            data = frame.to_csv(index=False).encode()
            result["rows"] = len(frame)
            result["file_mib"] = round(len(data) / 2**20, 1)
    result["seconds"] = round(time.perf_counter() - t0, 2)
    result["peak_rss_mib"] = round(_peak_mib(), 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", choices=MODES)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        home = Path(tmp)
        t0 = time.perf_counter()
        build = subprocess.run(
            [
                sys.executable,
                "-c",
                f"from bench.bench_export_memory import build_store; "
                f"from pathlib import Path; build_store(Path({str(home)!r}), {args.rows})",
            ],
            cwd=ROOT,
            check=True,
        )
        del build
        built = round(time.perf_counter() - t0, 1)
        env = {**os.environ, "DASHBOARD_HOME": str(home)}
        results = []
        for mode in MODES:
            proc = subprocess.run(
                [sys.executable, "-m", "bench.bench_export_memory", "--child", mode],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(results[-1], flush=True)
    by_mode = {r["mode"]: r for r in results}
    summary = {
        "rows": args.rows,
        "store_build_seconds": built,
        "results": results,
        # Peak RSS above the query-only baseline, per mode (MiB).
        "over_query_only_mib": {
            m: round(r["peak_rss_mib"] - by_mode["query_only"]["peak_rss_mib"], 1)
            for m, r in by_mode.items()
        },
        "python": sys.version.split()[0],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
