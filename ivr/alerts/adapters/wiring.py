"""Assembly of the production alert dialer: rules, prompts, ARI, store.

Kept apart from ``ivr.cli.alerts`` so the CLI imports nothing heavy, and from the
runner and caller so those stay testable with fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import PurePath

from ivr.alerts.adapters.caller import AriAlertCaller, CallerConfig
from ivr.alerts.adapters.runner import AlertRunner, RunnerConfig
from ivr.settings import Settings, connect_host
from ivr.store.db import Store
from ivr.store.models import AlertCampaign

CONNECT_TIMEOUT = 30.0


def audio_media(path: str) -> str:
    """A recorded message as Asterisk plays it: ``sound:`` and the path without its
    extension (Asterisk picks the format)."""
    pure = PurePath(path)
    return f"sound:{pure.with_suffix('') if pure.suffix else pure}"


async def run_dialer(settings: Settings, worker: str, endpoint: str, *, once: bool = False,
                     ring_timeout: int = 30, key_wait: float = 6.0,
                     lease_seconds: float = 360.0) -> None:
    """Connect to ARI as ``<ari_app>-alerts`` and dial the running campaigns."""
    from ivr.domain.prompt_texts import Text
    from ivr.prompts import PromptLibrary
    from ivr.rules.loader import load_rules
    from ivr.telephony.ari_link import AriLink

    rules = load_rules(settings.rules_path)
    store = Store(settings.db_url)
    link = AriLink(connect_host(settings.ari_host), settings.ari_port, settings.ari_user,
                   settings.ari_password, f"{settings.ari_app}-alerts")
    library = PromptLibrary(settings)

    def sound_for(text: str) -> str:
        return library.sound_for(Text(text))

    def media(campaign: AlertCampaign) -> tuple[str, ...]:
        spoken = ((f"sound:{sound_for(campaign.message_text)}",)
                  if campaign.message_text else ())
        recorded = (audio_media(campaign.message_audio),) if campaign.message_audio else ()
        return (*spoken, *recorded)

    caller = AriAlertCaller(link, CallerConfig(endpoint_template=endpoint,
                                               ring_timeout=ring_timeout, key_wait=key_wait),
                            sound_for)
    runner = AlertRunner(store, rules, caller, worker, settings.clock.now, media,
                         RunnerConfig(lease_seconds=lease_seconds))
    serving = asyncio.get_running_loop().create_task(link.run_forever())
    try:
        await asyncio.wait_for(link.connected.wait(), CONNECT_TIMEOUT)
        await caller.hang_up_orphans()
        await asyncio.to_thread(runner.recover)
        if once:
            await runner.tick()
            await runner.drain()
        else:
            await runner.run_forever()
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        store.dispose()
