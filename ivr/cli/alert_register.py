"""``townhall-ivr alerts import-register FILE`` and ``alerts set-pin``: the commune's
safeguard-plan register imported from its CSV file, and the crisis line's PIN.

An import prints its French report (line numbers of the refused lines) and keeps the
good lines; a file that cannot be read at all exits with status 1. The PIN is read
from the terminal without echo (or standard input), never from the command line.
"""

from __future__ import annotations

from pathlib import Path

import click

from ivr.alerts.adapters.crisis_pin import PinRefused, pin_path, set_pin
from ivr.alerts.register_csv import MAX_BYTES, parse_register, report_lines
from ivr.cli.alerts import alerts
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.safeguard_register import apply_register


@click.command("import-register")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_register(settings: Settings, file: Path) -> None:
    """Importer le registre du plan communal de sauvegarde (CSV)."""
    if file.stat().st_size > MAX_BYTES:
        raise click.ClickException(f"Fichier trop volumineux : au plus {MAX_BYTES} octets.")
    parsed = parse_register(file.read_bytes())
    for line in report_lines(parsed):
        click.echo(line)
    if parsed.fatal:
        raise click.ClickException("Aucune ligne importée.")
    store = Store(settings.db_url)
    try:
        done = apply_register(store, parsed, actor="cli", at=settings.clock.now(),
                              source=file.name)
    finally:
        store.dispose()
    click.echo(f"Registre : {done.added} ajoutée(s), {done.updated} mise(s) à jour, "
               f"{done.unchanged} inchangée(s), {done.refused} refusée(s).")


@click.command("set-pin")
@click.pass_obj
def set_crisis_pin(settings: Settings) -> None:
    """Définir le code confidentiel de la ligne de crise (6 à 12 chiffres)."""
    pin = click.prompt("Nouveau code", hide_input=True, confirmation_prompt="Confirmez le code")
    try:
        set_pin(pin_path(settings.home), pin.strip())
    except PinRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Code de la ligne de crise enregistré (seule son empreinte est conservée).")


# ``townhall-ivr alerts``: the campaigns' group of ``ivr.cli.alerts`` with these two
# commands added (COMMANDS names this module, so neither file edits the other).
alerts.add_command(import_register)
alerts.add_command(set_crisis_pin)
