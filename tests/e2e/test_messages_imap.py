"""E-mail in through a real IMAP server (Dovecot): a mail quoting a reference joins that
request's timeline with its attachment; another opens a request for the accueil; a
malformed one is kept and flagged; a second read records nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.messages.adapters.imap import ImapConfig, poll
from ivr.store.db import Store
from ivr.store.models import Contact
from ivr.store.requests import create_request, get_request
from tests.fixtures.dovecot import PASSWORD, USER, available, running_dovecot
from tests.fixtures.mail import mail_bytes
from tests.fixtures.requests import RULES

pytestmark = pytest.mark.skipif(not available(), reason="dovecot-imapd not installed")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_mails_from_the_contact_mailbox(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'townhall.db'}")
    store.migrate()
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
