"""Who may do what. Checked on the server by every write and every protected read.

`auth.py` decides who is signed in; this module only knows roles and permissions, so
the core (ingest, capacity, exports) can re-check an actor without importing Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("head", "staff", "analyst", "admin")

#: permission -> roles that hold it (ISSUE 4: head sees all charts and aggregate
#: downloads; staff also imports and changes capacity; analyst also row-level
#: exports; admin everything plus users and audit logs).
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "export_aggregate": frozenset(ROLES),
    "import": frozenset({"staff", "admin"}),
    "capacity": frozenset({"staff", "admin"}),
    "data_quality": frozenset({"staff", "admin"}),
    "export_rows": frozenset({"analyst", "admin"}),
    "users": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
}


class PermissionDenied(PermissionError):
    """The actor's role does not allow the action."""


@dataclass(frozen=True)
class Actor:
    """The person (or script) doing something, as the audit logs name them."""

    username: str
    role: str

    @classmethod
    def cli(cls, username: str = "cli") -> Actor:
        """Whoever runs the command line has the machine's files: treat as admin."""
        return cls(username=username or "cli", role="admin")

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS.get(permission, frozenset())


def require(actor: Actor | None, permission: str) -> Actor:
    """Raise PermissionDenied unless `actor` holds `permission`; return the actor."""
    if actor is None or not actor.can(permission):
        who = actor.username if actor else "anonymous"
        role = actor.role if actor else "none"
        raise PermissionDenied(f"{who} ({role}) may not {permission.replace('_', ' ')}")
    return actor
