"""Voicemail messages are requests (issue #12, item 4), through the real stack: a SIPp
citizen reaches a closed department, declines the callback (2) and speaks a message
(espeak-ng); the IVR turns Asterisk's spool file into a request of that department with
the caller's number, the recording kept in the attachment area and the call linked; an
agent of the department finds it in the admin's worklist and the page plays it."""

from __future__ import annotations

import html
import re
import wave
from pathlib import Path

import pytest
from werkzeug.test import TestResponse

from admin import create_app
from admin.accounts import add_user
from ivr.simulate import FIRST_WAIT, AgentPhone
from ivr.sipp.scenario import Dtmf, Say, Wait
from ivr.store import Store
from ivr.store import requests as repo
from ivr.store.attachments import attachment_file
from ivr.store.citizens import get_citizen
from ivr.store.requests import RequestView
from tests.fixtures.admin import PASSWORD, login
from tests.fixtures.db import sqlite_url
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite: the spool file → request path is the IVR's; the request store runs on both
    databases in its unit tests (``tests/unit/requests``)."""
    return sqlite_url(tmp_path)

SUNDAY = "2026-12-06T10:00:00+01:00"
# The closed message lasts ~8 s after the keys, then the callback offer (« … tapez 1.
# Pour laisser un message, tapez 2. »): the caller keys 2 during it and speaks for
# ~23 s at once; the voicemail greeting takes ~6 s, so the beep falls inside the speech
# with margin on both sides (the recording stops after 3 s of silence, and Asterisk
# drops a message under 4 s).
BEFORE_DECLINING = 11.0
MESSAGE = ("Bonjour, je m'appelle Jeanne Dupont, j'ai besoin d'une copie intégrale de mon "
           "acte de naissance pour un dossier de mariage. ") * 4


def kinds(stack: Stack, ref: str) -> list[str]:
    """The kinds of the call's contact events, in order."""
    contact = stack.contact(ref)
    return [e["kind"] for e in contact["events"]] if contact else []


def agent_hears(stack: Stack, store: Store, request: RequestView) -> tuple[str, str, TestResponse]:
    """What an état civil agent gets from the admin: (worklist page, request page, the
    recording its ``<audio>`` element plays)."""
    with store.session() as session:
        add_user(session, stack.settings.clock.now(), "agent-ec", PASSWORD, "agent",
                 "etat-civil", actor="test")
    app = create_app(stack.settings, {"TESTING": True, "STORE": store, "AMI_ENABLED": False,
                                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    assert login(client, "agent-ec") == 302
    worklist = html.unescape(client.get("/demandes/").text)
    page = html.unescape(client.get(f"/demandes/{request.reference}").text)
    played = re.search(r'<audio controls preload="none" src="([^"]+)"', page)
    assert played is not None, page
    return worklist, page, client.get(played.group(1))


def test_a_message_left_at_a_closed_department_is_a_request_in_its_worklist(
        tmp_path_factory: pytest.TempPathFactory, agent: AgentPhone, db_url: str) -> None:
    with running_stack(tmp_path_factory, agent, clock=SUNDAY,
                       settings={"db_url": db_url}) as stack:
        result = stack.call(steps=[Wait(FIRST_WAIT), Dtmf("11"), Wait(BEFORE_DECLINING),
                                   Dtmf("2"), Say(MESSAGE)], hold_seconds=5, timeout=120)
        assert result.answered, result.error
        store = Store(stack.settings.db_url)
        try:
            found = eventually(lambda: repo.worklist(store, now=stack.settings.clock.now(),
                                                     department="etat-civil"), 30)
            assert len(found) == 1, stack.app_log()
            [request] = found
            assert request.type == "message-vocal"
            assert request.citizen_id is not None, stack.app_log()
            assert get_citizen(store, request.citizen_id).phones == ("+33612345678",)
            contact = stack.contact(result.ref, until=lambda c: c["request_id"] is not None,
                                    wait=15)
            assert contact is not None and contact["request_id"] == request.id
            full = repo.get_request(store, request.reference)
            assert full.contact_ids == (contact["id"],)
            [audio] = full.attachments
            assert audio.mime == "audio/wav"
            with wave.open(str(attachment_file(stack.settings.attachments_dir, audio))) as w:
                assert w.getnframes() / w.getframerate() > 1.0
            assert full.description is not None and " s laissé le " in full.description
            worklist, page, sound = agent_hears(stack, store, request)
            assert request.display_reference in worklist
            assert "par +33612345678" in page  # the caller's number, in the description
            assert (sound.status_code, sound.mimetype) == (200, "audio/wav")
            assert sound.data[:4] == b"RIFF" and len(sound.data) == audio.size
            assert "callback_declined" in kinds(stack, result.ref), stack.app_log()
            spool = stack.asterisk.voicemail_spool / "etat-civil" / "INBOX"
            assert not list(spool.glob("msg*")), "the spool keeps an ingested message"
        finally:
            store.dispose()
