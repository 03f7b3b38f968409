"""``townhall-ivr route``: one JSON object per utterance."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main

Route = Callable[..., list[dict[str, object]]]


@pytest.fixture
def route(rules_path: Path) -> Route:
    """Run ``townhall-ivr route ARGS --rules <repo rules>``; its JSON lines."""

    def run(*args: str, stdin: str | None = None) -> list[dict[str, object]]:
        argv = ["route", *args, "--rules", str(rules_path)]
        result = CliRunner().invoke(main, argv, input=stdin)
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.stdout.splitlines()]

    return run


def test_one_phrase(route: Route) -> None:
    [answer] = route("euh je voudrais un acte de naissance")
    assert answer["target"] == "etat-civil"
    assert answer["decision"] == "route"
    assert answer["confidence"] == 1.0
    assert answer["matched"]


def test_batch_from_stdin_keeps_one_line_per_input(route: Route) -> None:
    answers = route("--batch", "-", stdin="rappelez-moi\n\nla cantine\n")
    assert [a["text"] for a in answers] == ["rappelez-moi", "", "la cantine"]
    assert [a["target"] for a in answers] == ["callback", None, "scolaire"]
    assert answers[1]["decision"] == "reject"


def test_batch_from_file(route: Route, tmp_path: Path) -> None:
    utterances = tmp_path / "in.txt"
    utterances.write_text("mon passeport est prêt\n", encoding="utf-8")
    [answer] = route("--batch", str(utterances))
    assert (answer["text"], answer["target"]) == ("mon passeport est prêt", "suivi-demande")


def test_text_or_batch_not_both() -> None:
    result = CliRunner().invoke(main, ["route", "x", "--batch", "-"], input="y\n")
    assert result.exit_code == 2


def test_invalid_rules_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("departments: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["route", "x", "--rules", str(bad)])
    assert result.exit_code == 1
    assert "rules.yaml" in result.output


def test_the_self_service_intents_print_their_own_targets(route: Route) -> None:
    """Issue #13: the self-service actions are targets like a department's."""
    answers = route("--batch", "-", stdin="où en est ma demande\n"
                    "je voudrais recevoir un acte par courrier\nquels sont vos horaires\n")
    assert [a["target"] for a in answers] == ["suivi-demande", "demande-acte", "horaires"]
    assert all(a["decision"] != "reject" for a in answers), answers
