"""Agents' phones over TLS with SRTP: the transport, the generated certificate, the
endpoints (rendered, without starting Asterisk)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ivr.asterisk.layout import InstanceLayout, Runtime
from ivr.asterisk.render import AgentEndpoint, RenderOptions, render_config
from ivr.asterisk.tls import tls_folder
from ivr.settings import Settings


def _settings(tmp_path: Path, **env: str) -> Settings:
    root = tmp_path / "root"
    (root / "usr/lib/x86_64-linux-gnu/asterisk/modules").mkdir(parents=True, exist_ok=True)
    return Settings.from_env({"TOWNHALL_HOME": str(tmp_path / "home"),
                              "TOWNHALL_ASTERISK_ROOT": str(root), **env})


def _render(settings: Settings) -> dict[str, str]:
    layout = InstanceLayout.for_settings(settings, Runtime("asterisk", settings.asterisk_root))
    agents = [AgentEndpoint("agent-1", password="pw"),
              AgentEndpoint("agent-2", contact="sip:a@127.0.0.1:4000")]
    return render_config(settings, layout, RenderOptions(agents=agents))


def test_registered_phones_use_tls_and_srtp(tmp_path: Path) -> None:
    settings = _settings(tmp_path, TOWNHALL_SIP_TLS_PORT="5061", TOWNHALL_AGENTS_SRTP="1")
    files = _render(settings)
    pjsip = files["pjsip.conf"]
    assert "[transport-tls]\ntype = transport\nprotocol = tls\nbind = 127.0.0.1:5061\n" in pjsip
    agent = pjsip.split("[agent-1](media-defaults)", 1)[1].split("\n\n", 1)[0]
    assert "transport = transport-tls" in agent and "media_encryption = sdes" in agent
    static = pjsip.split("[agent-2](media-defaults)", 1)[1].split("\n\n", 1)[0]
    assert "transport-tls" not in static  # a fixed contact (tests) stays as it is
    assert files["townhall-tls.crt"].startswith("-----BEGIN CERTIFICATE-----")
    key = tls_folder(settings) / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert _render(settings)["townhall-tls.crt"] == files["townhall-tls.crt"]  # kept


def test_no_tls_by_default(tmp_path: Path) -> None:
    files = _render(_settings(tmp_path))
    assert "transport-tls" not in files["pjsip.conf"] and "townhall-tls.crt" not in files
    assert not tls_folder(_settings(tmp_path)).exists()


def test_srtp_without_tls_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TOWNHALL_AGENTS_SRTP=1 demande TOWNHALL_SIP_TLS_PORT"):
        _render(_settings(tmp_path, TOWNHALL_AGENTS_SRTP="1"))
