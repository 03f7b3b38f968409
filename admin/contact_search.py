"""Search and filters of the contacts list, as one SQLAlchemy statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, distinct, func, or_, select
from sqlalchemy.orm import Session

from admin.period import bounds
from ivr.store.models import Contact


@dataclass(frozen=True)
class ContactQuery:
    """What the user asked for; ``department`` is forced for agents."""

    text: str | None = None
    target: str | None = None
    outcome: str | None = None
    routed_by: str | None = None
    start: date | None = None
    end: date | None = None
    department: str | None = None

    def statement(self) -> Select[tuple[Contact]]:
        """Contacts matching every given criterion, newest first."""
        stmt = select(Contact).order_by(Contact.started_at.desc(), Contact.id.desc())
        for column, value in (
            (Contact.target, self.target),
            (Contact.outcome, self.outcome),
            (Contact.routed_by, self.routed_by),
            (Contact.target, self.department),
        ):
            if value:
                stmt = stmt.where(column == value)
        low, high = bounds(self.start, self.end)
        if low:
            stmt = stmt.where(Contact.started_at >= low)
        if high:
            stmt = stmt.where(Contact.started_at < high)
        if self.text:
            texts = (Contact.caller, Contact.transcript, Contact.subject, Contact.body, Contact.ref)
            stmt = stmt.where(or_(*(col.icontains(self.text, autoescape=True) for col in texts)))
        return stmt

    def count(self, session: Session) -> int:
        """How many contacts match."""
        return session.scalar(select(func.count()).select_from(self.statement().subquery())) or 0


def distinct_values(session: Session, column: object) -> list[str]:
    """Values present in a contacts column, for the filter menus."""
    stmt = select(distinct(column)).where(column.isnot(None)).order_by(column)  # type: ignore[attr-defined]
    return [v for v in session.scalars(stmt) if v]
