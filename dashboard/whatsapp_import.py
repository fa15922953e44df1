"""WhatsApp chat exports as the request log (issue 12): from exported chats to stored
requests, for the data-quality page and `python -m dashboard ingest-whatsapp`.

The parser and the rule that finds requests live in dashboard/whatsapp.py; this module
is the glue between them and the store. No Streamlit here.

1. `find` reads the exports (`whatsapp.read_chats`: `.txt` or `.zip`, folders expanded),
   then asks `whatsapp.propose` which messages are requests. The rule ("the first message
   of a sender with no request in the last N days") must see the requests already in
   the store, or an export that overlaps last week's would propose a second request
   inside the window: `known_requests` reads them in one bound query, by the sender-only
   prefix of the request ID (`whatsapp.request_id_prefix`).
2. The page shows the proposals for review (`review_rows`: time, masked number,
   kecamatan, service, why, the first words with digit runs masked) and keeps only that
   in its session; `save` then imports the ticked ones. The command line saves all.
3. `save` goes through `ingest.ingest_table`, the one validation and merge every import
   uses: one transaction, the five numbers, the ledger, the phone and NIK hashed (and
   the phone masked) there, never here. `to_table` builds the contract's request columns
   and nothing else, so message text, names and raw numbers cannot reach the store.

The request ID is derived from the sender and the message time (whatsapp.py), and the
stored requests count for the rule, so the same export imported again proposes nothing
new, and an overlapping export proposes, and adds, only its new requests. The requests it
holds that are stored already (`Found.stored`) are not shown for review but go through
the import again with the new ones, so the five numbers read as for any re-imported log:
the same export twice gives "read 3, inserted 0, unchanged 3".

Privacy of what is shown and logged: a chat's file name names the other party
(`Chat WhatsApp dengan +62 813-4567-8901.txt`, `WhatsApp Chat with Siti.txt`), so files are
named by `chat_label` (the number masked, a name cut to its first letter) in every
message, and the ledger's file name says only how many chats were read.

The office's own WhatsApp number or name (its replies are not requests) is an office
setting (`settings.Office.whatsapp`, audited), set on the import page by staff or admin,
or in the admin's office settings.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import duckdb

from dashboard import config, ingest, pii, queries, roles, store, upload

if TYPE_CHECKING:
    import pyarrow as pa

    from dashboard import whatsapp

#: The audit log's reason when the office's WhatsApp identity is set on the import.
OFFICE_REASON = "set on the WhatsApp chat import"
#: Default of the window rule: a sender's first message after 14 quiet days is a request.
DEFAULT_WINDOW_DAYS = 14
MAX_WINDOW_DAYS = 365
#: The office's identity: a few numbers or names, each short (a typo guard).
OFFICE_MAX_ITEMS = 10
OFFICE_ITEM_MAX = 80
#: The columns `to_table` hands to the import: the contract's request columns (1.1) that
#: a chat can fill, nothing else.
COLUMNS: tuple[str, ...] = (
    "request_id",
    "received_at",
    "channel",
    "service",
    "kecamatan",
    "phone",
    "nik",
)
CHANNEL = "whatsapp"
#: How many characters of a message the review table shows (digits masked).
SNIPPET_CHARS = 80

_SPLIT = re.compile(r"[,;\n]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The party's name or number in WhatsApp's own file names (Indonesian and English
# phones, Android and iOS): "Chat WhatsApp dengan X", "WhatsApp Chat with X",
# "WhatsApp Chat - X".
_CHAT_NAME = re.compile(
    r"(?P<lead>(?:Chat WhatsApp dengan|Obrolan WhatsApp dengan|WhatsApp Chat with"
    r"|WhatsApp Chat -|Chat WhatsApp -)\s*)"
    r"(?P<party>[^/\n]+?)(?P<ext>(?:\s*\(\d+\))?\.(?:txt|zip))",
    re.IGNORECASE,
)
# A message's date and time as WhatsApp writes them: day, month, 2- or 4-digit year,
# then hours and minutes (seconds optional).
_CHAT_TIME = re.compile(
    r"((?<![\d/.-])\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2}),?"
    r" \d{1,2}[.:]\d{2}(?:[.:]\d{2})?(?![\d.:]))"
)
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{8,}$")


class WhatsAppImportError(ValueError):
    """Something the caller must fix (the office identity, the window); one line."""


@dataclass
class Found:
    """What `find` read: the chats, the proposed requests, and one line per problem
    (a refused file, a line that could not be read), chat names already masked."""

    chats: list[whatsapp.Chat]
    proposals: list[whatsapp.Proposal]
    #: one line per file refused whole (not a chat export, a truncated zip, no messages)
    refused: list[str] = field(default_factory=list)
    #: one line per problem inside a chat that was read (a line with a broken date)
    problems: list[str] = field(default_factory=list)
    #: requests of these chats that the store already holds (same request ID): not shown
    #: for review, but imported again with the new ones so the five numbers count them as
    #: unchanged, as re-importing any log does
    stored: list[whatsapp.Proposal] = field(default_factory=list)
    #: how many proposals were left out because staff unticked them before ("not a
    #: request"; `whatsapp_dismissed`)
    dismissed: int = 0

    @property
    def likely(self) -> int:
        return sum(1 for p in self.proposals if p.likely)

    @property
    def messages(self) -> int:
        return sum(len(c.messages) for c in self.chats)

    def source_name(self) -> str:
        return source_name(len(self.chats))


# ---------------------------------------------------------------------------- names


def chat_label(name: str | Path) -> str:
    """A chat's file name as messages may show it: the other party masked.

    `Chat WhatsApp dengan +62 813-4567-8901.txt` -> `Chat WhatsApp dengan 0813****901.txt`;
    `WhatsApp Chat with Siti Aminah.zip` -> `WhatsApp Chat with S***.zip`; any other
    name keeps its text with long digit runs masked (it is the name the office chose).
    """
    return masked_line(Path(str(name)).name)


def source_name(chats: int) -> str:
    """The import's name in the ledger: how many chats, never a chat's own name."""
    return f"WhatsApp ({chats} chat{'s' if chats != 1 else ''})"


def _party(match: re.Match[str]) -> str:
    party = match.group("party").strip()
    shown = (pii.mask_phone(party) or "***") if _PHONE_LIKE.match(party) else party[:1] + "***"
    return f"{match.group('lead')}{shown}{match.group('ext')}"


def masked_line(text: str) -> str:
    """A line (a problem, a refusal) as it may be shown or logged: on one line, each
    WhatsApp file name in it with the other party masked, every other run of 8+ digits
    masked. A date and time as a chat writes them (`08/06/20 08.15`, the parser's
    examples and the dates it quotes) is no one's number and stays readable."""
    line = _CHAT_NAME.sub(_party, " ".join(str(text).split()))
    parts = _CHAT_TIME.split(line)  # odd positions: the date-times (one capture group)
    return "".join(part if i % 2 else (pii.mask_digits(part) or "") for i, part in enumerate(parts))


# ---------------------------------------------------------------------------- office


def parse_office(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """The office's WhatsApp identity as kept: numbers or names, from a list or a text
    with one per comma, semicolon or line; trimmed, one spelling each, in order.

    WhatsAppImportError when there are too many or one is too long."""
    if value is None:
        return ()
    parts = _SPLIT.split(value) if isinstance(value, str) else [str(v) for v in value]
    out: list[str] = []
    seen: set[str] = set()
    for part in parts:
        text = " ".join(_CONTROL.sub(" ", part).split())
        if not text or text.casefold() in seen:
            continue
        if len(text) > OFFICE_ITEM_MAX:
            raise WhatsAppImportError(
                f"the office number or name is too long ({len(text)} characters; "
                f"at most {OFFICE_ITEM_MAX})"
            )
        seen.add(text.casefold())
        out.append(text)
    if len(out) > OFFICE_MAX_ITEMS:
        raise WhatsAppImportError(
            f"{len(out)} office numbers or names given; at most {OFFICE_MAX_ITEMS}"
        )
    return tuple(out)


def office_identity(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The office's own WhatsApp numbers/names (office settings; empty: not set)."""
    from dashboard import settings

    return settings.office(con).whatsapp


def set_office_identity(
    con: duckdb.DuckDBPyConnection, value: str | Sequence[str] | None, *, actor: roles.Actor
) -> tuple[str, ...]:
    """Keep the office's WhatsApp numbers/names in the office settings (staff and admin:
    the people who import), audited like every setting; returns what is kept. Writes
    nothing when it equals what is stored already."""
    from dashboard import settings

    roles.require(actor, "import")
    cleaned = parse_office(value)
    if cleaned != office_identity(con):
        settings.set_office(con, actor, reason=OFFICE_REASON, whatsapp=cleaned)
    return cleaned


def check_window(days: Any) -> int:
    """The window of the request rule, in days (1..365), or WhatsAppImportError."""
    try:
        value = int(days)
    except (TypeError, ValueError):
        raise WhatsAppImportError(f"{days!r} is not a number of days") from None
    if not 1 <= value <= MAX_WINDOW_DAYS:
        raise WhatsAppImportError(f"the window must be 1 to {MAX_WINDOW_DAYS} days, not {value}")
    return value


def kecamatan_names(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The kecamatan a message may name: the office settings' list when an admin set one,
    else those the store's requests already name."""
    try:
        from dashboard import settings
    except ImportError:  # an installation without office settings
        settings = None  # type: ignore[assignment]
    if settings is not None:
        listed = settings.office(con).kecamatan
        if listed:
            return tuple(listed)
    return tuple(queries.kecamatan_names(con))


def load_office() -> tuple[str, ...]:
    """`office_identity` on a connection of its own (for the page's form)."""
    with store.connect() as con:
        return office_identity(con)


def save_office(value: str | Sequence[str] | None, *, actor: roles.Actor) -> tuple[str, ...]:
    """`set_office_identity` on a connection of its own; the role is checked first."""
    roles.require(actor, "import")
    with store.connect() as con:
        return set_office_identity(con, value, actor=actor)


# ---------------------------------------------------------------------------- uploads


def stage(files: Iterable[tuple[IO[bytes], str]]) -> list[str]:
    """Copy uploaded exports (file object, name as uploaded) into private folders under
    `$DASHBOARD_HOME/tmp/upload-*` (one each: two files may share a name); returns the
    folders. The file keeps its name, which tells the parser the other party's number.
    A failure part-way removes what was copied."""
    folders: list[str] = []
    try:
        for fileobj, name in files:
            folders.append(str(upload.stage(fileobj, upload.safe_name(name)).parent))
    except BaseException:
        discard(folders)
        raise
    return folders


def staged_paths(folders: Iterable[str | Path]) -> list[Path]:
    """The files `stage` copied, in upload order (a folder gone yields nothing)."""
    return [f for folder in folders if _ours(folder) for f in sorted(Path(folder).iterdir())]


def discard(folders: Iterable[str | Path]) -> None:
    """Remove staged folders: only ever ones `stage` made (`tmp/upload-*`)."""
    for folder in folders:
        if _ours(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _ours(folder: str | Path) -> bool:
    path = Path(folder)
    return (
        path.name.startswith("upload-") and path.parent == config.home() / "tmp" and path.is_dir()
    )


# ---------------------------------------------------------------------------- store


def known_requests(
    con: duckdb.DuckDBPyConnection, keys: Iterable[str], start: datetime, end: datetime
) -> dict[str, list[datetime]]:
    """`sender_key -> received_at` of the WhatsApp requests already stored for these
    senders, received between `start` and `end` (inclusive), oldest first.

    One statement with the prefixes bound as a list: a request belongs to a sender when
    its ID starts with `whatsapp.request_id_prefix(key)`. Every prefix has one length, so
    the join is on the IDs' first characters (a hash join: 20,000 senders against 40,000
    stored requests take 0.02 s; `starts_with` as the join condition took 1.8 s)."""
    from dashboard import whatsapp

    wanted = sorted(set(keys))
    if not wanted:
        return {}
    prefixes = [whatsapp.request_id_prefix(k) for k in wanted]
    (size,) = {len(p) for p in prefixes}
    rows = con.execute(
        "SELECT p.sender_key, r.received_at "
        "FROM (SELECT unnest($keys) AS sender_key, unnest($prefixes) AS prefix) p "
        "JOIN requests r ON left(r.request_id, $size) = p.prefix "
        "WHERE r.channel = $channel AND r.received_at BETWEEN $start AND $end "
        "ORDER BY p.sender_key, r.received_at",
        {
            "keys": wanted,
            "prefixes": prefixes,
            "size": size,
            "channel": CHANNEL,
            "start": _naive(start),
            "end": _naive(end),
        },
    ).fetchall()
    out: dict[str, list[datetime]] = {}
    for key, received in rows:
        out.setdefault(str(key), []).append(received)
    return out


def _naive(moment: datetime) -> datetime:
    """Office-local wall time, as the store keeps `received_at`."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(config.office_tz())).replace(tzinfo=None)


# ---------------------------------------------------------------------------- find


def find(
    paths: Iterable[str | Path],
    *,
    office: str | Sequence[str] | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    kecamatan: Sequence[str] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Found:
    """Read the exports and propose the requests in them; nothing is written.

    `office`: the office's own numbers/names (None: those set on the page).
    `kecamatan`: the names a message may name (None: `kecamatan_names` of the store).
    `con`: an open store connection (else one is opened for the look-ups and closed)."""
    from dashboard import whatsapp

    window = check_window(window_days)
    given = [Path(p) for p in paths]
    chats, refused = whatsapp.read_chats(given)
    found = Found(
        chats=chats,
        proposals=[],
        refused=[masked_line(line) for line in refused],
        problems=[masked_line(f"{chat.name}: {line}") for chat in chats for line in chat.problems],
    )
    if con is None:
        with store.connect() as own:
            return _propose(own, found, office, window, kecamatan)
    return _propose(con, found, office, window, kecamatan)


def _propose(
    con: duckdb.DuckDBPyConnection,
    found: Found,
    office: str | Sequence[str] | None,
    window: int,
    names: Sequence[str] | None,
) -> Found:
    from dashboard import whatsapp

    ours = parse_office(office) if office is not None else office_identity(con)
    kecamatan = tuple(names) if names is not None else kecamatan_names(con)
    key = pii.load_key()
    chats = found.chats
    times = whatsapp.time_span(chats)  # (earliest, latest), building no Message
    if times is None:
        return found
    # First without the store: which senders propose anything. Then the store's requests
    # of those senders around these days, and the rule again with them.
    first = whatsapp.propose(chats, office=ours, window_days=window, kecamatan=kecamatan, key=key)
    span = timedelta(days=window)
    known = known_requests(con, (p.sender_key for p in first), times[0] - span, times[1] + span)
    proposals = whatsapp.propose(
        chats, office=ours, window_days=window, kecamatan=kecamatan, known=known, key=key
    )
    # The same message in two exports handed over together: one request.
    unique: dict[str, whatsapp.Proposal] = {}
    for proposal in proposals:
        unique.setdefault(proposal.request_id, proposal)
    # Unticked on the page in an earlier review ("not a request"): not proposed again.
    dismissed = dismissed_ids(con, list(unique))
    found.dismissed = len(dismissed)
    found.proposals = sorted(
        (p for p in unique.values() if p.request_id not in dismissed),
        key=lambda p: (p.received_at, p.request_id),
    )
    # The requests this export begins that are stored already (the rule above skips them:
    # a stored request covers its own first message).
    held = stored_ids(con, [p.request_id for p in first if p.request_id not in unique])
    again: dict[str, whatsapp.Proposal] = {}
    for proposal in first:
        if proposal.request_id in held:
            again.setdefault(proposal.request_id, proposal)
    found.stored = sorted(again.values(), key=lambda p: (p.received_at, p.request_id))
    return found


def stored_ids(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    """Which of these request IDs the store holds (one statement, the IDs bound)."""
    return _present(con, "requests", ids)


def dismissed_ids(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    """Which of these proposal IDs staff unticked in an earlier review."""
    return _present(con, "whatsapp_dismissed", ids)


# One statement per table: the table name is part of the SQL text, never a value.
_PRESENT = {
    "requests": "SELECT request_id FROM requests WHERE request_id IN (SELECT unnest($ids))",
    "whatsapp_dismissed": (
        "SELECT request_id FROM whatsapp_dismissed WHERE request_id IN (SELECT unnest($ids))"
    ),
}


def _present(con: duckdb.DuckDBPyConnection, table: str, ids: Sequence[str]) -> set[str]:
    if not ids:
        return set()
    rows = con.execute(_PRESENT[table], {"ids": list(ids)}).fetchall()
    return {str(row[0]) for row in rows}


def dismiss(ids: Iterable[str], *, actor: roles.Actor) -> int:
    """Remember proposals staff unticked as "not a request", so later exports holding the
    same messages do not propose them again; returns how many were new. Only the IDs
    (keyed hashes) are kept. Needs the `import` permission, as saving does."""
    roles.require(actor, "import")
    wanted = sorted({str(i) for i in ids if str(i).startswith("WA-")})
    if not wanted:
        return 0
    with store.connect() as con, store.transaction(con):
        before = len(dismissed_ids(con, wanted))
        con.execute(
            "INSERT INTO whatsapp_dismissed "
            "SELECT unnest($ids), $who, now() ON CONFLICT (request_id) DO NOTHING",
            {"ids": wanted, "who": actor.username},
        )
    return len(wanted) - before


# ---------------------------------------------------------------------------- save


def to_table(proposals: Iterable[whatsapp.Proposal]) -> pa.Table:
    """The contract's request columns of the proposals, for `ingest.ingest_table`.

    `phone` and `nik` are raw here, in memory only: the import hashes them (and masks the
    phone) before anything is written."""
    import pyarrow as pa

    rows = list(proposals)
    return pa.table(
        {
            "request_id": pa.array([p.request_id for p in rows], pa.string()),
            "received_at": pa.array([_naive(p.received_at) for p in rows], pa.timestamp("s")),
            "channel": pa.array([CHANNEL] * len(rows), pa.string()),
            "service": pa.array([p.service for p in rows], pa.string()),
            "kecamatan": pa.array([p.kecamatan for p in rows], pa.string()),
            "phone": pa.array([p.phone for p in rows], pa.string()),
            "nik": pa.array([p.nik for p in rows], pa.string()),
        }
    )


def save(
    proposals: Iterable[whatsapp.Proposal],
    *,
    actor: roles.Actor,
    source_name: str,
    dry_run: bool = False,
    progress: ingest.Progress | None = None,
) -> ingest.ImportResult:
    """Import the proposals as requests: one import, one transaction, the five numbers.

    `dry_run`: everything done and counted, then rolled back (the store stays as it was)."""
    roles.require(actor, "import")
    return ingest.ingest_table(
        to_table(proposals),
        "requests",
        source_name=source_name,
        actor=actor,
        progress=progress,
        dry_run=dry_run,
    )


def chosen(proposals: Iterable[whatsapp.Proposal], ids: Iterable[str]) -> list[whatsapp.Proposal]:
    """The proposals whose request IDs were ticked, in their order."""
    wanted = set(ids)
    return [p for p in proposals if p.request_id in wanted]


# ---------------------------------------------------------------------------- review


def snippet(text: str | None) -> str:
    """The first words of a message for the review table: on one line, cut, every run
    of 8+ digits masked (a NIK or phone number typed into the message)."""
    line = " ".join(_CONTROL.sub(" ", text or "").split())
    if len(line) > SNIPPET_CHARS:
        line = line[: SNIPPET_CHARS - 1].rstrip() + "…"
    return pii.mask_digits(line) or ""


def review_rows(proposals: Iterable[whatsapp.Proposal]) -> list[dict[str, Any]]:
    """What the page keeps of each proposal and shows for review: no raw number, no NIK,
    no message text beyond the masked first words."""
    return [
        {
            "request_id": p.request_id,
            "received_at": _naive(p.received_at),
            "phone": pii.mask_phone(p.phone) if p.phone else None,
            "kecamatan": p.kecamatan,
            "service": p.service,
            "likely": bool(p.likely),
            "why": tuple(str(w) for w in p.why),
            "nik": bool(p.nik),
            "snippet": snippet(p.snippet),
        }
        for p in proposals
    ]
