"""Ingest speed and memory against two baselines, on the logs of `bench/gen_large.py`.

`python -m bench.bench_ingest` (it runs `bench/gen_large.py` first when the logs are
missing) measures, in one run,
each step as its own subprocess so start-up and peak memory are counted the same way:

(a) bare DuckDB: `CREATE TABLE t AS SELECT * FROM read_csv(file)` into a fresh file;
(b) ours: `python -m dashboard ingest FILE` into a fresh store (validation, hashing of
    NIK/phone, quarantine, ledger: everything an office import does);
(c) plain pandas: `read_csv`, parse the timestamps, insert into DuckDB.

Each step runs `--reps` times (default 3), interleaved; the median run counts.
Prints a table and writes `bench/out/ingest.json`. Targets (the brief): ours <= 2x (a),
pandas/ours >= 1.5, ours peak RSS < 1.5 GB. Measurements are noisy on a shared machine:
run it when nothing else is busy, and compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
FILES = {"requests": OUT / "requests_large.csv", "appointments": OUT / "appointments_large.csv"}
TS_COLUMNS = {
    "requests": ["received_at", "cancelled_at"],
    "appointments": ["scheduled_date", "checked_in_at", "recorded_at"],
}

BARE = """
import sys, duckdb
con = duckdb.connect(sys.argv[2])
# The files hold a few ragged lines on purpose: keep them out as DuckDB would.
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, delim=',', header=true, store_rejects=true)", [sys.argv[1]])
print(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
"""

PANDAS = """
import sys, duckdb, pandas as pd
cols = sys.argv[3].split(",")
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, na_values=[""], on_bad_lines="skip")
for c in cols:
    s = df[c]
    # ISO first (offsets to UTC), then the day-first forms offices write.
    out = pd.to_datetime(s, format="ISO8601", errors="coerce", utc=True).dt.tz_convert("Asia/Makassar").dt.tz_localize(None)
    for fmt in ("%d/%m/%Y %H.%M", "%d-%m-%Y %H:%M", "%d/%m/%Y"):
        todo = out.isna() & s.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
    df[c] = out
con = duckdb.connect(sys.argv[2])
con.register("df_in", df)
con.execute("CREATE TABLE t AS SELECT * FROM df_in")
print(len(df))
"""


def run(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a child; wall seconds and its own peak RSS (os.wait4 gives per-child usage)."""
    out_path, err_path = OUT / "child.out", OUT / "child.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        # Reap it ourselves: wait4 returns this child's own rusage (ru_maxrss in KiB).
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text().strip()
    if proc.returncode != 0:
        last = err_path.read_text().strip().splitlines()[-1:]
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({proc.returncode}): {last}")
    return {
        "seconds": round(seconds, 2),
        # CPU time is the fairer yardstick when other work shares the machine.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "stdout": stdout.splitlines()[-1:] if stdout else [],
    }


def fresh(path: Path) -> Path:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    return path


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (its CPU and memory with it), and all times."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return ordered[len(ordered) // 2] | {"all_seconds": [r["seconds"] for r in runs]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="runs of each step (median)")
    reps = parser.parse_args(argv).reps
    if not all(path.exists() for path in FILES.values()):
        from bench import gen_large

        print("generating the 1M-row logs first (bench/gen_large.py, about a minute)")
        gen_large.main([])
    py = sys.executable
    env = dict(os.environ, DASHBOARD_HOME=str(OUT / "bench_home"))
    results: dict[str, dict] = {}
    for kind, path in FILES.items():
        runs: dict[str, list[dict]] = {"bare": [], "ours": [], "pandas": []}
        for _ in range(reps):  # interleaved, so a busy spell hits all three alike
            runs["bare"].append(
                run([py, "-c", BARE, str(path), str(fresh(OUT / f"bare_{kind}.duckdb"))])
            )
            # Every import into a fresh store; appointments into one that already holds
            # the requests (untimed), as an office loads them, so the orphan, warning and
            # close-date work joins against a million requests.
            home = fresh(OUT / "bench_home")
            home.mkdir(parents=True)
            if kind == "appointments":
                run([py, "-m", "dashboard", "ingest", str(FILES["requests"])], env=env)
            runs["ours"].append(
                run([py, "-m", "dashboard", "ingest", str(path), "--kind", kind], env=env)
            )
            runs["pandas"].append(
                run(
                    [
                        py,
                        "-c",
                        PANDAS,
                        str(path),
                        str(fresh(OUT / f"pandas_{kind}.duckdb")),
                        ",".join(TS_COLUMNS[kind]),
                    ]
                )
            )
        bare, ours, pandas = (median_run(runs[k]) for k in ("bare", "ours", "pandas"))
        results[kind] = {
            "rows": sum(1 for _ in path.open("rb")) - 1,
            "bare_duckdb": bare,
            "ours": ours,
            "pandas": pandas,
            "ours_over_bare": round(ours["seconds"] / bare["seconds"], 2),
            "pandas_over_ours": round(pandas["seconds"] / ours["seconds"], 2),
            "cpu_ours_over_bare": round(ours["cpu_seconds"] / bare["cpu_seconds"], 2),
            "cpu_pandas_over_ours": round(pandas["cpu_seconds"] / ours["cpu_seconds"], 2),
        }
    total = {
        k: round(sum(results[kind][k]["seconds"] for kind in FILES), 2)
        for k in ("bare_duckdb", "ours", "pandas")
    }
    cpu = {
        k: round(sum(results[kind][k]["cpu_seconds"] for kind in FILES), 2)
        for k in ("bare_duckdb", "ours", "pandas")
    }
    summary = {
        "total_seconds": total,
        "ours_over_bare": round(total["ours"] / total["bare_duckdb"], 2),
        "pandas_over_ours": round(total["pandas"] / total["ours"], 2),
        "total_cpu_seconds": cpu,
        "cpu_ours_over_bare": round(cpu["ours"] / cpu["bare_duckdb"], 2),
        "cpu_pandas_over_ours": round(cpu["pandas"] / cpu["ours"], 2),
        "ours_peak_rss_mb": max(results[k]["ours"]["peak_rss_mb"] for k in FILES),
        "targets": {"ours_over_bare": "<= 2", "pandas_over_ours": ">= 1.5", "rss_mb": "< 1536"},
        "load_average_at_end": os.getloadavg(),
        "cpus": os.cpu_count(),
        "reps": reps,
    }
    report = {"files": results, "summary": summary}
    (OUT / "ingest.json").write_text(json.dumps(report, indent=2))
    print(
        f"{'file':13} {'clock':6} {'bare s':>7} {'ours s':>7} {'pandas s':>8} "
        f"{'ours/bare':>9} {'pandas/ours':>11} {'ours RSS MB':>11}"
    )
    for kind, r in results.items():
        for clock, key, pre in (("wall", "seconds", ""), ("cpu", "cpu_seconds", "cpu_")):
            print(
                f"{kind:13} {clock:6} {r['bare_duckdb'][key]:>7} {r['ours'][key]:>7} "
                f"{r['pandas'][key]:>8} {r[pre + 'ours_over_bare']:>9} "
                f"{r[pre + 'pandas_over_ours']:>11} {r['ours']['peak_rss_mb']:>11}"
            )
    print(json.dumps(summary))
    for kind in FILES:
        print(f"ours {kind}: {results[kind]['ours']['stdout']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
