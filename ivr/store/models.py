"""Tables of the shared request store (SQLAlchemy 2 typed mappings).

The same schema runs on SQLite (one town hall, one machine) and PostgreSQL (several
instances); only portable types are used. Every timestamp is stored in UTC and read
back timezone-aware, whatever the dialect. The schema itself is created by the
Alembic revisions in ``ivr/store/migrations``, never by ``create_all``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

CHANNELS = ("phone", "web", "email", "counter", "sms")
DIRECTIONS = ("inbound", "outbound")
ROUTED_BY = ("dtmf", "speech", "default", "closed")
ROLES = ("administrateur", "superviseur", "agent", "elu", "crise")
CALLBACK_STATES = ("pending", "claimed", "dialing", "done", "failed", "cancelled")
CONTACT_POINT_KINDS = ("phone", "email")
CONSENT_CHANNELS = ("phone", "web", "email", "counter", "sms", "letter")
REQUEST_EVENT_KINDS = ("created", "status", "assigned", "note", "acknowledged", "escalated",
                       "answered")
SYNC_STATES = ("none", "pending", "done")  # an appointment's copy on the élu's CalDAV server
MESSAGE_CHANNELS = ("sms", "email")
MESSAGE_STATES = ("pending", "sending", "sent", "delivered", "failed", "unknown", "cancelled")

# Stable constraint names, so later migrations can alter them on both dialects.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC.

    SQLite keeps no zone and PostgreSQL returns the session's zone: normalising on
    the way in and out makes comparisons and JSON output identical on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


# Row bookkeeping uses the database's clock on purpose: it records when the row was
# physically written, which a shifted TOWNHALL_CLOCK must not falsify.
def _created() -> Mapped[datetime]:
    return mapped_column(server_default=func.now())


def _updated() -> Mapped[datetime]:
    return mapped_column(server_default=func.now(), onupdate=func.now())


class Contact(Base):
    """One contact of a citizen with the town hall (a call, a web form, a visit…)."""

    __tablename__ = "contacts"
    __table_args__ = (
        _one_of("channel", CHANNELS, "channel"),
        _one_of("direction", DIRECTIONS, "direction"),
        CheckConstraint(
            "routed_by IS NULL OR routed_by IN ('dtmf', 'speech', 'default', 'closed')",
            name="routed_by",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(128), unique=True)
    call_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="phone", server_default="phone")
    direction: Mapped[str] = mapped_column(String(16), default="inbound", server_default="inbound")
    started_at: Mapped[datetime] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    caller: Mapped[str | None] = mapped_column(String(64), index=True)
    called: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(64), index=True)
    routed_by: Mapped[str | None] = mapped_column(String(16))
    menu_path: Mapped[str | None] = mapped_column(String(64))
    transcript: Mapped[str | None] = mapped_column(Text)
    intent_confidence: Mapped[float | None]
    queue: Mapped[str | None] = mapped_column(String(64))
    wait_seconds: Mapped[float | None]
    talk_seconds: Mapped[float | None]
    agent: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(32), index=True)
    hangup_stage: Mapped[str | None] = mapped_column(String(32))
    parent_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    subject: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str | None] = mapped_column(Text)
    # Highest writer op seq applied to the fields above: replays are last-writer-wins.
    # 64 bits: a seq is a microsecond timestamp times 16 (``ivr.store.seqs``).
    op_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    events: Mapped[list[ContactEvent]] = relationship(
        back_populates="contact", order_by="ContactEvent.seq", cascade="all, delete-orphan"
    )


class ContactEvent(Base):
    """Append-only history of a contact; (contact, seq) is unique so replays never duplicate."""

    __tablename__ = "contact_events"
    __table_args__ = (UniqueConstraint("contact_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any] | None]

    contact: Mapped[Contact] = relationship(back_populates="events")


class User(Base):
    """An admin user (passwords hashed by the admin; roles are French words)."""

    __tablename__ = "users"
    __table_args__ = (_one_of("role", ROLES, "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = _created()
    last_login_at: Mapped[datetime | None]
    # Copied into each login session and bumped at logout (server-side invalidation).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")


class AuditLog(Base):
    """Who changed what in the admin, for accountability."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[dict[str, Any] | None]


class ApiToken(Base):
    """A bearer token of the admin API; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = _created()
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    # Space-separated scopes (admin.api.SCOPES); ``full`` is every right.
    scopes: Mapped[str] = mapped_column(String(255), default="full", server_default="full")
    expires_at: Mapped[datetime | None]


class RulesVersion(Base):
    """Every published routing_rules.yaml, so a change can be audited and rolled back."""

    __tablename__ = "rules_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = _created()
    author: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)


class Callback(Base):
    """A promised call back to a citizen; claimed under a lease before dialling."""

    __tablename__ = "callbacks"
    __table_args__ = (
        _one_of("state", CALLBACK_STATES, "state"),
        Index(None, "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    number: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    priority: Mapped[int] = mapped_column(default=0, server_default="0")
    due_at: Mapped[datetime | None]
    promised_before: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(default=3, server_default="3")
    next_attempt_at: Mapped[datetime | None]
    lease_id: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]  # set when ``done`` (app clock), for the indicator
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Citizen(Base):
    """A person the town hall owes something to; data kept to the minimum (GDPR).

    The date of birth is filled only for request types that verify it on the phone; the
    postal address (one, all four parts or none: ``ivr.requests.address``) only when a
    document is to be posted.
    """

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    birth_date: Mapped[date | None] = mapped_column(Date)
    address_street: Mapped[str | None] = mapped_column(String(120))
    address_extra: Mapped[str | None] = mapped_column(String(120))
    address_postcode: Mapped[str | None] = mapped_column(String(5))
    address_city: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    contact_points: Mapped[list[CitizenContactPoint]] = relationship(
        back_populates="citizen", order_by="CitizenContactPoint.id", cascade="all, delete-orphan")


class CitizenContactPoint(Base):
    """A phone number (E.164) or e-mail address (lower case) of one citizen, unique per kind."""

    __tablename__ = "citizen_contact_points"
    __table_args__ = (
        _one_of("kind", CONTACT_POINT_KINDS, "kind"),
        UniqueConstraint("kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizens.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = _created()

    citizen: Mapped[Citizen] = relationship(back_populates="contact_points")


class Consent(Base):
    """A consent given or withdrawn for one purpose, with its proof; append-only.

    The latest row of a (citizen, purpose) is in force. ``wording`` is the sentence the
    citizen agreed to, ``channel`` where, ``at`` when (application clock).
    """

    __tablename__ = "consents"
    __table_args__ = (
        _one_of("channel", CONSENT_CHANNELS, "channel"),
        Index(None, "citizen_id", "purpose", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(64))  # notifications, liste:<name>…
    granted: Mapped[bool]
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    wording: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(64))


_RUNNING = text("closed_at IS NULL AND clock_stopped_at IS NULL")
_WAITING = text("closed_at IS NULL AND clock_stopped_at IS NOT NULL")


class Request(Base):
    """A request (demande): what the town hall owes a citizen, by a promised date.

    ``version`` is SQLAlchemy's ``version_id_col``: every UPDATE says ``WHERE version=``,
    so of two agents changing the same request at once, one wins and the other gets a
    ``StaleDataError`` (``StaleVersion`` for callers). ``clock_stopped_at`` is set while
    the request sits in a status that stops the clock; ``closed_at`` once it is final.
    """

    __tablename__ = "requests"
    __table_args__ = (
        _one_of("channel", CHANNELS, "channel"),
        # The worklist read as ordered range scans (``ivr.store.request_worklist``): open
        # requests whose clock runs, by due date, with and without a department; those
        # waiting for the citizen per department. Partial indexes, because PostgreSQL
        # takes an index's order after ``= value`` columns only, never after ``IS NULL``
        # ones. ``id`` last: the order's tie-break, so no sort step.
        Index("ix_requests_running_due_at_id", "due_at", "id",
              sqlite_where=_RUNNING, postgresql_where=_RUNNING),
        Index("ix_requests_running_department_due_at_id", "department", "due_at", "id",
              sqlite_where=_RUNNING, postgresql_where=_RUNNING),
        Index("ix_requests_waiting_department_due_at_id", "department", "due_at", "id",
              sqlite_where=_WAITING, postgresql_where=_WAITING),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]  # application clock: the promised delay runs from it
    due_at: Mapped[datetime]
    clock_stopped_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # référentiel Marianne: acknowledgement deadline (types with ``acknowledge_within``)
    acknowledge_due_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]  # flagged to the superviseur once late
    answer: Mapped[str | None] = mapped_column(Text)  # the answer sent to the citizen
    adopted: Mapped[bool | None]  # a suggestion put into practice (« on l'a fait »)
    delivery: Mapped[str | None] = mapped_column(String(16))  # courrier | courriel (an act)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = _updated()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it once)

    citizen: Mapped[Citizen | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.id", cascade="all, delete-orphan")


class RequestEvent(Base):
    """Append-only history of a request: creation, each status change, each assignment."""

    __tablename__ = "request_events"
    __table_args__ = (_one_of("kind", REQUEST_EVENT_KINDS, "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(64))
    to_status: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[Request] = relationship(back_populates="events")


class Attachment(Base):
    """A file of a request (voice message, scan) kept in the attachment area, mode 0600.

    ``path`` is relative to that area; size and SHA-256 let anyone check the file.
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # the name given by the sender
    path: Mapped[str] = mapped_column(String(255), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))


class Appointment(Base):
    """The slot of an appointment request: one calendar, one start instant.

    The partial unique index on (calendar, start) among rows not cancelled is what
    makes « never twice » true: of two bookings of the same slot at the same instant,
    the database refuses the second. ``sync_*`` follow the copy pushed to the élu's
    own calendar server (CalDAV), retried from here while it is ``pending``.
    """

    __tablename__ = "appointments"
    __table_args__ = (
        Index("uq_appointments_calendar_start_active", "calendar", "start", unique=True,
              sqlite_where=text("cancelled_at IS NULL"),
              postgresql_where=text("cancelled_at IS NULL")),
        Index(None, "calendar", "start"),
        _one_of("sync_state", SYNC_STATES, "sync_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), unique=True)
    calendar: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime]
    end: Mapped[datetime]
    motive: Mapped[str] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None]
    sync_state: Mapped[str] = mapped_column(String(8), default="none")
    sync_attempts: Mapped[int] = mapped_column(Integer, default=0)
    sync_error: Mapped[str | None] = mapped_column(Text)
    sync_due_at: Mapped[datetime | None]

    request: Mapped[Request] = relationship()


class CalendarFeed(Base):
    """The secret address of a calendar's iCalendar feed (only its SHA-256 is kept);
    revoked when a new one is made or on demand, so a leaked address stops working."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar: Mapped[str] = mapped_column(String(64), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Survey(Base):
    """The satisfaction survey at the end of a call (référentiel Marianne).

    Scores are NULL when the caller keyed nothing valid: the survey was offered, no
    score was given. ``department`` and ``agent`` are those of the call answered.
    """

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
                        name="satisfaction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    caller: Mapped[str | None] = mapped_column(String(64), index=True)
    department: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    satisfaction: Mapped[int | None]
    got_answer: Mapped[bool | None]
    # the secret of the link sent by SMS (None: asked by phone); where it was answered
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(8), default="phone", server_default="phone")


class Message(Base):
    """One SMS or e-mail to send (the outbox), claimed under a lease before it leaves.

    ``attempt_id`` is committed with the claim, before the gateway is called: a row
    found ``sending`` with an expired lease may have left, so it becomes ``unknown``; it is
    sent again by itself only when the gateway shows it does not have it (no delivery
    report, gateway back and empty, see ``ivr.messages.resend``), else an agent decides.
    ``contact_id`` is the outbound contact that shows the message in the request's
    timeline; ``fallback_of`` the message this one replaces on another channel after a
    failure.
    """

    __tablename__ = "messages"
    __table_args__ = (
        _one_of("channel", MESSAGE_CHANNELS, "channel"),
        _one_of("state", MESSAGE_STATES, "state"),
        Index(None, "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(320))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    purpose: Mapped[str] = mapped_column(String(64))  # notifications, liste:<name>, direct
    template: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    alert: Mapped[bool] = mapped_column(default=False, server_default=false())
    state: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(default=12, server_default="12")
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempt_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)
    fallback_of: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # the same message ready for the citizen's other channels, tried in order on failure
    alternates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # a file sent with an e-mail (the monthly report), a path under the instance's home
    attachment: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(index=True)  # application clock
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    # an SMS with no report of any kind long after ``attempt_at`` may be resent by itself
    # (``ivr.messages.resend``), at most a few times (``resends``)
    attempt_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    resends: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = _updated()


class MessageTemplate(Base):
    """An agent's version of a notification template (the shipped text otherwise)."""

    __tablename__ = "message_templates"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255))
    sms: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = _updated()


class MessageList(Base):
    """An information list citizens subscribe to (consent purpose ``liste:<name>``)."""

    __tablename__ = "message_lists"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    label: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class MessagePreference(Base):
    """The channel a citizen prefers for notifications (``sms`` or ``email``)."""

    __tablename__ = "message_preferences"
    __table_args__ = (_one_of("channel", MESSAGE_CHANNELS, "channel"),)

    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizens.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = _updated()


class VoicemailIngest(Base):
    """One voicemail message taken from Asterisk's spool into a request, exactly once.

    ``key`` (box/origtime/msg_id) is unique: the row is inserted first in the ingesting
    transaction, so a second process ingesting the same message waits on it and then
    fails, and the spool file is removed only once this row is committed. ``call_id``
    (the channel's unique id) links the call's contact when it reaches the database.
    """

    __tablename__ = "voicemail_ingests"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    box: Mapped[str] = mapped_column(String(64))
    msg_id: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str | None] = mapped_column(String(128), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(index=True)


SELF_SERVICE_ATTEMPT_KINDS = ("reference", "verification", "unlock")


class SelfServiceAttempt(Base):
    """One attempt of a caller at a request on the phone, kept to count failures over a
    sliding window (per caller number, per reference); append-only. Never the secret
    keyed (birth date, PIN): only whether it matched. ``unlock`` rows are an agent's
    unlocking of the reference (``actor``): failures before it no longer count."""

    __tablename__ = "self_service_attempts"
    __table_args__ = (
        _one_of("kind", SELF_SERVICE_ATTEMPT_KINDS, "kind"),
        Index(None, "caller", "at"),
        Index(None, "reference", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    ok: Mapped[bool]
    caller: Mapped[str | None] = mapped_column(String(32))  # E.164; None when withheld
    reference: Mapped[str | None] = mapped_column(String(16))  # as keyed, when well formed
    call_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(64))


class SelfServiceLock(Base):
    """A reference locked for phone self-service after repeated failed verifications;
    the row goes when an agent unlocks it (``ivr.store.self_service.unlock``)."""

    __tablename__ = "self_service_locks"

    reference: Mapped[str] = mapped_column(String(16), primary_key=True)
    locked_at: Mapped[datetime]
    failures: Mapped[int] = mapped_column(Integer)


ALERT_MODES = ("alerte", "information")
ALERT_STATUSES = ("brouillon", "en_cours", "arretee", "terminee")
ALERT_VIA = ("admin", "api", "cli", "telephone")
ALERT_SOURCES = ("abonne", "registre", "cellule")
ALERT_TEXT_COPIES = ("secours", "parallele", "aucune")  # SMS/e-mail: to the unreached, to all
ALERT_RECIPIENT_STATES = ("en_attente", "en_cours", "acquitte", "aide", "messagerie",
                          "non_acquitte", "echec")


class AlertCampaign(Base):
    """One alert broadcast (« inondation, évacuez… ») and its pacing; its audience is
    copied into ``alert_recipients`` when it is created, so later list changes do not
    alter who a running campaign calls."""

    __tablename__ = "alert_campaigns"
    __table_args__ = (
        _one_of("mode", ALERT_MODES, "mode"),
        _one_of("status", ALERT_STATUSES, "status"),
        _one_of("created_via", ALERT_VIA, "created_via"),
        _one_of("text_copies", ALERT_TEXT_COPIES, "text_copies"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    mode: Mapped[str] = mapped_column(String(16))
    test_mode: Mapped[bool] = mapped_column(default=False, server_default=false())
    message_text: Mapped[str | None] = mapped_column(Text)
    message_audio: Mapped[str | None] = mapped_column(String(512))  # a sound file's path
    status: Mapped[str] = mapped_column(String(16), default="brouillon",
                                        server_default="brouillon", index=True)
    channel_budget: Mapped[int] = mapped_column(Integer)
    calls_per_minute: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    retry_spacing_seconds: Mapped[int] = mapped_column(Integer)
    # the message by SMS (mobiles) and e-mail: « secours » to whoever the phone did not
    # reach, « parallele » to everyone when the campaign starts, or « aucune »
    text_copies: Mapped[str] = mapped_column(String(16), default="secours",
                                             server_default="secours")
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_via: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]  # application clock
    started_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class AlertRecipient(Base):
    """One number to reach in a campaign. ``en_cours`` rows are claimed by a dialer
    until ``claimed_until``; ``attempts`` counts the dials started, so (``claimed_by``,
    ``attempts``) names the attempt whose outcome may be recorded."""

    __tablename__ = "alert_recipients"
    __table_args__ = (
        _one_of("source", ALERT_SOURCES, "source"),
        _one_of("state", ALERT_RECIPIENT_STATES, "state"),
        UniqueConstraint("campaign_id", "number"),
        Index(None, "campaign_id", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("alert_campaigns.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32))  # E.164
    name: Mapped[str | None] = mapped_column(String(255))
    vulnerable: Mapped[bool] = mapped_column(default=False, server_default=false())
    source: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="en_attente",
                                       server_default="en_attente")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    last_result: Mapped[str | None] = mapped_column(String(32))
    last_reason: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None]
    help_requested_at: Mapped[datetime | None]
    help_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="SET NULL"))


class AlertAttempt(Base):
    """One dial of a recipient: when it started and ended, and what the phone did."""

    __tablename__ = "alert_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("alert_recipients.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)


class SafeguardEntry(Base):
    """A household of the commune's safeguard-plan register (plan communal de
    sauvegarde), imported from CSV; ``vulnerable`` ones are called first."""

    __tablename__ = "safeguard_register"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    number: Mapped[str] = mapped_column(String(32), unique=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(320))
    address: Mapped[str | None] = mapped_column(Text)
    vulnerable: Mapped[bool] = mapped_column(default=False, server_default=false())
    note: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime]
class MessageBroadcast(Base):
    """A « send to a list »: one text to every subscriber of a list, queued a few a minute.

    ``key`` is the form's idempotency key (a second submit starts nothing); ``cursor``
    is the last citizen id queued, so the sender's chore goes on where it stopped, and
    each message's dedupe key (``diffusion:<id>:<citizen>``) makes every one leave once.
    """

    __tablename__ = "message_broadcasts"
    __table_args__ = (_one_of("state", ("en_cours", "terminee"), "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    list_name: Mapped[str] = mapped_column(ForeignKey("message_lists.name"))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    per_minute: Mapped[int] = mapped_column(Integer)
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer)  # subscribers when it started
    state: Mapped[str] = mapped_column(String(16), default="en_cours")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]  # application clock
    finished_at: Mapped[datetime | None]


class SubscriptionRequest(Base):
    """A subscription asked through the API, in force only once confirmed (double opt-in):
    a link sent by e-mail or a code sent by SMS; only the secret's SHA-256 is kept."""

    __tablename__ = "subscription_requests"
    __table_args__ = (_one_of("channel", MESSAGE_CHANNELS, "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the link's token
    code_hash: Mapped[str | None] = mapped_column(String(64))  # the SMS code, salted by the above
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(320), index=True)  # E.164 or lower-case e-mail
    list_name: Mapped[str] = mapped_column(ForeignKey("message_lists.name"))
    wording: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)  # wrong codes keyed


class LoginLimit(Base):
    """A login rate-limit counter shared by every admin process and thread: attempts in
    the current fixed window, per account and per client (the key is hashed: neither
    the address nor the name typed is kept)."""

    __tablename__ = "login_limits"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[float] = mapped_column(index=True)  # epoch seconds, as limits counts
