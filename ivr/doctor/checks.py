"""The checks of ``townhall-ivr doctor``: facts in, French findings out (no I/O).

Each check reads ``Facts`` (gathered by ``ivr.doctor.adapters.facts``) and says, in
French, what is fine, what deserves a look and what stops the town hall from
answering calls, with what to do about it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import ip_address
from pathlib import Path

OPEN_TO_OTHERS = 0o077


class Level(StrEnum):
    OK = "ok"
    WARNING = "attention"
    ERROR = "erreur"


@dataclass(frozen=True)
class Finding:
    label: str
    level: Level
    advice: str = ""


@dataclass(frozen=True)
class Facts:
    """What the adapter saw of one instance (modes are ``st_mode & 0o777``)."""

    home: Path
    home_mode: int | None
    sqlite_mode: int | None  # None: not SQLite, or no file yet
    secrets: dict[str, int | None] = field(default_factory=dict)  # name → mode, None: empty
    db_error: str | None = None
    db_migrated: bool = False
    rules_error: str | None = None
    ari_error: str | None = None
    ami_error: str | None = None
    binds: dict[str, str] = field(default_factory=dict)  # service → address
    moved: frozenset[str] = frozenset()  # services whose address was set explicitly
    admin_proxies: int = 0
    admin_secure_cookies: bool = False
    vosk_model: Path | None = None
    vosk_model_present: bool = False
    dev_trunk: bool = False  # anonymous SIP from loopback (development)
    trunk_error: str | None = None  # the TOWNHALL_TRUNK_* values are wrong
    trunk_server: str | None = None  # None: no operator trunk
    trunk_registration: str | None = None  # Asterisk's word for it; None: not known
    config_file: Path | None = None  # TOWNHALL_CONFIG: an installed server
    units_missing: tuple[str, ...] = ()
    units_obsolete: tuple[str, ...] = ()  # an earlier version's, to remove
    units_broken: dict[str, str] = field(default_factory=dict)  # unit → program not found
    units_failed: tuple[str, ...] = ()  # systemd says « failed »
    tls_port: int = 0  # 0: no SIP over TLS
    tls_key_mode: int | None = None  # None: no key yet (generated at the next start)
    tls_days_left: int | None = None  # the certificate's remaining validity


Check = Callable[[Facts], Iterator[Finding]]


def _home(f: Facts) -> Iterator[Finding]:
    label = f"Dossier de l'instance ({f.home})"
    if f.home_mode is None:
        yield Finding(label, Level.ERROR, "dossier absent : lancez « townhall-ivr db upgrade »"
                      " ou démarrez le serveur vocal")
    elif f.home_mode & OPEN_TO_OTHERS:
        yield Finding(label, Level.WARNING, f"lisible par d'autres comptes : chmod 700 {f.home}")
    else:
        yield Finding(label, Level.OK)


def _sqlite(f: Facts) -> Iterator[Finding]:
    if f.sqlite_mode is None:
        return
    label = "Base SQLite réservée au compte du service"
    if f.sqlite_mode & OPEN_TO_OTHERS:
        yield Finding(label, Level.ERROR, "elle contient les données des usagers : "
                      f"chmod 600 {f.home}/townhall.db*")
    else:
        yield Finding(label, Level.OK)


def _secrets(f: Facts) -> Iterator[Finding]:
    for name, mode in sorted(f.secrets.items()):
        label = f"Secret « {name} »"
        if mode is None:
            yield Finding(label, Level.ERROR, f"fichier vide : supprimez {f.home}/secrets/{name}"
                          " puis redémarrez (il sera régénéré)")
        elif mode & OPEN_TO_OTHERS:
            yield Finding(label, Level.ERROR, f"lisible par d'autres comptes : chmod 600 "
                          f"{f.home}/secrets/{name}")
        else:
            yield Finding(label, Level.OK)


def _database(f: Facts) -> Iterator[Finding]:
    if f.db_error is not None:
        yield Finding("Base de données joignable", Level.ERROR,
                      f"{f.db_error} : vérifiez TOWNHALL_DB_URL et le serveur de base")
        return
    yield Finding("Base de données joignable", Level.OK)
    if f.db_migrated:
        yield Finding("Schéma de la base à jour", Level.OK)
    else:
        yield Finding("Schéma de la base à jour", Level.ERROR,
                      "lancez « townhall-ivr db upgrade »")


def _rules(f: Facts) -> Iterator[Finding]:
    if f.rules_error is None:
        yield Finding("Règles d'orientation valides", Level.OK)
    else:
        yield Finding("Règles d'orientation valides", Level.ERROR,
                      f"{f.rules_error} (corrigez puis « townhall-ivr rules check »)")


def _asterisk(f: Facts) -> Iterator[Finding]:
    for name, error in (("ARI", f.ari_error), ("AMI", f.ami_error)):
        label = f"Asterisk joignable ({name})"
        if error is None:
            yield Finding(label, Level.OK)
        else:
            yield Finding(label, Level.WARNING,
                          f"{error} : démarrez le serveur vocal (« townhall-ivr up »)")


def _is_loopback(address: str) -> bool:
    try:
        return ip_address(address).is_loopback
    except ValueError:
        return False


def _binds(f: Facts) -> Iterator[Finding]:
    for service in ("ARI", "AMI"):
        address = f.binds.get(service, "127.0.0.1")
        label = f"{service} sur la boucle locale"
        if _is_loopback(address):
            yield Finding(label, Level.OK)
        elif service in f.moved:
            yield Finding(label, Level.WARNING, f"{service} écoute sur {address} : réservez ce "
                          "port aux machines de la mairie par un pare-feu")
        else:
            yield Finding(label, Level.ERROR, f"{service} écoute sur {address} sans réglage "
                          f"explicite : fixez TOWNHALL_{service}_BIND")


def _admin(f: Facts) -> Iterator[Finding]:
    label = "Administration derrière HTTPS"
    local_only = _is_loopback(f.binds.get("admin", "127.0.0.1")) and f.admin_proxies == 0
    if local_only or f.admin_secure_cookies:
        yield Finding(label, Level.OK)
    else:
        yield Finding(label, Level.WARNING, "l'administration est exposée : servez-la derrière "
                      "un proxy HTTPS et réglez TOWNHALL_ADMIN_SECURE_COOKIES=1")


def _vosk(f: Facts) -> Iterator[Finding]:
    if f.vosk_model is None:
        yield Finding("Reconnaissance vocale", Level.OK, "non configurée : clavier seulement")
    elif f.vosk_model_present:
        yield Finding("Modèle vosk présent", Level.OK)
    else:
        yield Finding("Modèle vosk présent", Level.ERROR,
                      f"{f.vosk_model} introuvable : corrigez TOWNHALL_VOSK_MODEL")


def _trunk(f: Facts) -> Iterator[Finding]:
    label = "Trunk de l'opérateur"
    if f.trunk_error is not None:
        yield Finding(label, Level.ERROR, f.trunk_error)
    elif f.trunk_server is None and f.dev_trunk:
        yield Finding(label, Level.OK, "aucun (développement : appels locaux seulement)")
    elif f.trunk_server is None:
        yield Finding(label, Level.WARNING, "aucun : réglez TOWNHALL_TRUNK_HOST, _USER, _DIDS "
                      f"et écrivez le mot de passe dans {f.home}/secrets/trunk_password")
    elif f.trunk_registration == "Registered":
        yield Finding(label, Level.OK)
    elif f.trunk_registration is not None:
        yield Finding(label, Level.ERROR, f"l'opérateur ({f.trunk_server}) n'accepte pas "
                      f"l'enregistrement ({f.trunk_registration}) : vérifiez "
                      "TOWNHALL_TRUNK_USER et secrets/trunk_password")


def _dev_trunk(f: Facts) -> Iterator[Finding]:
    sip = f.binds.get("SIP", "127.0.0.1")
    if f.dev_trunk and not _is_loopback(sip):
        yield Finding("SIP anonyme désactivé", Level.WARNING, f"SIP écoute sur {sip} avec le "
                      "mode développement : réglez TOWNHALL_DEV_TRUNK=0")


def _systemd(f: Facts) -> Iterator[Finding]:
    if f.config_file is None:
        return
    label = "Services systemd installés"
    install = "lancez « townhall-ivr production install-units »"
    if f.units_broken:
        unit, program = sorted(f.units_broken.items())[0]
        yield Finding(label, Level.ERROR, f"{unit} lance {program}, introuvable ou non "
                      f"exécutable (programme déplacé ?) : {install}")
    elif f.units_missing or f.units_obsolete:
        missing = f"manquent {', '.join(f.units_missing)}" if f.units_missing else ""
        obsolete = f"ancien service {', '.join(f.units_obsolete)}" if f.units_obsolete else ""
        yield Finding(label, Level.WARNING, f"{' ; '.join(filter(None, (missing, obsolete)))}"
                      f" : {install}")
    else:
        yield Finding(label, Level.OK)
    if f.units_failed:
        yield Finding("Services systemd en marche", Level.ERROR, f"en échec : "
                      f"{', '.join(f.units_failed)} — journalctl -u {f.units_failed[0]}")


def _tls(f: Facts) -> Iterator[Finding]:
    if not f.tls_port:
        return
    label = f"SIP sur TLS (port {f.tls_port})"
    where = f"{f.home}/secrets/sip-tls"
    if f.tls_key_mode is None or f.tls_days_left is None:
        yield Finding(label, Level.WARNING, f"pas encore de certificat dans {where} : il sera "
                      "créé au prochain démarrage")
    elif f.tls_key_mode & OPEN_TO_OTHERS:
        yield Finding(label, Level.ERROR, f"clé lisible par d'autres comptes : chmod 600 "
                      f"{where}/key.pem")
    elif f.tls_days_left < 30:
        yield Finding(label, Level.WARNING if f.tls_days_left > 0 else Level.ERROR,
                      f"le certificat expire dans {f.tls_days_left} jours : remplacez "
                      f"{where}/cert.pem et key.pem (ou supprimez-les pour en générer un)")
    else:
        yield Finding(label, Level.OK)


CHECKS: tuple[Check, ...] = (_home, _sqlite, _secrets, _database, _rules, _asterisk, _binds,
                             _admin, _vosk, _trunk, _dev_trunk, _systemd, _tls)


def diagnose(facts: Facts) -> list[Finding]:
    """Every finding, in the order an operator fixes them."""
    return [finding for check in CHECKS for finding in check(facts)]


def has_errors(findings: list[Finding]) -> bool:
    return any(f.level is Level.ERROR for f in findings)
