"""Fixtures for the rules tests."""

from __future__ import annotations

import pytest

from tests.fixtures.rules import DEFAULT_RULES


@pytest.fixture(scope="session")
def default_text() -> str:
    """The shipped routing_rules.yaml, as text."""
    return DEFAULT_RULES.read_text(encoding="utf-8")
