"""E-mail in through a real IMAP server (Dovecot): a mail quoting a reference joins that
request's timeline with its attachment; another opens a request for the accueil; a
malformed one is kept and flagged; a second read records nothing twice."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.messages.adapters.imap import ImapConfig, poll
from ivr.settings import Settings
from ivr.stack.supervisor import Child, message_children
from ivr.store.db import Store
from ivr.store.models import Contact
from ivr.store.requests import create_request, get_request
from tests.fixtures.dovecot import PASSWORD, USER, available, running_dovecot
from tests.fixtures.mail import mail_bytes
from tests.fixtures.requests import ROOT, RULES
from townhall_support.wait import eventually

pytestmark = pytest.mark.skipif(not available(), reason="dovecot-imapd not installed")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_mails_from_the_contact_mailbox(tmp_path: Path, store: Store) -> None:
    """On SQLite and PostgreSQL (``store``)."""
    request = create_request(store, RULES, type_id="acte-deces", at=NOW, actor="t")
    spaced = " ".join(request.reference[i:i + 2] for i in range(0, 10, 2))
    area = tmp_path / "attachments"
    with running_dovecot() as box:
        box.drop(mail_bytes(f"Re: [Réf {spaced}] Votre demande", "Voici le justificatif.",
                            b"%PDF-1.4 justificatif"))
        box.drop(mail_bytes("Horaires de la piscine", "Bonjour, la piscine ouvre quand ?"))
        box.drop(b"From: \xff\xfe\r\nSubject: =?bad?Q?x?=\r\nContent-Type: text/plain; "
                 b"charset=unknown-8bit\r\n\r\n\xe9\xe8 texte\r\n")
        box.drop(mail_bytes("Trottoir", "Défoncé depuis un mois.", to="reclamations@villebourg.fr"))
        config = ImapConfig("127.0.0.1", box.port, USER, PASSWORD)
        first = poll(config, store, RULES, area, NOW)
        assert box.unseen() == 0
        assert poll(config, store, RULES, area, NOW) == []  # nothing left unread
    assert [r.intent for r in first] == ["reference", "other", "malformed", "reclamation"]
    complaint = get_request(store, first[3].reference or "")
    assert complaint.type == "reclamation" and complaint.acknowledge_due_at is not None
    timeline = get_request(store, request.reference)
    assert [a.filename for a in timeline.attachments] == ["justificatif.pdf"]
    assert (area / timeline.attachments[0].path).read_bytes() == b"%PDF-1.4 justificatif"
    opened = get_request(store, first[1].reference or "")
    assert (opened.type, opened.department, opened.channel) == \
        ("demande-information", "accueil", "email")
    with store.session() as session:
        linked = session.scalars(select(Contact).where(
            Contact.request_id == timeline.id, Contact.channel == "email")).one()
        assert linked.direction == "inbound" and linked.caller == "alice@example.org"
        odd = session.get_one(Contact, first[2].contact_id)
        assert odd.outcome == "malformed" and "texte" in (odd.body or "")


def test_the_stack_reads_the_mailbox_as_a_supervised_child(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader child of the stack records a dropped mail, and is back after a kill."""
    db = tmp_path / "townhall.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    with running_dovecot() as box:
        settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path),
                                      "TOWNHALL_RULES": str(ROOT / "routing_rules.yaml"),
                                      "TOWNHALL_IMAP_HOST": "127.0.0.1",
                                      "TOWNHALL_IMAP_PORT": str(box.port),
                                      "TOWNHALL_IMAP_USER": USER,
                                      "TOWNHALL_IMAP_PASSWORD": PASSWORD})
        for name, value in settings.to_env().items():
            monkeypatch.setenv(name, value)
        [(name, args)] = message_children(settings)
        assert name == "mail-reader"
        argv = [sys.executable, "-m", "ivr.cli", *args[:-1], "0.2"]  # read every 0.2 s
        child = Child("mail-reader", argv, tmp_path / "mail-reader.log")
        child.start()
        threading.Thread(target=child.watch, daemon=True).start()
        try:
            box.drop(mail_bytes("Inscription à la cantine", "Bonjour, comment inscrire mon fils ?"))
            eventually(lambda: box.unseen() == 0, 30, 0.2)
            assert child.process is not None
            child.process.kill()
            box.drop(mail_bytes("Encombrants", "Quand passent les encombrants ?"))
            eventually(lambda: box.unseen() == 0, 30, 0.2)
            assert child.restarts == 1
        finally:
            child.stop()
    with store.session() as session:
        subjects = sorted(session.scalars(select(Contact.subject).where(
            Contact.channel == "email", Contact.direction == "inbound")))
    assert subjects == ["Encombrants", "Inscription à la cantine"]
