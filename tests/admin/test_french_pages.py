"""Every page a person reads speaks French: no code value, service id, agent id, Python
literal or ISO timestamp shown as text.

The test seeds one of everything, follows every link an administrator can reach from
the dashboard, and reads each page's visible text (not attributes, scripts, or the YAML
editor): what a town hall's staff would see.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from flask.testing import FlaskClient

from ivr.domain.outcomes import ContactOutcome
from ivr.rules import Rules
from ivr.store.db import Store
from ivr.store.models import Callback, Contact, ContactEvent
from ivr.store.requests import change_status, create_request
from tests.fixtures.db import sqlite_url
from tests.fixtures.requests import RULES

MAX_PAGES = 300
SAME_KIND = 2  # pages read per path shape (``/contacts/<n>``, filters…): the same template
SKIPPED_PATHS = ("/logout", "/static/")
# Codes that are also plain French words (« rendez-vous », « accueil »…) cannot be told
# from their label; the others must never reach a page.
FRENCH_WORDS = {"rendez-vous", "inscription", "traitement", "signalement", "info", "urbanisme",
                "social", "scolaire", "accueil", "technique", "reclamations", "horaires",
                "cabinet", "police", "services", "mairie", "ccas", "avis", "principal",
                "demarches", "familles", "elections", "ouverte", "nouvelle", "close", "passeport",
                "suggestion", "reclamation"}
HIDDEN_TAGS = {"script", "style", "textarea", "pre", "code", "template"}


class _Text(HTMLParser):
    """The visible text of a page and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_TAGS:
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def internal_codes(rules: Rules) -> set[str]:
    """Every identifier of the store and the rules that has a French label instead."""
    codes = {str(value) for value in ContactOutcome}
    codes |= {"pending", "claimed", "dialing", "done", "cancelled", "callback_promised"}
    codes |= set(rules.departments) | set(rules.agents) | set(rules.request_types)
    codes |= set(rules.request_workflows)
    for workflow in rules.request_workflows.values():
        codes |= set(workflow.statuses)
    return {code for code in codes if code not in FRENCH_WORDS}


LEAKS = [
    (re.compile(r"\bPJSIP/"), "un canal Asterisk"),
    (re.compile(r"\b(None|True|False)\b"), "une valeur Python"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?"), "une date ISO"),
    (re.compile(r"[{\[]'"), "une structure Python"),
]


def leaks(text: str, codes: set[str]) -> list[str]:
    """What in ``text`` a person should not have to read."""
    found = [f"{why} : {m.group(0)!r}" for pattern, why in LEAKS for m in pattern.finditer(text)]
    words = set(re.findall(r"[\w/-]+", text))
    found += [f"un identifiant : {code!r}" for code in sorted(codes & words)]
    return found


def seed(store: Store) -> None:
    """One contact per outcome, callbacks in every state, requests of every type moved once."""
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    departments = list(RULES.departments)
    agents = list(RULES.agents)
    with store.session() as session:
        for n, outcome in enumerate(ContactOutcome):
            contact = Contact(channel="phone", started_at=at + timedelta(minutes=n),
                              ended_at=at + timedelta(minutes=n, seconds=50),
                              caller="+33612345678", target=departments[n % len(departments)],
                              queue=departments[n % len(departments)], routed_by="dtmf",
                              agent=agents[n % len(agents)], outcome=str(outcome),
                              menu_path="1", wait_seconds=12, talk_seconds=30,
                              hangup_stage="talk:caller")
            session.add(contact)
            session.flush()
            session.add(ContactEvent(contact_id=contact.id, seq=1, at=at, kind="menu",
                                     data={"digit": "1"}))
        for n, state in enumerate(("pending", "claimed", "dialing", "done", "failed",
                                   "cancelled")):
            session.add(Callback(number="+33612345678", target=departments[n], state=state,
                                 due_at=at, promised_before=at + timedelta(hours=4)))
    for type_id, kind in RULES.request_types.items():
        view = create_request(store, RULES, type_id=type_id, at=at, actor="agent-ec",
                              channel="counter", subject="Demande d'essai")
        workflow = RULES.request_workflows[kind.workflow]
        step = next(iter(workflow.statuses[workflow.initial].next), None)
        if step is not None and not workflow.statuses[step].final:
            change_status(store, RULES, view.reference, step, actor="agent-ec",
                          at=at + timedelta(hours=1))


def crawl(client: FlaskClient) -> Iterator[tuple[str, str, list[str]]]:
    """(path, visible text, links) of every HTML page reachable from the menu's pages."""
    todo = ["/", "/contacts/", "/demandes/", "/callbacks/", "/agenda/"]
    seen, kinds = set(todo), Counter[str]()
    while todo and len(seen) <= MAX_PAGES:
        path = todo.pop(0)
        response = client.get(path, follow_redirects=True)
        if response.status_code != 200 or not response.mimetype.startswith("text/html"):
            continue
        parser = _Text()
        parser.feed(response.get_data(as_text=True))
        yield path, " ".join(parser.text), parser.links
        for href in parser.links:
            link = urldefrag(href).url
            kind = re.sub(r"\d+", "N", urlsplit(link).path)
            if (link.startswith("/") and not link.startswith("//") and link not in seen
                    and not link.startswith(SKIPPED_PATHS) and kinds[kind] < SAME_KIND
                    and not kind.endswith((".csv", ".pdf", ".ics", ".wav"))):
                seen.add(link)
                kinds[kind] += 1
                todo.append(link)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """The pages' words, not the queries: SQLite only (the queries run on both elsewhere)."""
    return sqlite_url(tmp_path)


@pytest.mark.parametrize("username", ["admin", "agent-ec", "elu"])
def test_every_page_speaks_french(store: Store, as_user: Callable[[str], FlaskClient],
                                  username: str) -> None:
    seed(store)
    codes = internal_codes(RULES)
    pages = {path: leaks(text, codes) for path, text, _ in crawl(as_user(username))}
    assert len(pages) > (10 if username == "admin" else 2)  # the walk went somewhere
    assert {path: found for path, found in pages.items() if found} == {}
