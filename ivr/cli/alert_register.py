"""``townhall-ivr alerts import-register FILE``, ``alerts set-pin`` and ``alerts report``:
the commune's safeguard-plan register imported from its CSV file, the crisis line's
PIN, and a campaign's report written to files (a large campaign's PDF takes minutes,
longer than a web page should).

An import prints its French report (line numbers of the refused lines) and keeps the
good lines; a file that cannot be read at all exits with status 1. The PIN is read
from the terminal without echo (or standard input), never from the command line.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ivr.alerts.adapters.crisis_pin import PinRefused, pin_path, set_pin
from ivr.alerts.register_csv import MAX_BYTES, parse_register, report_lines
from ivr.alerts.report import report_csv
from ivr.cli.alerts import alerts
from ivr.rules import RulesError, load_rules
from ivr.settings import Settings
from ivr.store.alert_reports import report
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


@click.command("report")
@click.argument("campaign_id", type=int)
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Écrire le rapport CSV (tableur) dans ce fichier.")
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Écrire le rapport PDF dans ce fichier.")
@click.pass_obj
def write_report(settings: Settings, campaign_id: int, csv_file: Path | None,
                 pdf_file: Path | None) -> None:
    """Écrire le rapport d'une campagne (chaque appel de chaque personne)."""
    from admin.alert_report import report_pdf  # WeasyPrint: loaded only to print

    if csv_file is None and pdf_file is None:
        raise click.UsageError("Indiquez --csv FICHIER, --pdf FICHIER, ou les deux.")
    store = Store(settings.db_url)
    try:
        found = report(store, campaign_id)
    finally:
        store.dispose()
    if found is None:
        raise click.ClickException(f"Campagne n° {campaign_id} introuvable.")
    campaign, people = found
    zone = ZoneInfo("Europe/Paris")
    if csv_file is not None:
        csv_file.write_bytes(report_csv(campaign, people, zone))
        click.echo(f"Rapport CSV écrit : {csv_file} ({len(people)} personne(s)).")
    if pdf_file is not None:
        pdf_file.write_bytes(report_pdf(campaign, people, _town(settings), zone,
                                        settings.clock.now()))
        click.echo(f"Rapport PDF écrit : {pdf_file}.")


def _town(settings: Settings) -> str:
    try:
        return load_rules(settings.rules_path).town.name
    except RulesError:
        return "Mairie"


# ``townhall-ivr alerts``: the campaigns' group of ``ivr.cli.alerts`` with these two
# commands added (COMMANDS names this module, so neither file edits the other).
alerts.add_command(import_register)
alerts.add_command(set_crisis_pin)
alerts.add_command(write_report)
