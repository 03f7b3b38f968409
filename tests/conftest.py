"""Root conftest: the component fixtures live in tests/fixtures/, one module each."""

pytest_plugins = [
    "tests.fixtures.asterisk",
    "tests.fixtures.phones",
    "tests.fixtures.db",
    "tests.fixtures.radicale",
    "tests.fixtures.threads",
]
