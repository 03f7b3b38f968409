"""Template editing: preview with the sample request, errors at their field, saved
texts used by the next notification, back to the shipped text."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from ivr.messages.templates import DEFAULTS
from ivr.store.db import Store
from ivr.store.notifications import template

URL = "/messages/modeles/statut_change"


def _form(**changes: str) -> dict[str, str]:
    shipped = DEFAULTS["statut_change"]
    return {"subject": shipped.subject, "sms": shipped.sms, "email": shipped.email, **changes}


def test_list_and_preview(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("superviseur")
    listing = client.get("/messages/modeles/").get_data(as_text=True)
    assert "Avancement d&#39;une demande" in listing or "Avancement d'une demande" in listing
    page = client.post(URL, data=_form(sms="{{ mairie }} : {{ reference }} → {{ statut }}",
                                       apercu="1")).get_data(as_text=True)
    assert "Mairie de Saint-Exemple : 12 34 56 78 97 → Acte envoyé" in page
    assert "Unicode (UCS-2)" in page and "1 SMS" in page


def test_errors_at_their_field_and_nothing_saved(
        store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    answer = client.post(URL, data=_form(sms="{{ statu }}", email="{% if %}",
                                         enregistrer="1"))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Le modèle ne peut pas être rendu (SMS) : &#39;statu&#39; is undefined" in page
    assert "Le modèle ne peut pas être rendu (courriel)" in page
    assert "Aperçu avec une demande" not in page
    with store.session() as session:
        assert template(session, "statut_change") == DEFAULTS["statut_change"]


def test_saved_then_reset(store: Store, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("admin")
    saved = client.post(URL, data=_form(sms="{{ mairie }} : {{ statut }}.", enregistrer="1"))
    assert saved.status_code == 302
    with store.session() as session:
        assert template(session, "statut_change").sms == "{{ mairie }} : {{ statut }}."
    assert client.post(f"{URL}/origine").status_code == 302
    with store.session() as session:
        assert template(session, "statut_change") == DEFAULTS["statut_change"]


def test_access(as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("agent-ec")
    assert client.get(URL).status_code == 403
    client = as_user("admin")
    assert client.get("/messages/modeles/inconnu").status_code == 404
