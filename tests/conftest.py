"""Root conftest: the component fixtures live in tests/fixtures/, one module each."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.asterisk",
    "tests.fixtures.phones",
    "tests.fixtures.db",
    "tests.fixtures.radicale",
    "tests.fixtures.threads",
    "tests.fixtures.umask",
    "tests.fixtures.speech",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests first: under pytest-xdist (``--dist loadfile``, without size
    reordering) the long modules start at once and the short ones fill the gaps."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)
