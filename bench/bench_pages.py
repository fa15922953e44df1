"""How fast is each page's data with 1M requests + 1M appointments in the store? (issue 3)

Requirement: each page's queries together finish within 1 s warm and 3 s cold, and no
chart receives more than 5,000 rows.

For every page (app.py overview, throughput, backlog, screening, channels, data_quality,
capacity, exports) this replays exactly the dashboard calls the page makes through
`cache.call(...)` on its first load with the default view (last 30 days ending at the
latest data date, no filters, an analyst or admin so every section shows): the
`page_setup` reads (data version + `queries.store_info`) and then the page's own calls.
Each call runs on its own fresh store connection, as `cache._cached_call` does.

- cold: a fresh Python process per repetition, the page's calls once (the OS file cache
  is warm from earlier runs; DuckDB's buffer cache is empty). Imports are timed apart.
- warm (uncached): the same calls a second time in the same process. Because every
  call opens and closes its own connection, DuckDB's buffers do not survive between
  calls either, so this is close to cold minus first-call costs.
- warm (with cache.py): what a Streamlit rerun costs when `st.cache_data` serves the
  results: one `store.data_version` read on a fresh connection.

A same-process baseline (`SELECT count(*) FROM appointments` on a fresh connection,
run before and after the page's calls) gives ratios that survive a busy machine.

The store is `bench_export`'s (`bench/out/export_home/`: five years, 1M + 1M rows),
rebuilt first when its schema predates the code's migrations. Writes `bench/out/pages.json`. Run: `python -m bench.bench_pages
[--reps N] [--rebuild] [--only PAGE ...]` from the project root.
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
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
RESULT = OUT_DIR / "pages.json"

WARM_BUDGET_S = 1.0
COLD_BUDGET_S = 3.0
MAX_CHART_ROWS = 5_000
PAGES = (
    "overview",
    "throughput",
    "backlog",
    "screening",
    "channels",
    "data_quality",
    "capacity",
    "exports",
)


_SCHEMA_SQL = "SELECT table_name, column_name FROM information_schema.columns"


def _expected_schema() -> set[tuple[str, str]]:
    """Tables and columns the code's migrations create (run on an empty in-memory DB)."""
    import duckdb

    from dashboard import store

    with duckdb.connect(":memory:", config=dict(store._CONFIG)) as con:
        for _version, sql in store.MIGRATIONS:
            con.execute(sql)
        return set(con.execute(_SCHEMA_SQL).fetchall())


def build_store(rebuild: bool = False) -> Path:
    """The 1M + 1M store of `bench_export` (shared with it), rebuilt when its schema
    lacks a table or column the migrations now create (a read-only open never migrates,
    and a migration may have been revised since the store was built)."""
    import duckdb

    from bench import bench_export

    path = bench_export.HOME / "dashboard.duckdb"
    if path.exists() and not rebuild:
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                have = set(con.execute(_SCHEMA_SQL).fetchall())
            rebuild = not _expected_schema() <= have
        except duckdb.Error:
            rebuild = True
    return bench_export.build_store(rebuild)


# ---------------------------------------------------------------- the pages' calls


class Recorder:
    """Runs dashboard calls as cache.call would (fresh connection each) and times them."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.calls: list[tuple[str, float]] = []
        self.chart_rows: dict[str, int] = {}

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from dashboard import store

        began = time.perf_counter()
        with store.connect(self.db) as con:
            result = fn(con, *args, **kwargs)
        self.calls.append(
            (f"{fn.__module__.split('.')[-1]}.{fn.__qualname__}", time.perf_counter() - began)
        )
        return result

    def chart(self, name: str, frame: Any) -> None:
        self.chart_rows[name] = max(self.chart_rows.get(name, 0), len(frame))


VIEWS = ("default", "busy")


def _context(rec: Recorder, view: str) -> dict[str, Any]:
    """What ui.page_setup computes for the default view (last 30 days, no filters).

    "default" counts back from the latest data date as the dashboard does; in this
    store that is the last check-in, 40 days after the last request, so its 30 days
    hold appointments only. "busy" counts back from the last request instead: the same
    queries over 30 days where both logs have rows (the heavier, more typical case).
    """
    from dashboard import capacity, metrics, queries, store, ui

    began = time.perf_counter()
    with store.connect(rec.db) as con:
        store.data_version(con)
    rec.calls.append(("store.data_version", time.perf_counter() - began))
    facts = rec.call(queries.store_info)
    today = capacity.office_today()
    anchor = ui.anchor_date(today, facts["last_date"])
    if view == "busy":
        with store.connect(rec.db) as con:
            anchor = con.execute("SELECT max(received_date) FROM requests").fetchone()[0]
    start, end = ui.resolve_range(ui.DEFAULT_PERIOD, anchor)
    return {"start": start, "end": end, "filters": metrics.NO_FILTERS, "today": today}


def _banners(rec: Recorder, ctx: dict[str, Any]) -> None:
    """`ui.alert_banners`: the missed targets of the page's period (one cached call that
    the overview, backlog, screening, throughput and data-quality pages share)."""
    from dashboard import targets

    rec.call(targets.evaluate, ctx["start"], ctx["end"], filters=ctx["filters"], today=ctx["today"])


def _overview(rec: Recorder, ctx: dict[str, Any]) -> None:
    from dashboard import metrics, ui

    start, end, f = ctx["start"], ctx["end"], ctx["filters"]
    prev_start, _prev_end = ui.previous_range(start, end)
    _banners(rec, ctx)
    # One daily query over both periods: the tiles (dashboard/overview.py) come from it.
    both = rec.call(metrics.daily, prev_start, end, f)
    rec.chart("overview_throughput", both.iloc[len(both) - ((end - start).days + 1) :])


def _throughput(rec: Recorder, ctx: dict[str, Any]) -> None:
    from dashboard import charts, metrics

    _banners(rec, ctx)

    daily = rec.call(metrics.daily, ctx["start"], ctx["end"], ctx["filters"])
    rec.chart("throughput_daily", daily)
    rec.chart("throughput_requests_by_channel", range(len(daily) * len(charts.CHANNELS)))
    rec.chart("throughput_weekly", charts.period_rollup(daily, "week"))
    rec.chart("throughput_monthly", charts.period_rollup(daily, "month"))
    rec.chart("throughput_weekday", charts.weekday_summary(daily))


def _backlog(rec: Recorder, ctx: dict[str, Any]) -> None:
    from dashboard import metrics

    _banners(rec, ctx)

    start, end, f = ctx["start"], ctx["end"], ctx["filters"]
    daily = rec.call(metrics.daily, start - timedelta(days=1), end, f)
    rec.chart("backlog_daily", daily.iloc[1:])
    rec.chart("backlog_ages", rec.call(metrics.open_request_ages, end, f))
    current = rec.call(metrics.project_clearance, end, f)
    rec.chart("backlog_projection", current.series)
    summary = rec.call(metrics.lead_time_summary, start, end, f)
    if summary["n"]:
        rec.chart("backlog_lead_times", rec.call(metrics.lead_times, start, end, f))


def _screening(rec: Recorder, ctx: dict[str, Any]) -> None:
    from dashboard import metrics, queries

    _banners(rec, ctx)

    start, end, f = ctx["start"], ctx["end"], ctx["filters"]
    grain = "day" if (end - start).days + 1 <= 31 else "week"
    rec.chart("screening_funnel", rec.call(queries.screening_funnel, start, end, f))
    rates = rec.call(metrics.rates, start, end, f)
    rec.call(queries.screening_checks, start, end, f)
    if rates["rejection_rate"] is not None:
        series = rec.call(queries.rejection_rate_series, start, end, f, grain)
        rec.chart("screening_rejection_rate", series)
    reasons = rec.call(metrics.rejections_by_reason, start, end, f, grain)
    rec.chart("screening_reasons", reasons)
    rec.chart("screening_temperature", rec.call(queries.temperature_bins, start, end, f))


def _channels(rec: Recorder, ctx: dict[str, Any]) -> None:
    from dashboard import queries

    start, end, f = ctx["start"], ctx["end"], ctx["filters"]
    grain = "day" if (end - start).days + 1 <= 31 else "week"
    rec.chart("channels_share", rec.call(queries.channel_share, start, end, f, grain))
    rec.chart("channels_outcomes", rec.call(queries.channel_outcomes, start, end, f))
    rec.chart("channels_lead_times", rec.call(queries.lead_time_by_channel, start, end, f))
    rec.chart("channels_kecamatan", rec.call(queries.kecamatan_channel, start, end, f))


def _data_quality(rec: Recorder, ctx: dict[str, Any]) -> None:
    from dashboard import ingest, queries

    _banners(rec, ctx)

    rec.call(queries.import_history, 200)
    orphans = rec.call(ingest.orphan_count)
    warnings = rec.call(ingest.consistency_warning_count)
    quarantined = rec.call(queries.quarantine_count)
    if quarantined:
        rec.call(queries.quarantine_imports)
        rec.call(queries.quarantine_summary, None)
        rec.call(queries.quarantine_rows, limit=50, offset=0)
    # The page lists these only when their counts are non-zero (none in this store);
    # they are run anyway so the figure is the page's worst case.
    del orphans, warnings
    rec.call(ingest.orphan_appointments, 200)
    rec.call(ingest.consistency_warnings, 200)


def _capacity(rec: Recorder, ctx: dict[str, Any]) -> None:
    from dashboard import capacity, metrics

    start = ctx["today"]
    end = start + timedelta(days=7 * 8 - 1)
    rec.call(capacity.calendar, start, end)
    rec.call(metrics.daily, start, end, metrics.NO_FILTERS)
    rec.call(capacity.holidays_between, start, end)
    rec.call(capacity.audit, 200)
    # A "preview" click adds the clearance projection before and after a new cap.
    as_of = min(ctx["today"], ctx["end"])
    rec.call(metrics.project_clearance, as_of, metrics.NO_FILTERS)
    rec.call(metrics.project_clearance, as_of, metrics.NO_FILTERS, 20)


def _exports(rec: Recorder, ctx: dict[str, Any]) -> None:
    from dashboard import exports, roles

    actor = roles.Actor("bench_analyst", "analyst")
    for kind in exports.ROW_KINDS:
        rec.call(exports.count_rows, actor, kind, ctx["start"], ctx["end"], ctx["filters"])


PAGE_CALLS: dict[str, Callable[[Recorder, dict[str, Any]], None]] = {
    "overview": _overview,
    "throughput": _throughput,
    "backlog": _backlog,
    "screening": _screening,
    "channels": _channels,
    "data_quality": _data_quality,
    "capacity": _capacity,
    "exports": _exports,
}


def _baseline(db: str) -> float:
    import duckdb

    from dashboard import store

    began = time.perf_counter()
    con = duckdb.connect(db, config=dict(store._CONFIG))
    try:
        con.execute("SELECT count(*) FROM appointments").fetchone()
    finally:
        con.close()
    return time.perf_counter() - began


def _run_page(page: str, db: str, view: str) -> dict[str, Any]:
    rec = Recorder(db)
    began = time.perf_counter()
    ctx = _context(rec, view)
    PAGE_CALLS[page](rec, ctx)
    total = time.perf_counter() - began
    return {
        "total_s": total,
        "calls": [[name, round(s, 4)] for name, s in rec.calls],
        "chart_rows": rec.chart_rows,
        "range": [str(ctx["start"]), str(ctx["end"])],
    }


def child(page: str, db: str, view: str) -> dict[str, Any]:
    """One process: imports, a cold run, a warm (uncached) run, the cached-rerun cost."""
    began = time.perf_counter()
    import duckdb  # noqa: F401 - timed: the page process pays for it once
    import pandas  # noqa: F401

    from dashboard import capacity, charts, exports, ingest, metrics, queries, store  # noqa: F401

    imports_s = time.perf_counter() - began
    cold_base = _baseline(db)
    cold = _run_page(page, db, view)
    warm = _run_page(page, db, view)
    warm_base = _baseline(db)
    version_s = []
    for _ in range(5):
        t = time.perf_counter()
        with store.connect(db) as con:
            store.data_version(con)
        version_s.append(time.perf_counter() - t)
    return {
        "imports_s": imports_s,
        "baseline_cold_s": cold_base,
        "baseline_warm_s": warm_base,
        "cold": cold,
        "warm": warm,
        "cached_rerun_s": statistics.median(version_s),
    }


def _spawn(page: str, db: Path, view: str) -> dict[str, Any]:
    env = {**os.environ, "DASHBOARD_HOME": str(db.parent), "PYTHONPATH": str(ROOT)}
    env.pop("DASHBOARD_DEBUG", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_pages",
            "--child",
            page,
            "--db",
            str(db),
            "--view",
            view,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"page {page} failed: {done.stderr[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def _slowest(runs: list[dict[str, Any]], which: str) -> list[list[Any]]:
    """Median seconds per call position, slowest first (calls are the same each run)."""
    names = [n for n, _ in runs[0][which]["calls"]]
    per = [statistics.median(r[which]["calls"][i][1] for r in runs) for i in range(len(names))]
    return sorted(([n, round(s, 4)] for n, s in zip(names, per, strict=True)), key=lambda x: -x[1])


def _summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    cold = _median([r["cold"]["total_s"] for r in runs])
    warm = _median([r["warm"]["total_s"] for r in runs])
    base_cold = _median([r["baseline_cold_s"] for r in runs])
    base_warm = _median([r["baseline_warm_s"] for r in runs])
    chart_rows = runs[0]["cold"]["chart_rows"]
    max_rows = max(chart_rows.values(), default=0)
    return {
        "cold_s": cold,
        "warm_uncached_s": warm,
        "warm_cached_rerun_s": _median([r["cached_rerun_s"] for r in runs]),
        "imports_s": _median([r["imports_s"] for r in runs]),
        "baseline_cold_s": base_cold,
        "baseline_warm_s": base_warm,
        "cold_ratio": round(cold / base_cold, 1),
        "warm_ratio": round(warm / base_warm, 1),
        "max_chart_rows": max_rows,
        "chart_rows": chart_rows,
        "meets_cold": cold <= COLD_BUDGET_S,
        "meets_warm": warm <= WARM_BUDGET_S,
        "meets_rows": max_rows <= MAX_CHART_ROWS,
        "cold_all_s": [round(r["cold"]["total_s"], 4) for r in runs],
        "warm_all_s": [round(r["warm"]["total_s"], 4) for r in runs],
        "slowest_cold_calls": _slowest(runs, "cold")[:5],
        "slowest_warm_calls": _slowest(runs, "warm")[:5],
        "range": runs[0]["cold"]["range"],
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="fresh processes per page (default 5)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store")
    parser.add_argument("--only", nargs="+", choices=PAGES, help="measure only these pages")
    parser.add_argument("--child", choices=PAGES, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--view", choices=VIEWS, default="default", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.child, args.db, args.view)))
        return {}

    saved_home = os.environ.get("DASHBOARD_HOME")
    try:
        path = build_store(args.rebuild)
    finally:
        if saved_home is None:
            os.environ.pop("DASHBOARD_HOME", None)
        else:
            os.environ["DASHBOARD_HOME"] = saved_home
    _spawn("overview", path, "busy")  # one throw-away run: the file is in the OS cache from now on

    pages: dict[str, Any] = {}
    for page in args.only or PAGES:
        for view in VIEWS:
            runs = [_spawn(page, path, view) for _ in range(args.reps)]
            pages[f"{page}/{view}"] = _summarise(runs)
            p = pages[f"{page}/{view}"]
            print(
                f"  {page}/{view}: cold {p['cold_s']:.3f} s, warm {p['warm_uncached_s']:.3f} s, "
                f"max chart rows {p['max_chart_rows']}",
                flush=True,
            )

    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed names
            for t in ("requests", "appointments")
        }
    result = {
        "bench": "pages",
        "what": "each page's dashboard calls (default view: last 30 days), cold and warm",
        "store": str(path.relative_to(ROOT)),
        "rows": counts,
        "reps": args.reps,
        "budget": {"warm_s": WARM_BUDGET_S, "cold_s": COLD_BUDGET_S, "chart_rows": MAX_CHART_ROWS},
        "meets_target": all(
            p["meets_cold"] and p["meets_warm"] and p["meets_rows"] for p in pages.values()
        ),
        "pages": pages,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print(
        f"\npages over {counts['requests']:,} requests + {counts['appointments']:,} appointments "
        f"(median of {args.reps} fresh processes; budget warm {WARM_BUDGET_S:.0f} s, cold "
        f"{COLD_BUDGET_S:.0f} s, {MAX_CHART_ROWS:,} chart rows)"
    )
    header = f"{'page/view':<21} {'cold s':>7} {'x base':>7} {'warm s':>7} {'x base':>7} {'cached':>7} {'rows':>6}  ok"
    print(header)
    for page, p in pages.items():
        ok = "yes" if p["meets_cold"] and p["meets_warm"] and p["meets_rows"] else "NO"
        print(
            f"{page:<21} {p['cold_s']:>7.3f} {p['cold_ratio']:>7.1f} {p['warm_uncached_s']:>7.3f} "
            f"{p['warm_ratio']:>7.1f} {p['warm_cached_rerun_s']:>7.3f} {p['max_chart_rows']:>6}  {ok}"
        )
    print(f"  wrote {RESULT.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
