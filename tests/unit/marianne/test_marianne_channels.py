"""Complaints and suggestions by e-mail and by the web API, with the phone's deadlines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ivr.messages.incoming import mail_request_type
from ivr.messages.mail import parse_mail
from ivr.store import requests as repo
from ivr.store.db import Store
from ivr.store.inbound import receive_email
from tests.fixtures.mail import mail_bytes
from tests.fixtures.requests import PARIS, RULES, at

MONDAY = date(2026, 11, 2)
TEXT = "Le trottoir est défoncé depuis un mois."


@pytest.mark.parametrize(("to", "subject", "kind"), [
    (("reclamations@villebourg.fr",), "Bonjour", "reclamation"),
    (("Plaintes@villebourg.fr",), "", "reclamation"),
    (("suggestions@villebourg.fr",), "Idée", "suggestion"),
    (("contact@villebourg.fr",), "Réclamation : trottoir", "reclamation"),
    (("contact@villebourg.fr",), "suggestion pour le marché", "suggestion"),
    (("contact@villebourg.fr",), "Avis sur l'accueil", "suggestion"),
    (("contact@villebourg.fr",), "Horaires de la piscine", None),
    ((), "", None),
])
def test_which_mail_is_a_complaint_or_a_suggestion(to: tuple[str, ...], subject: str,
                                                   kind: str | None) -> None:
    assert mail_request_type(to, subject) == kind


@pytest.mark.pg
def test_a_mail_to_the_complaints_address_is_a_complaint_with_both_deadlines(
        store: Store, tmp_path: Path) -> None:
    mail = parse_mail(mail_bytes("Trottoir rue Haute", TEXT,
                                 to="Mairie <reclamations@villebourg.fr>"))
    assert mail.recipients == ("reclamations@villebourg.fr",)
    got = receive_email(store, RULES, mail, at=at(MONDAY), area=tmp_path)
    assert got.intent == "reclamation"
    view = repo.get_request(store, got.reference or "")
    assert (view.type, view.channel, view.department) == ("reclamation", "email", "reclamations")
    # the same deadlines as a phone complaint: 5 and 10 working days (11 November off)
    assert view.acknowledge_due_at == at(date(2026, 11, 9)).replace(hour=23, minute=59,
                                                                   second=59, tzinfo=PARIS)
    assert view.due_at.date() == date(2026, 11, 17)
    assert view.description is not None and "trottoir est défoncé" in view.description
    assert repo.search(store, email="alice@example.org")[0].reference == view.reference


@pytest.mark.pg
def test_a_suggestion_by_subject_and_a_question_for_the_accueil(store: Store,
                                                                tmp_path: Path) -> None:
    suggestion = receive_email(store, RULES, parse_mail(mail_bytes(
        "Suggestion : des bancs au parc", TEXT)), at=at(MONDAY), area=tmp_path)
    question = receive_email(store, RULES, parse_mail(mail_bytes(
        "Horaires de la piscine", TEXT)), at=at(MONDAY), area=tmp_path)
    assert (suggestion.intent, question.intent) == ("suggestion", "other")
    view = repo.get_request(store, suggestion.reference or "")
    assert view.type == "suggestion" and view.acknowledge_due_at is not None
    assert repo.get_request(store, question.reference or "").type == "demande-information"
