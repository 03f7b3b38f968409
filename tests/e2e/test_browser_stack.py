"""The issue's end-to-end browser test: the real stack, the admin on the same database.

Asterisk + the IVR (``running_stack``) and the admin served by waitress against the
same store; headless Chromium logs in, edits the rules in the code editor and publishes them (the
IVR is signalled), then a SIPp call placed with the keypad shows up in the contacts list
and in the indicators' count; « Mon poste » shows the caller when the queue rings
the SIPp agent phone; and a closure added in the « Fermetures » form is heard by a
caller that very day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from hashlib import sha256

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from admin import create_app, live_queues
from admin.accounts import add_user
from admin.live_queues import get_live
from ivr.rules import load_rules
from ivr.simulate import AgentPhone
from ivr.store.citizens import NewCitizen
from ivr.store.db import Store
from ivr.store.requests import create_request
from ivr.telephony.queue_events import AgentRinging
from tests.fixtures.browser import (
    chromium,
    code_editor_text,
    log_in,
    retype_in_code_editor,
    served,
)
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e
PASSWORD = "mot-de-passe-solide"
CALLER = "0612345678"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with (
        AgentPhone(mode="answer", max_seconds=30) as agent,
        running_stack(tmp_path_factory, agent) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def admin_app(stack: Stack) -> Iterator[Flask]:
    """The admin (CSRF on, its own AMI listener, connected) on the stack's database, one
    administrateur."""
    store = Store(stack.settings.db_url)
    try:
        with store.session() as session:
            add_user(session, stack.settings.clock.now(), "maire-adjoint", PASSWORD,
                     "administrateur", None, actor="test")  # fmt: skip
    finally:
        store.dispose()
    app = create_app(stack.settings)
    try:
        assert app.extensions["townhall_live_queues"].listener.wait_connected(30)
        yield app
    finally:
        live_queues.stop_listener(app)


@pytest.fixture(scope="module")
def admin_url(admin_app: Flask) -> Iterator[str]:
    with served(admin_app) as url:
        yield url


def _calls_today(page: Page, base_url: str) -> int:
    page.goto(f"{base_url}/")
    return int(page.locator("li", has_text="Appels reçus").locator("strong").inner_text())


def _edit_and_publish(page: Page, base_url: str, stack: Stack) -> None:
    """Rename the town in the code editor and publish (its error markers: tests/admin)."""
    page.goto(f"{base_url}/rules/")
    original = code_editor_text(page)
    line = next(i for i, t in enumerate(original.splitlines(), 1) if "Mairie de Villebourg" in t)
    retype_in_code_editor(page, line, "Villebourg", "Bout-en-Bout")
    page.get_by_label("Commentaire de publication").fill("test de bout en bout")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("status")).to_contain_text("Règles publiées (version 1)")
    fixed = original.replace("Mairie de Villebourg", "Mairie de Bout-en-Bout", 1)
    assert stack.settings.rules_path.read_text() == fixed


def test_publish_then_a_call_shows_in_contacts_and_indicators(
    stack: Stack, admin_url: str
) -> None:
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, admin_url, "maire-adjoint", PASSWORD)
        before = _calls_today(page, admin_url)
        _edit_and_publish(page, admin_url, stack)
        stack.wait_registered()  # the IVR reloaded its rules and is still up

        result = stack.call(dtmf="11")
        assert result.answered, result.error
        contact = stack.contact(result.ref, wait=20, until=lambda c: c["outcome"] is not None)
        assert contact is not None, stack.app_log()

        page.goto(f"{admin_url}/contacts/")
        expect(page.locator(f'a[href="/contacts/{contact["id"]}"]')).to_be_visible()
        assert _calls_today(page, admin_url) == before + 1
        page.goto(f"{admin_url}/queues/")
        expect(page.get_by_role("heading", name="En direct")).to_be_visible()



def _open_request_of_the_caller(stack: Stack) -> str:
    """A request of the citizen who will call, so that the card names them and lists it."""
    store = Store(stack.settings.db_url)
    try:
        return create_request(
            store, load_rules(stack.settings.rules_path), type_id="acte-deces",
            at=stack.settings.clock.now(), actor="guichet",
            citizen=NewCitizen(name="Jeanne Martin", phones=(CALLER,))).display_reference
    finally:
        store.dispose()


def _ring_again_then_another_call(app: Flask, call_id: str) -> None:
    """The queue rings the phone again for the same call (it does after each ``timeout``
    while no one answers), then for another caller."""
    at = app.config["TOWNHALL_CLOCK"].now()
    with app.app_context():
        for uniqueid, caller in ((call_id, CALLER), ("autre-appel", "0699999999")):
            get_live().desks.publish(AgentRinging("etat-civil", at, uniqueid, caller,
                                                  "PJSIP/agent-etat-civil-1"))


def test_the_agents_desk_shows_the_caller_when_their_phone_rings(
    stack: Stack, admin_app: Flask, admin_url: str
) -> None:
    reference = _open_request_of_the_caller(stack)
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, admin_url, "maire-adjoint", PASSWORD)
        page.goto(f"{admin_url}/poste/")
        page.get_by_label("Je suis au poste").select_option("agent-etat-civil-1")
        page.get_by_role("button", name="Choisir ce poste").click()
        expect(page.locator("#appels[data-listening=oui]")).to_be_attached()
        # The caller must stay on the line until the queue rings the agent: with the stack's
        # default 4 s after the last key, they hung up during the announcement, before the
        # queue (why the first attempt at this test never saw an AgentCalled event).
        call = stack.start_call(dtmf="11", caller=CALLER, hold_seconds=15)
        card = page.locator("article.appel")
        expect(card).to_contain_text("Appel de Jeanne Martin", timeout=30_000)  # no reload
        expect(card).to_contain_text("pour État civil")
        expect(card).to_contain_text(reference)
        # the keys of the menus, as the choices the caller heard
        expect(card.locator("dd").first).to_have_text(
            re.compile(r"^Les papiers et l'état civil › Un acte de naissance"))
        expect(card.get_by_role("link", name="Créer une demande")).to_be_visible()
        call_id = card.get_attribute("data-appel") or ""
        _ring_again_then_another_call(admin_app, call_id)
        expect(card).to_have_count(2)  # the other caller's card, on top…
        expect(card.first).to_contain_text("06 99 99 99 99")  # as an agent reads it
        expect(page.locator(f'article.appel[data-appel="{call_id}"]')).to_have_count(1)  # …once
        result = call.result(timeout=60)
        assert result.answered and result.sip_status == 200, result.error
        done = stack.contact(result.ref, wait=20, until=lambda c: c["outcome"] is not None)
        assert done is not None, stack.app_log()
        assert done["outcome"] == "answered" and done["agent"] == "agent-etat-civil-1", done


def test_a_closure_added_in_the_form_is_heard_by_a_caller_that_day(
    stack: Stack, admin_url: str
) -> None:
    """Élections (1, then 3), open at the stack's hour, closed for today by the form."""
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, admin_url, "maire-adjoint", PASSWORD)
        page.goto(f"{admin_url}/accueil/")
        form = page.get_by_role("region", name="Ajouter une fermeture")
        form.get_by_label("Fermé le (ou du)").fill(f"{stack.settings.clock.now():%Y-%m-%d}")
        form.get_by_label("Motif (dit aux appelants)").fill("Formation du service")
        form.get_by_label("Services concernés").select_option(label="Élections")
        with page.expect_navigation(timeout=90_000):  # checks parse the whole file: slow here
            form.get_by_role("button", name="Publier").click()
        expect(page.get_by_role("status")).to_contain_text("Fermeture publiée")
    published = sha256(stack.settings.rules_path.read_bytes()).hexdigest()[:12]
    assert eventually(lambda: published in stack.app_log(), 20), stack.app_log()  # reloaded

    result = stack.call(dtmf="13")
    assert result.answered, result.error
    contact = stack.contact(result.ref, wait=20, until=lambda c: c["routed_by"] is not None)
    assert contact is not None, stack.app_log()
    assert (contact["target"], contact["routed_by"]) == ("elections", "closed"), contact
    route = next(e for e in contact["events"] if e["kind"] == "route")
    assert route["data"]["closed"] is True
