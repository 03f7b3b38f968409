"""``townhall-ivr requests …`` over a real store, with --json."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivr.cli import main
from ivr.cli.requests import requests
from ivr.flow.request_queries import Guard, Refused, VerifyCaller
from ivr.settings import Settings
from ivr.store import self_service
from ivr.store.db import Store
from tests.fixtures.requests import ROOT, T0

pytestmark = pytest.mark.pg


def invoke(db_url: str, *args: str) -> Result:
    settings = Settings.from_env({"TOWNHALL_DB_URL": db_url, "TOWNHALL_CLOCK": T0.isoformat(),
                                  "TOWNHALL_RULES": str(ROOT / "routing_rules.yaml")})
    return CliRunner().invoke(requests, list(args), obj=settings)


def test_create_show_set_status_list(db_url: str, store: Store) -> None:
    created = invoke(db_url, "create", "passeport", "--name", "Léa Petit", "--phone",
                     "06 12 34 56 78", "--birth-date", "05/03/1980", "--json")
    assert created.exit_code == 0, created.output
    reference = json.loads(created.output)["reference"]
    shown = json.loads(invoke(db_url, "show", reference, "--json").output)
    assert shown["status"] == "depose" and shown["citizen_name"] == "Léa Petit"
    assert "déposé" in shown["citizen_sentence"]
    moved = invoke(db_url, "set-status", reference, "en-instruction", "--note", "ok",
                   "--expected-version", "1", "--json")
    assert json.loads(moved.output)["version"] == 2
    stale = invoke(db_url, "set-status", reference, "a-completer", "--expected-version", "1")
    assert stale.exit_code == 1 and "modifiée entre-temps" in stale.output
    text = invoke(db_url, "show", reference).output
    assert "Passeport" in text and "depose → en-instruction" in text
    listed = json.loads(invoke(db_url, "list", "--department", "titres-identite", "--json").output)
    assert [r["reference"] for r in listed] == [reference]
    assert invoke(db_url, "list").output.splitlines()[1].startswith(reference)


@pytest.mark.parametrize("args, words", [
    (("create", "permis"), "Type de demande inconnu"),
    (("create", "passeport", "--birth-date", "1980-13-01"), "Date de naissance invalide"),
    (("create", "passeport", "--phone", "12"), "Numéro de téléphone invalide"),
    (("show", "1234567890"), "mal saisi"),
    (("set-status", "0000000000", "remis"), "Aucune demande"),
])
def test_refusals_are_french_and_store_nothing(db_url: str, store: Store, args: tuple,
                                               words: str) -> None:
    result = invoke(db_url, *args)
    assert result.exit_code == 1 and words in result.output
    assert json.loads(invoke(db_url, "list", "--all", "--json").output) == []


def test_import_reports_each_line(db_url: str, store: Store, tmp_path: Path) -> None:
    reference = json.loads(invoke(db_url, "create", "signalement-voirie", "--json").output)[
        "reference"]
    csv = tmp_path / "lot.csv"
    csv.write_bytes(f"référence;statut\n{reference};transmis\n{reference};resolu\n"
                    .encode("cp1252"))
    first = invoke(db_url, "import", str(csv), "--json")
    assert first.exit_code == 1  # one refused line
    report = json.loads(first.output)
    assert (report["applied"], report["refused"]) == (1, 1)
    assert "ligne en double" in report["lines"][1]["message"]
    csv.write_bytes(f"{reference};transmis\n".encode())
    again = invoke(db_url, "import", str(csv))
    assert again.exit_code == 0 and "déjà à jour" in again.output
    with csv.open("r+b") as sparse:  # 3 MB of holes: refused by its size, never read
        sparse.truncate(3_000_000)
    huge = invoke(db_url, "import", str(csv))
    assert huge.exit_code == 1 and "trop volumineux (3000000 octets)" in huge.output


def test_the_group_is_registered() -> None:
    assert "requests" in main.list_commands(None)  # type: ignore[arg-type]


def test_unlock_a_reference_locked_for_phone_self_service(db_url: str, store: Store) -> None:
    created = invoke(db_url, "create", "passeport", "--name", "Léa Petit", "--birth-date",
                     "14/07/1990", "--json")
    reference = json.loads(created.output)["reference"]
    guard = Guard(max_failures=3, window_hours=24, lock_after=1)
    wrong = VerifyCaller(reference, "date_naissance", None, "c1", T0, guard, date(2000, 1, 1))
    assert self_service.verify(store, wrong) == Refused("locked")
    result = invoke(db_url, "unlock", reference)
    assert result.exit_code == 0 and "déverrouillée" in result.output
    assert not self_service.is_locked(store, reference)
    again = invoke(db_url, "unlock", reference)
    assert again.exit_code == 0 and "n'était pas verrouillée" in again.output
    unknown = invoke(db_url, "unlock", "1234567897")
    assert unknown.exit_code == 1 and "Aucune demande" in unknown.output
