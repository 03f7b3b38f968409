"""``townhall-ivr alerts import-register`` and ``set-pin``: the report in French with
line numbers, the good lines kept, a re-import that changes nothing; the PIN asked
twice without echo, kept as a hash, refused when trivial."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from ivr.alerts.adapters.crisis_pin import check_pin, pin_path
from ivr.cli import main
from ivr.store.db import Store
from tests.fixtures.alert_campaigns import launched

FILE = ("nom;telephone;personne_vulnerable\n"
        "Mme Léa Martin;06 12 34 56 78;oui\n"
        "Numéro faux;06 12;non\n").encode("cp1252")


def invoke(tmp_path: Path, db_url: str, *args: str, given: str | None = None) -> Result:
    env = {"TOWNHALL_HOME": str(tmp_path / "home"), "TOWNHALL_DB_URL": db_url}
    return CliRunner().invoke(main, ["alerts", *args], env=env, input=given)


def test_import_register_reports_and_is_idempotent(tmp_path: Path, db_url: str,
                                                   store: Store) -> None:
    path = tmp_path / "registre.csv"
    path.write_bytes(FILE)
    first = invoke(tmp_path, db_url, "import-register", str(path))
    assert first.exit_code == 0, first.output
    assert "1 ligne(s) valide(s) dont 1 personne(s) vulnérable(s), 1 ligne(s) refusée(s)." \
        in first.output
    assert "Ligne 3 : numéro de téléphone trop court : « 06 12 »." in first.output
    assert "Registre : 1 ajoutée(s), 0 mise(s) à jour, 0 inchangée(s), 1 refusée(s)." \
        in first.output
    again = invoke(tmp_path, db_url, "import-register", str(path))
    assert "0 ajoutée(s), 0 mise(s) à jour, 1 inchangée(s)" in again.output


def test_import_register_refuses_an_unreadable_file(tmp_path: Path, db_url: str,
                                                    store: Store) -> None:
    path = tmp_path / "registre.csv"
    path.write_bytes(b"prenom;ville\nLea;Agen\n")
    result = invoke(tmp_path, db_url, "import-register", str(path))
    assert result.exit_code == 1 and "manquante(s) : nom, telephone" in result.output
    assert "Aucune ligne importée." in result.output and "Traceback" not in result.output


def test_set_pin_asks_twice_and_keeps_a_hash(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'unused.db'}"  # the PIN is a file: one database is enough
    done = invoke(tmp_path, db_url, "set-pin", given="480517\n480517\n")
    assert done.exit_code == 0 and "480517" not in done.output
    assert check_pin(pin_path(tmp_path / "home"), "480517")
    trivial = invoke(tmp_path, db_url, "set-pin", given="123456\n123456\n")
    assert trivial.exit_code == 1 and "trop simple" in trivial.output


def test_report_written_to_files(tmp_path: Path, db_url: str, store: Store) -> None:
    campaign_id = launched(store)
    out = tmp_path / "rapport"
    done = invoke(tmp_path, db_url, "report", str(campaign_id), "--csv", f"{out}.csv",
                  "--pdf", f"{out}.pdf")
    assert done.exit_code == 0, done.output
    assert "Rapport CSV écrit" in done.output and "(3 personne(s))" in done.output
    assert (tmp_path / "rapport.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "rapport.pdf").read_bytes().startswith(b"%PDF")
    assert "introuvable" in invoke(tmp_path, db_url, "report", "99", "--csv", "x.csv").output
    assert invoke(tmp_path, db_url, "report", str(campaign_id)).exit_code == 2
