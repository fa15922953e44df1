"""The page framework: the guard, the sidebar, the shared filters and small page helpers.

Every page's first statement is `ctx = ui.page_setup("<page key>", "<permission>")`
(a test walks `pages/` to prove it). `page_setup`:

1. reads the language from the URL (`?lang=en`), so even the sign-in form speaks it;
2. calls `auth.guard(permission)` — sign-in and role check; nothing below runs for
   someone who is not signed in or whose role may not open the page;
3. sets the page title, reads the data version once (the caches key on it) and draws
   the sidebar: this role's menu (`st.page_link`, only pages the role may open), the
   language switch, the filters, the last import and the sign-out button; and a demo
   banner on top of the page while the store holds demo data;
4. returns a `PageContext` with the actor, language, date range and `metrics.Filters`.

The view (language, period, district, channel, service) lives in the URL, so a copied
link opens the same view. The URL is the source of truth when it changes from outside
(first load, a pasted link, the menu, back/forward); after a widget changes, the widget
wins and the URL is rewritten. Menu links carry the view to the next page.

Preset periods ("last 30 days", ...) count back from the office-local today, or from
the latest date with data when the store's data is older (the demo data is from 2020):
a preset link therefore follows new imports, a custom range stays fixed.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from dashboard import auth, cache, config, i18n, metrics, pii, roles, settings, store
from dashboard.charts import CHANNELS
from dashboard.i18n import t

# ---------------------------------------------------------------- page registry


@dataclass(frozen=True)
class Page:
    key: str
    path: str  # relative to the project root (where app.py lives)
    permission: str
    icon: str


PAGES: tuple[Page, ...] = (
    Page("overview", "app.py", "view", ":material/dashboard:"),
    Page("throughput", "pages/throughput.py", "view", ":material/bar_chart:"),
    Page("backlog", "pages/backlog.py", "view", ":material/hourglass_top:"),
    Page("screening", "pages/screening.py", "view", ":material/health_and_safety:"),
    Page("channels", "pages/channels.py", "view", ":material/forum:"),
    Page("data_quality", "pages/data_quality.py", "data_quality", ":material/fact_check:"),
    Page("capacity", "pages/capacity.py", "capacity", ":material/tune:"),
    Page("exports", "pages/exports.py", "view", ":material/download:"),
    Page("admin", "pages/admin.py", "users", ":material/admin_panel_settings:"),
)
PAGES_BY_KEY: dict[str, Page] = {p.key: p for p in PAGES}


def pages_for(actor: roles.Actor) -> list[Page]:
    """The pages this actor's role may open, in menu order (existing files only)."""
    return [p for p in PAGES if actor.can(p.permission) and (config.PROJECT_ROOT / p.path).exists()]


# ---------------------------------------------------------------- the view in the URL

PERIODS: tuple[str, ...] = ("last7", "last30", "last90", "this_month", "custom")
DEFAULT_PERIOD = "last30"
_PERIOD_DAYS = {"last7": 7, "last30": 30, "last90": 90}
#: Longest range a page draws day by day (about five years; charts take <= 5,000 rows).
MAX_RANGE_DAYS = 1830

#: URL parameters this module owns; pages may add their own under other names.
URL_KEYS: tuple[str, ...] = ("lang", "period", "start", "end", "kecamatan", "channel", "service")

# Widget keys (session state). Never "logout": streamlit-authenticator owns that key.
_W_LANG, _W_PERIOD, _W_DATES = "ui_lang", "ui_period", "ui_dates"
_W_KEC, _W_CHANNEL, _W_SERVICE = "ui_kecamatan", "ui_channel", "ui_service"
_SNAPSHOT = "_ui_view_snapshot"
_LAST_RANGE = "_ui_last_range"


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ViewState:
    """What the URL says about the view. Empty strings mean "all"."""

    lang: str = i18n.DEFAULT_LANG
    period: str = DEFAULT_PERIOD
    start: date | None = None  # custom period only
    end: date | None = None
    kecamatan: str = ""
    channel: str = ""
    service: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ViewState:
        """Parse query parameters; anything malformed falls back to the default."""

        def one(key: str) -> str:
            value = params.get(key, "")
            if isinstance(value, list | tuple):
                value = value[-1] if value else ""
            return str(value).strip()

        period = one("period") if one("period") in PERIODS else DEFAULT_PERIOD
        start, end = _parse_date(one("start")), _parse_date(one("end"))
        if period == "custom":
            if start is None or end is None:
                period, start, end = DEFAULT_PERIOD, None, None
            elif end < start:
                start, end = end, start
        else:
            start = end = None
        channel = one("channel").lower()
        return cls(
            lang=i18n.normalize_lang(one("lang")),
            period=period,
            start=start,
            end=end,
            kecamatan=one("kecamatan").lower(),
            channel=channel if channel in CHANNELS else "",
            service=one("service").lower(),
        )

    def to_params(self) -> dict[str, str]:
        """Only what differs from the defaults, so a plain link stays plain."""
        params: dict[str, str] = {}
        if self.lang != i18n.DEFAULT_LANG:
            params["lang"] = self.lang
        if self.period != DEFAULT_PERIOD:
            params["period"] = self.period
        if self.period == "custom" and self.start and self.end:
            params["start"] = self.start.isoformat()
            params["end"] = self.end.isoformat()
        for key in ("kecamatan", "channel", "service"):
            if getattr(self, key):
                params[key] = getattr(self, key)
        return params


def office_today() -> date:
    """Today in the office's time zone (WITA by default)."""
    return datetime.now(ZoneInfo(config.office_tz())).date()


def anchor_date(today: date, last_data_date: date | None) -> date:
    """The day presets count back from: today, or the last day with data if older."""
    if last_data_date is None:
        return today
    return min(today, last_data_date)


def resolve_range(
    period: str, anchor: date, start: date | None = None, end: date | None = None
) -> tuple[date, date]:
    """The inclusive date range of a period; custom ranges are clamped to MAX_RANGE_DAYS."""
    if period == "custom" and start and end:
        if end - start >= timedelta(days=MAX_RANGE_DAYS):
            start = end - timedelta(days=MAX_RANGE_DAYS - 1)
        return start, end
    if period == "this_month":
        return anchor.replace(day=1), anchor
    days = _PERIOD_DAYS.get(period, _PERIOD_DAYS[DEFAULT_PERIOD])
    return anchor - timedelta(days=days - 1), anchor


def previous_range(start: date, end: date) -> tuple[date, date]:
    """The period of equal length just before [start, end]."""
    prev_end = start - timedelta(days=1)
    return prev_end - (end - start), prev_end


# ---------------------------------------------------------------- context


@dataclass(frozen=True)
class PageContext:
    """What a page needs after `page_setup`: who, which view, which data."""

    actor: roles.Actor
    lang: str
    start: date
    end: date
    filters: metrics.Filters
    data_version: int
    page_key: str = ""
    period: str = DEFAULT_PERIOD
    is_demo: bool = False
    has_data: bool = False
    first_date: date | None = None
    last_date: date | None = None
    last_import: datetime | None = None
    view: ViewState = field(default_factory=ViewState)

    @property
    def previous(self) -> tuple[date, date]:
        """The previous period of equal length (for "change vs before")."""
        return previous_range(self.start, self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def range_text(self) -> str:
        return i18n.fmt_range(self.start, self.end, self.lang)

    def filter_summary(self) -> dict[str, str]:
        """The view as plain values, e.g. for export file names and audit rows."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "kecamatan": self.view.kecamatan,
            "channel": self.view.channel,
            "service": self.view.service,
        }


# ---------------------------------------------------------------- page_setup


def _widget_state(url: ViewState) -> ViewState:
    """The view as the widgets hold it (after a click), falling back to the URL's."""
    ss = st.session_state
    period = ss.get(_W_PERIOD, url.period)
    period = period if period in PERIODS else url.period
    start, end = url.start, url.end
    if period == "custom":
        picked = ss.get(_W_DATES)
        if isinstance(picked, list | tuple) and len(picked) == 2 and all(picked):
            start, end = picked[0], picked[1]
        elif start is None or end is None:
            # Just switched to custom, or half-way through picking: keep the last range.
            start, end = ss.get(_LAST_RANGE, (None, None))
    lang = ss.get(_W_LANG, url.lang)
    return ViewState(
        lang=i18n.normalize_lang(lang),
        period=period,
        start=start if period == "custom" else None,
        end=end if period == "custom" else None,
        kecamatan=ss.get(_W_KEC, url.kecamatan) or "",
        channel=ss.get(_W_CHANNEL, url.channel) or "",
        service=ss.get(_W_SERVICE, url.service) or "",
    )


def _current_view() -> ViewState:
    url = ViewState.from_params(st.query_params.to_dict())
    snapshot = st.session_state.get(_SNAPSHOT)
    if snapshot is None or url != snapshot:
        return url  # changed from outside: the URL wins
    return _widget_state(url)


def _validated(view: ViewState, facts: Mapping[str, Any]) -> ViewState:
    kecamatan_keys = {k for k, _ in facts.get("kecamatan", [])}
    services = set(facts.get("services", []))
    return replace(
        view,
        kecamatan=view.kecamatan if view.kecamatan in kecamatan_keys else "",
        service=view.service if view.service in services else "",
    )


def _write_url(view: ViewState) -> None:
    wanted = view.to_params()
    current = st.query_params.to_dict()
    for key in URL_KEYS:
        if key in wanted:
            if current.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in current:
            del st.query_params[key]


def _seed_widgets(view: ViewState, start: date, end: date) -> None:
    """Put the view into the widgets' session keys before they are drawn this run.

    Written every run, even when equal: after a page change the widgets are new (their
    ids include the page) and would otherwise start from their defaults. A date range
    still being picked (one date chosen so far) is left alone, or the picker would snap
    back under the user's click.
    """
    ss = st.session_state
    wanted = {
        _W_LANG: view.lang,
        _W_PERIOD: view.period,
        _W_KEC: view.kecamatan,
        _W_CHANNEL: view.channel,
        _W_SERVICE: view.service,
    }
    for key, value in wanted.items():
        ss[key] = value
    picked = ss.get(_W_DATES)
    if not (isinstance(picked, list | tuple) and len(picked) == 1):
        ss[_W_DATES] = (start, end)


def _reset_filters() -> None:
    ss = st.session_state
    ss[_W_PERIOD] = DEFAULT_PERIOD
    ss[_W_KEC] = ss[_W_CHANNEL] = ss[_W_SERVICE] = ""


def _unusable_text(exc: store.StoreUnusable) -> str:
    if exc.backup is not None:
        fix = t("status.restore_newest", backup=exc.backup)
    else:
        fix = t("status.no_backup", folder=exc.path.parent / "backups")
    if exc.kind == "newer":
        return t("status.store_newer", path=exc.path, version=exc.version, known=exc.known, fix=fix)
    return t("status.store_damaged", path=exc.path, fix=fix)


def page_setup(page_key: str, permission: str = "view") -> PageContext:
    """Guard, sidebar and filters for one page; the first call of every page."""
    # Every page runs this first: the store, exports and logs this process creates are
    # private (config.py, "File modes").
    config.secure_umask()
    install_error_handler(page_key)
    view = _current_view()
    lang = i18n.set_language(view.lang)

    actor = auth.guard(permission)

    page = PAGES_BY_KEY.get(page_key)
    st.set_page_config(
        page_title=f"{t(f'page.{page_key}')} · {t('app.title')}",
        page_icon=":material/badge:",
        layout="wide",
    )

    try:
        version = cache.refresh_version()
        facts = cache.sidebar_facts()
        office = cache.call(settings.office)
    except store.StoreBusy:
        # Another program (a long import) holds the store: say so instead of a traceback.
        st.warning(t("status.busy"), icon=":material/hourglass_top:")
        st.stop()
    except store.StoreUnusable as exc:
        # Damaged, or from a newer release: one line naming the backup to restore.
        st.error(_unusable_text(exc), icon=":material/error:")
        st.stop()
    # The office settings' time zone sets "today" (DASHBOARD_TZ still wins), and their
    # kecamatan list comes first in the filter.
    settings.apply_timezone(office.timezone)
    facts = {**facts, "kecamatan": kecamatan_options(office.kecamatan, facts["kecamatan"])}
    view = _validated(view, facts)
    today = office_today()
    anchor = anchor_date(today, facts["last_date"])
    start, end = resolve_range(view.period, anchor, view.start, view.end)
    if view.period == "custom":
        view = replace(view, start=start, end=end)

    _seed_widgets(view, start, end)
    _write_url(view)
    st.session_state[_SNAPSHOT] = view
    st.session_state[_LAST_RANGE] = (start, end)

    filters = metrics.Filters.single(
        view.channel or None, view.kecamatan or None, view.service or None
    )
    ctx = PageContext(
        actor=actor,
        lang=lang,
        start=start,
        end=end,
        filters=filters,
        data_version=version,
        page_key=page.key if page else page_key,
        period=view.period,
        is_demo=bool(facts["is_demo"]),
        has_data=bool(facts["requests"] or facts["appointments"]),
        first_date=facts["first_date"],
        last_date=facts["last_date"],
        last_import=facts["last_import"],
        view=view,
    )
    _sidebar(ctx, facts, anchor, today)
    if ctx.is_demo:
        st.warning(t("status.demo"), icon=":material/science:")
    return ctx


def _sidebar(ctx: PageContext, facts: Mapping[str, Any], anchor: date, today: date) -> None:
    params = ctx.view.to_params()
    # Labels are bound to this run's language: format_func may be called later, elsewhere.
    lang = ctx.lang
    with st.sidebar:
        st.markdown(f"**{t('app.title')}**")
        st.caption(
            t("nav.signed_in_as", name=ctx.actor.username, role=i18n.role_label(ctx.actor.role))
        )
        for page in pages_for(ctx.actor):
            try:
                st.page_link(
                    page.path,
                    label=t(f"page.{page.key}"),
                    icon=page.icon,
                    query_params=params,
                )
            except StreamlitPageNotFoundError:
                # Only when a page script runs as the entry point (AppTest.from_file on
                # a page): paths resolve against it, and the menu cannot link out.
                continue
        st.divider()

        st.segmented_control(
            t("lang.label"),
            options=list(i18n.LANGS),
            format_func=lambda code: t(f"lang.{code}", lang),
            key=_W_LANG,
            required=True,
        )

        st.markdown(f"**{t('filter.heading')}**")
        st.selectbox(
            t("filter.period"),
            options=list(PERIODS),
            format_func=lambda p: t(f"filter.period.{p}", lang),
            key=_W_PERIOD,
        )
        if ctx.period == "custom":
            st.date_input(
                t("filter.dates"),
                key=_W_DATES,
                min_value=min(ctx.first_date or ctx.start, ctx.start),
                max_value=max(today, ctx.end),
                format="DD/MM/YYYY",
            )
        st.caption(ctx.range_text())
        if anchor < today and ctx.period != "custom":
            st.caption(t("filter.anchor_historic", date=i18n.fmt_date(anchor)))

        kecamatan_labels = dict(facts["kecamatan"])
        st.selectbox(
            t("filter.kecamatan"),
            options=["", *kecamatan_labels],
            format_func=lambda k: kecamatan_labels.get(k, "") or t("filter.kecamatan.all", lang),
            key=_W_KEC,
        )
        st.selectbox(
            t("filter.channel"),
            options=["", *CHANNELS],
            format_func=lambda c: (
                i18n.channel_label(c, lang) if c else t("filter.channel.all", lang)
            ),
            key=_W_CHANNEL,
        )
        st.selectbox(
            t("filter.service"),
            options=["", *facts["services"]],
            format_func=lambda s: (
                i18n.service_label(s, lang) if s else t("filter.service.all", lang)
            ),
            key=_W_SERVICE,
        )
        st.button(t("filter.reset"), on_click=_reset_filters, key="ui_reset_filters")
        st.divider()

        if ctx.last_import is not None:
            st.caption(t("status.last_import", when=i18n.fmt_datetime(ctx.last_import)))
        else:
            st.caption(t("status.no_import"))
        auth.logout_button()


# ---------------------------------------------------------------- helpers for pages


def kecamatan_options(
    office_list: tuple[str, ...], in_data: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The kecamatan filter's `(key, label)` options: the office settings' list first (in
    its order), then any other kecamatan the data names."""
    options = [(settings.kecamatan_key(name), name) for name in office_list]
    known = {key for key, _ in options}
    return options + [(key, label) for key, label in in_data if key not in known]


def alert_banners(ctx: PageContext, page: str) -> None:
    """One warning line per missed target (`targets.evaluate` over the page's period and
    filters, cached by data version) that concerns `page`; the overview shows them all."""
    from dashboard import targets

    try:
        alerts = cache.call(
            targets.evaluate, ctx.start, ctx.end, filters=ctx.filters, today=office_today()
        )
    except store.StoreBusy:
        return  # the banners wait for the next run; the page itself still draws
    for alert in alerts:
        if page == "overview" or alert.page == page:
            st.warning(alert.message(ctx.lang), icon=":material/flag:")


def no_data(ctx: PageContext) -> bool:
    """Draw the "no data yet" state and return True when the store is empty."""
    if ctx.has_data:
        return False
    st.info(f"**{t('empty.no_data.title')}**\n\n{t('empty.no_data.body')}", icon=":material/inbox:")
    return True


def no_rows(ctx: PageContext) -> None:
    """The "this filter has no rows" state."""
    st.info(t("empty.no_rows", range=ctx.range_text()), icon=":material/filter_alt_off:")


def show_chart(chart: alt.TopLevelMixin, df: pd.DataFrame, name: str, ctx: PageContext) -> None:
    """Draw a chart and, next to it, the download of exactly the frame it shows."""
    st.altair_chart(chart, width="stretch")
    chart_download(df, name, ctx)


def chart_download(df: pd.DataFrame, name: str, ctx: PageContext) -> None:
    """The exports helper's `ui_exports.chart_download`, once that module exists."""
    if importlib.util.find_spec("dashboard.ui_exports") is None:
        return
    from dashboard import ui_exports

    ui_exports.chart_download(df, name, ctx)


def delta_args(change: float | None, kind: str, good: str, lang: str | None = None) -> dict:
    """Keyword arguments for `st.metric`: the change text and whether it is good.

    `kind`: "int" (a count) or "points" (a change between two rates);
    `good`: "up" or "down" — the direction that is good news.
    """
    color = "normal" if good == "up" else "inverse"
    if change is None or pd.isna(change):
        return {"delta": None}
    if abs(change) < 1e-12:
        # A numeric zero is grey with no arrow (a string "0" would count as positive).
        return {"delta": 0, "delta_color": "off"}
    text = (
        i18n.fmt_signed_int(change, lang)
        if kind == "int"
        else i18n.fmt_pct_points(change, lang=lang)
    )
    return {"delta": text, "delta_color": color}


def page_header(ctx: PageContext, caption: str | None = None) -> None:
    """The page title and the period it shows."""
    st.title(t(f"page.{ctx.page_key}"))
    st.caption(caption or ctx.range_text())


def project_root() -> Path:
    return config.PROJECT_ROOT


_ACTIVITY_COLUMNS = ("requests", "scheduled", "checked_in", "recorded", "no_show")


def has_activity(daily: pd.DataFrame) -> bool:
    """Whether a `metrics.daily` frame holds anything at all (else: the no-rows state)."""
    return bool(len(daily)) and any(int(daily[c].sum()) > 0 for c in _ACTIVITY_COLUMNS)


# ---------------------------------------------------------------- safe messages

# Characters that Markdown, GFM (tables, strikethrough, autolinks such as `http://` or
# `a@b.id`) or Streamlit's extensions (`$` maths, `:red[...]`, `:icon:`) give a meaning
# anywhere in a line. CommonMark lets any ASCII punctuation be backslash-escaped.
_MD_ALWAYS = frozenset("\\`*[]()<>!$#|~{}:&@")
# `_` emphasises only next to a non-alphanumeric character: `permohonan_juni` stays as
# typed. `-`, `+`, `1.` or `1)` at the start make a list.
_MD_LIST_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")
# GFM turns `http://...`, `www.x` and `a@b.id` into links after escapes are resolved
# (checked in Chromium), so a backslash cannot stop it: an invisible WORD JOINER does.
_MD_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)")
_JOINER = "\u2060"


def escape_md(text: object) -> str:
    """`text` as Markdown that renders literally: for file names, header cells and
    error messages that came from an uploaded file, before they reach `st.error`,
    `st.success`, `st.caption`, `st.markdown`. Line breaks become spaces (one line)."""
    flat = " ".join(str(text).replace("\t", " ").splitlines())
    flat = _MD_AUTOLINK.sub(_JOINER, flat)
    out = []
    for i, ch in enumerate(flat):
        if ch in _MD_ALWAYS:
            out.append("\\" + ch)
        elif ch == "_" and not (
            0 < i < len(flat) - 1 and flat[i - 1].isalnum() and flat[i + 1].isalnum()
        ):
            out.append("\\_")
        else:
            out.append(ch)
    escaped = "".join(out)
    match = _MD_LIST_START.match(escaped)
    if match:
        marker = match.group(2)
        escaped = f"{match.group(1)}{marker[:-1]}\\{marker[-1]}{escaped[match.end() :]}"
    return escaped


# ---------------------------------------------------------------- uncaught errors

#: Tracebacks of uncaught page errors, each with the ID the person on the page was shown.
ERROR_LOG = logging.getLogger("dashboard.errors")


class _MaskedTraceback(logging.Filter):
    """Writes a record's traceback once with every long digit run masked
    (`pii.mask_digits`): an exception's message may quote a cell of an uploaded file,
    a NIK or a phone number, and the server log may be kept. Formatters use the record's
    `exc_text` when it is set; `exc_info` stays for whoever inspects the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = pii.mask_digits(text)
        return True


#: ours, and the logger Streamlit writes a page's uncaught error to itself (1.67:
#: `error_util.handle_user_script_exception` logs it before asking `on_script_error`;
#: with `logger.enableRich` it would print it past logging: .streamlit/config.toml keeps
#: that off)
for _name in (ERROR_LOG.name, "streamlit.error_util"):
    logging.getLogger(_name).addFilter(_MaskedTraceback())


def new_error_id() -> str:
    """A short random ID that ties the message in the browser to the log record."""
    return secrets.token_hex(3)


def install_error_handler(page_key: str = "") -> None:
    """Show an uncaught error of this run as one line with an error ID, and send the
    traceback (server paths, values) to the server log only.

    Streamlit 1.67 calls `ScriptRunContext.on_script_error` from its script runner
    (`exec_code.exec_func_with_error_handling` -> `error_util.handle_user_script_exception`);
    returning True suppresses its own display. `client.showErrorDetails = "none"` in
    .streamlit/config.toml covers errors raised before this is installed.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    run = get_script_run_ctx()
    if run is None:  # bare mode (no Streamlit runtime): nothing to install into
        return

    def on_error(exc: Exception) -> bool:
        error_id = new_error_id()
        ERROR_LOG.error("uncaught error %s on page %s", error_id, page_key or "?", exc_info=exc)
        st.error(t("error.unexpected", id=error_id), icon=":material/error:")
        return True

    run.on_script_error = on_error
