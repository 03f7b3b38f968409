"""The issue's end-to-end browser test: the real stack, the admin on the same database.

Asterisk + the IVR (``running_stack``) and the admin served by waitress against the
same store; headless Chromium logs in, breaks the rules and sees the error at its
line, fixes and publishes them (the IVR is signalled), then a SIPp call placed with
the keypad shows up in the contacts list and in the indicators' count; and a closure
added in the « Fermetures » form is heard by a caller that very day.
"""

from __future__ import annotations

from collections.abc import Iterator
from hashlib import sha256

import pytest
from playwright.sync_api import Page, expect

from admin import create_app, live_queues
from admin.accounts import add_user
from ivr.simulate import AgentPhone
from ivr.store.db import Store
from tests.fixtures.browser import chromium, log_in, served
from tests.fixtures.stack import running_stack
from townhall_support.stack import Stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e
PASSWORD = "mot-de-passe-solide"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with (
        AgentPhone(mode="answer", max_seconds=30) as agent,
        running_stack(tmp_path_factory, agent) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def admin_url(stack: Stack) -> Iterator[str]:
    """The admin (CSRF on, its own AMI listener) on the stack's database, one administrateur."""
    store = Store(stack.settings.db_url)
    try:
        with store.session() as session:
            add_user(session, stack.settings.clock.now(), "maire-adjoint", PASSWORD,
                     "administrateur", None, actor="test")  # fmt: skip
    finally:
        store.dispose()
    app = create_app(stack.settings)
    try:
        with served(app) as url:
            yield url
    finally:
        live_queues.stop_listener(app)


def _calls_today(page: Page, base_url: str) -> int:
    page.goto(f"{base_url}/")
    return int(page.locator("li", has_text="Appels reçus").locator("strong").inner_text())


def _break_fix_and_publish(page: Page, base_url: str, stack: Stack) -> None:
    page.goto(f"{base_url}/rules/")
    editor = page.get_by_label("Contenu de routing_rules.yaml")
    original = editor.input_value()
    line = next(i for i, t in enumerate(original.splitlines(), 1) if "timezone: Europe/Paris" in t)
    editor.fill(original.replace("timezone: Europe/Paris", "timezone: Europe/Nulle-Part"))
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator(f"li#ligne-{line}.faulty")).to_contain_text("unknown time zone")
    fixed = original.replace("Mairie de Villebourg", "Mairie de Bout-en-Bout")
    assert fixed != original
    page.get_by_label("Contenu de routing_rules.yaml").fill(fixed)
    page.get_by_label("Commentaire de publication").fill("test de bout en bout")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("status")).to_contain_text("Règles publiées (version 1)")
    assert stack.settings.rules_path.read_text() == fixed


def test_publish_then_a_call_shows_in_contacts_and_indicators(
    stack: Stack, admin_url: str
) -> None:
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, admin_url, "maire-adjoint", PASSWORD)
        before = _calls_today(page, admin_url)
        _break_fix_and_publish(page, admin_url, stack)
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
