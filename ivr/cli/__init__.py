"""The ``townhall-ivr`` command.

Every click command lives in this package, one module per command group; this group
imports a module only when its command runs, so ``townhall-ivr rules check`` does not
load vosk. ``python -m ivr.cli`` runs it too (``__main__.py``).
"""

from __future__ import annotations

import importlib

import click

from ivr.logs import setup_logging
from ivr.private_files import private_umask
from ivr.settings import Settings

# command name → "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "run": "ivr.cli.stack:run",
    "up": "ivr.cli.stack:up",
    "down": "ivr.cli.stack:down",
    "status": "ivr.cli.stack:status",
    "app": "ivr.cli.stack:app",
    "asterisk": "ivr.cli.asterisk:asterisk",
    "rules": "ivr.cli.rules:rules",
    "route": "ivr.cli.route:route",
    "call": "ivr.cli.call:call",
    "contacts": "ivr.cli.store:contacts",
    "db": "ivr.cli.store:db",
    "callbacks": "ivr.cli.callbacks:callbacks",
    "requests": "ivr.cli.requests:requests",
    "appointments": "ivr.cli.appointments:appointments",
    "marianne": "ivr.cli.marianne:marianne",
    "messages": "ivr.cli.messages:messages",
    "prompts": "ivr.cli.prompts:prompts",
    "speech": "ivr.cli.speech:speech",
    "bench": "ivr.cli.bench:bench",
    "admin": "ivr.cli.admin:admin",
    "backup": "ivr.cli.production:backup",
    "restore": "ivr.cli.production:restore",
    "doctor": "ivr.cli.production:doctor",
    "alerts": "ivr.cli.alert_register:alerts",  # ivr.cli.alerts' group + the register, the PIN
    "security": "ivr.cli.security:security",
    "production": "ivr.cli.production:production",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module_name, attr = spec.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """townhall-ivr: accueil téléphonique de la mairie (IVR Asterisk)."""
    private_umask()  # every file of citizens' data this process or its children create
    try:
        settings = Settings.from_env()
    except ValueError as exc:  # a bad TOWNHALL_* value or configuration file
        raise click.ClickException(str(exc)) from None
    setup_logging(settings.log_level, settings.log_format)
    ctx.obj = settings
