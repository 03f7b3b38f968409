"""Parsing the safeguard-plan register: French headers, bad numbers, duplicates,
a Windows-1252 spreadsheet export, missing columns — the good lines always kept."""

from __future__ import annotations

from ivr.alerts.register_csv import header_key, parse_register, report_lines

GOOD = ("nom;telephone;courriel;adresse;personne_vulnerable\n"
        "Mme Léa Martin;06 12 34 56 78;lea@example.fr;3 rue du Pont;oui\n"
        "M. Paul Durand;+33 1 42 00 00 00;;;non\n")


def test_french_headers_semicolons_and_e164() -> None:
    parsed = parse_register(GOOD.encode("utf-8"))
    assert parsed.fatal is None and parsed.errors == () and parsed.warnings == ()
    first, second = parsed.lines
    assert (first.line, first.name, first.number, first.email, first.address, first.vulnerable) \
        == (2, "Mme Léa Martin", "+33612345678", "lea@example.fr", "3 rue du Pont", True)
    assert (second.number, second.email, second.vulnerable) == ("+33142000000", None, False)


def test_windows_1252_from_a_spreadsheet_with_accented_headers() -> None:
    text = ("Nom;Téléphone;Adresse;Personne vulnérable\r\n"
            "Mme Hélène Bézier;07.81.22.33.44;12 allée des Saules;X\r\n")
    [line] = parse_register(text.encode("cp1252")).lines
    assert (line.name, line.number, line.address, line.vulnerable) == (
        "Mme Hélène Bézier", "+33781223344", "12 allée des Saules", True)


def test_bad_lines_reported_with_their_number_and_good_ones_kept() -> None:
    text = (GOOD
            + "Sans numéro;;;;\n"
            + "Numéro court;06 12 34;;;\n"
            + "Surtaxé;08 99 12 34 56;;;\n"
            + "Doublon;0612345678;;;\n"
            + ";0698765432;;;\n"
            + "Formule;0698765433;=HYPERLINK(\"x\");;\n"
            + "Vulnérable ?;0698765434;;;peut-être\n"
            + "Mauvais courriel;0698765435;pas-une-adresse;;\n"
            + "Étranger;+44 20 7946 0958;;;\n"
            + "Bonne;06 98 76 54 36;;;\n")
    parsed = parse_register(text.encode("utf-8"))
    assert [line.line for line in parsed.lines] == [2, 3, 13]
    messages = {e.line: e.message for e in parsed.errors}
    assert sorted(messages) == list(range(4, 13))
    assert "manquant" in messages[4] and "trop court" in messages[5]
    assert "surtaxé" in messages[6] and "ligne 2" in messages[7] and "en double" in messages[7]
    assert messages[8] == "nom manquant." and "formule" in messages[9]
    assert "peut-être" in messages[10] and "électronique" in messages[11]
    assert "étranger" in messages[12]


def test_missing_required_column_refuses_the_file_with_what_was_found() -> None:
    parsed = parse_register(b"nom;adresse\nMme Martin;rue\n")
    assert parsed.lines == () and parsed.fatal is not None
    assert "telephone" in parsed.fatal and "nom, adresse" in parsed.fatal


def test_missing_optional_columns_are_warned_once() -> None:
    parsed = parse_register(b"nom,tel\nM. Dupont,0612345678\n")
    assert [line.number for line in parsed.lines] == ["+33612345678"]
    assert len(parsed.warnings) == 3 and any("personne_vulnerable" in w for w in parsed.warnings)


def test_undecodable_bytes_empty_file_and_report() -> None:
    assert parse_register(b"").fatal == "Le fichier ne contient aucune ligne."
    parsed = parse_register(b"nom;telephone\n\x81\x8d\x8f;0612345678\nA;0612345679\n")
    assert [e.line for e in parsed.errors] == [2] and len(parsed.lines) == 1
    report = report_lines(parsed)
    assert report[0].startswith("1 ligne(s) valide(s) dont 0 personne(s) vulnérable(s), 1 ")
    assert report[-1].startswith("Ligne 2 : caractères illisibles")


def test_header_key_folds_accents_spaces_and_case() -> None:
    assert header_key(" Personne Vulnérable ") == "personne_vulnerable"
    assert header_key("N° de téléphone") != "telephone"
    assert header_key("E-mail") == "e_mail"
