"""``townhall-ivr rules``: check, reload and show the routing rules."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import click

from ivr.domain.spoken_length import spoken_seconds
from ivr.rules.loader import RulesError, load_rules
from ivr.rules.schema import Menu, Rules
from ivr.rules.times import DAY_NAMES
from ivr.runfiles import ivr_app_pids
from ivr.settings import Settings


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_object(Settings)
    return obj if obj is not None else Settings.from_env()


def _load_or_exit(path: Path) -> Rules:
    """The rules, or each problem as ``file:line:col: message`` and exit status 1."""
    try:
        return load_rules(path)
    except RulesError as exc:
        for issue in exc.issues:
            click.echo(str(issue))
        raise SystemExit(1) from None


@click.group()
def rules() -> None:
    """Règles d'accueil (routing_rules.yaml) : vérifier, recharger, afficher."""


@rules.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def check(ctx: click.Context, file: Path | None) -> None:
    """Vérifie le fichier de règles (par défaut TOWNHALL_RULES)."""
    loaded = _load_or_exit(file or _settings(ctx).rules_path)
    click.echo(f"ok : {len(loaded.departments)} services, {len(loaded.menus)} menus, "
               f"{len(loaded.agents)} agents, {len(loaded.request_types)} types de demande, "
               f"{len(loaded.appointments.calendars)} agendas de rendez-vous")


@rules.command()
@click.pass_context
def reload(ctx: click.Context) -> None:
    """Fait relire les règles par l'application en cours (SIGHUP), après vérification."""
    settings = _settings(ctx)
    _load_or_exit(settings.rules_path)
    pids = ivr_app_pids(settings)
    if not pids:
        click.echo(f"aucun serveur vocal en marche (pas de pid vivant dans "
                   f"{settings.home / 'run'}) : les règles seront lues à son démarrage")
        raise SystemExit(1)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGHUP)
        except PermissionError:
            click.echo(f"impossible de prévenir le serveur vocal (pid {pid}) : lancez la "
                       "commande sous l'utilisateur qui l'a démarré")
            raise SystemExit(1) from None
        click.echo(f"relecture des règles demandée au serveur vocal (pid {pid})")


@rules.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON complète.")
@click.pass_context
def show(ctx: click.Context, file: Path | None, as_json: bool) -> None:
    """Affiche l'arbre des menus (avec la durée parlée estimée) et les services."""
    loaded = _load_or_exit(file or _settings(ctx).rules_path)
    if as_json:
        click.echo(json.dumps(loaded.model_dump(mode="json", by_alias=True), ensure_ascii=False,
                              indent=2))
        return
    click.echo(f"{loaded.town.name} ({loaded.town.timezone})\n\nMenus")
    for line in menu_tree(loaded, loaded.main_menu):
        click.echo(line)
    click.echo("\nServices")
    for line in department_lines(loaded):
        click.echo(line)


def _option_line(digit: str, menu: Menu, rules: Rules) -> str:
    option = menu.all_options()[digit]
    if option.target:
        goal = f"→ {option.target}"
    elif option.menu:
        goal = f"→ menu {option.menu}"
    else:
        goal = f"[{option.action}]"
        if option.action == "operator":
            goal += f" → {rules.input.fallback_target}"
    return f"{digit} {goal}: {option.label}"


def menu_tree(rules: Rules, menu_id: str, depth: int = 0,
              seen: frozenset[str] = frozenset()) -> list[str]:
    """The menus reachable from ``menu_id``, indented, each submenu shown once per branch."""
    menu = rules.menus[menu_id]
    seconds = f"{spoken_seconds(menu.spoken_text()):.1f}".replace(".", ",")
    heard = f"{seconds} s, {len(menu.spoken_options())} choix"
    stay = ", restez en ligne" if menu.stay_on_line else ""
    lines = [f"{'  ' * depth}[{menu_id}] ({heard}{stay})"]
    for digit, option in menu.all_options().items():
        lines.append(f"{'  ' * (depth + 1)}{_option_line(digit, menu, rules)}")
        if option.menu and option.menu not in seen | {menu_id}:
            lines += menu_tree(rules, option.menu, depth + 2, seen | {menu_id})
    return lines


def department_lines(rules: Rules) -> list[str]:
    """One block per department: names, queue, closed behaviour, weekly hours."""
    lines: list[str] = []
    for target, dept in rules.departments.items():
        if dept.answered_by_ivr:
            lines.append(f"  {target} : {dept.name} (répondu par le serveur vocal)")
            continue
        members = ", ".join(rules.queue_members(target)) or "aucun"
        lines.append(f"  {target} : {dept.name} | agents : {members} | débordement : "
                     f"{dept.overflow} | fermé : {dept.when_closed}")
        weekly = rules.weekly_hours(target)
        for day, name in enumerate(DAY_NAMES):
            ranges = weekly.day(day) if weekly else ()
            lines.append(f"      {name:<9}{' '.join(map(str, ranges)) or 'fermé'}")
    return lines
