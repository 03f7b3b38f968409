"""The ``townhall-ivr`` command.

Each capability owns its commands in its own module; this group imports a module
only when its command runs, so ``townhall-ivr rules check`` does not load vosk.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from ivr.logs import setup_logging
from ivr.settings import Settings

# command name → "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "run": "ivr.stack.commands:run",
    "up": "ivr.stack.commands:up",
    "down": "ivr.stack.commands:down",
    "status": "ivr.stack.commands:status",
    "app": "ivr.stack.commands:app",
    "asterisk": "ivr.asterisk.commands:asterisk",
    "rules": "ivr.rules.commands:rules",
    "route": "ivr.intent_commands:route",
    "call": "ivr.simulate:call",
    "contacts": "ivr.store.commands:contacts",
    "db": "ivr.store.commands:db",
    "callbacks": "ivr.callbacks.commands:callbacks",
    "requests": "ivr.requests.commands:requests",
    "prompts": "ivr.prompts:prompts",
    "speech": "ivr.speech:speech",
    "bench": "ivr.bench_commands:bench",
    "admin": "admin.commands:admin",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._spec_available(name))

    @staticmethod
    def _spec_available(name: str) -> bool:
        try:
            return importlib.util.find_spec(COMMANDS[name].split(":")[0]) is not None
        except ModuleNotFoundError:
            return False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None or not self._spec_available(cmd_name):
            return None
        module_name, attr = spec.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """townhall-ivr: accueil téléphonique de la mairie (IVR Asterisk)."""
    settings = Settings.from_env()
    setup_logging(settings.log_level, settings.log_format)
    ctx.obj = settings


if __name__ == "__main__":
    main()
