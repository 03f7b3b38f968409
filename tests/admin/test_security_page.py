"""« Sécurité SIP »: failed authentications and blocked addresses, for administrators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from admin.views import security
from ivr.security.adapters.acl import SipSecurity
from ivr.security.guard import Failure
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import AuditLog


def test_without_asterisk_the_page_says_so(as_user: Callable[[str], FlaskClient]) -> None:
    page = as_user("admin").get("/securite/")
    assert page.status_code == 200 and "Asterisk n’est pas démarré" in page.text
    assert as_user("superviseur").get("/securite/").status_code == 403


def test_failures_newest_first_and_blocked_addresses(
        as_user: Callable[[str], FlaskClient], monkeypatch: pytest.MonkeyPatch) -> None:
    at = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    seen = SipSecurity(True, [Failure(at, "203.0.113.9", "agent-1", "ChallengeResponseFailed"),
                              Failure(at, "198.51.100.4", "", "InvalidAccountID")],
                       ["203.0.113.9"])
    monkeypatch.setattr(security, "sip_security", lambda settings: seen)
    page = as_user("admin").get("/securite/").text
    assert "<li>203.0.113.9</li>" in page
    assert "mot de passe refusé" in page and "compte ou appareil inconnu" in page
    assert page.index("203.0.113.9</td>") < page.index("198.51.100.4</td>")


def test_a_new_phone_password_is_shown_once_and_replaces_the_old(
        as_user: Callable[[str], FlaskClient], settings: Settings, store: Store) -> None:
    client = as_user("admin")
    old = settings.secret("sip-agent-etat-civil-1")
    assert "État civil 1" in client.get("/securite/").text
    page = client.post("/securite/telephones", data={"agent": "agent-etat-civil-1"})
    new = settings.secret("sip-agent-etat-civil-1")
    assert page.status_code == 200 and new != old and f"<code>{new}</code>" in page.text
    assert "prochain démarrage" in page.text  # no Asterisk running in this test
    assert new not in client.get("/securite/").text  # shown once
    with store.session() as session:
        entry = session.query(AuditLog).filter_by(action="agent.password").one()
        assert new not in str(entry.detail) and entry.object == "agent-etat-civil-1"
    assert client.post("/securite/telephones", data={"agent": "inconnu"}).status_code == 400
    assert as_user("superviseur").post("/securite/telephones",
                                       data={"agent": "agent-etat-civil-1"}).status_code == 403
