"""Separate listen addresses per service and least-privilege AMI users in the rendering."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.asterisk.layout import InstanceLayout, Runtime
from ivr.asterisk.render import RenderOptions, render_config
from ivr.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    env = {"TOWNHALL_HOME": str(tmp_path / "home"), "TOWNHALL_BIND": "0.0.0.0"}
    return Settings.from_env(env)


def _render(settings: Settings, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "root/usr/lib/asterisk/modules").mkdir(parents=True, exist_ok=True)
    layout = InstanceLayout.for_settings(settings, Runtime("asterisk", tmp_path / "root"))
    return render_config(settings, layout, RenderOptions())


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^\[([^\]]+)\]\s*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_ari_and_ami_stay_on_loopback_when_sip_is_open(settings: Settings, tmp_path: Path) -> None:
    conf = _render(settings, tmp_path)
    assert "bind = 0.0.0.0:" in conf["pjsip.conf"]
    assert "bindaddr = 127.0.0.1" in conf["http.conf"]
    assert "bindaddr = 127.0.0.1" in conf["manager.conf"]


def test_each_service_can_be_moved_explicitly(settings: Settings, tmp_path: Path) -> None:
    moved = settings.with_(sip_bind="192.0.2.5", ari_bind="192.0.2.6", ami_bind="192.0.2.7",
                           admin_bind="192.0.2.8")
    conf = _render(moved, tmp_path)
    assert "bind = 192.0.2.5:" in conf["pjsip.conf"]
    assert "bindaddr = 192.0.2.6" in conf["http.conf"]
    assert "bindaddr = 192.0.2.7" in conf["manager.conf"]
    assert "permit = 192.0.2.7/255.255.255.255" in conf["manager.conf"]
    assert moved.admin_host == "192.0.2.8"
    assert Settings.from_env(moved.to_env()).ari_host == "192.0.2.6"


def test_ami_users_have_the_least_rights(settings: Settings, tmp_path: Path) -> None:
    users = _sections(_render(settings, tmp_path)["manager.conf"])
    view, facts = users[settings.ami_user], users[settings.ami_facts_user]
    for section in (view, facts):
        rights = {r for line in re.findall(r"^(?:read|write) = (.*)$", section, re.M)
                  for r in line.split(",")}
        assert rights and not {"system", "command"} & rights
    assert "originate" in re.findall(r"^write = (.*)$", view, re.M)[0]  # click-to-call
    assert "originate" not in re.findall(r"^write = (.*)$", facts, re.M)[0]
