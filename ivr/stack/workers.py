"""The background workers: one table read by the development supervisor (``make run``)
and by ``production install-units`` (one systemd unit each), so both run the same set.

Each worker is one ``townhall-ivr`` command that runs in the foreground until stopped.
The messages sender and the mailbox reader are needed only when their gateway or
mailbox is configured; elsewhere their commands refuse to start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ivr.settings import Settings

MAIL_EVERY = 30.0  # seconds between two readings of the contact mailbox


def _always(settings: Settings) -> bool:
    return True


def _has_gateway(settings: Settings) -> bool:
    return bool(settings.kannel_sendsms_url or settings.smtp_host)


def _has_mailbox(settings: Settings) -> bool:
    return bool(settings.imap_host)


@dataclass(frozen=True)
class Worker:
    """A background component: its name (log file, unit suffix), command and purpose."""

    name: str
    args: tuple[str, ...]
    description: str  # French: the unit's description
    needed: Callable[[Settings], bool] = _always

    @property
    def unit(self) -> str:
        return f"townhall-ivr-{self.name}.service"

    @property
    def optional(self) -> bool:
        return self.needed is not _always


WORKERS: tuple[Worker, ...] = (
    Worker("scheduler", ("callbacks", "run"), "rappels des usagers (planificateur)"),
    # flood alerts: idle while no campaign runs
    Worker("alerts", ("alerts", "run"), "appels d'alerte à la population"),
    # référentiel Marianne: late complaints escalated, last month's report printed
    Worker("marianne", ("marianne", "run"), "suivi Marianne (réclamations, rapport)"),
    # appointments booked, moved or cancelled reach the élus' own calendar servers
    Worker("appointments", ("appointments", "run"), "agendas des élus (CalDAV)"),
    Worker("messages", ("messages", "run"), "envoi des SMS et courriels", _has_gateway),
    Worker("mail-reader", ("messages", "fetch-mail", "--every", str(MAIL_EVERY)),
           "lecture de la boîte de contact", _has_mailbox),
)


def worker(name: str) -> Worker:
    """The worker called ``name`` (KeyError if none)."""
    found = {w.name: w for w in WORKERS}
    return found[name]


def needed_workers(settings: Settings) -> list[Worker]:
    """The workers this configuration runs."""
    return [w for w in WORKERS if w.needed(settings)]
