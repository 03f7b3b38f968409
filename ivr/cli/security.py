"""``townhall-ivr security``: SIP authentication failures and blocked addresses."""

from __future__ import annotations

import time
from datetime import timedelta

import click

from ivr.clock import parse_clock
from ivr.security.guard import Policy
from ivr.settings import Settings


def _policy(settings: Settings, limit: int, window: int, ban: int) -> Policy:
    never = ["127.0.0.1/32"]
    try:
        trunk = settings.operator_trunk()
    except ValueError:
        trunk = None  # a broken trunk is the doctor's business; loopback is still spared
    if trunk is not None:
        never += trunk.match
    return Policy(limit, timedelta(seconds=window), timedelta(seconds=ban), tuple(never))


@click.group()
def security() -> None:
    """Sécurité SIP : échecs d'authentification, adresses bloquées."""


@security.command()
@click.option("--limit", default=5, show_default=True, help="Échecs avant blocage.")
@click.option("--window", default=600, show_default=True, help="En combien de secondes.")
@click.option("--ban", default=3600, show_default=True, help="Durée du blocage (s).")
@click.option("--every", default=0.0, help="Recommencer toutes les N secondes (0 : une fois).")
@click.pass_obj
def guard(settings: Settings, limit: int, window: int, ban: int, every: float) -> None:
    """Bloque les adresses qui échouent trop souvent à s'authentifier (ACL PJSIP)."""
    from ivr.asterisk.process import AsteriskInstance
    from ivr.security.adapters.acl import guard_once

    policy = _policy(settings, limit, window, ban)
    instance = AsteriskInstance(settings)
    # Asterisk stamps its log with the real time, whatever TOWNHALL_CLOCK pretends
    real = parse_clock(None)
    while True:
        bans = guard_once(instance, real.now(), policy)
        for address, until in sorted(bans.items()):
            click.echo(f"bloquée : {address} jusqu'à {until:%Y-%m-%d %H:%M}")
        if every <= 0:
            return
        time.sleep(every)


@security.command()
@click.option("--last", default=20, show_default=True, help="Nombre d'échecs affichés.")
@click.pass_obj
def events(settings: Settings, last: int) -> None:
    """Affiche les derniers échecs d'authentification SIP (adresse, compte, motif)."""
    from ivr.asterisk.process import AsteriskInstance
    from ivr.security.adapters.acl import read_failures, security_log

    failures = read_failures(security_log(AsteriskInstance(settings)))
    for failure in failures[-last:]:
        click.echo(f"{failure.at:%Y-%m-%d %H:%M:%S} {failure.address:<15} "
                   f"{failure.account or '-':<20} {failure.event}")
    if not failures:
        click.echo("aucun échec d'authentification SIP")
