"""The pure decisions of the messages capability: encoding, incoming texts, policy, templates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ivr.messages import policy
from ivr.messages.encoding import sms_shape
from ivr.messages.incoming import Intent, find_reference, parse_sms
from ivr.messages.sending import dlr_outcome
from ivr.messages.templates import DEFAULTS, SAMPLE, Template, TemplateProblem, preview, render

REF = "1234567897"  # Luhn-valid


@pytest.mark.parametrize(("text", "coding", "units", "segments"), [
    ("Bonjour, votre acte est prêt", "ucs2", 28, 1),  # ê is not in the GSM alphabet
    ("Votre demande est enregistrée à la mairie", "gsm7", 41, 1),  # é, à are
    ("a" * 160, "gsm7", 160, 1),
    ("a" * 161, "gsm7", 161, 2),
    ("€" * 80, "gsm7", 160, 1),  # extension characters count twice
    ("Ê" * 70, "ucs2", 70, 1),
    ("Ê" * 71, "ucs2", 71, 2),
    ("Ê" * 135, "ucs2", 135, 3),
    ("🙂", "ucs2", 2, 1),  # outside the BMP: two UTF-16 units
])
def test_sms_shape(text: str, coding: str, units: int, segments: int) -> None:
    shape = sms_shape(text)
    assert (shape.coding, shape.units, shape.segments) == (coding, units, segments)
    assert shape.kannel_coding == (0 if coding == "gsm7" else 2)


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop ! ", "ARRET", "Arrêt", "arrêt."])
def test_stop_keywords(text: str) -> None:
    assert parse_sms(text).intent is Intent.STOP


@pytest.mark.parametrize("text", ["stop les travaux rue Victor Hugo", "STOPPER", ""])
def test_not_stop(text: str) -> None:
    assert parse_sms(text).intent is not Intent.STOP


@pytest.mark.parametrize("text", [f"Où en est {REF} ?", "réf 12 34 56 78 97 merci",
                                  "[Réf 12.34.56.78.97] Re: votre demande"])
def test_reference_found_in_any_spelling(text: str) -> None:
    parsed = parse_sms(text)
    assert (parsed.intent, parsed.reference) == (Intent.REFERENCE, REF)


@pytest.mark.parametrize("text", ["Appelez-moi au 0612345670", "1234567890", "12345678971"])
def test_numbers_that_are_not_references(text: str) -> None:
    assert find_reference(text) is None
    assert parse_sms(text).intent is Intent.OTHER


def test_quiet_hours_delay_until_morning_town_time() -> None:
    quiet = policy.QuietHours()
    evening = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)  # 22:30 in Paris
    assert quiet.next_allowed(evening) == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)  # 8:00
    early = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 6:00 in Paris
    assert quiet.next_allowed(early) == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    day = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert quiet.next_allowed(day) == day
    assert quiet.next_allowed(evening, alert=True) == evening


def test_channels_follow_consent_and_preference() -> None:
    assert policy.channels_for("email", True, True, consent=False) == []
    assert policy.channels_for(None, True, True, consent=True) == ["sms", "email"]
    assert policy.channels_for("email", True, True, consent=True) == ["email", "sms"]
    assert policy.channels_for("sms", False, True, consent=True) == ["email"]
    assert policy.next_channel(["email"], ["email", "sms"]) == "sms"
    assert policy.next_channel(["email", "sms"], ["email", "sms"]) is None


def test_backoff_doubles_then_caps() -> None:
    waits = [policy.backoff(n) for n in range(1, 12)]
    assert waits[:3] == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    assert waits[-1] == policy.BACKOFF_CAP
    assert waits == sorted(waits)


def test_every_shipped_template_previews() -> None:
    for template in DEFAULTS.values():
        rendered = preview(template)
        assert rendered.sms and rendered.email and rendered.subject
        assert "{{" not in rendered.sms + rendered.email
    status = render(DEFAULTS["statut_change"], SAMPLE)
    assert "12 34 56 78 97" in status.sms and "Acte envoyé" in status.sms


@pytest.mark.parametrize(("source", "why"), [
    ("{{ referense }}", "undefined"),  # a misspelt variable is an error, not a blank
    ("{{ mairie.__class__.__mro__ }}", "unsafe"),  # the sandbox refuses
    ("{% if %}", "syntaxe"),
])
def test_bad_templates_are_refused_in_french(source: str, why: str) -> None:
    template = Template("x", "x", "objet", source, "courriel")
    with pytest.raises(TemplateProblem) as caught:
        preview(template)
    assert caught.value.message.startswith("Le modèle ne peut pas être rendu (SMS)")


def test_delivery_report_types() -> None:
    assert dlr_outcome(1) == "delivered"
    assert dlr_outcome(2) == "failed"
    assert dlr_outcome(16) == "failed"
    assert dlr_outcome(8) is None
    assert dlr_outcome(4) is None


@pytest.mark.parametrize(("text", "keyword"), [
    ("ABONNER BULLETIN", "bulletin"), ("inscription alertes", "alertes"),
    ("Abonnement : action-sociale", "action-sociale"), ("abonner", None),
    ("je voudrais m'abonner au bulletin", None)])
def test_subscription_keywords(text: str, keyword: str | None) -> None:
    parsed = parse_sms(text)
    assert parsed.keyword == keyword
    assert (parsed.intent is Intent.SUBSCRIBE) == (keyword is not None)
