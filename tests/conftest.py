"""Root conftest: the component fixtures live in tests/fixtures/, one module each."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.asterisk",
    "tests.fixtures.phones",
    "tests.fixtures.pg_server",
    "tests.fixtures.db",
    "tests.fixtures.radicale",
    "tests.fixtures.threads",
    "tests.fixtures.umask",
    "tests.fixtures.speech",
]


# The longest modules (measured on the full suite), started first so that none of them
# begins last and holds the run's end; the other end-to-end ones next, then the rest.
LONGEST_FIRST = ("test_faults.py", "test_routing.py", "test_alerts.py", "test_callbacks.py",
                 "test_api_fuzz.py", "test_self_service.py", "test_appointments_calls.py",
                 "test_voicemail.py", "test_marianne_phone.py", "test_call_flow.py",
                 "test_callbacks_own_stacks.py", "test_alert_launch.py",
                 "test_production_sip.py", "test_appointments_race.py",
                 "test_messages_phone.py")


def _start_order(item: pytest.Item) -> tuple[int, int]:
    name = item.path.name
    if name in LONGEST_FIRST:
        return 0, LONGEST_FIRST.index(name)
    return (1 if item.get_closest_marker("e2e") else 2), 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadfile``, without size reordering) the long modules
    start at once and the short ones fill the gaps (a stable sort: a module's tests stay
    in their order)."""
    items.sort(key=_start_order)
