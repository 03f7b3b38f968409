"""Assembly of the production scheduler: rules, opening hours, prompts, ARI, store.

Kept apart from ``commands`` so the CLI module imports nothing heavy, and from
``scheduler``/``dialer`` so those stay testable with fakes.
"""

from __future__ import annotations

from datetime import timedelta

from ivr.callbacks.dialer import AriDialer, DialerConfig
from ivr.callbacks.scheduler import CallbackScheduler, SchedulerConfig
from ivr.settings import Settings
from ivr.store.db import Store


async def run_scheduler(settings: Settings, worker: str, endpoint: str, interval: float,
                        once: bool) -> None:
    """Connect to ARI as ``<ari_app>-callbacks`` and tick once or forever."""
    from ari_client import AriClient

    from ivr.hours import status
    from ivr.prompts import PromptLibrary, Text
    from ivr.rules.loader import load_rules

    rules = load_rules(settings.rules_path)
    store = Store(settings.db_url)
    client = AriClient(settings.bind_host, settings.ari_port, settings.ari_user,
                       settings.ari_password)
    await client.connect(f"{settings.ari_app}-callbacks")
    library = PromptLibrary(settings)
    dialer = AriDialer(
        client, DialerConfig(endpoint_template=endpoint, town=rules.town.name),
        sound_for=lambda text: library.sound_for(Text(text)),
        spoken_name=lambda target: rules.departments[target].spoken_name,
    )
    scheduler = CallbackScheduler(
        store, dialer,
        availability=lambda target: True,  # until the AMI queue view reports agents
        hours_open=lambda target, at: status(rules, target, at).open,
        worker_id=worker, now=settings.clock.now,
        config=SchedulerConfig(retry_spacing=timedelta(seconds=rules.callbacks.retry_spacing)),
    )
    try:
        if once:
            await scheduler.tick()
        else:
            await scheduler.run_forever(interval)
    finally:
        await client.disconnect()
        store.dispose()
