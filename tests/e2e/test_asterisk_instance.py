"""A real Asterisk instance: ARI, AMI, two instances side by side, the fallback path."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from ivr.asterisk.process import AsteriskInstance
from ivr.simulate import start_call
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e


def _ari_info(instance: AsteriskInstance, password: str) -> httpx.Response:
    auth = (instance.settings.ari_user, password)
    return httpx.get(f"{instance.ari_url}/asterisk/info", auth=auth, timeout=5)


def _ami_login(port: int, user: str, secret: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        banner = sock.recv(128).decode()
        assert banner.startswith("Asterisk Call Manager")
        login = f"Action: Login\r\nUsername: {user}\r\nSecret: {secret}\r\n\r\n"
        sock.sendall(login.encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += sock.recv(1024)
        return reply.decode()


def test_ari_answers_with_generated_credentials_only(asterisk: AsteriskInstance) -> None:
    ok = _ari_info(asterisk, asterisk.settings.ari_password)
    assert ok.status_code == 200
    assert ok.json()["system"]["entity_id"]
    assert _ari_info(asterisk, "wrong").status_code == 401


def test_ami_accepts_login(asterisk: AsteriskInstance) -> None:
    settings = asterisk.settings
    assert "Response: Success" in _ami_login(
        settings.ami_port, settings.ami_user, settings.ami_password
    )
    assert "Response: Error" in _ami_login(settings.ami_port, settings.ami_user, "wrong")


def test_configuration_is_loaded(asterisk: AsteriskInstance) -> None:
    assert "dev-trunk" in asterisk.cli("pjsip show endpoints")
    assert "etat-civil" in asterisk.cli("queue show")
    dialplan = asterisk.cli("dialplan show townhall-inbound")
    assert "Set(TOWNHALL_ARGS=inbound:${TOWNHALL_REF})" in dialplan
    assert "StasisBroadcast(" in asterisk.cli("dialplan show townhall-claim")
    assert asterisk.is_running()


def test_two_instances_side_by_side(
    asterisk: AsteriskInstance, asterisk_fresh: AsteriskInstance
) -> None:
    assert asterisk.layout.base != asterisk_fresh.layout.base
    assert _ari_info(asterisk, asterisk.settings.ari_password).status_code == 200
    assert _ari_info(asterisk_fresh, asterisk_fresh.settings.ari_password).status_code == 200
    # each home has its own generated secrets
    assert _ari_info(asterisk_fresh, asterisk.settings.ari_password).status_code == 401


def test_restart_and_status_from_another_object(asterisk_fresh: AsteriskInstance) -> None:
    observer = AsteriskInstance(asterisk_fresh.settings)
    assert observer.is_running()
    asterisk_fresh.restart()
    assert observer.is_running()
    observer.stop()
    assert not asterisk_fresh.is_running()


def _fallback_channel(asterisk: AsteriskInstance) -> str:
    """``core show channel`` of the caller's channel if it reached the fallback, or ""."""
    for line in asterisk.cli("core show channels concise").splitlines():
        name = line.split("!")[0]
        if name.startswith("PJSIP/dev-trunk"):
            details = asterisk.cli(f"core show channel {name}")
            if "TOWNHALL_FALLBACK=1" in details:
                return details
    return ""


def test_call_without_application_is_answered_by_fallback(
    asterisk: AsteriskInstance, tmp_path: Path
) -> None:
    auth = (asterisk.settings.ari_user, asterisk.settings.ari_password)
    assert httpx.get(f"{asterisk.ari_url}/applications", auth=auth).json() == []
    call = start_call("127.0.0.1", asterisk.settings.sip_port, steps=[], hold_seconds=4,
                      ref="ref-42_a.b", cache_dir=tmp_path)
    details = eventually(lambda: _fallback_channel(asterisk), 10, 0.1)
    assert details, "no caller channel reached the fallback"
    result = call.result(timeout=30)
    assert result.answered and result.sipp_exit == 0, result.error
    assert "TOWNHALL_REF=ref-42_a.b" in details
