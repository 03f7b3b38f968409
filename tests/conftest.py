"""Root conftest: the component fixtures live in tests/fixtures/, one module each."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.asterisk",
    "tests.fixtures.phones",
    "tests.fixtures.db",
    "tests.fixtures.threads",
]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for pytest-xdist (``--dist loadgroup``), end-to-end tests first.

    A module's tests share its module-scoped fixtures (a stack, an Asterisk), so they
    run in one worker: their group is the module, unless they name their own
    (``xdist_group``, e.g. one per database of a module-scoped stack) or start all they
    need themselves (``own_stack``: any worker). End-to-end tests come first so the long
    modules start at once and the short ones fill the gaps.
    """
    for item in items:
        if not item.get_closest_marker("xdist_group") and not item.get_closest_marker(
                "own_stack"):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)
