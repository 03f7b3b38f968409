"""AriDialer against a small fake ARI client that answers originates with scripted events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ivr.callbacks.dialer import (
    AriDialer,
    DialerConfig,
    announcement,
    endpoint_for,
    outcome_for_cause,
)
from ivr.callbacks.scheduler import DialOutcome, DialRequest

REQUEST = DialRequest(7, "abc:7", "+33612345678", "etat-civil", 1)


class FakeAri:
    """A fake ``AriLink``: records REST calls; ``script`` says what Asterisk does after
    the originate, as the JSON events the link would dispatch."""

    def __init__(self, script: str, cause: int = 0) -> None:
        self.script, self.cause = script, cause
        self.calls: list[tuple[str, Any]] = []
        self.handlers: dict[str, Any] = {}
        self.rest = self

    def _later(self, kind: str, event: dict[str, Any]) -> None:
        asyncio.get_running_loop().call_soon(lambda: self.handlers[kind]({"type": kind, **event}))

    async def originate(self, **kwargs: Any) -> None:
        self.calls.append(("originate", kwargs))
        channel = {"id": kwargs["channel_id"]}
        if self.script == "error":
            raise RuntimeError("HTTP 500")
        if self.script == "answer":
            self._later("StasisStart", {"channel": channel, "args": ["callback", "7"]})
        elif self.script == "hangup":
            self._later("ChannelDestroyed", {"channel": channel, "cause": self.cause})

    async def play_channel(self, channel_id: str, media: list[str], **kwargs: Any) -> None:
        self.calls.append(("play", media))
        self._later("PlaybackFinished", {"playback": {"id": kwargs["playback_id"]}})

    async def continue_in_dialplan(self, *args: Any) -> None:
        self.calls.append(("continue", args))

    async def stop_channel(self, channel_id: str) -> None:
        self.calls.append(("stop", channel_id))


def dialer(fake: FakeAri, ring_timeout: int = 30) -> AriDialer:
    config = DialerConfig("PJSIP/{national}@citizen-trunk", "Villeneuve", ring_timeout)
    return AriDialer(fake, config, sound_for=lambda text: f"townhall/{len(text)}",
                     spoken_name=lambda target: "le service de l'état civil")


async def test_answered_call_is_announced_then_queued_with_priority() -> None:
    fake = FakeAri("answer")
    assert await dialer(fake).dial(REQUEST) is DialOutcome.ANSWERED
    (_, originate), (_, media), (_, cont) = fake.calls
    assert originate["endpoint"] == "PJSIP/0612345678@citizen-trunk"
    assert originate["channel_id"] == "callback-abc-7"
    assert originate["app_args"] == "callback,7"
    assert originate["variables"]["QUEUE_PRIO"] == "10"
    assert media[0].startswith("sound:townhall/")
    assert cont == ("callback-abc-7", "townhall-queue", "etat-civil", 1)


@pytest.mark.parametrize(("cause", "outcome"), [
    (17, DialOutcome.BUSY), (19, DialOutcome.NO_ANSWER), (21, DialOutcome.NO_ANSWER),
    (34, DialOutcome.FAILED),
])
async def test_hangup_before_answer_maps_the_cause(cause: int, outcome: DialOutcome) -> None:
    fake = FakeAri("hangup", cause)
    assert await dialer(fake).dial(REQUEST) is outcome
    assert [name for name, _ in fake.calls] == ["originate"]


async def test_originate_error_is_a_failed_attempt() -> None:
    assert await dialer(FakeAri("error")).dial(REQUEST) is DialOutcome.FAILED


async def test_silence_times_out_as_no_answer_and_hangs_up(monkeypatch) -> None:
    fake = FakeAri("silence")
    monkeypatch.setattr("ivr.callbacks.dialer.asyncio.wait_for", _instant_timeout)
    assert await dialer(fake).dial(REQUEST) is DialOutcome.NO_ANSWER
    assert fake.calls[-1] == ("stop", "callback-abc-7")


async def _instant_timeout(awaitable: Any, timeout: float) -> Any:
    awaitable.cancel()
    raise TimeoutError


def test_pure_decisions() -> None:
    assert outcome_for_cause(17) is DialOutcome.BUSY
    assert endpoint_for("PJSIP/{number}@trunk", REQUEST) == "PJSIP/+33612345678@trunk"
    assert announcement("Villeneuve", "le service de l'état civil") == (
        "Bonjour, ici la mairie de Villeneuve. Vous avez demandé à être rappelé. Nous vous "
        "mettons en relation avec le service de l'état civil, merci de patienter quelques "
        "instants.")
