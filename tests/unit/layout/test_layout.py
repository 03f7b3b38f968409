"""The folder rules of docs/LAYOUT.md, checked on the imports of every module."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
# Round two's capabilities are pure at their top level; their gateways sit in adapters/.
PURE_FOLDERS = ("ivr/domain", "ivr/flow", "ivr/requests", "ivr/appointments", "ivr/messages",
                "ivr/alerts", "ivr/security")
# What a pure module may not import: adapters of ours, and the stdlib and third-party
# modules that reach files, processes, the network, the environment or the terminal.
NOT_PURE = ("ivr.store", "ivr.telephony", "ivr.speech", "ivr.prompts", "ivr.asterisk",
            "ivr.stack", "ivr.simulate", "ivr.sipp", "ivr.callbacks", "ivr.cli", "ivr.app",
            "ivr.settings", "ivr.clock", "ivr.runfiles", "admin",
            "os", "subprocess", "socket", "pathlib", "shutil", "tempfile", "asyncio",
            "threading", "time", "sqlalchemy", "httpx", "click", "pydub", "vosk")
# third-party module → the only folder allowed to import it
OWNED = {"ari_client": "ivr/telephony", "websockets": "ivr/telephony",
         "asterisk": "ivr/telephony", "click": "ivr/cli"}


def modules(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((REPO / folder).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (type-checking-only ones included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def within_any(names: set[str], prefixes: tuple[str, ...]) -> bool:
    return any(within(n, prefixes) for n in names)


def pure_modules() -> list[Path]:
    return [p for p in modules(*PURE_FOLDERS) if "adapters" not in p.relative_to(REPO).parts]


@pytest.mark.parametrize("path", pure_modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_pure_folders_import_no_adapter(path: Path) -> None:
    assert sorted(n for n in imported(path) if within(n, NOT_PURE)) == []


def test_domain_does_not_depend_on_the_call_flow() -> None:
    assert not [p.name for p in modules("ivr/domain") if within_any(imported(p), ("ivr.flow",))]


def test_libraries_are_imported_by_their_folder_only() -> None:
    strays = [(str(p.relative_to(REPO)), lib) for p in modules("ivr", "admin")
              for lib, owner in OWNED.items()
              if within_any(imported(p), (lib,)) and not p.is_relative_to(REPO / owner)]
    assert strays == []


def test_one_commands_module_left() -> None:
    found = [str(p.relative_to(REPO)) for p in modules("ivr", "admin") if p.name == "commands.py"]
    assert found == ["ivr/flow/commands.py"]  # the call flow's output types, not click


def test_test_modules_import_helpers_from_fixtures_only() -> None:
    """What two test modules share lives in tests/fixtures, never in a test or a conftest."""
    local = {p.stem for p in modules("tests") if not p.is_relative_to(REPO / "tests/fixtures")}
    strays = []
    for path in modules("tests"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
        names = imported(path)
        strays += [(path.name, n) for n in sorted(names) if
                   (n.startswith("tests.") and not n.startswith("tests.fixtures."))
                   or n.split(".")[0] in local]
        strays += [(path.name, "." * n.level + (n.module or "")) for n in relative]
    assert strays == []


def test_tests_and_benchmarks_share_only_townhall_support() -> None:
    """Neither imports the other: what both use is the installed ``townhall_support``."""
    strays = [(str(p.relative_to(REPO)), n) for p in modules("tests")
              for n in imported(p) if within(n, ("bench",))]
    strays += [(str(p.relative_to(REPO)), n) for p in modules("bench", "townhall_support")
               for n in imported(p) if within(n, ("tests",))]
    assert strays == []


def test_installed_code_reads_no_file_of_the_checkout() -> None:
    """Run-time files come through ``ivr.package_data``: a path climbing out of a package
    from ``__file__`` works in a checkout and breaks once installed from the wheel."""
    climbing = re.compile(r"__file__\)(\.resolve\(\))?\.(parents\[[1-9]\]|parent\.parent)")
    strays = [str(p.relative_to(REPO)) for p in modules("ivr", "admin", "townhall_support")
              if climbing.search(p.read_text(encoding="utf-8"))]
    assert strays == []
