"""The operator trunk in pjsip.conf and the dialplan: registration with our account,
identified by address only, our public numbers only, and no anonymous SIP in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.asterisk.layout import InstanceLayout, Runtime
from ivr.asterisk.render import RenderOptions, render_config
from ivr.asterisk.trunk import operator_trunk
from ivr.settings import Settings

TRUNK = {"TOWNHALL_TRUNK_HOST": "192.0.2.10:5062", "TOWNHALL_TRUNK_USER": "0123456789",
         "TOWNHALL_TRUNK_MATCH": "192.0.2.0/28, 198.51.100.7",
         "TOWNHALL_TRUNK_DIDS": "+33123456789, 01 23 45 67 00",
         "TOWNHALL_DEV_TRUNK": "0"}


def _settings(tmp_path: Path, **env: str) -> Settings:
    root = tmp_path / "root"
    (root / "usr/lib/x86_64-linux-gnu/asterisk/modules").mkdir(parents=True, exist_ok=True)
    return Settings.from_env({"TOWNHALL_HOME": str(tmp_path / "home"),
                              "TOWNHALL_ASTERISK_ROOT": str(root), **env})


def _render(settings: Settings) -> dict[str, str]:
    layout = InstanceLayout.for_settings(settings, Runtime("asterisk", settings.asterisk_root))
    return render_config(settings, layout, RenderOptions())


def _section(text: str, name: str, kind: str) -> str:
    """The body of the section ``[name]`` whose ``type`` is ``kind``."""
    for body in re.split(r"^\[", text, flags=re.MULTILINE):
        head, _, rest = body.partition("\n")
        if head.startswith(f"{name}]") and re.search(rf"^type = {kind}$", rest, re.MULTILINE):
            return rest
    raise AssertionError(f"no [{name}] of type {kind}")


@pytest.fixture
def with_password(tmp_path: Path) -> Settings:
    settings = _settings(tmp_path, **TRUNK)
    settings.trunk_password_path.parent.mkdir(parents=True)
    settings.trunk_password_path.write_text("s3cr;et\n")
    return settings


def test_registers_with_the_account_and_is_identified_by_address(with_password: Settings) -> None:
    pjsip = _render(with_password)["pjsip.conf"]
    registration = _section(pjsip, "citizen-trunk-registration", "registration")
    assert "server_uri = sip:192.0.2.10:5062" in registration
    assert "client_uri = sip:0123456789@192.0.2.10:5062" in registration
    assert r"password = s3cr\;et" in _section(pjsip, "citizen-trunk-auth", "auth")
    identify = _section(pjsip, "citizen-trunk", "identify")
    assert re.findall(r"^match = (.+)$", identify, re.MULTILINE) == [
        "192.0.2.0/28", "198.51.100.7/32"]
    assert "endpoint_identifier_order = ip,username" in pjsip
    # outbound: our account in From, our main number presented
    assert "callerid = <+33123456789>" in pjsip and "outbound_auth = citizen-trunk-auth" in pjsip


def test_only_our_numbers_reach_the_ivr(with_password: Settings) -> None:
    dialplan = _render(with_password)["extensions.conf"]
    trunk = dialplan.split("[townhall-trunk]", 1)[1].split("\n[", 1)[0]
    numbers = re.findall(r"^exten => ([^,]+),1,Goto\(townhall-inbound", trunk, re.MULTILINE)
    assert numbers == ["+33123456789", "33123456789", "0123456789",
                       "+33123456700", "33123456700", "0123456700"]


def test_no_anonymous_sip_in_production(with_password: Settings, tmp_path: Path) -> None:
    assert "[dev-trunk]" not in _render(with_password)["pjsip.conf"]
    development = _render(_settings(tmp_path / "dev"))["pjsip.conf"]
    assert "[dev-trunk]" in development and "match = 127.0.0.1" in development
    assert "citizen-trunk-registration" not in development


def test_no_trunk_password_means_no_made_up_one(tmp_path: Path) -> None:
    settings = _settings(tmp_path, **TRUNK)
    with pytest.raises(ValueError, match="secrets/trunk_password"):
        _render(settings)
    assert not settings.trunk_password_path.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("host", "sip.operateur.fr", "TOWNHALL_TRUNK_HOST"),
    ("host", "192.0.2.1:99999", "port invalide"),
    ("account", "compte\nmatch=0.0.0.0/0", "TOWNHALL_TRUNK_USER"),
    ("account", "", "TOWNHALL_TRUNK_USER"),
    ("match", "operateur.example", "TOWNHALL_TRUNK_MATCH"),
    ("dids", "0899", "TOWNHALL_TRUNK_DIDS"),
    ("dids", " , ", "au moins un numéro"),
    ("password", "x\ny", "mot de passe"),
])  # fmt: skip
def test_bad_trunk_values_are_refused_in_french(field: str, value: str, message: str) -> None:
    values = {"host": "192.0.2.10", "account": "mairie", "password": "pw", "match": "",
              "dids": "+33123456789", field: value}
    with pytest.raises(ValueError, match=message):
        operator_trunk(values["host"], values["account"], values["password"], values["match"],
                       values["dids"])


def test_the_operator_address_is_the_default_match() -> None:
    trunk = operator_trunk("192.0.2.10", "mairie", "pw", "", "0123456789")
    assert trunk is not None
    assert (trunk.server, trunk.match, trunk.dids) == (
        "192.0.2.10:5060", ("192.0.2.10/32",), ("+33123456789",))
