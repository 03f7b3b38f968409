"""``townhall-ivr asterisk provision|render|start|run|wait|stop|status|cli``."""

from __future__ import annotations

import click

from ivr.asterisk.process import AsteriskError, AsteriskInstance
from ivr.asterisk.provision import ProvisionError
from ivr.settings import Settings


def _instance(ctx: click.Context) -> AsteriskInstance:
    settings = ctx.find_object(Settings)
    if settings is None:
        settings = Settings.from_env()
    return AsteriskInstance(settings)


@click.group()
def asterisk() -> None:
    """Asterisk de la mairie : installation, démarrage, arrêt, console."""


@asterisk.command()
@click.pass_context
def provision(ctx: click.Context) -> None:
    """Trouver ou construire Asterisk (racine Debian privée si besoin)."""
    try:
        runtime = _instance(ctx).provision()
    except ProvisionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Asterisk prêt : {runtime.root or runtime.binary}")


@asterisk.command()
@click.pass_context
def render(ctx: click.Context) -> None:
    """Écrire la configuration par défaut de l'instance."""
    instance = _instance(ctx)
    instance.render()
    click.echo(f"Configuration écrite dans {instance.layout.dir('etc')}")


@asterisk.command()
@click.option("--timeout", default=30.0, show_default=True, help="Attente maximale (s).")
@click.pass_context
def start(ctx: click.Context, timeout: float) -> None:
    """Démarrer Asterisk et attendre qu'ARI réponde."""
    instance = _instance(ctx)
    try:
        instance.start(timeout)
    except (AsteriskError, ProvisionError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Asterisk démarré : ARI {instance.ari_url}, SIP port {instance.settings.sip_port}")


@asterisk.command("run")
@click.pass_context
def run_foreground(ctx: click.Context) -> None:
    """Configurer Asterisk d'après les règles puis le faire tourner au premier plan
    (le service systemd townhall-ivr-asterisk)."""
    from ivr.rules import RulesError
    from ivr.stack.provisioning import configure_asterisk

    instance = _instance(ctx)
    try:
        configure_asterisk(instance.settings, instance)
        instance.exec_foreground()
    except (AsteriskError, ProvisionError, RulesError, ValueError) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from exc


@asterisk.command()
@click.option("--timeout", default=600.0, show_default=True, help="Attente maximale (s).")
@click.pass_context
def wait(ctx: click.Context, timeout: float) -> None:
    """Attendre qu'Asterisk, démarré ailleurs (systemd), réponde sur ARI."""
    instance = _instance(ctx)
    try:
        instance.wait_ready(timeout)
    except AsteriskError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Asterisk prêt : ARI {instance.ari_url}")


@asterisk.command()
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Arrêter Asterisk (arrêt propre, puis forcé)."""
    _instance(ctx).stop()
    click.echo("Asterisk arrêté.")


@asterisk.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Dire si Asterisk tourne (code de sortie 1 sinon)."""
    instance = _instance(ctx)
    if not instance.is_running():
        click.echo("Asterisk arrêté.")
        ctx.exit(1)
    click.echo(f"Asterisk en marche : ARI {instance.ari_url}, journal {instance.log_path}")


@asterisk.command()
@click.argument("command")
@click.pass_context
def cli(ctx: click.Context, command: str) -> None:
    """Exécuter une commande de la console Asterisk, ex. « queue show »."""
    try:
        click.echo(_instance(ctx).cli(command), nl=False)
    except AsteriskError as exc:
        raise click.ClickException(str(exc)) from exc
