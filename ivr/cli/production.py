"""``townhall-ivr backup`` / ``restore`` / ``doctor``: running a town hall's instance."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ivr.settings import Settings, read_config_file

if TYPE_CHECKING:
    from ivr.backup.archive import Sources

_PROMPTS = click.option(
    "--prompts", "prompts_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Dossier des enregistrements et textes modifiés ; défaut : TOWNHALL_PROMPTS_DIR.")


def _sources(settings: Settings, prompts_dir: Path | None) -> Sources:
    from ivr.backup.archive import Sources

    return Sources(settings, prompts_dir or settings.prompts_dir)


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_PROMPTS
@click.pass_obj
def backup(settings: Settings, out: Path, prompts_dir: Path | None) -> None:
    """Sauvegarde la base, les règles, les enregistrements, les pièces jointes et les
    secrets dans une archive OUT.tar.gz (mode 0600)."""
    from ivr.backup.archive import BackupError
    from ivr.backup.archive import backup as write_backup

    try:
        members = write_backup(_sources(settings, prompts_dir), out, settings.clock.now())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"sauvegarde écrite : {out} ({', '.join(members)})")


@click.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier de l'instance à restaurer (défaut : TOWNHALL_HOME).")
@click.option("--force", is_flag=True, help="Écraser un dossier ou des fichiers existants.")
@_PROMPTS
@click.pass_obj
def restore(
    settings: Settings, archive: Path, home: Path | None, force: bool, prompts_dir: Path | None
) -> None:
    """Restaure une archive de « townhall-ivr backup » (serveur vocal arrêté)."""
    from ivr.backup.archive import BackupError
    from ivr.backup.archive import restore as read_backup

    if home is not None:
        env = {**settings.to_env(), "TOWNHALL_HOME": str(home.absolute())}
        if settings.db_url.startswith("sqlite"):
            env.pop("TOWNHALL_DB_URL")  # the SQLite file follows the new home
        settings = Settings.from_env(env)
    try:
        restored = read_backup(_sources(settings, prompts_dir), archive, force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restauré dans {settings.home} : {', '.join(restored)}")


@click.command()
@click.pass_obj
def doctor(settings: Settings) -> None:
    """Vérifie l'installation et dit en français ce qui ne va pas (code 1 si erreur)."""
    from ivr.doctor.adapters.facts import gather
    from ivr.doctor.checks import Level, diagnose, has_errors

    findings = diagnose(gather(settings))
    marks = {Level.OK: "ok", Level.WARNING: "ATTENTION", Level.ERROR: "ERREUR"}
    for finding in findings:
        advice = f" — {finding.advice}" if finding.advice else ""
        click.echo(f"[{marks[finding.level]:^9}] {finding.label}{advice}")
    if has_errors(findings):
        raise SystemExit(1)


@click.group()
def production() -> None:
    """Installation sur un serveur : services systemd, /etc/townhall-ivr, /var/lib."""


@production.command("install-units")
@click.option("--dry-run", is_flag=True, help="Afficher les fichiers sans rien écrire.")
@click.option("--user", default="townhall-ivr", show_default=True,
              help="Compte des services (root pour la racine Asterisk privée, en chroot).")
@click.option("--etc", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/etc/townhall-ivr"), show_default=True)
@click.option("--state", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/var/lib/townhall-ivr"), show_default=True)
@click.option("--systemd-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/etc/systemd/system"), show_default=True)
def install_units(dry_run: bool, user: str, etc: Path, state: Path, systemd_dir: Path) -> None:
    """Écrit les services systemd, le fichier de réglages et les règles par défaut
    (ces deux-là seulement s'ils n'existent pas), et crée le dossier des données."""
    import shutil
    import sys

    from ivr.install.layout import Target, install, plan

    exe = shutil.which("townhall-ivr", path=str(Path(sys.executable).parent))
    config = etc / "townhall-ivr.env"  # the town's own setting, when already installed
    processes = Settings.from_env(read_config_file(config) if config.is_file() else {})
    target = Target(Path(exe or sys.argv[0]).absolute(), etc.absolute(), state.absolute(),
                    systemd_dir.absolute(), user, processes.ivr_processes)
    if dry_run:
        for item in plan(target):
            text = item.text if item.path.suffix != ".yaml" else "(les règles par défaut)\n"
            click.echo(f"# ---- {item.path} (mode {item.mode:o})\n{text}")
        return
    for line in install(target):
        click.echo(line)
    click.echo("ensuite : systemctl daemon-reload && systemctl enable --now "
               "townhall-ivr.target")


@production.command("worker-needed")
@click.argument("name")
@click.pass_obj
def worker_needed(settings: Settings, name: str) -> None:
    """Code 0 si la configuration demande ce service d'arrière-plan, 1 sinon (le
    « ExecCondition » des services systemd des messages)."""
    from ivr.stack.workers import WORKERS, worker

    try:
        found = worker(name)
    except KeyError:
        raise click.ClickException(f"service inconnu : {name} (connus : "
                                   f"{', '.join(w.name for w in WORKERS)})") from None
    if not found.needed(settings):
        click.echo(f"{name} : non configuré, pas démarré")
        raise SystemExit(1)


@production.command("agent-password")
@click.argument("agent_id")
@click.option("--rotate", is_flag=True, help="En générer un nouveau (l'ancien cesse de marcher).")
@click.pass_obj
def agent_password(settings: Settings, agent_id: str, rotate: bool) -> None:
    """Affiche le mot de passe SIP du téléphone d'un agent (à saisir dans le téléphone)."""
    from ivr.rules.loader import RulesError, load_rules
    from ivr.security.adapters.agent_phones import NotARegisteringPhone
    from ivr.security.adapters.agent_phones import agent_password as password_of

    try:
        rules = load_rules(settings.rules_path)
        found = password_of(settings, rules, agent_id, rotate)
    except RulesError as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    except NotARegisteringPhone as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{agent_id} : {found.password}")
    if not found.applied_now:
        click.echo("(pris en compte au prochain démarrage du serveur vocal)")
