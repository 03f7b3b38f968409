"""Rendering of the Asterisk configuration, without starting Asterisk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.asterisk.layout import InstanceLayout, Runtime
from ivr.asterisk.render import (
    AgentEndpoint,
    QueueSpec,
    RenderOptions,
    render_config,
)
from ivr.rules import load_rules_text
from ivr.settings import Settings
from ivr.stack.provisioning import queue_specs
from tests.fixtures.rules import MINIMAL, replaced

# name-like tokens: a label, a dot, a letters-only top-level label (IPs never match)
HOST_NAME = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:[a-z]{2,})\b", re.IGNORECASE)
FILE_LIKE = re.compile(r"\.(?:conf|so|log|sln|wav|ael|j2|xml)$")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A fake Asterisk root: just the modules directory the renderer looks for."""
    (tmp_path / "root/usr/lib/x86_64-linux-gnu/asterisk/modules").mkdir(parents=True)
    return tmp_path / "root"


@pytest.fixture
def settings(tmp_path: Path, root: Path) -> Settings:
    env = {"TOWNHALL_HOME": str(tmp_path / "home"), "TOWNHALL_ASTERISK_ROOT": str(root)}
    return Settings.from_env(env).with_(
        sip_port=15060, ari_port=18088, ami_port=15038, rtp_start=31000, rtp_end=31200
    )


def _render(settings: Settings, root: Path, **options: object) -> dict[str, str]:
    layout = InstanceLayout.for_settings(settings, Runtime("asterisk", root))
    return render_config(settings, layout, RenderOptions(**options))  # type: ignore[arg-type]


def _values(text: str, key: str) -> list[str]:
    return re.findall(rf"^{re.escape(key)}\s*=>?\s*(.+)$", text, re.MULTILINE)


def test_no_host_names_anywhere(settings: Settings, root: Path) -> None:
    agents = [AgentEndpoint("agent-1", contact="sip:agent@127.0.0.1:40000")]
    files = _render(settings, root, agents=agents, queues=[QueueSpec("urbanisme")])
    for name, text in files.items():
        for line in text.splitlines():
            if line.startswith(";"):
                continue
            names = [t for t in HOST_NAME.findall(line) if not FILE_LIKE.search(t)]
            assert not names, f"{name}: {line}"


def test_ports_and_addresses_are_honoured(settings: Settings, root: Path) -> None:
    files = _render(settings, root)
    assert _values(files["http.conf"], "bindport") == ["18088"]
    assert _values(files["http.conf"], "bindaddr") == ["127.0.0.1"]
    assert _values(files["manager.conf"], "port") == ["15038"]
    assert _values(files["pjsip.conf"], "bind") == ["127.0.0.1:15060"]
    assert _values(files["rtp.conf"], "rtpstart") == ["31000"]
    assert _values(files["rtp.conf"], "rtpend") == ["31200"]
    assert _values(files["ari.conf"], "password") == [settings.ari_password]
    assert _values(files["manager.conf"], "secret") == [settings.ami_password] * 2  # 2 users


def test_directories_are_per_instance_and_inside_the_root(settings: Settings, root: Path) -> None:
    conf = _render(settings, root)["asterisk.conf"]
    for key in ("astetcdir", "astrundir", "astlogdir", "astspooldir", "astvarlibdir"):
        (value,) = _values(conf, key)
        assert value.startswith("/var/lib/townhall/"), value
        assert (root / value.lstrip("/")).parent.parent == root / "var/lib/townhall"
    assert "[directories](!)" not in conf  # a template section would be ignored


def test_queues_rendered_with_members_and_accueil_added(settings: Settings, root: Path) -> None:
    queue = QueueSpec("etat-civil", label="État civil", members=("PJSIP/agent-1",),
                       max_callers=4)
    files = _render(settings, root, queues=[queue])
    queues = files["queues.conf"]
    assert re.findall(r"^\[([a-z-]+)\]$", queues, re.MULTILINE) == [
        "general",
        "accueil",
        "etat-civil",
    ]
    section = queues.split("[etat-civil]")[1]
    assert "member => PJSIP/agent-1,0,agent-1" in section
    assert _values(section, "maxlen") == ["0"]  # the dialplan counts waiting callers
    assert "accueil => " in files["voicemail.conf"]
    assert "etat-civil => " in files["voicemail.conf"] and "État civil" in files["voicemail.conf"]


def test_agents_static_contact_or_registration(settings: Settings, root: Path) -> None:
    agents = [
        AgentEndpoint("agent-1", contact="sip:agent@127.0.0.1:40000"),
        AgentEndpoint("agent-2", password="s3cret"),
    ]
    pjsip = _render(settings, root, agents=agents)["pjsip.conf"]
    assert "contact = sip:agent@127.0.0.1:40000" in pjsip
    assert "password = s3cret" in pjsip and "auth = agent-2" in pjsip
    assert "auth = agent-1" not in pjsip


@pytest.mark.parametrize(
    "make",
    [
        lambda: AgentEndpoint("agent-1", contact="sip:agent@pbx.example.org"),
        lambda: AgentEndpoint("agent-1"),
        lambda: QueueSpec("Accueil Général"),
        lambda: QueueSpec("accueil", members=("SIP/agent-1",)),
    ],
)
def test_invalid_specs_are_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


def test_bind_host_must_be_an_address(settings: Settings, root: Path) -> None:
    with pytest.raises(ValueError, match="n'est pas une adresse IP"):
        _render(settings.with_(bind_host="localhost"), root)


def test_dialplan_contexts(settings: Settings, root: Path) -> None:
    extensions = _render(settings, root)["extensions.conf"]
    inbound = extensions.split("[townhall-inbound]")[1].split("\n[")[0]
    for pattern in ("_X.", "_+X.", "s", "_[a-zA-Z0-9]."):
        assert f"exten => {pattern},1," in inbound
    assert "TOWNHALL_APP = townhall-ivr" in extensions
    # every IVR process (townhall-ivr-0, -1…) is offered the call; none claiming it in
    # time, or the claimant dying twice, sends it to the fallback
    assert r"TOWNHALL_IVR_APPS = ^townhall-ivr-[0-9]+$" in extensions
    assert "Gosub(townhall-claim,${EXTEN},1(${TOWNHALL_ARGS}))" in inbound
    assert ('"${STASISSTATUS}" = "TIMEOUT" | "${STASISSTATUS}" = "FAILED"]'
            '?townhall-fallback,s,1') in inbound
    claim = extensions.split("[townhall-claim]")[1].split("\n[")[0]
    assert claim.count(
        "StasisBroadcast(${TOWNHALL_CLAIM_MS},${TOWNHALL_IVR_APPS},${ARG1})") == 2
    fallback = extensions.split("[townhall-fallback]")[1].split("\n[")[0]
    assert "TOWNHALL_FALLBACK=1" in fallback and "VoiceMail(accueil@townhall" in fallback
    for context in ("townhall-queue", "townhall-voicemail"):
        assert f"[{context}]" in extensions
    # the benchmark's plain-dialplan baseline is not production's (bench/native.py)
    assert "native" not in extensions


def test_a_hang_up_during_the_hand_off_still_ends_the_contact(settings: Settings,
                                                              root: Path) -> None:
    """Asterisk drops an accepted continue when the hang-up comes first (the call ends
    in townhall-inbound), or the call ends in townhall-queue before its first priority
    pushed the hang-up handler: both contexts' h extension send TownhallCallEnd."""
    extensions = _render(settings, root)["extensions.conf"]
    inbound = extensions.split("[townhall-inbound]")[1].split("\n[")[0]
    queue = extensions.split("[townhall-queue]")[1].split("\n[")[0]
    assert ('exten => h,1,GosubIf($["${TOWNHALL_TARGET}" != ""]?townhall-queue-end,s,1('
            "${TOWNHALL_TARGET}))") in inbound
    assert ('exten => h,1,GosubIf($["${TOWNHALL_QUEUE_END}" = ""]?townhall-queue-end,s,1('
            "${TOWNHALL_TARGET}))") in queue
    assert "exten => s,1,UserEvent(TownhallCallEnd,Queue: ${ARG1})" in extensions


def test_noisy_modules_are_not_loaded(settings: Settings, root: Path) -> None:
    modules = _render(settings, root)["modules.conf"]
    noload = set(_values(modules, "noload"))
    assert {"chan_dahdi.so", "res_corosync.so", "app_voicemail_odbc.so"} <= noload
    assert "res_resolver_unbound.so" in noload  # it would resolve names
    assert _values(modules, "autoload") == ["yes"]


def test_queue_length_comes_from_the_rules(settings: Settings, root: Path) -> None:
    """max_callers counts callers beyond the agents ready, not app_queue's maxlen."""
    rules = load_rules_text(replaced(MINIMAL, "    hours: bureau\n",
                                     "    hours: bureau\n    queue: {max_callers: 3}\n"))
    files = _render(settings, root, queues=queue_specs(rules))
    entries = files["extensions.conf"].split("[townhall-queue]")[1].split("\n[")[0]

    def full_check(queue: str, limit: int) -> str:
        return (f"GotoIf($[${{QUEUE_WAITING_COUNT({queue})}} >= ${{QUEUE_MEMBER({queue},ready)}}"
                f" + {limit}]?townhall-queue-run,{queue},full)")

    assert full_check("accueil", 3) in entries
    assert full_check("sports", 10) in entries  # the default
    assert set(re.findall(r"^maxlen = (\d+)$", files["queues.conf"], re.MULTILINE)) == {"0"}
    run = files["extensions.conf"].split("[townhall-queue-run]")[1]
    assert " same => n(full),Set(QUEUESTATUS=FULL)\n" in run
    assert "n(overflow),QueueLog(${EXTEN},${UNIQUEID},NONE,OVERFLOW," in run


def test_no_caller_limit_renders_no_check(settings: Settings, root: Path) -> None:
    queue = QueueSpec("etat-civil", members=("PJSIP/agent-1",), max_callers=0)
    extensions = _render(settings, root, queues=[queue])["extensions.conf"]
    assert "QUEUE_WAITING_COUNT(etat-civil)" not in extensions
    assert "QUEUE_WAITING_COUNT(accueil)" in extensions  # the added accueil keeps its limit
