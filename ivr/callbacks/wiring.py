"""Assembly of the production scheduler: rules, opening hours, prompts, ARI, store.

Kept apart from ``ivr.cli.callbacks`` so the CLI module imports nothing heavy, and from
``scheduler``/``dialer`` so those stay testable with fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from datetime import timedelta

from ivr.callbacks.dialer import AriDialer, DialerConfig
from ivr.callbacks.scheduler import CallbackScheduler, SchedulerConfig
from ivr.settings import Settings, connect_host
from ivr.store.db import Store
from ivr.telephony.queue_events import QueueView

CONNECT_TIMEOUT = 30.0


def agents_available(views: Mapping[str, QueueView], target: str) -> bool:
    """True when the department's queue has an agent free to take the callback."""
    view = views.get(target)
    return bool(view and view.available_agents)


async def run_scheduler(settings: Settings, worker: str, endpoint: str, interval: float,
                        once: bool) -> None:
    """Connect to ARI as ``<ari_app>-callbacks`` and to AMI (free agents), then tick."""
    from ivr.domain.hours import status
    from ivr.domain.prompt_texts import Text
    from ivr.prompts import PromptLibrary
    from ivr.rules.loader import load_rules
    from ivr.telephony.ami import AmiListener
    from ivr.telephony.ari_link import AriLink

    rules = load_rules(settings.rules_path)
    store = Store(settings.db_url)
    link = AriLink(connect_host(settings.ari_host), settings.ari_port, settings.ari_user,
                   settings.ari_password, f"{settings.ari_app}-callbacks")
    ami = AmiListener(settings)
    library = PromptLibrary(settings)
    dialer = AriDialer(
        link, DialerConfig(endpoint_template=endpoint, town=rules.town.name,
                           caller_id=settings.outbound_caller_id),
        sound_for=lambda text: library.sound_for(Text(text)),
        spoken_name=lambda target: rules.departments[target].spoken_name,
    )
    scheduler = CallbackScheduler(
        store, dialer,
        availability=lambda target: (link.connected.is_set()
                                     and agents_available(ami.views(), target)),
        hours_open=lambda target, at: status(rules, target, at).open,
        worker_id=worker, now=settings.clock.now,
        config=SchedulerConfig(retry_spacing=timedelta(seconds=rules.callbacks.retry_spacing)),
    )
    serving = asyncio.get_running_loop().create_task(link.run_forever())
    ami.start()
    try:
        await asyncio.wait_for(link.connected.wait(), CONNECT_TIMEOUT)
        await asyncio.to_thread(ami.wait_connected, CONNECT_TIMEOUT)
        if once:
            await scheduler.tick()
        else:
            await scheduler.run_forever(interval)
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        ami.stop()
        store.dispose()
