"""Parsing hostile CSV files: encodings, separators, formulas, duplicates, limits."""

from __future__ import annotations

import random

import pytest

from ivr.requests import csv_import
from ivr.requests.csv_import import parse_import
from ivr.requests.reference import grouped, new_reference

REFS = [new_reference(random.Random(seed)) for seed in range(10)]


def test_semicolons_bom_header_and_empty_lines() -> None:
    text = (f"\ufeffRéférence;Statut;Commentaire\n\n"
            f"{grouped(REFS[0])};Disponible;arrivé ce matin\n\n{REFS[1]};disponible;\n")
    parsed = parse_import(text.encode("utf-8"))
    assert parsed.errors == () and parsed.fatal is None
    assert [(line.line, line.reference, line.status, line.note) for line in parsed.lines] == [
        (3, REFS[0], "Disponible", "arrivé ce matin"), (5, REFS[1], "disponible", None)]


def test_commas_without_header_and_windows_1252() -> None:
    data = f"{REFS[0]},remis,\"retiré par l'épouse, procuration\"\r\n".encode("cp1252")
    [line] = parse_import(data).lines
    assert (line.status, line.note) == ("remis", "retiré par l'épouse, procuration")


def test_an_undecodable_line_is_reported_and_the_others_pass() -> None:
    data = f"{REFS[0]};remis\n".encode() + REFS[1].encode() + b";remis;\x81\x8d\n" \
        + f"{REFS[2]};remis\n".encode()
    parsed = parse_import(data)
    assert [line.line for line in parsed.lines] == [1, 3]
    [error] = parsed.errors
    assert error.line == 2 and "UTF-8 ou en Windows-1252" in error.message


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+33 1 23", "-2+3", "@SUM(A1)"])
def test_formula_looking_cells_are_refused(cell: str) -> None:
    parsed = parse_import(f"{REFS[0]};remis;{cell}\n".encode())
    assert parsed.lines == ()
    assert "formule" in parsed.errors[0].message


def test_bad_references_duplicates_and_missing_cells() -> None:
    typo = REFS[1][:-1] + str((int(REFS[1][-1]) + 1) % 10)
    text = "\n".join([f"{REFS[0]};remis", f"{typo};remis", f"{REFS[0]};detruit",
                      f"{REFS[2]}", "abc;remis"])
    parsed = parse_import(text.encode())
    assert [line.line for line in parsed.lines] == [1]
    messages = {e.line: e.message for e in parsed.errors}
    assert "mal saisi" in messages[2]
    assert "déjà présente ligne 1" in messages[3]
    assert "une référence et un statut" in messages[4]
    assert "10 chiffres" in messages[5]


def test_size_and_line_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    huge = parse_import(b"x" * (csv_import.MAX_BYTES + 1))
    assert huge.fatal and "trop volumineux" in huge.fatal and huge.lines == ()
    monkeypatch.setattr(csv_import, "MAX_LINES", 3)
    many = parse_import("\n".join(f"{r};remis" for r in REFS[:4]).encode())
    assert many.fatal and "Trop de lignes (4)" in many.fatal
    assert parse_import(b"\n\n").fatal == "Le fichier ne contient aucune ligne."
