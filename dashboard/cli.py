"""`python -m dashboard ...`: the command line for scripts, nightly jobs and analysts.

The commands and their options are those of CONTRACT.md section 5 plus `init` (the
first-run set-up `make run` calls), `backup`/`restore` (dashboard/backup.py) and
`template` (blank workbooks to fill in, dashboard/templates.py). Every failure is one line on stderr (`error: ...`)
and a non-zero exit, never a traceback: a nightly job's log should say what to fix.

Import cost matters: `export daily` is benchmarked against a bare Python process that
runs one DuckDB query (bench/bench_export.py). So this module imports only the standard
library at the top, and each command imports the modules it needs when it runs; the
`users` commands (which pull in bcrypt and streamlit-authenticator) are only registered
when `users` is the command being run.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

CHANNELS = ("whatsapp", "walk_in", "online", "app")
KINDS = ("requests", "appointments", "register")

#: Weekday names the command line accepts -> ISO weekday (1 = Monday).
WEEKDAYS: dict[str, int] = {
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
    "sunday": 7,
    "senin": 1,
    "selasa": 2,
    "rabu": 3,
    "kamis": 4,
    "jumat": 5,
    "sabtu": 6,
    "minggu": 7,
}
_WEEKDAY_ALIASES = {"jum'at": "jumat", "ahad": "minggu"}
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CliError(Exception):
    """A failure the user can fix; its text is the one line printed after `error:`."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line, not usage plus message."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see `{self.prog} --help`)\n")


# --- argument types -------------------------------------------------------------------


def parse_date(text: str) -> date:
    """A command-line date: strictly `YYYY-MM-DD` (never day-first guessing)."""
    value = text.strip()
    if not _ISO_DATE.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def parse_weekday(text: str) -> int:
    """`monday` .. `sunday` or `senin` .. `minggu` (any case) -> ISO weekday 1..7."""
    key = text.strip().lower()
    key = _WEEKDAY_ALIASES.get(key, key)
    if key not in WEEKDAYS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a weekday; use monday..sunday or senin..minggu"
        )
    return WEEKDAYS[key]


def parse_cap(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"the cap must be 0 or more, not {value}")
    return value


def parse_positive(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


_MONTH_ARG = re.compile(r"(\d{4})-(\d{2})")
_WEEK_ARG = re.compile(r"(\d{4})-[Ww](\d{2})")


def parse_month(text: str) -> tuple[int, int]:
    """`YYYY-MM` -> (year, month); `2020-13` is refused."""
    match = _MONTH_ARG.fullmatch(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month; use YYYY-MM, e.g. 2020-07")
    return int(match[1]), int(match[2])


def parse_week(text: str) -> tuple[int, int]:
    """`YYYY-Www` (ISO week) -> (year, week); a week the year lacks is refused."""
    match = _WEEK_ARG.fullmatch(text.strip())
    try:
        if not match:
            raise ValueError
        date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO week; use YYYY-Www, e.g. 2020-W28"
        ) from None
    return int(match[1]), int(match[2])


def _default_user() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"


def _actor(name: str | None):  # -> roles.Actor (imported lazily)
    from dashboard.roles import Actor

    return Actor.cli(name or _default_user())


# --- commands ---------------------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace) -> int:
    from dashboard import ingest, mapping

    actor = _actor(args.user)
    columns = None
    if args.mapping:
        try:
            columns = mapping.load_file(args.mapping)
        except mapping.MappingError as exc:
            raise CliError(f"--mapping {_one_line(exc)}") from None
    refused = 0
    for name in args.files:
        path = Path(name)
        try:
            if not path.is_file():
                raise CliError("no such file" if not path.exists() else "not a file")
            results = ingest.ingest_path(
                path,
                args.kind,
                actor=actor,
                sheets=args.sheet,
                columns=columns,
                dry_run=args.dry_run,
            )
        except (ingest.IngestError, CliError, OSError) as exc:
            refused += 1
            _error(f"{name}: refused: {_one_line(exc)}")
            continue
        except Exception as exc:
            # A busy store or a database error on one file: report it, try the next file.
            refused += 1
            _error(f"{name}: not imported: {_one_line(exc)}")
            continue
        for result in results:
            if isinstance(result, ingest.SheetSkipped):
                print(f"{name} [{result.sheet}]: skipped: {_one_line(result.reason)}", flush=True)
                continue
            label = name + result.file_name[len(path.name) :]  # the sheet, if any: `[Juni]`
            print(_ingest_line(label, result), flush=True)
    if args.dry_run:
        print("dry run: nothing was saved")
    if len(args.files) > 1:
        print(f"{len(args.files) - refused} of {len(args.files)} files imported")
    return EXIT_FAILED if refused else EXIT_OK


def _ingest_line(name: str, result) -> str:
    # a register's two parts are named `book.xlsx [Juni] (requests)` already
    part = "" if name.endswith(f"({result.kind})") else f" ({result.kind})"
    line = (
        f"{name}{part}: read {result.rows_read}, inserted {result.inserted}, "
        f"updated {result.updated}, unchanged {result.unchanged}, "
        f"quarantined {result.quarantined}"
    )
    extras = []
    if getattr(result, "orphans", 0):
        extras.append(f"orphans {result.orphans}")
    if getattr(result, "warnings", 0):
        extras.append(f"warnings {result.warnings}")
    if extras:
        line += " (" + ", ".join(extras) + ")"
    if result.quarantined:
        line += "; quarantined rows are listed on the data-quality page (Kualitas Data)"
    # CONTRACT 1.4: the columns the import did not use are named (their cells are not kept)
    if getattr(result, "ignored", None):
        line += "; ignored: " + ", ".join(result.ignored)
    if getattr(result, "skipped", ""):
        line += f"; skipped: {result.skipped}"  # a register's title, blank and total rows
    return line


def cmd_ingest_whatsapp(args: argparse.Namespace) -> int:
    """WhatsApp chat exports as requests (README "WhatsApp chats"): every proposal saved.

    Files are named by `whatsapp_import.chat_label` (the other party masked): a nightly
    job's log must not hold the residents' numbers or names."""
    from dashboard import whatsapp_import

    actor = _actor(args.user)
    paths: list[Path] = []
    missing = 0
    for name in args.paths:
        path = Path(name)
        if path.exists():
            paths.append(path)
        else:
            missing += 1
            _error(f"{whatsapp_import.chat_label(name)}: refused: no such file or folder")
    office = None
    if args.office:
        try:
            office = whatsapp_import.parse_office(",".join(args.office))
        except whatsapp_import.WhatsAppImportError as exc:
            raise CliError(f"--office: {_one_line(exc)}") from None
    found = whatsapp_import.find(paths, office=office, window_days=args.window_days)
    for line in found.refused:
        _error(line)
    for line in found.problems:
        print(line, flush=True)
    refused = missing + len(found.refused)
    if not found.chats:
        raise CliError("no chat could be read" if refused else "no chat export found")
    print(
        f"read {len(found.chats)} chat{'s' if len(found.chats) != 1 else ''}, "
        f"{found.messages} messages" + (f"; {refused} files refused" if refused else ""),
        flush=True,
    )
    result = whatsapp_import.save(
        [*found.proposals, *found.stored],
        actor=actor,
        source_name=found.source_name(),
        dry_run=args.dry_run,
    )
    print(_ingest_line(result.file_name, result), flush=True)
    print(f"likely: {found.likely} of {len(found.proposals)} proposals", flush=True)
    if found.dismissed:
        print(f"left out: {found.dismissed} unticked in an earlier review (not requests)")
    if args.dry_run:
        print("dry run: nothing was saved")
    return EXIT_FAILED if refused else EXIT_OK


def cmd_export_daily(args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise CliError(f"--end {args.end} is before --start {args.start}")
    if args.out and not Path(args.out).resolve().parent.is_dir():
        raise CliError(f"--out {args.out}: the folder {Path(args.out).parent} does not exist")
    from dashboard import metrics, store

    filters = metrics.Filters.single(args.channel, args.kecamatan, args.service)
    with store.connect(read_only=True) as con:
        text = metrics.daily_csv(con, args.start, args.end, filters)
    rows = max(text.count("\n") - 1, 0)
    # Logged before anything leaves the process: an export that cannot be logged is not made.
    _audit_export(args, rows)
    if args.out:
        out = Path(args.out)
        tmp = out.with_name(out.name + ".part")
        # Written beside the target and renamed: a reader never sees half a file.
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, out)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if args.out:
        print(f"wrote {rows} days to {args.out}", file=sys.stderr)
    return EXIT_OK


def _audit_export(args: argparse.Namespace, rows: int) -> None:
    """CONTRACT 4: every export is logged (who, when, what, how many rows).

    The same row `exports.daily_csv_bytes` writes for the page's download (what
    `daily_metrics`, `exports.filters_json(filters, start, end)`), written here directly:
    importing `dashboard.exports` loads pandas and numpy, which would double the cost of
    the benchmarked `export daily` (tests/test_cli.py checks the two rows agree).
    """
    from dashboard import store

    actor = _actor(args.user)
    with store.connect() as con:
        con.execute(
            "INSERT INTO export_audit VALUES (nextval('export_seq'), now(), ?, ?, ?, ?, ?, ?)",
            [actor.username, actor.role, "daily_metrics", _filters_json(args), "csv", int(rows)],
        )


def _filters_json(args: argparse.Namespace) -> str:
    """`exports.filters_json(Filters.single(...), start, end)` without importing exports."""
    import json

    data = {
        "channels": [args.channel] if args.channel else [],
        "kecamatan": [args.kecamatan] if args.kecamatan else [],
        "services": [args.service] if args.service else [],
        "start": args.start.isoformat(),
        "end": args.end.isoformat(),
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def cmd_capacity_set(args: argparse.Namespace) -> int:
    from dashboard import capacity, store

    actor = _actor(args.user)
    reason = args.reason.strip()
    if args.to is not None and args.date_from is None:
        raise CliError("--to needs --from")
    if args.effective is not None and (args.date is not None or args.date_from is not None):
        raise CliError("--effective applies to --default and --weekday only")
    with store.connect() as con:
        if args.default:
            capacity.set_default(
                con, args.cap, reason=reason, actor=actor, effective_from=args.effective
            )
            scope = "default cap"
        elif args.weekday is not None:
            capacity.set_weekday(
                con,
                args.weekday,
                args.cap,
                reason=reason,
                actor=actor,
                effective_from=args.effective,
            )
            scope = f"cap on {WEEKDAY_NAMES[args.weekday - 1]}s"
        elif args.date is not None:
            capacity.set_override(con, args.date, args.date, args.cap, reason=reason, actor=actor)
            scope = f"cap on {args.date}"
        else:
            if args.to is None:
                raise CliError("--from needs --to")
            capacity.set_override(
                con, args.date_from, args.to, args.cap, reason=reason, actor=actor
            )
            scope = f"cap from {args.date_from} to {args.to}"
    when = ""
    if args.default or args.weekday is not None:
        when = f" from {args.effective}" if args.effective else " from today"
    print(f"{scope} set to {args.cap}{when} (by {actor.username}: {reason})")
    return EXIT_OK


def cmd_capacity_show(args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise CliError(f"--end {args.end} is before --start {args.start}")
    from dashboard import capacity, store

    with store.connect(read_only=True) as con:
        frame = capacity.calendar(con, args.start, args.end)
        lines = ["date,cap,source"]
        for day, cap, source in frame[["date", "cap", "source"]].itertuples(index=False):
            lines.append(f"{_iso(day)},{int(cap)},{source}")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def _iso(value) -> str:
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    return value.isoformat()


def cmd_demo(args: argparse.Namespace) -> int:
    from dashboard import demo

    if args.action == "remove":
        print(demo.describe_removal(demo.remove_demo(_actor(args.user))))
        return EXIT_OK
    summary = demo.load_demo(None, days=args.days, seed=args.seed, actor=_actor(args.user))
    print(demo.describe(summary))
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from dashboard import capacity, pii, store, users

    did_something = False
    # Demo data belongs to the installation's first set-up only: an office that moved the
    # demo store aside to load its own logs must not get the demo back on the next run.
    marker = _home() / ".initialized"
    first_setup = not marker.exists()
    pii.load_key()
    # The sign-in cookie key too, now rather than on the first page load of the server.
    from dashboard import auth

    auth.cookie_key()
    with store.connect() as con:
        capacity.ensure_holidays(con, range(2015, date.today().year + 3))
    password = users.ensure_first_admin()
    if password:
        did_something = True
        _banner(
            "Admin user created (shown ONCE; write it down, then change it: "
            "python -m dashboard users passwd admin)",
            ["  username: admin", f"  password: {password}"],
        )
    if first_setup and not args.no_demo:
        from dashboard import demo

        if demo.store_is_empty():
            summary = demo.load_demo(None, actor=_actor(None))
            demo_users = users.create_demo_users()
            did_something = True
            rows = [f"  {demo.describe(summary)}"]
            rows += [
                f"  {name:<14} role {role:<8} password {pw}"
                for name, (role, pw) in sorted(demo_users.items())
            ]
            _banner("DEMO data loaded (simulated office, not real people) and demo users:", rows)
    marker.write_text("set up by `python -m dashboard init`; demo data only before this\n")
    if not did_something:
        print("already set up: nothing to do")
    else:
        print(f"home: {os.fspath(_home())}")
    return EXIT_OK


def _home() -> Path:
    from dashboard import config

    return config.home()


def cmd_backup(args: argparse.Namespace) -> int:
    from dashboard import backup

    made = backup.create(Path(args.out) if args.out else None)
    counts = made.manifest["counts"]
    print(
        f"backup written to {made.path} (schema {made.manifest['schema_version']}; "
        f"{counts.get('requests', 0)} requests, {counts.get('appointments', 0)} appointments, "
        f"{counts.get('capacity_audit', 0)} capacity changes, {counts.get('users', 0)} users); "
        "secrets/pii.key is not in it: keep your own copy of that file"
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from dashboard import backup

    done = backup.restore(Path(args.file))
    counts = done.manifest["counts"]
    kept = f"; the store before is kept as {done.kept_aside}" if done.kept_aside else ""
    print(
        f"restored {args.file} (made {done.manifest['created_at']}; "
        f"{counts.get('requests', 0)} requests, {counts.get('appointments', 0)} appointments)"
        + kept
    )
    if done.key_matches is False or (
        done.key_matches is None and done.manifest.get("pii_key_fingerprint")
    ):
        print(
            "note: this installation's secrets/pii.key is not the one the backup was made "
            "with; put that file back, or people imported from now on will not link to "
            "earlier rows",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise CliError(f"--out {args.out}: name the file .xlsx (it is an Excel workbook)")
    if out.is_dir():
        raise CliError(f"--out {args.out} is a folder; name a file")
    if out.exists() and not args.force:
        raise CliError(f"{args.out} exists already; use --force to replace it")
    if not out.resolve().parent.is_dir():
        raise CliError(f"--out {args.out}: the folder {out.parent} does not exist")
    from dashboard import templates

    names = _store_kecamatan()
    data = templates.build(args.kind, names)
    tmp = out.with_name(out.name + ".part")
    # Written beside the target and renamed: no half-written workbook under its name.
    tmp.write_bytes(data)
    os.replace(tmp, out)
    listed = f"{len(names)} kecamatan in its list" if names else "no kecamatan list"
    print(f"wrote the {args.kind} template to {args.out} ({listed})")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """The heads' monthly (or weekly) report as a PDF (README "The monthly report")."""
    if args.weekly and args.week is None:
        raise CliError("--weekly needs --week YYYY-Www, e.g. --week 2020-W28")
    if args.week is not None and not args.weekly:
        raise CliError("--week is for the weekly report: add --weekly")
    if args.month is None and not args.weekly:
        raise CliError("name the month: --month YYYY-MM (or --weekly --week YYYY-Www)")
    if args.out is not None:
        out = Path(args.out)
        if out.suffix.lower() != ".pdf":
            raise CliError(f"--out {args.out}: name the file .pdf (the report is a PDF)")
        if out.is_dir():
            raise CliError(f"--out {args.out} is a folder; name a file")
        if not out.resolve().parent.is_dir():
            raise CliError(f"--out {args.out}: the folder {out.parent} does not exist")
    from dashboard import report, settings, store

    settings.apply_timezone_from_store()  # "today" (a future month) is the office's
    try:
        if args.weekly:
            period = report.week_period(*args.week)
            if args.month is not None:
                month = report.month_period(*args.month)
                if period.end < month.start or period.start > month.end:
                    raise CliError(f"week {period.code} is not in the month {month.code}")
        else:
            period = report.month_period(*args.month)
    except report.ReportError as exc:
        raise CliError(str(exc)) from None
    out = Path(args.out) if args.out else Path(report.filename(period, args.lang))
    with store.connect() as con:
        data = report.build(con, period, actor=_actor(args.user), lang=args.lang)
    tmp = out.with_name(out.name + ".part")
    # Written beside the target and renamed: a mail job never sends half a file.
    tmp.write_bytes(data)
    os.replace(tmp, out)
    kind = "monthly" if period.kind == "month" else "weekly"
    print(f"wrote the {kind} report for {period.code} to {out} ({len(data):,} bytes)")
    return EXIT_OK


def _store_kecamatan() -> list[str]:
    """The store's kecamatan for the template's drop-down, read-only; none when there is
    no store yet. A store that cannot be read costs the list, not the template."""
    from dashboard import config

    if not config.db_path().is_file():
        return []
    try:
        from dashboard import settings, store

        with store.connect(read_only=True, timeout=10) as con:
            return settings.template_kecamatan(con)  # the office's list when set
    except Exception as exc:  # noqa: BLE001 - the template is useful without the list
        print(
            f"note: no kecamatan list: the store could not be read ({_describe(exc)})",
            file=sys.stderr,
        )
        return []


# --- targets and office settings (issue 11: dashboard/targets.py, dashboard/settings.py) ---

EXIT_STORE = 2  # `check`: the store could not be read (cron tells it from "missed")
CHECK_DAYS = 28
CHECK_MAX_DAYS = 1830


def cmd_check(args: argparse.Namespace) -> int:
    """Print each missed target in one line; 1 if any, 0 (and one line) if none."""
    import duckdb

    from dashboard import capacity, store, targets

    if args.days > CHECK_MAX_DAYS:
        raise CliError(f"--days must be at most {CHECK_MAX_DAYS}, not {args.days}")
    end = args.date or capacity.office_today()
    start, end = targets.period_ending(end, args.days)
    try:
        with store.connect(read_only=True) as con:
            alerts = targets.evaluate(con, start, end)
    except (store.StoreBusy, store.StoreUnusable, store.StoreDiskFull, duckdb.Error) as exc:
        _error(_describe(exc))
        return EXIT_STORE
    for alert in alerts:
        print(f"{alert.key}: {alert.message(args.lang)}")
    if alerts:
        return EXIT_FAILED
    from dashboard import i18n

    print(i18n.t("check.ok", args.lang, start=start.isoformat(), end=end.isoformat()))
    return EXIT_OK


def cmd_settings_show(args: argparse.Namespace) -> int:
    from dashboard import config, settings, store

    with store.connect(read_only=True) as con:
        office = settings.office(con)
        is_set = settings.is_set(con)
    for field in settings.FIELDS:
        value = getattr(office, field)
        text = ", ".join(value) if isinstance(value, tuple) else value
        print(f"{field}: {text}{'' if is_set[field] else ' (default)'}")
    print(f"time zone in force: {config.office_tz()} (DASHBOARD_TZ, when set, wins)")
    return EXIT_OK


def cmd_settings_set(args: argparse.Namespace) -> int:
    from dashboard import settings, store

    changes = {
        field: getattr(args, field) for field in settings.FIELDS if getattr(args, field) is not None
    }
    if not changes:
        raise CliError(
            "name a setting to change: --name, --regency, --address, --timezone, --kecamatan "
            "or --whatsapp"
        )
    actor = _actor(args.user)
    with store.connect() as con:
        before = settings.office(con)
        settings.set_office(con, actor, reason=args.reason, **changes)
        after = settings.office(con)
    changed = [f for f in settings.FIELDS if getattr(before, f) != getattr(after, f)]
    if not changed:
        print("nothing changed: the values are those already saved")
    else:
        print(
            f"office settings changed: {', '.join(changed)} (by {actor.username}: "
            f"{' '.join(args.reason.split())})"
        )
    return EXIT_OK


def cmd_targets_show(args: argparse.Namespace) -> int:
    from dashboard import store, targets

    with store.connect(read_only=True) as con:
        values = targets.current(con)
    for key in targets.KEYS:
        low, high = targets.RANGES[key]
        source = "default" if values["is_default"][key] else "set"
        value = targets._threshold(key, values[key]).removeprefix("<= ")
        print(f"{key} = {value} ({source}; accepted {low:g}-{high:g})")
    return EXIT_OK


def cmd_targets_set(args: argparse.Namespace) -> int:
    from dashboard import store, targets

    actor = _actor(args.user)
    with store.connect() as con:
        targets.set_target(con, actor, args.key, args.value, reason=args.reason)
        value = targets.current(con)[args.key]
    shown = targets._threshold(args.key, value).removeprefix("<= ")
    print(f"target {args.key} is {shown} (by {actor.username}: {' '.join(args.reason.split())})")
    return EXIT_OK


def _banner(title: str, lines: list[str]) -> None:
    rule = "=" * 72
    print("\n".join([rule, title, *lines, rule]), flush=True)


# --- parser -----------------------------------------------------------------------------

_DESCRIPTION = """\
Dasbor operasional perekaman e-KTP: the command line.

The store is $DASHBOARD_HOME/dashboard.duckdb (DASHBOARD_HOME defaults to data/).
Dates are YYYY-MM-DD; weekdays monday..sunday or senin..minggu.
Every command exits 0 on success and non-zero with a one-line reason on failure.
"""


def build_parser(with_users: bool = False) -> argparse.ArgumentParser:
    """The whole command tree. `with_users` registers the real `users` subcommands
    (importing bcrypt and the sign-in library); otherwise `users` is a stub in --help."""
    parser = _Parser(
        prog="python -m dashboard",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "ingest",
        help="import request/appointment logs (permohonan, jadwal): CSV, XLSX or Parquet",
        description=(
            "Import one or more log files. Prints, per file: rows read / inserted / "
            "updated / unchanged / quarantined. A refused file does not stop the others; "
            "the exit status is non-zero if any file was refused."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="a requests or appointments log")
    p.add_argument(
        "--kind",
        choices=KINDS,
        help="which log the files hold (requests = permohonan, appointments = jadwal; "
        "register = the office's one-sheet register, imported as both); "
        "default: told by each file's or sheet's header",
    )
    p.add_argument(
        "--sheet",
        action="append",
        metavar="NAME",
        help="import only this sheet of a workbook (repeatable); default: every sheet, each "
        "as its own import (sheets with no log are reported as skipped)",
    )
    p.add_argument(
        "--mapping",
        metavar="FILE",
        help="a column mapping (JSON, README 'Column mappings'): what the file's columns mean "
        "when their names are not the contract's; default: a mapping saved for the same "
        "header ($DASHBOARD_HOME/mappings), if any",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="preview: print exactly what the import would do and save nothing",
    )
    p.add_argument("--user", help="who imports, for the import ledger (default: $USER)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "ingest-whatsapp",
        help="import WhatsApp chat exports (.txt or .zip) as requests",
        description=(
            "Read WhatsApp chat exports (one chat per .txt, or a .zip with it; a folder "
            "stands for its .txt and .zip files) and save every proposed request: a "
            "sender's first message with no request of theirs in the last N days. Prints "
            "rows read / inserted / updated / unchanged / quarantined and how many "
            "proposals were likely. Only the request fields are stored; message text, "
            "names and raw numbers never are. A refused file does not stop the others; "
            "the exit status is non-zero if any file was refused."
        ),
    )
    p.add_argument(
        "paths", nargs="+", metavar="FILE_OR_FOLDER", help="a chat export, or a folder of them"
    )
    p.add_argument(
        "--office",
        action="append",
        metavar="NUMBER_OR_NAME",
        help="the office's own WhatsApp number or name (its messages are not requests; "
        "repeatable, or comma-separated); default: the one set on the data-quality page",
    )
    p.add_argument(
        "--window-days",
        type=parse_positive,
        default=14,
        metavar="N",
        help="a sender's message is a new request when they have none in the last N days "
        "(default 14)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="preview: print exactly what the import would do and save nothing",
    )
    p.add_argument("--user", help="who imports, for the import ledger (default: $USER)")
    p.set_defaults(func=cmd_ingest_whatsapp)

    p = sub.add_parser("export", help="export data as CSV (export daily: the daily metrics)")
    export_sub = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = export_sub.add_parser(
        "daily",
        help="the daily metrics (metrik harian) as CSV",
        description=(
            "The daily metrics of CONTRACT section 3 as CSV, one row per date from --start "
            "to --end inclusive, columns date,requests,requests_whatsapp,requests_walk_in,"
            "requests_online,requests_app,scheduled,checked_in,screening_rejected,recorded,"
            "no_show,cap,utilization,backlog_end. Written to stdout unless --out is given."
        ),
    )
    p.add_argument("--start", type=parse_date, required=True, metavar="DATE", help="first date")
    p.add_argument("--end", type=parse_date, required=True, metavar="DATE", help="last date")
    p.add_argument("--channel", choices=CHANNELS, help="only requests from this channel (kanal)")
    p.add_argument("--kecamatan", metavar="K", help="only this district (case-insensitive)")
    p.add_argument("--service", metavar="S", help="only this service (layanan), e.g. ktp_el, kk")
    p.add_argument("--out", metavar="FILE", help="write the CSV to FILE instead of stdout")
    p.add_argument("--user", help="who exports, for the export log (default: $USER)")
    p.set_defaults(func=cmd_export_daily)

    p = sub.add_parser(
        "capacity", help="the daily cap (kuota harian): set a rule, show the calendar"
    )
    cap_sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = cap_sub.add_parser(
        "set",
        help="change the cap for a date, a date range, a weekday or the default (audited)",
        description=(
            "Change the daily cap. Exactly one scope: --date DATE, --from DATE --to DATE, "
            "--weekday NAME or --default. A date override beats a holiday and a weekend "
            "(e.g. a Saturday service day). Default and weekday changes apply from "
            "--effective DATE (default: today) on; earlier days keep their cap. Every "
            "change is kept in the capacity audit log with --user and --reason."
        ),
    )
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--date", type=parse_date, metavar="DATE", help="one date (override)")
    scope.add_argument(
        "--from", dest="date_from", type=parse_date, metavar="DATE", help="first date of a range"
    )
    scope.add_argument(
        "--weekday",
        type=parse_weekday,
        metavar="NAME",
        help="a weekday rule: monday..sunday or senin..minggu",
    )
    scope.add_argument("--default", action="store_true", help="the default cap (Mon-Fri)")
    p.add_argument("--to", type=parse_date, metavar="DATE", help="last date of a --from range")
    p.add_argument(
        "--cap", type=parse_cap, required=True, metavar="N", help="recordings per day; 0 = closed"
    )
    _audited(p)
    p.add_argument(
        "--effective",
        type=parse_date,
        metavar="DATE",
        help="with --default or --weekday: the first date the new cap applies (default: today)",
    )
    p.set_defaults(func=cmd_capacity_set)

    p = cap_sub.add_parser(
        "show",
        help="the cap per date as CSV date,cap,source",
        description="CSV date,cap,source; source is override, holiday, weekday or default.",
    )
    p.add_argument("--start", type=parse_date, required=True, metavar="DATE", help="first date")
    p.add_argument("--end", type=parse_date, required=True, metavar="DATE", help="last date")
    p.set_defaults(func=cmd_capacity_show)

    users_help = "sign-in users: users add USERNAME --role ROLE --name NAME [--email E], list, remove, passwd, disable, enable"
    if with_users:
        from dashboard import users

        users.register_cli(sub)
    else:
        p = sub.add_parser("users", help=users_help, add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)

    p = sub.add_parser(
        "demo",
        help="fill an EMPTY store with realistic, clearly labelled demo data (data demo); "
        "`demo remove` takes it and the demo users away",
        description=(
            "Simulates the Balangan office from 2020-06-08: WhatsApp and walk-in requests, "
            "the daily cap, health-screen rejections, no-shows, reschedules. The store is "
            "marked as demo so every page shows a banner. Refuses a store that holds data. "
            "`demo remove` deletes the demo data (its imports and capacity changes; the "
            "capacity audit log keeps them and notes the removal) and the demo users."
        ),
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=("load", "remove"),
        default="load",
        help="load (default) or remove the demo data and the demo users",
    )
    p.add_argument(
        "--days",
        type=parse_positive,
        default=180,
        metavar="N",
        help="days to simulate (default 180)",
    )
    p.add_argument("--seed", type=int, default=2020, metavar="S", help="random seed (default 2020)")
    p.add_argument("--user", help="who loads or removes it, for the logs (default: $USER)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "init",
        help="first-run set-up (make run): keys, holidays, an admin user, demo data if empty",
        description=(
            "Creates the personal-data key and the holiday table; if there are no users, "
            "creates `admin` with a random password and prints it once; if the store is "
            "empty, loads demo data and creates demo users (head, staff, analyst; never "
            "an admin), printing their passwords. A second run prints 'already set up' and "
            "no passwords."
        ),
    )
    p.add_argument(
        "--no-demo", action="store_true", help="do not load demo data into an empty store"
    )
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "backup",
        help="a consistent copy of the store, users and capacity audit (cadangan), any time",
        description=(
            "Writes one zip file (0600): the store (capacity rules and their audit log "
            "included), users.json and a manifest (format, schema version, created at, row "
            "counts). Works while the dashboard runs. The personal-data key "
            "secrets/pii.key is NOT included: keep a copy of it apart (README: Backups)."
        ),
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="where to write it (default: $DASHBOARD_HOME/backups/backup-YYYYMMDD-HHMMSS.zip)",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="put a backup back (the current store is kept aside)",
        description=(
            "Replaces the store (and users.json) with those of FILE, a file made by "
            "`backup`. The current store is kept as dashboard.duckdb.before-restore-<time>. "
            "Works while the dashboard runs; waits while an import is writing."
        ),
    )
    p.add_argument("file", metavar="FILE", help="a backup-*.zip made by `backup`")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "template",
        help="a blank Excel template (templat) to fill in and import: requests, "
        "appointments or register",
        description=(
            "Writes a blank .xlsx workbook that imports as it is: the header the import "
            "knows (Indonesian names), drop-down lists of the accepted words (and of the "
            "office settings' kecamatan, else those already in the store), date and text "
            "formats, and a "
            "Petunjuk sheet explaining each column. Refuses to replace an existing file "
            "unless --force."
        ),
    )
    p.add_argument(
        "kind",
        choices=KINDS,
        help="requests (permohonan), appointments (jadwal) or register (buku register)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="where to write it (.xlsx)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "report",
        help="the heads' monthly report (laporan bulanan) as an A4 PDF; --weekly for a week",
        description=(
            "Writes the report for the head of office and the regent: the office's name, "
            "the period's key figures against the previous month (or week), the charts, "
            "sentences with the numbers, the alerts and a data-quality note. Aggregates "
            "only; logged like every export. A month with no data gives a report that "
            "says so; a month or week in the future is refused."
        ),
    )
    p.add_argument("--month", type=parse_month, metavar="YYYY-MM", help="the month, e.g. 2020-07")
    p.add_argument(
        "--weekly", action="store_true", help="the weekly report (laporan mingguan): needs --week"
    )
    p.add_argument(
        "--week",
        type=parse_week,
        metavar="YYYY-Www",
        help="with --weekly: the ISO week, e.g. 2020-W28",
    )
    p.add_argument(
        "--lang", choices=("id", "en"), default="id", help="language of the report (default id)"
    )
    p.add_argument(
        "--out",
        metavar="FILE.pdf",
        help="where to write it (default: laporan-bulanan-YYYY-MM.pdf in the current folder)",
    )
    p.add_argument("--user", help="who makes it, for the export log (default: $USER)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "check",
        help="print each missed target (target terlewati) in one line; exit 1 if any (for cron)",
        description=(
            "Evaluates the targets (README 'Targets and alerts') over the --days days ending "
            "on --date: prints one line per missed target and exits 1, or prints one line "
            "'all targets met' and exits 0. Exits 2 with one line when the store cannot be "
            "read. For cron: python -m dashboard check || mail -s 'targets' head@office."
        ),
    )
    p.add_argument(
        "--date",
        type=parse_date,
        metavar="DATE",
        help="last day of the period (default: today, office time)",
    )
    p.add_argument(
        "--days",
        type=parse_positive,
        default=CHECK_DAYS,
        metavar="N",
        help=f"days in the period (default {CHECK_DAYS})",
    )
    p.add_argument(
        "--lang", choices=("id", "en"), default="id", help="language of the lines (default id)"
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "settings", help="office settings (pengaturan kantor): show, or set (audited)"
    )
    settings_sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = settings_sub.add_parser("show", help="the office settings; (default) where unset")
    p.set_defaults(func=cmd_settings_show)
    p = settings_sub.add_parser(
        "set",
        help="change office settings (audited)",
        description=(
            "Change one or more office settings; each change is kept in the settings audit "
            "log with --user and --reason. The time zone is an IANA name; DASHBOARD_TZ, "
            "when set, wins over it."
        ),
    )
    p.add_argument("--name", metavar="TEXT", help="office name (at most 120 characters)")
    p.add_argument("--regency", metavar="TEXT", help="regency (kabupaten/kota)")
    p.add_argument("--address", metavar="TEXT", help="office address")
    p.add_argument("--timezone", metavar="ZONE", help="IANA time zone, e.g. Asia/Makassar")
    p.add_argument(
        "--kecamatan", metavar="LIST", help='the regency\'s kecamatan, comma-separated: "A,B,C"'
    )
    p.add_argument(
        "--whatsapp",
        metavar="LIST",
        help="the office's own WhatsApp numbers or names, comma-separated (its replies in an "
        "exported chat are not requests)",
    )
    _audited(p)
    p.set_defaults(func=cmd_settings_set)

    p = sub.add_parser("targets", help="targets (target) behind the alerts: show, or set (audited)")
    targets_sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = targets_sub.add_parser("show", help="every target, its value, default or set, and range")
    p.set_defaults(func=cmd_targets_show)
    p = targets_sub.add_parser(
        "set",
        help="set one target (audited)",
        description=(
            "KEY is backlog_clear_days (1-365), rejection_band (LOW-HIGH fractions, e.g. "
            "0.02-0.05), no_show_max (0-1), max_days_at_cap (1-60) or import_stale_days "
            "(1-90). A value outside its range is refused with the range."
        ),
    )
    p.add_argument("key", metavar="KEY", help="the target, e.g. no_show_max")
    p.add_argument("value", metavar="VALUE", help="the new value, e.g. 0.15 or 0.02-0.05")
    _audited(p)
    p.set_defaults(func=cmd_targets_set)
    return parser


def _audited(p: argparse.ArgumentParser) -> None:
    """--reason and --user: every audited change (capacity, settings, targets) names both."""
    p.add_argument(
        "--reason", required=True, metavar="TEXT", help="why (alasan), for the audit log"
    )
    p.add_argument(
        "--user", required=True, metavar="NAME", help="who made the change, for the audit log"
    )


def _command_of(argv: list[str]) -> str | None:
    for token in argv:
        if not token.startswith("-"):
            return token
    return None


# --- errors -----------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


#: Streamlit loggers that warn when Streamlit code runs outside `streamlit run` (the
#: sign-in library imports Streamlit to hash passwords): noise in a terminal.
_BARE_MODE_LOGGERS = (
    "streamlit.runtime.scriptrunner_utils.script_run_context",
    "streamlit.runtime.caching.cache_data_api",
)


def _quiet_streamlit() -> None:
    import logging

    for name in _BARE_MODE_LOGGERS:
        # A filter, not a level: Streamlit resets its loggers' levels when it loads config.
        logging.getLogger(name).addFilter(lambda record: record.levelno >= logging.ERROR)


#: Commands whose "today" or office time matters: they read the office settings' time
#: zone first (settings.py; DASHBOARD_TZ wins). Not `export`: its start-up is benchmarked
#: and it uses no "today".
_TZ_COMMANDS = frozenset({"check", "capacity", "ingest", "settings", "targets"})


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status (0 ok, 1 failed, 2 usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # Whatever a command writes (store, WAL, exports, backups, logs) is private
    # (config.UMASK; config itself is not imported here, to keep start-up cheap).
    os.umask(0o077)
    if _command_of(argv) in ("users", "init"):
        _quiet_streamlit()
    try:
        parser = build_parser(with_users=_command_of(argv) == "users")
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: argparse has printed it
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    except ImportError as exc:
        _error(f"cannot load the users module: {_one_line(exc)}")
        return EXIT_FAILED
    try:
        if _command_of(argv) in _TZ_COMMANDS:
            from dashboard import settings

            settings.apply_timezone_from_store()
        return int(args.func(args) or EXIT_OK)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        # `export daily | head`: the reader left; not our failure.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback (CONTRACT 5)
        if os.environ.get("DASHBOARD_DEBUG"):
            raise
        _error(_describe(exc))
        return EXIT_FAILED


#: The project's own exceptions carry a message written for the user: print it as is.
_OWN_ERRORS = frozenset(
    {
        "CliError",
        "IngestError",
        "CapacityError",
        "StoreBusy",
        "PermissionDenied",
        "DemoError",
        "StoreUnusable",
        "StoreDiskFull",
        "BackupError",
    }
)


def _describe(exc: Exception) -> str:
    """One line for the known failures; the kind of error for anything unexpected."""
    known = (CliError, ValueError, OSError, PermissionError, RuntimeError, LookupError)
    text = _one_line(exc)
    if type(exc).__name__ in _OWN_ERRORS:
        return text
    if isinstance(exc, known) and not _is_duckdb_error(exc):
        if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
            text = f"{exc.filename}: {text}"
        return text
    return f"{type(exc).__name__}: {text}"


def _is_duckdb_error(exc: Exception) -> bool:
    return type(exc).__module__.startswith("_duckdb") or type(exc).__module__.startswith("duckdb")
