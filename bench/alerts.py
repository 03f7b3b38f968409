"""Alert campaign throughput: N recipients called through the real Asterisk by the alert
dialer, SIPp residents answering, until every recipient is in a final state.

    townhall-ivr bench alerts [--recipients 2000] [--channels 200] [--message-seconds 20]

The message is a recorded sound of ``--message-seconds`` (played twice, then the
question); residents listen to it all and then press their key, so an answered call
holds its channel as long as a real one. Phones by the number's last digit
(``townhall_support.alert_phones``): two fifths acknowledge (a tenth after saying
« Allô ? »), a tenth each ask for help, answer without a key, are answering machines
(in alert mode, no key either), are busy, do not answer, reject; alert mode, two
attempts.
Printed: time until all are final, calls per channel-hour (the commercial anchor is
about 117), the dialer's and Asterisk's CPU per call, the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.machine import describe
from bench.probe import ProcessMeter
from ivr.alerts.dialogue import QUESTION
from ivr.asterisk.process import AsteriskInstance
from ivr.rules import load_rules
from ivr.settings import Settings
from ivr.store import alerts as repo
from ivr.store.db import Store
from ivr.store.models import AlertAttempt, AlertRecipient, SafeguardEntry
from townhall_support.alert_phones import ResidentPhones
from townhall_support.stack import stack_settings, started_asterisk, write_rules
from townhall_support.wait import eventually

COMMERCIAL_PER_CHANNEL_HOUR = 117  # 410,000 alerts an hour over 3,500 lines
WORDS_PER_SECOND = 2.5  # espeak-ng French, about: the question's length in seconds
MESSAGE_SOUND = "bench-alert"


@dataclass(frozen=True)
class Report:
    recipients: int
    channels: int
    wall: float
    calls: int
    states: dict[str, int]
    cpu: dict[str, float]

    def lines(self) -> list[str]:
        per_hour = self.calls / max(1e-9, self.channels * self.wall / 3600)
        cpu = ", ".join(f"{name} {seconds:.1f} s ({seconds / max(1, self.calls) * 1000:.1f} "
                        f"ms/call)" for name, seconds in self.cpu.items())
        return [f"recipients {self.recipients}, channels {self.channels}: all final after "
                f"{self.wall:.0f} s, {self.calls} calls",
                f"  states: {dict(sorted(self.states.items()))}",
                f"  calls per channel-hour: {per_hour:.0f} "
                f"(commercial anchor ~{COMMERCIAL_PER_CHANNEL_HOUR})",
                f"  CPU: {cpu}"]


def write_message(settings: Settings, seconds: float) -> str:
    """A recorded message of ``seconds`` (a quiet tone) among Asterisk's sounds."""
    path = settings.sounds_dir / f"{MESSAGE_SOUND}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = int(8000 * seconds)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x10\x00\xf0\xff" * (frames // 2))
    return f"townhall/{MESSAGE_SOUND}"


def seed(store: Store, settings: Settings, recipients: int, channels: int,
         audio: str) -> int:
    """The register (numbers +336140xxxxx: the last digit picks the phone) and a
    started campaign over it."""
    now = datetime.now(UTC)
    rules = load_rules(settings.rules_path)
    with store.session() as session:
        session.add_all(SafeguardEntry(number=f"+33614{i:06d}", imported_at=now,
                                       vulnerable=i % 50 == 0) for i in range(recipients))
    with store.session() as session:
        new = repo.NewCampaign("Banc d'alerte", "alerte", "cli", message_audio=audio,
                               channel_budget=channels, calls_per_minute=100_000,
                               max_attempts=2, retry_spacing_seconds=30)
        campaign_id = repo.create_campaign(session, rules.alerts, new, now).id
        repo.start(session, campaign_id, now)
    return campaign_id


@contextmanager
def dialer(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, **settings.to_env(), "TOWNHALL_CLOCK": ""}
    with (settings.home / "alerts.log").open("ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "ivr.cli", "alerts", "run",
                                    "--worker", "bench", "--key-wait", "3"],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(15)


def run(recipients: int, channels: int, message_seconds: float, timeout: float) -> Report:
    home = Path(tempfile.mkdtemp(prefix="townhall-bench-alerts-"))
    listen = 2 * message_seconds + len(QUESTION.split()) / WORDS_PER_SECOND
    with ResidentPhones(home / "dtmf", key_after=listen, ring=2, hold=listen + 30,
                        lifetime=timeout + 120) as phones:
        base = stack_settings(home, rtp_ports=max(400, channels * 4))
        rules = write_rules(home / "routing_rules.yaml", "sip:nobody@127.0.0.1:9")
        settings = base.with_(rules_path=rules, citizen_trunk=f"sip:127.0.0.1:{phones.port}")
        with started_asterisk(settings) as asterisk:
            store = Store(settings.db_url)
            store.migrate()
            campaign_id = seed(store, settings, recipients, channels,
                               write_message(settings, message_seconds))
            started = time.monotonic()
            with dialer(settings) as process:
                meter = ProcessMeter({"asterisk": lambda: asterisk_pid(asterisk),
                                      "dialer": lambda: process.pid})
                with meter:
                    eventually(lambda: finished(store, campaign_id), timeout, 1.0)
                wall = time.monotonic() - started
            with store.session() as session:
                states = dict(session.execute(
                    select(AlertRecipient.state, func.count())
                    .group_by(AlertRecipient.state)).tuples().all())
                calls = session.scalar(select(func.count()).select_from(AlertAttempt)) or 0
            store.dispose()
    return Report(recipients, channels, wall, calls, states, meter.cpu)


def asterisk_pid(instance: AsteriskInstance) -> int | None:
    """Asterisk's pid from its state file (``chroot`` execs it: same pid)."""
    try:
        return int(json.loads(instance.state_path.read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def finished(store: Store, campaign_id: int) -> bool:
    with store.session() as session:
        return repo.get_campaign(session, campaign_id).status == "terminee"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--message-seconds", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args(argv)
    print(describe("alert campaign"))
    report = run(args.recipients, args.channels, args.message_seconds, args.timeout)
    print("\n".join(report.lines()))


if __name__ == "__main__":
    main()
