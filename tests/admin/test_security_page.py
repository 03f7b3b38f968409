"""« Sécurité SIP »: failed authentications and blocked addresses, for administrators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from admin.views import security
from ivr.security.adapters.acl import SipSecurity
from ivr.security.guard import Failure


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
