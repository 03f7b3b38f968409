"""Choosing the Asterisk runtime and preparing the private root (no network, no build)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ivr.asterisk.layout import Runtime
from ivr.asterisk.provision import (
    fix_root,
    mirror_url,
    mmdebstrap_command,
    provision,
    supported,
)
from ivr.settings import Settings


def _fake_asterisk(tmp_path: Path, version: str) -> str:
    binary = tmp_path / f"asterisk-{version}"
    binary.write_text(f"#!/bin/sh\necho 'Asterisk {version}'\n")
    binary.chmod(0o755)
    return str(binary)


def _fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for relative in ("usr/sbin", "etc/asterisk", "run", "var"):
        (root / relative).mkdir(parents=True)
    (root / "usr/sbin/asterisk").touch()
    (root / "var/run").symlink_to("/run")
    (root / "etc/resolv.conf").write_text("nameserver 10.255.255.53\n")
    return root


def test_mirror_from_deb822_then_one_line_format(tmp_path: Path) -> None:
    deb822 = tmp_path / "debian.sources"
    deb822.write_text(
        "Types: deb\n# URIs: http://commented.invalid/\nURIs: http://10.0.0.1/debian\n"
    )
    classic = tmp_path / "sources.list"
    classic.write_text("deb [arch=amd64] http://10.0.0.2/debian bookworm main\n")
    assert mirror_url((tmp_path / "missing", deb822)) == "http://10.0.0.1/debian"
    assert mirror_url((tmp_path / "missing", classic)) == "http://10.0.0.2/debian"


def test_mmdebstrap_ignores_expired_release(tmp_path: Path) -> None:
    command = mmdebstrap_command(tmp_path / "t", "http://10.0.0.1/debian")
    assert '--aptopt=Acquire::Check-Valid-Until "false"' in command
    assert command[-3:] == ["sid", str(tmp_path / "t"), "http://10.0.0.1/debian"]
    assert "asterisk-core-sounds-fr-wav" in command[2]


def test_fix_root_removes_dns_and_keeps_var_run_inside(tmp_path: Path) -> None:
    root = _fake_root(tmp_path)
    fix_root(root)
    fix_root(root)  # idempotent
    assert (root / "etc/resolv.conf").read_text() == ""
    assert (root / "etc/hosts").read_text().count("localhost") == 2
    assert (root / "run/asterisk").is_dir()  # not the host's /run/asterisk


@pytest.mark.parametrize(("version", "ok"), [
    ((20, 12), False), ((20, 13), True), ((21, 7), False), ((21, 8), True),
    ((22, 2), False), ((22, 3), True), ((22, 10), True), ((23, 0), True), ((18, 20), False),
    (None, False),
])
def test_rest_over_websocket_decides_which_asterisk_will_do(
        version: tuple[int, int] | None, ok: bool) -> None:
    assert supported(version) is ok


def test_a_recent_system_asterisk_is_used(tmp_path: Path) -> None:
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path)})
    runtime = provision(settings.with_(asterisk_bin=_fake_asterisk(tmp_path, "22.10.1")))
    assert runtime.root is None


@pytest.mark.skipif(os.geteuid() != 0, reason="the private root needs root")
def test_old_system_asterisk_falls_back_to_the_root(tmp_path: Path) -> None:
    root = _fake_root(tmp_path)
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path)})
    old = settings.with_(asterisk_bin=_fake_asterisk(tmp_path, "22.2.0"), asterisk_root=root)
    assert provision(old) == Runtime("asterisk", root)


def test_runtime_maps_paths_and_commands(tmp_path: Path) -> None:
    runtime = Runtime("asterisk", tmp_path)
    assert runtime.host("/var/lib/townhall") == tmp_path / "var/lib/townhall"
    assert runtime.inner(tmp_path / "etc/asterisk.conf") == "/etc/asterisk.conf"
    assert runtime.command("-rx", "core show version")[:3] == ["chroot", str(tmp_path), "asterisk"]
    assert Runtime("/usr/sbin/asterisk").command("-V") == ["/usr/sbin/asterisk", "-V"]
