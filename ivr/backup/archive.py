"""Write and read backup archives (I/O: the store, files, ``pg_dump``/``pg_restore``)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ivr.private_files import make_private_dir
from ivr.settings import Settings
from ivr.store.db import normalize_url, sqlite_path

FORMAT = 1
# Folders of the home holding what cannot be rebuilt (the rest is rendered again).
HOME_PARTS = ("attachments", "spool", "secrets")
SQLITE_MEMBER = "db/townhall.db"
PG_MEMBER = "db/townhall.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot be done (message in French, for the operator)."""


@dataclass(frozen=True)
class Sources:
    """Where one instance keeps what a backup saves."""

    settings: Settings
    prompts_dir: Path

    @property
    def recordings(self) -> Path:
        return self.prompts_dir / "recordings"

    @property
    def overrides(self) -> Path:
        return self.prompts_dir / "overrides.yaml"


def backup(sources: Sources, out: Path, now: datetime) -> list[str]:
    """Write the archive ``out`` (mode 0600); returns the members written."""
    settings = sources.settings
    with tempfile.TemporaryDirectory(prefix="townhall-backup-") as work:
        stage = Path(work)
        db_member = _dump_store(settings.db_url, stage)
        members = [(stage / db_member, db_member)]
        if settings.rules_path.is_file():
            members.append((settings.rules_path, "rules/routing_rules.yaml"))
        if sources.recordings.is_dir():
            members.append((sources.recordings, "prompts/recordings"))
        if sources.overrides.is_file():
            members.append((sources.overrides, "prompts/overrides.yaml"))
        members += [(settings.home / part, f"home/{part}") for part in HOME_PARTS
                    if (settings.home / part).is_dir()]
        names = [name for _, name in members]
        manifest = {"format": FORMAT, "created_at": now.isoformat(), "db": db_member,
                    "members": names}
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2))
        tmp = out.with_name(f".{out.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(stage / "manifest.json", "manifest.json")
            for path, name in members:
                # a linked member (the shipped rules, a rules file kept elsewhere) is saved
                # as what it points to: restore refuses links, rightly
                tar.add(path.resolve(), name)
        os.replace(tmp, out)
    return ["manifest.json", *names]


def _dump_store(db_url: str, stage: Path) -> str:
    """The store into ``stage``: SQLite's online backup, or ``pg_dump -Fc``."""
    url = normalize_url(db_url)
    path = sqlite_path(url)
    if url.get_backend_name() == "sqlite":
        if path is None or not path.is_file():
            raise BackupError(f"base SQLite introuvable : {path}")
        make_private_dir((stage / SQLITE_MEMBER).parent)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(stage / SQLITE_MEMBER)
        try:
            source.backup(target)  # consistent even while the IVR writes
        finally:
            target.close()
            source.close()
        return SQLITE_MEMBER
    make_private_dir((stage / PG_MEMBER).parent)
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(stage / PG_MEMBER),
          "--dbname", _libpq_url(db_url)], "pg_dump")
    return PG_MEMBER


def _libpq_url(db_url: str) -> str:
    """The URL as libpq tools read it (no SQLAlchemy driver suffix)."""
    return normalize_url(db_url).set(drivername="postgresql").render_as_string(
        hide_password=False)


def _run(cmd: list[str], tool: str) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"{tool} est introuvable : installez le paquet postgresql-client")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{tool} a échoué : {done.stderr.strip()}")


def restore(sources: Sources, archive: Path, force: bool) -> list[str]:
    """Put the archive's contents in place for ``sources``; returns what was restored."""
    settings = sources.settings
    home = settings.home
    if home.exists() and any(home.iterdir()) and not force:
        raise BackupError(f"le dossier {home} n'est pas vide : ajoutez --force pour l'écraser")
    with tempfile.TemporaryDirectory(prefix="townhall-restore-") as work:
        stage = Path(work)
        manifest = _extract(archive, stage)
        rules = stage / "rules/routing_rules.yaml"
        if rules.is_file():
            _refuse_overwrite(rules, settings.rules_path, force)
        make_private_dir(home)
        restored = [_restore_store(settings.db_url, stage / manifest["db"])]
        for part in HOME_PARTS:
            if (stage / "home" / part).is_dir():
                _replace_dir(stage / "home" / part, home / part)
                restored.append(f"home/{part}")
        if (stage / "rules/routing_rules.yaml").is_file():
            _place(rules, settings.rules_path)
            restored.append("rules/routing_rules.yaml")
        if (stage / "prompts/recordings").is_dir():
            _replace_dir(stage / "prompts/recordings", sources.recordings)
            restored.append("prompts/recordings")
        if (stage / "prompts/overrides.yaml").is_file():
            _place(stage / "prompts/overrides.yaml", sources.overrides)
            restored.append("prompts/overrides.yaml")
    return restored


def _extract(archive: Path, stage: Path) -> dict[str, str]:
    """Unpack with tarfile's ``data`` filter (no absolute paths, links out, devices)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(stage, filter="data")
        manifest = json.loads((stage / "manifest.json").read_text())
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"archive illisible ({archive}) : {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"archive d'un format inconnu ({archive})")
    return manifest


def _restore_store(db_url: str, dump: Path) -> str:
    """The dump into the configured store (same engine as the backup)."""
    url = normalize_url(db_url)
    if dump.name.endswith(".db"):
        path = sqlite_path(url)
        if path is None:
            raise BackupError("la sauvegarde vient de SQLite : configurez une base SQLite")
        make_private_dir(path.parent)
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        shutil.copyfile(dump, path)
        path.chmod(0o600)
        return "db (SQLite)"
    if url.get_backend_name() != "postgresql":
        raise BackupError("la sauvegarde vient de PostgreSQL : configurez une base PostgreSQL")
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", _libpq_url(db_url), str(dump)], "pg_restore")
    return "db (PostgreSQL)"


def _replace_dir(source: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    make_private_dir(dest.parent)
    shutil.copytree(source, dest)
    for path in (dest, *dest.rglob("*")):
        path.chmod(0o700 if path.is_dir() else 0o600)


def _refuse_overwrite(source: Path, dest: Path, force: bool) -> None:
    if dest.exists() and dest.read_bytes() != source.read_bytes() and not force:
        raise BackupError(f"{dest} existe et diffère de la sauvegarde : ajoutez --force")


def _place(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
