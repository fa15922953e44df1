"""Demo data: a simulated Balangan e-KTP office, reproducible from a seed.

`python -m dashboard demo` and `init` (first `make run`) load it so a fresh installation
shows something real-looking. The story it tells, from Monday 8 June 2020:

- residents of the eight kecamatan ask for a recording slot, mostly by WhatsApp (~70%,
  any day and hour), the rest at the counter (walk-in / titip berkas, working days, office
  hours); an online form opens on 28 September 2020 and adds demand;
- demand is above the daily cap, so a queue (backlog) builds; each working day the
  office fills that day's slots in queue order (queue number = order of arrival);
- the cap is 10, raised to 15 from 3 August 2020 ("tambahan petugas"), Fridays drop to
  8 from 4 September; the office is closed at weekends, on national holidays (the
  capacity calendar) and on cuti bersama / disinfection days (overrides), and opens one
  Saturday for first-time voters before the Pilkada (an override);
- at the door a health screen turns ~6% away (fever most often, with temperatures of
  37.5-38.5 °C); some come back after isolation; ~10% do not show up; some reschedule
  or withdraw their request; a few requests are for other services (KK, akta).

Everything random comes from one `numpy.random.Generator(seed)`, never global state, so
the same seed gives the same rows. NIK and phone numbers are visibly fake (NIK `9999...`,
no province has code 99; phones `08000...`); ingest hashes them anyway.

How demo data is marked, and removed (`remove_demo`, `python -m dashboard demo remove`):
`meta.demo = 'true'` (the banner on every page), imports named `demo seed ...`, and
capacity rules and overrides whose reason ends in ` [demo]`. Removal deletes the rows of
those imports (requests, appointments, quarantine, warnings, the ledger rows), the demo
capacity rules and overrides, and the demo user accounts, and clears the mark. The
capacity audit log is append-only (CONTRACT 2), so its demo rows stay and each removed
rule gets one more row saying it was removed, by whom and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd

from dashboard import roles, store

DEMO_START = date(2020, 6, 8)
DEMO_DAYS = 180
DEMO_SEED = 2020

#: Kecamatan of Kabupaten Balangan -> (share of requests, nearness to the office in
#: Paringin; walk-ins come mostly from near by).
KECAMATAN: dict[str, tuple[float, float]] = {
    "Paringin": (0.21, 1.0),
    "Paringin Selatan": (0.12, 0.9),
    "Lampihong": (0.15, 0.6),
    "Batumandi": (0.13, 0.5),
    "Juai": (0.12, 0.4),
    "Halong": (0.13, 0.3),
    "Awayan": (0.09, 0.6),
    "Tebing Tinggi": (0.05, 0.2),
}

SERVICES: dict[str, float] = {
    "ktp_el": 0.88,
    "kk": 0.05,
    "akta_lahir": 0.04,
    "pindah": 0.02,
    "akta_mati": 0.01,
}

ONLINE_FROM = date(2020, 9, 28)

# Mean requests per day by channel (before the online form opens).
_WA_WEEKDAY, _WA_WEEKEND, _WALK_IN, _ONLINE = 8.5, 4.0, 3.6, 1.6

_P_RESCHEDULE = 0.04
_P_CANCEL = 0.02
_P_NO_SHOW = 0.10
_P_REJECT = 0.065
_P_WITHDRAW = 0.04
_REJECT_REASONS = {
    "fever": 0.55,
    "symptoms": 0.20,
    "no_mask": 0.15,
    "no_handwash": 0.03,
    "other": 0.07,
}
# Chance that someone turned away at the door asks for a new slot, and after how many days.
_COME_BACK = {
    "fever": (0.65, 14),
    "symptoms": (0.6, 14),
    "no_mask": (0.9, 1),
    "no_handwash": (0.9, 1),
    "other": (0.5, 3),
}


@dataclass(frozen=True)
class CapChange:
    """One capacity change the demo office made, recorded through capacity.py."""

    kind: str  # default | weekday | override
    cap: int
    reason: str
    first: date
    last: date | None = None  # overrides: the end of the range
    weekday: int | None = None  # ISO weekday for weekday rules


CAP_PLAN: tuple[CapChange, ...] = (
    CapChange("default", 15, "tambahan petugas perekaman (2 operator baru)", date(2020, 8, 3)),
    CapChange("override", 0, "cuti bersama Tahun Baru Islam", date(2020, 8, 21)),
    CapChange("weekday", 8, "Jumat: jam layanan lebih pendek", date(2020, 9, 4), weekday=5),
    CapChange("override", 0, "kantor ditutup: penyemprotan disinfektan", date(2020, 9, 22)),
    CapChange("override", 20, "pelayanan Sabtu untuk pemilih pemula (Pilkada)", date(2020, 10, 10)),
    CapChange(
        "override", 0, "cuti bersama Maulid Nabi", date(2020, 10, 28), last=date(2020, 10, 30)
    ),
)


class DemoError(ValueError):
    """Demo data cannot be loaded (e.g. the store already holds data)."""


@dataclass
class DemoSummary:
    start: date
    end: date
    days: int
    seed: int
    requests: int
    appointments: int
    cap_changes: int
    imports: list[Any] = field(default_factory=list)


# --- the capacity calendar --------------------------------------------------------------


def plan_caps(start: date, end: date) -> dict[date, int]:
    """The cap per day under CAP_PLAN, computed without a store (for `generate` alone).

    The same rules as capacity.py (override > holiday > weekday > default); `load_demo`
    uses the store's own calendar instead, and a test checks the two agree.
    """
    import holidays as holidays_pkg

    years = range(start.year, end.year + 1)
    closed = set(holidays_pkg.country_holidays("ID", years=years))
    caps: dict[date, int] = {}
    day = start
    while day <= end:
        cap = 10
        for change in CAP_PLAN:
            if change.kind == "default" and day >= change.first:
                cap = change.cap
        if day.isoweekday() in (6, 7):
            cap = 0
        for change in CAP_PLAN:
            if (
                change.kind == "weekday"
                and day >= change.first
                and day.isoweekday() == change.weekday
            ):
                cap = change.cap
        if day in closed:
            cap = 0
        for change in CAP_PLAN:
            if change.kind == "override" and change.first <= day <= (change.last or change.first):
                cap = change.cap
        caps[day] = cap
        day += timedelta(days=1)
    return caps


# --- the simulation ---------------------------------------------------------------------


@dataclass
class _Request:
    seq: int
    request_id: str
    received_at: datetime
    channel: str
    service: str
    kecamatan: str
    phone: str | None
    nik: str | None
    withdraw_on: date | None  # the day the person withdraws, if they will
    cancelled_at: datetime | None = None
    closed: bool = False
    not_before: date | None = None


def _at(day: date, minutes: float) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=int(minutes))


def generate(
    days: int = DEMO_DAYS,
    seed: int = DEMO_SEED,
    start: date = DEMO_START,
    caps: Mapping[date, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate `days` days from `start`; return (requests, appointments) frames whose
    columns are the contract's names. `caps` maps each day (through a couple of weeks
    past the end, for the next bookings) to its cap; default: `plan_caps`."""
    from dashboard import ingest  # the contract's column order (ingest.INPUT_COLUMNS)

    if days < 1:
        raise DemoError(f"--days must be 1 or more, not {days}")
    end = start + timedelta(days=days - 1)
    horizon = end + timedelta(days=21)
    if caps is None:
        caps = plan_caps(start, horizon)
    rng = np.random.default_rng(seed)

    names = list(KECAMATAN)
    weight = np.array([KECAMATAN[k][0] for k in names])
    p_any = weight / weight.sum()
    p_near = weight * np.array([KECAMATAN[k][1] for k in names]) ** 2
    p_near = p_near / p_near.sum()
    services = list(SERVICES)
    p_service = np.array(list(SERVICES.values()))
    p_service = p_service / p_service.sum()
    reasons = list(_REJECT_REASONS)
    p_reason = np.array(list(_REJECT_REASONS.values()))
    p_reason = p_reason / p_reason.sum()

    requests: list[_Request] = []
    queue: list[_Request] = []  # open ktp_el requests waiting for a slot, in arrival order
    appointments: list[dict[str, Any]] = []

    def draw_request(day: date, channel: str) -> _Request:
        if channel == "walk_in":
            minutes = rng.uniform(8 * 60, 14 * 60 + 30)
            kec = names[rng.choice(len(names), p=p_near)]
        else:
            # WhatsApp and the web form: any hour, busiest in the morning and evening.
            minutes = rng.choice([rng.normal(9.5 * 60, 80), rng.normal(19.5 * 60, 90)])
            minutes = float(np.clip(minutes, 6 * 60, 22 * 60 + 30))
            kec = names[rng.choice(len(names), p=p_any)]
        service = services[rng.choice(len(services), p=p_service)]
        roll = rng.random()
        if roll < 0.02:
            kec = kec.upper()  # typed as staff type it; the store compares case-insensitively
        elif roll < 0.03:
            kec = f" {kec.lower()} "
        has_phone = channel != "walk_in" or rng.random() < 0.7
        has_nik = channel == "walk_in" or rng.random() < 0.85
        withdraw_on = None
        if service == "ktp_el" and rng.random() < _P_WITHDRAW:
            withdraw_on = day + timedelta(days=int(rng.integers(2, 45)))
        return _Request(
            seq=0,
            request_id="",
            received_at=_at(day, minutes),
            channel=channel,
            service=service,
            kecamatan=kec,
            phone="" if has_phone else None,
            nik="" if has_nik else None,
            withdraw_on=withdraw_on,
        )

    def admit(req: _Request) -> None:
        """Give the next queue number, in order of arrival, and the (fake) IDs."""
        req.seq = seq = len(requests) + 1
        req.request_id = f"P{seq:06d}"
        req.phone = f"08000{seq:07d}" if req.phone is not None else None
        req.nik = f"9999{seq:012d}" if req.nik is not None else None
        requests.append(req)
        if req.service == "ktp_el":
            queue.append(req)
        else:
            req.closed = True  # other services are handled at the counter, not by slot

    def add_appointment(req: _Request, day: date, status: str, **visit: Any) -> None:
        appointments.append(
            {
                "appointment_id": f"J{len(appointments) + 1:06d}",
                "request_id": req.request_id,
                "queue_number": req.seq,
                "scheduled_date": day,
                "status": status,
                "checked_in_at": visit.get("checked_in_at"),
                "temperature_c": visit.get("temperature_c"),
                "mask": visit.get("mask"),
                "handwash": visit.get("handwash"),
                "rejection_reason": visit.get("rejection_reason"),
                "recorded_at": visit.get("recorded_at"),
            }
        )

    def requeue(req: _Request, day: date) -> None:
        req.not_before = day
        queue.append(req)
        queue.sort(key=lambda r: r.seq)  # a returning person keeps their place in the queue

    def withdraw(req: _Request, day: date) -> None:
        req.cancelled_at = _at(day, rng.uniform(8 * 60, 20 * 60))
        req.closed = True

    def book(day: date, cap: int) -> list[_Request]:
        """Today's slots, in queue order, for people who asked before today."""
        chosen: list[_Request] = []
        for req in queue:
            if len(chosen) >= cap:
                break
            if req.received_at.date() >= day or (req.not_before and req.not_before > day):
                continue
            chosen.append(req)
        for req in chosen:
            queue.remove(req)
        return chosen

    day = start
    while day <= end:
        cap = int(caps.get(day, 0))
        weekend = day.isoweekday() >= 6
        # Withdrawals first: someone who withdraws today does not take today's slot.
        for req in list(queue):
            if req.withdraw_on is not None and req.withdraw_on <= day:
                queue.remove(req)
                withdraw(req, day)
        growth = 1.0 + 0.15 * (day - start).days / 180  # word of mouth: demand creeps up
        n_wa = rng.poisson((_WA_WEEKEND if weekend else _WA_WEEKDAY) * growth)
        n_walk = rng.poisson(_WALK_IN * growth) if cap > 0 else 0
        n_online = (
            rng.poisson(_ONLINE * min(1.0, (day - ONLINE_FROM).days / 30 + 0.3))
            if day >= ONLINE_FROM
            else 0
        )
        if cap > 0:
            booked = book(day, cap)
            slot_minutes = (14 * 60 - 8 * 60) / max(cap, 1)
            for slot, req in enumerate(booked):
                roll = rng.random()
                if roll < _P_RESCHEDULE:
                    add_appointment(req, day, "rescheduled")
                    requeue(req, day + timedelta(days=int(rng.integers(3, 11))))
                    continue
                if roll < _P_RESCHEDULE + _P_CANCEL:
                    # Cancelled by message that morning: the request is withdrawn too.
                    add_appointment(req, day, "cancelled")
                    req.cancelled_at = _at(day, rng.uniform(6 * 60, 8 * 60))
                    req.closed = True
                    continue
                if roll < _P_RESCHEDULE + _P_CANCEL + _P_NO_SHOW:
                    add_appointment(req, day, "no_show")
                    if rng.random() < 0.6:
                        requeue(req, day + timedelta(days=int(rng.integers(5, 15))))
                    else:
                        req.withdraw_on = day + timedelta(days=int(rng.integers(14, 31)))
                        requeue(req, req.withdraw_on + timedelta(days=1))
                    continue
                arrive = 8 * 60 + slot * slot_minutes + rng.normal(0, 12)
                checked_in = _at(day, float(np.clip(arrive, 7 * 60 + 30, 14 * 60 + 30)))
                temp = round(float(np.clip(rng.normal(36.45, 0.25), 35.8, 37.3)), 1)
                mask = bool(rng.random() < 0.97)
                handwash = bool(rng.random() < 0.98)
                if rng.random() < _P_REJECT:
                    reason = reasons[rng.choice(len(reasons), p=p_reason)]
                    if reason == "fever":
                        temp = round(float(rng.uniform(37.5, 38.5)), 1)
                    elif reason == "no_mask":
                        mask = False
                    elif reason == "no_handwash":
                        handwash = False
                    add_appointment(
                        req,
                        day,
                        "rejected",
                        checked_in_at=checked_in,
                        temperature_c=temp,
                        mask=mask,
                        handwash=handwash,
                        rejection_reason=reason,
                    )
                    chance, wait = _COME_BACK[reason]
                    if rng.random() < chance:
                        requeue(req, day + timedelta(days=wait))
                    continue
                # Passed the screen: record (people without a mask get one at the door).
                recorded = checked_in + timedelta(minutes=int(rng.integers(8, 26)))
                add_appointment(
                    req,
                    day,
                    "recorded",
                    checked_in_at=checked_in,
                    temperature_c=temp,
                    mask=True,
                    handwash=True,
                    recorded_at=recorded,
                )
                req.closed = True
        # Requests arriving today join the back of the queue (booked from tomorrow on).
        arrivals = [
            draw_request(day, channel)
            for channel, n in (("whatsapp", n_wa), ("walk_in", n_walk), ("online", n_online))
            for _ in range(int(n))
        ]
        for req in sorted(arrivals, key=lambda r: r.received_at):
            admit(req)
        day += timedelta(days=1)

    # The next working day is already booked: those rows are still `scheduled`.
    nxt = end + timedelta(days=1)
    while nxt <= horizon and int(caps.get(nxt, 0)) == 0:
        nxt += timedelta(days=1)
    if nxt <= horizon:
        for req in book(nxt, int(caps[nxt])):
            add_appointment(req, nxt, "scheduled")

    req_frame = pd.DataFrame(
        {
            "request_id": [r.request_id for r in requests],
            "received_at": pd.to_datetime([r.received_at for r in requests]),
            "channel": [r.channel for r in requests],
            "service": [r.service for r in requests],
            "kecamatan": [r.kecamatan for r in requests],
            "phone": pd.array([r.phone for r in requests], dtype="string"),
            "nik": pd.array([r.nik for r in requests], dtype="string"),
            "cancelled_at": pd.to_datetime([r.cancelled_at for r in requests]),
        },
        columns=list(ingest.INPUT_COLUMNS["requests"]),
    )
    app_frame = pd.DataFrame(appointments, columns=list(ingest.INPUT_COLUMNS["appointments"]))
    app_frame = app_frame.astype(
        {
            "queue_number": "Int64",
            "temperature_c": "Float64",
            "mask": "boolean",
            "handwash": "boolean",
            "rejection_reason": "string",
        }
    )
    for column in ("checked_in_at", "recorded_at"):
        app_frame[column] = pd.to_datetime(app_frame[column])
    app_frame["scheduled_date"] = pd.to_datetime(app_frame["scheduled_date"]).dt.date
    return req_frame, app_frame


# --- loading ----------------------------------------------------------------------------

_DATA_TABLES = ("requests", "appointments", "imports", "capacity_rules", "capacity_overrides")
#: What `load_demo` names its imports and appends to its capacity reasons.
DEMO_SOURCE_PREFIX = "demo seed "
DEMO_REASON_SUFFIX = " [demo]"


def _is_empty(con: Any) -> bool:
    for table in _DATA_TABLES:  # fixed allow-list: identifiers, not values
        if con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:  # noqa: S608
            return False
    return True


def store_is_empty() -> bool:
    """True when the store holds no logs, imports or capacity rules (demo may load)."""
    with store.connect() as con:
        return _is_empty(con)


def _apply_plan(con: Any, start: date, end: date, actor: roles.Actor) -> int:
    from dashboard import capacity

    applied = 0
    for change in CAP_PLAN:
        if not start <= change.first <= end:
            continue
        reason = f"{change.reason}{DEMO_REASON_SUFFIX}"
        if change.kind == "default":
            capacity.set_default(
                con, change.cap, reason=reason, actor=actor, effective_from=change.first
            )
        elif change.kind == "weekday":
            capacity.set_weekday(
                con,
                change.weekday,
                change.cap,
                reason=reason,
                actor=actor,
                effective_from=change.first,
            )
        else:
            capacity.set_override(
                con, change.first, change.last, change.cap, reason=reason, actor=actor
            )
        applied += 1
    return applied


def load_demo(
    con: Any = None,
    days: int = DEMO_DAYS,
    seed: int = DEMO_SEED,
    actor: roles.Actor | None = None,
    start: date = DEMO_START,
) -> DemoSummary:
    """Fill an empty store with demo data and mark it as demo (`meta.demo = 'true'`).

    The capacity changes go through capacity.py (audited), the simulation follows the
    store's own capacity calendar, and the rows go through `ingest.ingest_table` like
    any import. `con` (optional) is a writable store connection to use for the checks
    and capacity changes; by default one is opened. Raises DemoError on a non-empty store.
    """
    from dashboard import capacity, ingest

    actor = actor or roles.Actor.cli("demo")
    roles.require(actor, "import")
    if days < 1:
        raise DemoError(f"days must be 1 or more, not {days}")
    end = start + timedelta(days=days - 1)
    horizon = end + timedelta(days=21)

    def prepare(c: Any) -> tuple[int, dict[date, int]]:
        if not _is_empty(c):
            raise DemoError(
                "the store already holds data; demo data only loads into an empty store "
                f"(move {store.config.db_path()} aside first)"
            )
        capacity.ensure_holidays(c, range(start.year, horizon.year + 1))
        applied = _apply_plan(c, start, end, actor)
        frame = capacity.calendar(c, start, horizon)
        caps = {_as_date(d): int(cap) for d, cap in zip(frame["date"], frame["cap"], strict=True)}
        return applied, caps

    if con is None:
        with store.connect() as own:
            applied, caps = prepare(own)
    else:
        applied, caps = prepare(con)
    requests, appointments = generate(days, seed, start, caps)
    source = f"{DEMO_SOURCE_PREFIX}{seed}, {start.isoformat()} +{days} days"
    results = [
        ingest.ingest_table(requests, "requests", source_name=f"{source} (requests)", actor=actor),
        ingest.ingest_table(
            appointments, "appointments", source_name=f"{source} (appointments)", actor=actor
        ),
    ]

    def mark(c: Any) -> None:
        with store.transaction(c):
            store.set_meta(c, "demo", "true")
            store.bump_data_version(c)

    if con is None:
        with store.connect() as own:
            mark(own)
    else:
        mark(con)
    return DemoSummary(
        start=start,
        end=end,
        days=days,
        seed=seed,
        requests=len(requests),
        appointments=len(appointments),
        cap_changes=applied,
        imports=results,
    )


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def describe(summary: DemoSummary) -> str:
    """One line for the terminal."""
    return (
        f"demo data (DATA DEMO, not real people): {summary.requests} requests and "
        f"{summary.appointments} appointments, {summary.start.isoformat()} to "
        f"{summary.end.isoformat()}, seed {summary.seed}, {summary.cap_changes} capacity changes"
    )


# --- removing ---------------------------------------------------------------------------

#: Tables whose rows belong to an import (fixed allow-list: identifiers, not values).
_IMPORT_TABLES = ("appointments", "requests", "quarantine", "import_warnings", "imports")
_REMOVED_REASON = "demo data removed (python -m dashboard demo remove)"


@dataclass
class RemoveSummary:
    requests: int
    appointments: int
    imports: int
    cap_changes: int
    users: list[str]


def _remove_from_store(con: Any, actor: roles.Actor) -> tuple[int, int, int, int]:
    from datetime import UTC

    demo_imports = [
        row[0]
        for row in con.execute(
            "SELECT import_id FROM imports WHERE starts_with(file_name, ?)", [DEMO_SOURCE_PREFIX]
        ).fetchall()
    ]
    counts = {
        table: con.execute(
            f"SELECT count(*) FROM {table} WHERE list_contains(?, import_id)",  # noqa: S608
            [demo_imports],
        ).fetchone()[0]
        for table in ("requests", "appointments")
    }
    for table in _IMPORT_TABLES:
        con.execute(
            f"DELETE FROM {table} WHERE list_contains(?, import_id)",  # noqa: S608
            [demo_imports],
        )
    # Closures are derived from requests and appointments: rebuild them whole.
    con.execute("DELETE FROM request_closures")
    store.refresh_closed_dates(con, "all")

    pattern = f"%{DEMO_REASON_SUFFIX}"
    removed = con.execute(
        "SELECT 'default' AS kind, scope, weekday, effective_from, NULL, cap "
        "FROM capacity_rules WHERE reason LIKE ? "
        "UNION ALL SELECT 'override', 'override', NULL, date_from, date_to, cap "
        "FROM capacity_overrides WHERE reason LIKE ? ORDER BY 4",
        [pattern, pattern],
    ).fetchall()
    con.execute("DELETE FROM capacity_rules WHERE reason LIKE ?", [pattern])
    con.execute("DELETE FROM capacity_overrides WHERE reason LIKE ?", [pattern])
    from dashboard import capacity

    now = datetime.now(UTC)
    for _, scope, weekday, first, last, cap in removed:
        if scope == "default":
            where = f"default from {first.isoformat()}"
        elif scope == "weekday":
            where = f"weekday:{capacity.WEEKDAYS[int(weekday) - 1]} from {first.isoformat()}"
        elif last is None or last == first:
            where = f"date:{first.isoformat()}"
        else:
            where = f"range:{first.isoformat()}..{last.isoformat()}"
        # Append-only audit (CONTRACT 2): the demo's own rows stay; this one says it went.
        con.execute(
            "INSERT INTO capacity_audit VALUES (nextval('capacity_seq'), ?, ?, ?, ?, ?, ?)",
            [now, actor.username, where, str(cap), "removed", _REMOVED_REASON],
        )
    store.set_meta(con, "demo", "false")
    store.bump_data_version(con)
    return counts["requests"], counts["appointments"], len(demo_imports), len(removed)


def remove_demo(actor: roles.Actor | None = None) -> RemoveSummary:
    """Remove the demo data and the demo user accounts (see the module docstring).

    Data imported besides the demo, and capacity changes made by people, stay. Safe to
    run on a store without demo data (it then only removes demo accounts, if any).
    """
    from dashboard import users

    actor = actor or roles.Actor.cli("demo")
    roles.require(actor, "import")
    roles.require(actor, "capacity")
    roles.require(actor, "users")
    # Accounts first: a refusal there (e.g. `demo_admin` is the only admin) changes nothing.
    removed_users = users.remove_demo_users(actor=actor)
    with store.connect() as con, store.transaction(con):
        counts = _remove_from_store(con, actor)
    return RemoveSummary(*counts, users=removed_users)


def describe_removal(summary: RemoveSummary) -> str:
    """One line for the terminal."""
    accounts = ", ".join(summary.users) or "none"
    return (
        f"demo data removed: {summary.requests} requests, {summary.appointments} "
        f"appointments, {summary.imports} imports, {summary.cap_changes} capacity changes "
        f"(kept in the capacity audit log); demo users removed: {accounts}"
    )
