"""The Marianne dashboard and the public page: the seeded figures, charts, no personal data."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from ivr.store.db import Store
from ivr.store.models import Contact
from tests.fixtures.marianne import seed

pytestmark = pytest.mark.pg
CALLER = "+33612345678"


def _seed_with_a_caller(store: Store) -> None:
    seed(store)
    with store.session() as session:
        session.get(Contact, 1).caller = CALLER  # type: ignore[union-attr]


def test_elu_sees_the_november_panels_without_personal_data(
        as_user: Callable[[str], FlaskClient], store: Store) -> None:
    _seed_with_a_caller(store)
    page = as_user("elu").get("/marianne/?mois=2026-11").get_data(as_text=True)
    assert "Engagements Marianne — novembre 2026" in page
    for text in ("Appels décrochés par un agent : <strong>75\u00a0%</strong>",
                 "(objectif : 85\u00a0%, non atteint)", "3 sur 4", "30 s",
                 "Note moyenne</th><td>3,7 / 5", "Réclamations répondues dans le délai : "
                 "<strong>33\u00a0%</strong>", "1 sur 3 (33\u00a0%)",
                 "« Vous nous l&#39;avez demandé, on l&#39;a fait »</th><td>1"):
        assert text in page, text
    # five trends, each drawn for a desktop and a phone; satisfaction by department as bars
    assert page.count('class="chart-wide"') == 5 and page.count('class="chart-narrow"') == 5
    assert re.search(r'<span class="bar-label">État civil</span>.*?4,5</span>', page, re.DOTALL)
    assert "État civil" in page and CALLER not in page and "Voici notre réponse" not in page


def test_an_empty_month_says_so(as_user: Callable[[str], FlaskClient]) -> None:
    page = as_user("superviseur").get("/marianne/?mois=2025-01").get_data(as_text=True)
    assert "Aucune donnée pour janvier 2025" in page and "aucune donnée" in page


@pytest.mark.parametrize("month", ["2026-13", "novembre", "2026-11-01"])
def test_a_bad_month_is_a_french_400(as_user: Callable[[str], FlaskClient], month: str) -> None:
    response = as_user("elu").get(f"/marianne/?mois={month}")
    assert response.status_code == 400 and "Mois invalide" in response.get_data(as_text=True)


def test_public_page_needs_no_login_and_shows_the_year(client: FlaskClient, store: Store) -> None:
    _seed_with_a_caller(store)
    response = client.get("/public/indicateurs?annee=2026")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "indicateurs 2026" in page
    # the year adds October's and 1 December's answered calls: 5 picked up of 6 → 83 %
    assert "Appels décrochés par un agent : <strong>83\u00a0%</strong>" in page
    assert CALLER not in page and "Se déconnecter" not in page
    assert client.get("/public/indicateurs?annee=deux").status_code == 400
