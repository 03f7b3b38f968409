"""Dialling a citizen back through ARI, then handing the answered call to the queue.

The decisions (which outcome a hangup cause means, the announcement text, the
channel id of an attempt) are pure functions; ``AriDialer`` is the thin ARI side.
It uses its own Stasis application (``<ari_app>-callbacks`` by default) because
ari-client keeps one handler per event type and the inbound adapter owns the main
application's handlers; the originated channel carries ``callback,<id>`` as
Stasis arguments all the same.

Flow: ``POST /channels`` (endpoint from a template, channel id derived from the
lease) → StasisStart = answered → French announcement → ``continueInDialplan`` to
``townhall-queue,<target>,1`` with ``QUEUE_PRIO`` set so the citizen goes ahead of
new callers. ChannelDestroyed before StasisStart gives busy / no answer / failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ivr.callbacks.scheduler import DialOutcome, DialRequest
from ivr.domain.phone_numbers import national_digits

log = logging.getLogger(__name__)

# Q.850 causes: 17 user busy; 18 no user response, 19 no answer, 21 call rejected.
BUSY_CAUSES = frozenset({17})
NO_ANSWER_CAUSES = frozenset({18, 19, 21})
QUEUE_CONTEXT = "townhall-queue"


def outcome_for_cause(cause: int) -> DialOutcome:
    """What a hangup before answer means for the retry policy."""
    if cause in BUSY_CAUSES:
        return DialOutcome.BUSY
    if cause in NO_ANSWER_CAUSES:
        return DialOutcome.NO_ANSWER
    return DialOutcome.FAILED


def announcement(town: str, spoken_name: str) -> str:
    """The French sentence the citizen hears; ``spoken_name`` as in the rules
    (« le service de l'état civil »)."""
    return (f"Bonjour, ici la mairie de {town}. Vous avez demandé à être rappelé. "
            f"Nous vous mettons en relation avec {spoken_name}, "
            f"merci de patienter quelques instants.")


def endpoint_for(template: str, request: DialRequest) -> str:
    """Fill ``{number}`` (E.164) and ``{national}`` (0XXXXXXXXX) in the endpoint template."""
    return template.format(number=request.number, national=national_digits(request.number))


@dataclass(frozen=True)
class DialerConfig:
    endpoint_template: str = "PJSIP/{national}@citizen-trunk"
    town: str = ""
    # the number the citizen sees (the operator trunk's main DID); "" = the endpoint's
    caller_id: str = ""
    ring_timeout: int = 30
    queue_priority: int = 10
    announcement_timeout: float = 30.0


class AriDialer:
    """``Dialer`` over the callbacks application's ``ivr.telephony.ari_link.AriLink``."""

    def __init__(self, link: Any, config: DialerConfig, sound_for: Callable[[str], str],
                 spoken_name: Callable[[str], str] = str) -> None:
        self.link, self.config = link, config
        self.sound_for, self.spoken_name = sound_for, spoken_name
        self._answers: dict[str, asyncio.Future[DialOutcome]] = {}
        self._playbacks: dict[str, asyncio.Future[None]] = {}
        link.handlers.update({"StasisStart": self._on_stasis_start,
                              "ChannelDestroyed": self._on_channel_destroyed,
                              "PlaybackFinished": self._on_playback_finished})

    async def dial(self, request: DialRequest) -> DialOutcome:
        channel_id = request.channel_id
        answer = self._answers[channel_id] = asyncio.get_running_loop().create_future()
        facts = {"callback": request.callback_id, "channel": channel_id}
        try:
            await self.link.rest.originate(
                endpoint=endpoint_for(self.config.endpoint_template, request),
                channel_id=channel_id, app_args=f"callback,{request.callback_id}",
                timeout=self.config.ring_timeout, caller_id=self.config.caller_id or None,
                variables={"QUEUE_PRIO": str(self.config.queue_priority),
                           "TOWNHALL_CALLBACK": str(request.callback_id)})
            outcome = await asyncio.wait_for(answer, self.config.ring_timeout + 5)
        except TimeoutError:
            await self._hang_up(channel_id)
            outcome = DialOutcome.NO_ANSWER
        except Exception:
            log.exception("callback originate failed", extra=facts)
            outcome = DialOutcome.FAILED
        finally:
            self._answers.pop(channel_id, None)
        log.info("callback dial finished", extra={**facts, "outcome": str(outcome)})
        if outcome is DialOutcome.ANSWERED:
            await self._hand_over(channel_id, request.target)
        return outcome

    async def _hand_over(self, channel_id: str, target: str) -> None:
        """Announce, then queue; a citizen hanging up meanwhile is still « reached »."""
        text = announcement(self.config.town, self.spoken_name(target))
        playback_id = f"{channel_id}-hello"
        finished = self._playbacks[playback_id] = asyncio.get_running_loop().create_future()
        try:
            await self.link.rest.play_channel(channel_id, [f"sound:{self.sound_for(text)}"],
                                               lang="fr", playback_id=playback_id)
            await asyncio.wait_for(finished, self.config.announcement_timeout)
            await self.link.rest.continue_in_dialplan(channel_id, QUEUE_CONTEXT, target, 1)
        except Exception:
            log.warning("callback hand-over interrupted", exc_info=True,
                        extra={"channel": channel_id, "target": target})
        finally:
            self._playbacks.pop(playback_id, None)

    async def _hang_up(self, channel_id: str) -> None:
        with contextlib.suppress(Exception):  # already gone is the expected case
            await self.link.rest.stop_channel(channel_id)

    def _on_stasis_start(self, event: dict[str, Any]) -> None:
        _settle(self._answers.get(event["channel"]["id"]), DialOutcome.ANSWERED)

    def _on_channel_destroyed(self, event: dict[str, Any]) -> None:
        channel_id = event["channel"]["id"]
        _settle(self._answers.get(channel_id), outcome_for_cause(int(event.get("cause", 0))))
        for playback_id, future in list(self._playbacks.items()):
            if playback_id.startswith(channel_id):
                _settle(future, None)

    def _on_playback_finished(self, event: dict[str, Any]) -> None:
        _settle(self._playbacks.get(event["playback"]["id"]), None)


def _settle(future: asyncio.Future[Any] | None, value: Any) -> None:
    if future is not None and not future.done():
        future.set_result(value)
