"""The safeguard-plan register in the store: import, re-import changes nothing, a
corrected line updates its person, every import audited (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ivr.alerts.register_csv import parse_register
from ivr.store.db import Store
from ivr.store.models import AuditLog, SafeguardEntry
from ivr.store.safeguard_register import RegisterSize, apply_register, register_size

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FILE = ("nom;telephone;courriel;adresse;personne_vulnerable\n"
        "Mme Léa Martin;06 12 34 56 78;lea@example.fr;3 rue du Pont;oui\n"
        "M. Paul Durand;01 42 00 00 00;;;non\n"
        "Doublon;0612345678;;;\n").encode()


def test_import_then_reimport_is_idempotent_and_audited(store: Store) -> None:
    first = apply_register(store, parse_register(FILE), actor="maire", at=AT, source="pcs.csv")
    assert (first.added, first.updated, first.unchanged, first.refused) == (2, 0, 0, 1)
    again = apply_register(store, parse_register(FILE), actor="maire", at=AT, source="pcs.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert register_size(store) == RegisterSize(2, 1)
    with store.session() as session:
        audits = session.scalars(select(AuditLog).where(
            AuditLog.action == "alerte_registre_importe")).all()
        assert [a.detail for a in audits] == [
            {"added": 2, "updated": 0, "unchanged": 0, "refused": 1},
            {"added": 0, "updated": 0, "unchanged": 2, "refused": 1}]


def test_a_corrected_line_updates_its_person(store: Store) -> None:
    apply_register(store, parse_register(FILE), actor="maire", at=AT, source="pcs.csv")
    fixed = FILE.replace(b"M. Paul Durand;01 42 00 00 00;;;non",
                         b"M. Paul Durand;01 42 00 00 00;;12 quai Nord;oui")
    done = apply_register(store, parse_register(fixed), actor="maire", at=AT, source="b.csv")
    assert (done.added, done.updated, done.unchanged) == (0, 1, 1)
    with store.session() as session:
        paul = session.scalars(select(SafeguardEntry).where(
            SafeguardEntry.number == "+33142000000")).one()
        assert (paul.address, paul.vulnerable) == ("12 quai Nord", True)
