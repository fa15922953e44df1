"""A small, hand-checkable store and its known answers, for any test that needs numbers.

    from tests.fixtures import build_fixture_store, EXPECTED_DAILY_CSV, FIXTURE_START, ...

    def test_something(home):
        build_fixture_store(home)      # loads tests/fixtures/*.csv through the real ingest
        ...                            # assert the page/export shows the numbers below

The logs (tests/fixtures/requests.csv, appointments.csv) cover the cases of CONTRACT 3:

| request | received (WITA)    | channel  | service | kecamatan   | what happens                          |
|---------|--------------------|----------|---------|-------------|---------------------------------------|
| R01     | Tue 06-02 08:10    | whatsapp | ktp_el  | Paringin    | A01 recorded 06-03                    |
| R02     | 06-02T17:30Z = Wed 06-03 01:30 | WhatsApp | ktp_el | "  paringin " | A02 recorded 06-04, no check-in time (visit falls back to recorded_at) |
| R03     | Tue 06-02 09:00    | walk_in  | ktp_el  | HALONG      | A03 06-03 rescheduled -> A03b recorded 06-05, no recorded_at (recorded_date falls back to visit) |
| R04     | Wed 06-03 10:00    | walk_in  | (empty = ktp_el) | Halong | A04 rejected 06-04 (fever), comes back: A04b recorded 06-08 |
| R05     | Wed 06-03 11:00    | online   | ktp_el  | Juai        | request cancelled 06-05; A05 (06-22) cancelled |
| R06     | Thu 06-04 08:00    | app      | kk      | Paringin    | A06 no-show 06-05                     |
| R07     | Fri 06-05 09:00    | whatsapp | ktp_el  | Juai        | A07 no-show Sat 06-06: stays open     |
| R08     | Sat 06-06 10:00    | whatsapp | ktp_el  | PARINGIN    | no appointment: stays open            |
| R10     | "08/06/2020 08.00" = Mon 06-08 | walk_in | ktp_el | Awayan | A10 checked in 06-09T23:50Z = Wed 06-10 07:50, recorded 06-10 |
| (R99)   | unknown request    |          |         |             | A09 recorded 06-08: an orphan         |

Capacity: Mon 06-01 is Pancasila Day (holiday, 0); Sat 06-06 has an override of 5
("Saturday catch-up"); Sun 06-07 is closed (weekday rule); the default becomes 12 from
Wed 06-10 (effective-dated: earlier days keep 10).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from dashboard import capacity, config, ingest, store
from dashboard.roles import Actor

FIXTURE_DIR = Path(__file__).parent / "fixtures"
FIXTURE_START = date(2020, 6, 1)
FIXTURE_END = date(2020, 6, 10)

#: Who the fixture's capacity changes are recorded as.
FIXTURE_ACTOR = Actor("fixture", "staff")


_template: Path | None = None


def build_fixture_store(home: Path | None = None, *, fresh: bool = False) -> None:
    """Fill the test's DASHBOARD_HOME with the fixture store.

    The first call in a test process loads the fixture logs with the real ingest and sets
    the fixture's capacity rules in a private template home; later calls copy that
    template (the store, its PII key) into `home`, which is ~20x faster. `fresh=True`
    builds directly in `home` instead. `home` defaults to $DASHBOARD_HOME (the `home`
    fixture has set it).
    """
    global _template
    target = Path(home) if home is not None else Path(os.environ["DASHBOARD_HOME"])
    if fresh:
        _build_here()
        return
    if _template is None or not (_template / "dashboard.duckdb").exists():
        template = Path(tempfile.mkdtemp(prefix="dashboard-fixture-"))
        atexit.register(shutil.rmtree, template, True)
        saved = os.environ.get("DASHBOARD_HOME")
        os.environ["DASHBOARD_HOME"] = str(template)
        try:
            _build_here()
        finally:
            if saved is None:
                os.environ.pop("DASHBOARD_HOME", None)
            else:
                os.environ["DASHBOARD_HOME"] = saved
        _template = template
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(_template, target, dirs_exist_ok=True)


def _build_here() -> None:
    """Load the logs through the real ingest and set the capacity rules, in $DASHBOARD_HOME."""
    for name in ("requests.csv", "appointments.csv"):
        ingest.ingest_file(FIXTURE_DIR / name, actor=Actor.cli("fixture"))
    with store.connect() as con:
        capacity.set_override(
            con, date(2020, 6, 6), None, 5, reason="Saturday catch-up", actor=FIXTURE_ACTOR
        )
        capacity.set_default(
            con,
            12,
            reason="second recording desk",
            actor=FIXTURE_ACTOR,
            effective_from=date(2020, 6, 10),
        )


# Hand computation, 2020-06-01 .. 2020-06-10, no filter.
#
# requests by WITA date: 06-02 R01 wa, R03 walk | 06-03 R02 wa, R04 walk, R05 online |
#   06-04 R06 app | 06-05 R07 wa | 06-06 R08 wa | 06-08 R10 walk
# scheduled (not cancelled/rescheduled) by scheduled_date: 06-03 A01 (A03 rescheduled
#   not counted) | 06-04 A02, A04 | 06-05 A03b, A06 | 06-06 A07 | 06-08 A04b, A09
#   (A05 is cancelled and on 06-22 anyway) | 06-10 A10
# checked_in (recorded/rejected) by visit_date: 06-03 A01 | 06-04 A02 (from
#   recorded_at), A04 | 06-05 A03b | 06-08 A04b, A09 | 06-10 A10 (the Z time is 06-10 in
#   WITA, 06-09 in UTC)
# screening_rejected: 06-04 A04
# recorded by recorded_date: 06-03 A01 | 06-04 A02 | 06-05 A03b (from visit) |
#   06-08 A04b, A09 | 06-10 A10
# no_show by scheduled_date: 06-05 A06 | 06-06 A07
# cap: 06-01 holiday 0 | 06-02..05 10 | 06-06 override 5 | 06-07 Sunday 0 | 06-08, 09 10 |
#   06-10 12 (new default)
# utilization = recorded / cap: 06-03..05 1/10 | 06-06 0/5 | 06-08 2/10 | 06-10 1/12 =
#   0.0833 | empty on 06-01 and 06-07 (cap 0)
# backlog_end (ktp_el = all but R06): closes R01 06-03, R02 06-04, R03 06-05, R04 06-08
#   (rejected on 06-04 keeps it open), R05 06-05 (cancelled), R10 06-10; R07, R08 open.
#   06-01 0 | 06-02 R01 R03 = 2 | 06-03 +R02 R04 R05 -R01 = 4 | 06-04 -R02 = 3 |
#   06-05 +R07 -R03 -R05 = 2 | 06-06 +R08 = 3 | 06-07 3 | 06-08 +R10 -R04 = 3 | 06-09 3 |
#   06-10 -R10 = 2
EXPECTED_DAILY_CSV = """\
date,requests,requests_whatsapp,requests_walk_in,requests_online,requests_app,scheduled,checked_in,screening_rejected,recorded,no_show,cap,utilization,backlog_end
2020-06-01,0,0,0,0,0,0,0,0,0,0,0,,0
2020-06-02,2,1,1,0,0,0,0,0,0,0,10,0.0000,2
2020-06-03,3,1,1,1,0,1,1,0,1,0,10,0.1000,4
2020-06-04,1,0,0,0,1,2,2,1,1,0,10,0.1000,3
2020-06-05,1,1,0,0,0,2,1,0,1,1,10,0.1000,2
2020-06-06,1,1,0,0,0,1,0,0,0,1,5,0.0000,3
2020-06-07,0,0,0,0,0,0,0,0,0,0,0,,3
2020-06-08,1,0,1,0,0,2,2,0,2,0,10,0.2000,3
2020-06-09,0,0,0,0,0,0,0,0,0,0,10,0.0000,3
2020-06-10,0,0,0,0,0,1,1,0,1,0,12,0.0833,2
"""

# channel = whatsapp: requests R01 R02 R07 R08; appointments A01 A02 A07 (no orphan).
#   backlog: 06-02 R01 = 1 | 06-03 +R02 -R01 = 1 | 06-04 -R02 = 0 | 06-05 +R07 = 1 |
#   06-06 +R08 = 2 | then 2
EXPECTED_DAILY_CSV_WHATSAPP = """\
date,requests,requests_whatsapp,requests_walk_in,requests_online,requests_app,scheduled,checked_in,screening_rejected,recorded,no_show,cap,utilization,backlog_end
2020-06-01,0,0,0,0,0,0,0,0,0,0,0,,0
2020-06-02,1,1,0,0,0,0,0,0,0,0,10,0.0000,1
2020-06-03,1,1,0,0,0,1,1,0,1,0,10,0.1000,1
2020-06-04,0,0,0,0,0,1,1,0,1,0,10,0.1000,0
2020-06-05,1,1,0,0,0,0,0,0,0,0,10,0.0000,1
2020-06-06,1,1,0,0,0,1,0,0,0,1,5,0.0000,2
2020-06-07,0,0,0,0,0,0,0,0,0,0,0,,2
2020-06-08,0,0,0,0,0,0,0,0,0,0,10,0.0000,2
2020-06-09,0,0,0,0,0,0,0,0,0,0,10,0.0000,2
2020-06-10,0,0,0,0,0,0,0,0,0,0,12,0.0000,2
"""

# kecamatan = " PARINGIN " (odd case and spaces in the filter as well as in the data):
#   requests R01 "Paringin", R02 "  paringin ", R06 "Paringin", R08 "PARINGIN";
#   appointments A01 A02 A06. backlog (ktp_el R01 R02 R08): 06-02 1 | 06-03 +R02 -R01 = 1 |
#   06-04 0 | 06-05 0 | 06-06 +R08 = 1 | then 1
FILTER_KECAMATAN = " PARINGIN "
EXPECTED_DAILY_CSV_PARINGIN = """\
date,requests,requests_whatsapp,requests_walk_in,requests_online,requests_app,scheduled,checked_in,screening_rejected,recorded,no_show,cap,utilization,backlog_end
2020-06-01,0,0,0,0,0,0,0,0,0,0,0,,0
2020-06-02,1,1,0,0,0,0,0,0,0,0,10,0.0000,1
2020-06-03,1,1,0,0,0,1,1,0,1,0,10,0.1000,1
2020-06-04,1,0,0,0,1,1,1,0,1,0,10,0.1000,0
2020-06-05,0,0,0,0,0,1,0,0,0,1,10,0.0000,0
2020-06-06,1,1,0,0,0,0,0,0,0,0,5,0.0000,1
2020-06-07,0,0,0,0,0,0,0,0,0,0,0,,1
2020-06-08,0,0,0,0,0,0,0,0,0,0,10,0.0000,1
2020-06-09,0,0,0,0,0,0,0,0,0,0,10,0.0000,1
2020-06-10,0,0,0,0,0,0,0,0,0,0,12,0.0000,1
"""

# service = kk: request R06 (app, 06-04), appointment A06 (no-show 06-05). The backlog is
# about ktp_el only, so it is empty (not applicable) under this filter.
EXPECTED_DAILY_CSV_KK = """\
date,requests,requests_whatsapp,requests_walk_in,requests_online,requests_app,scheduled,checked_in,screening_rejected,recorded,no_show,cap,utilization,backlog_end
2020-06-01,0,0,0,0,0,0,0,0,0,0,0,,
2020-06-02,0,0,0,0,0,0,0,0,0,0,10,0.0000,
2020-06-03,0,0,0,0,0,0,0,0,0,0,10,0.0000,
2020-06-04,1,0,0,0,1,0,0,0,0,0,10,0.0000,
2020-06-05,0,0,0,0,0,1,0,0,0,1,10,0.0000,
2020-06-06,0,0,0,0,0,0,0,0,0,0,5,0.0000,
2020-06-07,0,0,0,0,0,0,0,0,0,0,0,,
2020-06-08,0,0,0,0,0,0,0,0,0,0,10,0.0000,
2020-06-09,0,0,0,0,0,0,0,0,0,0,10,0.0000,
2020-06-10,0,0,0,0,0,0,0,0,0,0,12,0.0000,
"""

# service = ktp_el: everything but R06/A06 and the orphan A09 (a filtered view).
#   Differences from no filter: 06-04 requests 0 (R06 gone) | 06-05 scheduled 1,
#   no_show 0 (A06 gone) | 06-08 scheduled 1, checked_in 1, recorded 1, utilization 0.1
#   (A09 gone). The backlog is the same as without a filter.
EXPECTED_DAILY_CSV_KTP_EL = """\
date,requests,requests_whatsapp,requests_walk_in,requests_online,requests_app,scheduled,checked_in,screening_rejected,recorded,no_show,cap,utilization,backlog_end
2020-06-01,0,0,0,0,0,0,0,0,0,0,0,,0
2020-06-02,2,1,1,0,0,0,0,0,0,0,10,0.0000,2
2020-06-03,3,1,1,1,0,1,1,0,1,0,10,0.1000,4
2020-06-04,0,0,0,0,0,2,2,1,1,0,10,0.1000,3
2020-06-05,1,1,0,0,0,1,1,0,1,0,10,0.1000,2
2020-06-06,1,1,0,0,0,1,0,0,0,1,5,0.0000,3
2020-06-07,0,0,0,0,0,0,0,0,0,0,0,,3
2020-06-08,1,0,1,0,0,1,1,0,1,0,10,0.1000,3
2020-06-09,0,0,0,0,0,0,0,0,0,0,10,0.0000,3
2020-06-10,0,0,0,0,0,1,1,0,1,0,12,0.0833,2
"""

#: Capacity calendar of the fixture, `capacity show` style.
EXPECTED_CALENDAR = [
    ("2020-06-01", 0, "holiday"),
    ("2020-06-02", 10, "default"),
    ("2020-06-03", 10, "default"),
    ("2020-06-04", 10, "default"),
    ("2020-06-05", 10, "default"),
    ("2020-06-06", 5, "override"),
    ("2020-06-07", 0, "weekday"),
    ("2020-06-08", 10, "default"),
    ("2020-06-09", 10, "default"),
    ("2020-06-10", 12, "default"),
]

# Lead times of requests received 06-01..06-10 (first appointment = earliest
# scheduled_date of any status): R01 06-02->06-03 1 | R02 06-03->06-04 1 |
# R03 06-02->06-03 (the rescheduled A03) 1 | R04 06-03->06-04 1 | R05 06-03->06-22 19 |
# R06 06-04->06-05 1 | R07 06-05->06-06 1 | R10 06-08->06-10 2 | R08 has none.
# Sorted [1,1,1,1,1,1,2,19]: median (interpolated) = 1; p90 at position 0.9*7 = 6.3:
# 2 + 0.3*(19-2) = 7.1; within 14 days: 7 of 8 = 0.875.
EXPECTED_LEAD_TIMES = [(1, 6), (2, 1), (19, 1)]
EXPECTED_LEAD_SUMMARY = {"median": 1.0, "p90": 7.1, "share_within_14": 0.875, "n": 8}

# Period 06-01..06-10, no filter: checked_in 1+2+1+2+1 = 7, rejected 1, recorded 6,
# no-show 2, scheduled 9; rejection rate 1/7; no-show rate 2/(2+7) = 2/9.
EXPECTED_RATES = {
    "checked_in": 7,
    "screening_rejected": 1,
    "recorded": 6,
    "no_show": 2,
    "scheduled": 9,
    "rejection_rate": 1 / 7,
    "no_show_rate": 2 / 9,
}

# Open at the end of 06-10: R07 (received 06-05, 5 days) and R08 (06-06, 4 days).
# At the end of 06-25 the same two are 20 and 19 days old.
EXPECTED_AGES_0610 = [("0-7", 2), ("8-14", 0), ("15-30", 0), ("31-60", 0), (">60", 0)]
EXPECTED_AGES_0625 = [("0-7", 0), ("8-14", 0), ("15-30", 2), ("31-60", 0), (">60", 0)]

# Screening rejections: A04, fever, visit 06-04 (week of Monday 06-01).
EXPECTED_REJECTIONS = [("2020-06-04", "fever", 1)]
EXPECTED_REJECTIONS_WEEK = [("2020-06-01", "fever", 1)]


def run_cli(*args: str) -> bytes:
    """`python -m dashboard ARGS` as a real subprocess (under the current DASHBOARD_HOME);
    its standard output. Fails the test on a non-zero exit."""
    import subprocess
    import sys

    from dashboard import config

    done = subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        capture_output=True,
        cwd=config.PROJECT_ROOT,
        check=True,
    )
    return done.stdout


def run_process(
    home: Path, *args: str, stdin: str | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    """`python -m dashboard ARGS` as a real subprocess with `DASHBOARD_HOME=home`: what a
    shell or a nightly job sees (exit status, stdout and stderr as text)."""
    env = {**os.environ, "DASHBOARD_HOME": str(home)}
    env.pop("DASHBOARD_DEBUG", None)  # a traceback instead of the one line would hide bugs
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=config.PROJECT_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
