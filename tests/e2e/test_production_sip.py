"""SIP as a town hall runs it (``TOWNHALL_DEV_TRUNK=0``: no anonymous SIP), one stack.

The operator's trunk with a second Asterisk playing the operator (127.0.0.2): the town
hall registers with its account, a citizen calling the public number through the
operator reaches the IVR and is routed, a number that is not ours and a peer that is
not the operator are refused, and a callback leaves through the trunk with the town
hall's number. An agent's phone registers with its generated credentials (a wrong
password is refused, a rotated one stops working at once); the password is in a 0600
file and in no log. Phones may also
speak SIP over TLS, with the server's generated certificate. A stranger guessing
passwords is blocked after five failures (``security guard``), the agent is not."""

from __future__ import annotations

import array
import itertools
import os
import secrets
import socket
import ssl
import stat
import subprocess
import sys
import wave
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from ivr.callbacks import repository as repo
from ivr.private_files import write_new_private
from ivr.security.adapters.acl import sip_security
from ivr.simulate import AgentPhone, place_call
from ivr.store.db import Store
from ivr.store.models import Callback
from tests.fixtures.operator import OPERATOR_IP, Desk, Operator, operator_asterisk
from tests.fixtures.sip_register import register
from tests.fixtures.stack import prompt_cache
from townhall_support.ports import free_port
from townhall_support.stack import OPEN_CLOCK, Stack, running_stack
from townhall_support.wait import eventually

pytestmark = pytest.mark.e2e

ACCOUNT = "mairie-test"
DID = "+33123456789"  # the town hall's main number; dialled nationally by citizens
DESK_PHONE = "agent-urbanisme-1"  # registers (no static contact in the rules)
SRTP_PHONE = "agent-scolaire-1"  # the operator's Asterisk plays it: TLS and SRTP


@pytest.fixture(scope="module")
def phones() -> Iterator[tuple[AgentPhone, AgentPhone]]:
    """(agent, citizen): the agent answers queue calls, the citizen answers callbacks."""
    with AgentPhone(mode="answer", max_seconds=20) as agent, \
            AgentPhone(mode="answer", max_seconds=20) as citizen:
        yield agent, citizen


@pytest.fixture(scope="module")
def trunk(tmp_path_factory: pytest.TempPathFactory,
          phones: tuple[AgentPhone, AgentPhone]) -> Iterator[tuple[Stack, Operator]]:
    agent, citizen = phones
    home = tmp_path_factory.mktemp("home")
    password = secrets.token_urlsafe(18)  # given by the operator, installed by IT
    write_new_private(home / "secrets" / "trunk_password", f"{password}\n".encode())
    desk_password = secrets.token_urlsafe(18)  # as « production agent-password » shows it
    write_new_private(home / "secrets" / f"sip-{SRTP_PHONE}", f"{desk_password}\n".encode())
    tls_port = free_port()
    desk = Desk(SRTP_PHONE, desk_password, f"127.0.0.1:{tls_port}", free_port())
    with operator_asterisk(tmp_path_factory.mktemp("operator"), ACCOUNT, password,
                           citizen.port, desk) as operator:
        changes = {"trunk_host": f"{OPERATOR_IP}:{operator.port}", "trunk_user": ACCOUNT,
                   "trunk_dids": DID, "dev_trunk": False, "sip_tls_port": tls_port,
                   "agents_srtp": True}
        with running_stack(home, f"sip:agent@127.0.0.1:{agent.port}", settings=changes,
                           contacts={DESK_PHONE: None, SRTP_PHONE: None},
                           prompt_cache=prompt_cache(tmp_path_factory)) as stack:
            yield stack, operator



def test_the_town_hall_registers_with_its_account(trunk: tuple[Stack, Operator]) -> None:
    stack, operator = trunk
    assert eventually(lambda: operator.registered(ACCOUNT), 30), operator.asterisk.cli(
        "pjsip show contacts")
    assert "Registered" in stack.asterisk.cli("pjsip show registrations")


def test_a_citizen_calling_the_public_number_is_routed(trunk: tuple[Stack, Operator]) -> None:
    stack, operator = trunk
    eventually(lambda: operator.registered(ACCOUNT), 30)
    result = place_call(OPERATOR_IP, operator.port, called="0123456789", dtmf="11",
                        hold_seconds=6, caller="0612345678",
                        cache_dir=stack.settings.home / "cache")
    assert result.answered, result.error
    contact = stack.contact(result.ref, wait=20, until=lambda c: c["outcome"] is not None)
    assert contact is not None, stack.app_log()
    assert (contact["target"], contact["outcome"]) == ("etat-civil", "answered"), contact


def test_a_number_that_is_not_ours_is_refused(trunk: tuple[Stack, Operator]) -> None:
    stack, operator = trunk
    result = place_call(OPERATOR_IP, operator.port, called="0199999999", hold_seconds=1,
                        cache_dir=stack.settings.home / "cache", timeout=20)
    assert not result.answered
    assert stack.contact(result.ref, wait=2) is None


def test_a_peer_that_is_not_the_operator_is_refused(trunk: tuple[Stack, Operator]) -> None:
    """Straight to the town hall from 127.0.0.1: no anonymous SIP in production."""
    stack, _ = trunk
    result = place_call("127.0.0.1", stack.settings.sip_port, called=DID, hold_seconds=1,
                        cache_dir=stack.settings.home / "cache", timeout=20)
    # unidentified: challenged, and no credentials can answer it
    assert not result.answered and "401 Unauthorized" in result.error, result
    assert stack.contact(result.ref, wait=2) is None


def test_a_callback_leaves_through_the_trunk_with_our_number(
        trunk: tuple[Stack, Operator], phones: tuple[AgentPhone, AgentPhone]) -> None:
    stack, operator = trunk
    _, citizen = phones
    now = datetime.fromisoformat(OPEN_CLOCK)
    store = Store(stack.settings.db_url)
    try:
        with store.session() as session:
            callback_id = repo.request_callback(session, None, "0698765432", "accueil",
                                                due_at=now, promised_before=None, now=now).id
    finally:
        store.dispose()
    answered = citizen.calls_answered
    env = {**os.environ, **stack.settings.to_env()}
    done = subprocess.run([sys.executable, "-m", "ivr.cli", "callbacks", "run", "--once"],
                          env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (DID, "0698765432") in operator.calls()
    assert citizen.calls_answered == answered + 1
    store = Store(stack.settings.db_url)
    try:
        with store.session() as session:
            row = session.get(Callback, callback_id)
            assert row is not None and (row.state, row.outcome) == ("done", "answered")
    finally:
        store.dispose()


def test_an_agent_phone_registers_with_its_generated_credentials(
        trunk: tuple[Stack, Operator]) -> None:
    stack, _ = trunk
    secret = stack.settings.home / "secrets" / f"sip-{DESK_PHONE}"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    password = secret.read_text().strip()
    port = stack.settings.sip_port
    assert register("127.0.0.1", port, DESK_PHONE, password + "x") == "refused"
    assert register("127.0.0.1", port, DESK_PHONE, password) == "200"
    assert f"{DESK_PHONE}/sip:{DESK_PHONE}@127.0." in stack.asterisk.cli(
        f"pjsip show contacts like {DESK_PHONE}")
    # rotated: the old password stops working at once, the new one registers
    env = {**os.environ, **stack.settings.to_env()}
    done = subprocess.run([sys.executable, "-m", "ivr.cli", "production", "agent-password",
                           DESK_PHONE, "--rotate"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    new = secret.read_text().strip()
    assert new != password and f"{DESK_PHONE} : {new}" in done.stdout
    assert register("127.0.0.1", port, DESK_PHONE, password) == "refused"
    assert register("127.0.0.1", port, DESK_PHONE, new) == "200"
    logs = [stack.app_log(), *(p.read_text(errors="replace") for p in
                              stack.asterisk.layout.dir("log").rglob("*") if p.is_file())]
    assert not [text for text in logs if password in text or new in text]


def test_an_agent_over_tls_answers_a_routed_call_with_encrypted_media(
        trunk: tuple[Stack, Operator]) -> None:
    stack, operator = trunk
    operator.asterisk.cli("pjsip send register desk")
    # (the contact's address is cut in the CLI's column; the call below shows it is TLS)
    assert eventually(lambda: f"{SRTP_PHONE}/sip:{SRTP_PHONE}@127.0.0." in
                      stack.asterisk.cli(f"pjsip show contacts like {SRTP_PHONE}"), 30), \
        operator.asterisk.cli("pjsip show registrations")
    eventually(lambda: operator.registered(ACCOUNT), 30)
    # 3 « l'école ou la crèche », 1 « scolaire »: its one agent is the TLS phone
    heard = stack.settings.home / "srtp-call.wav"
    result = place_call(OPERATOR_IP, operator.port, called="0123456789", dtmf="31",
                        hold_seconds=15, cache_dir=stack.settings.home / "cache", record=heard)
    assert result.answered, result.error
    contact = stack.contact(result.ref, wait=30, until=lambda c: c["outcome"] is not None)
    assert contact is not None and (contact["target"], contact["outcome"]) == (
        "scolaire", "answered"), contact
    seen = eventually(lambda: operator.desk_log.read_text() if operator.desk_log.exists()
                      else "", 20)
    media, signalling, sent = seen.splitlines()[-1].split("|")
    # SRTP negotiated (SDES keys over TLS) for the desk's channel, media sent through it
    assert (media, signalling) == ("1", "1") and int(sent) > 0, seen
    # and the town hall decrypted it: the citizen hears the desk's 440 Hz tone
    assert tone_seconds(heard, 440) >= 1.5


def test_a_plain_rtp_offer_is_refused_when_srtp_is_required(
        trunk: tuple[Stack, Operator]) -> None:
    """The agent's phone, with its right credentials and over TLS, offering unencrypted
    media: the town hall answers « 488 »."""
    _, operator = trunk
    operator.asterisk.cli("channel originate Local/plain@desk-offer application Wait 1")

    def answer() -> str:
        lines = operator.desk_log.read_text().splitlines() if operator.desk_log.exists() else []
        return next((line for line in lines if line.startswith("plain|")), "")

    seen = eventually(answer, 30)
    assert seen.startswith("plain|") and seen.split("|")[1] != "ANSWER", seen
    assert "488" in seen, seen


def tone_seconds(wav: Path, hz: int) -> float:
    """Seconds of a steady ``hz`` tone in a recording: 100 ms windows, loud enough, whose
    zero crossings match the frequency (speech and prompts wander, a tone does not)."""
    with wave.open(str(wav)) as audio:
        rate = audio.getframerate()
        samples = array.array("h", audio.readframes(audio.getnframes()))
    size = rate // 10
    windows = [samples[i:i + size] for i in range(0, len(samples) - size + 1, size)]
    expected = 2 * hz / 10  # crossings in 100 ms
    steady = [w for w in windows if max(map(abs, w)) > 1000 and abs(sum(
        (a < 0) != (b < 0) for a, b in itertools.pairwise(w)) - expected) <= expected * 0.05]
    return len(steady) / 10


def test_a_stranger_guessing_passwords_is_blocked(trunk: tuple[Stack, Operator]) -> None:
    stack, _ = trunk
    password = (stack.settings.home / "secrets" / f"sip-{DESK_PHONE}").read_text().strip()
    port, stranger = stack.settings.sip_port, "127.0.0.3"
    for guess in range(5):
        assert register("127.0.0.1", port, DESK_PHONE, f"guess{guess}", stranger) == "refused"
    env = {**os.environ, **stack.settings.to_env()}
    events = subprocess.run([sys.executable, "-m", "ivr.cli", "security", "events"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert events.stdout.count(f"{stranger} ") >= 5, events.stdout + events.stderr
    done = subprocess.run([sys.executable, "-m", "ivr.cli", "security", "guard"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert f"bloquée : {stranger}" in done.stdout, done.stdout + done.stderr
    seen = sip_security(stack.settings)  # what the admin's « Sécurité SIP » page shows
    assert seen.blocked == [stranger] and seen.failures[0].address == stranger
    # even the right password no longer works from there; the agent's desk still does
    assert register("127.0.0.1", port, DESK_PHONE, password, stranger) != "200"
    assert register("127.0.0.1", port, DESK_PHONE, password) == "200"


def test_sip_over_tls_with_the_generated_certificate(trunk: tuple[Stack, Operator]) -> None:
    stack, _ = trunk
    assert "transport-tls" in stack.asterisk.cli("pjsip show transports")
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # self-signed
    with socket.create_connection(("127.0.0.1", stack.settings.sip_tls_port), timeout=10) as raw, \
            context.wrap_socket(raw) as tls:
        presented = ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True) or b"")
        tls.sendall(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;"
                    b"branch=z9hG4bK-tls1\r\nFrom: <sip:probe@127.0.0.1>;tag=1\r\n"
                    b"To: <sip:127.0.0.1>\r\nCall-ID: tls-probe\r\nCSeq: 1 OPTIONS\r\n"
                    b"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        assert tls.recv(4096).startswith(b"SIP/2.0 ")
    generated = (stack.settings.home / "secrets" / "sip-tls" / "cert.pem").read_text()
    assert presented.split() == generated.split()
