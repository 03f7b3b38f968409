"""Runtime settings, read once from the environment.

Everything an operator may tune is a ``TOWNHALL_*`` variable with a sane default;
the README lists them. Secrets (ARI, AMI, admin session key) are generated on first
use into ``$TOWNHALL_HOME/secrets`` with mode 0600 and never live in the repository.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ivr.asterisk.trunk import OperatorTrunk, operator_trunk
from ivr.clock import Clock, parse_clock
from ivr.domain.utf8 import NOT_UTF8, utf8_position
from ivr.package_data import PROMPTS_DIR
from ivr.private_files import read_or_create_secret

DEFAULT_ASTERISK_ROOT = "/var/cache/townhall-ivr/asterisk-root"
LOOPBACK = "127.0.0.1"


MAX_IVR_PROCESSES = 8  # seq slots (``ivr.store.seqs``)


def default_ivr_processes() -> int:
    """One IVR process per core (at least one): each is one event loop, one core at most."""
    return max(1, os.cpu_count() or 1)


def connect_host(bind: str) -> str:
    """The address a local client uses to reach a service listening on ``bind``."""
    return LOOPBACK if bind in ("0.0.0.0", "::") else bind


_MESSAGE_FIELDS = (
    "kannel_sendsms_url", "kannel_user", "kannel_password", "sms_sender", "public_url",
    "kannel_status_url", "sms_resend_wait",
    "smtp_host", "smtp_port", "smtp_starttls", "smtp_user", "smtp_password", "mail_from",
    "mail_reply_to", "imap_host", "imap_port", "imap_user", "imap_password", "imap_tls",
    "report_recipients",
)


def _env_text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _message_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``TOWNHALL_<FIELD>`` variables of the messages settings, typed like the field."""
    values: dict[str, Any] = {}
    for name in _MESSAGE_FIELDS:
        raw = env.get(f"TOWNHALL_{name.upper()}")
        if raw is None:
            continue
        default = getattr(Settings, name)
        if isinstance(default, bool):
            values[name] = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            values[name] = int(raw)
        else:
            values[name] = raw
    return values


_CONFIG_KEY = re.compile(r"TOWNHALL_[A-Z0-9_]+")


def read_config_file(path: Path) -> dict[str, str]:
    """``TOWNHALL_*=value`` lines of a configuration file (``#`` comments, blank lines,
    optional quotes); ValueError ``file:line`` in French for anything else."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"TOWNHALL_CONFIG : {path} illisible ({exc})") from None
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        row, col = utf8_position(data, exc)
        raise ValueError(f"{path}:{row}:{col}: {NOT_UTF8}") from None
    values: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, sep, value = text.partition("=")
        key = key.strip()
        if not sep or not _CONFIG_KEY.fullmatch(key):
            raise ValueError(f"{path}:{number}: attendu TOWNHALL_NOM=valeur, pas {text!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = value
    return values


@dataclass(frozen=True)
class Settings:
    """Typed runtime configuration of one townhall-ivr instance."""

    home: Path
    rules_path: Path
    db_url: str
    clock_value: str
    bind_host: str
    sip_port: int
    ari_port: int
    ami_port: int
    rtp_start: int
    rtp_end: int
    admin_port: int
    ari_app: str
    asterisk_root: Path
    asterisk_bin: str | None
    vosk_model: Path | None
    log_level: str
    log_format: str
    admin_secure_cookies: bool = False
    # Per-service listen addresses; "" = the default: SIP and the admin on ``bind_host``,
    # ARI and AMI on loopback unless explicitly moved (they control calls).
    sip_bind: str = ""
    ari_bind: str = ""
    ami_bind: str = ""
    admin_bind: str = ""
    # How many reverse proxies in front of the admin set X-Forwarded-For (0: none trusted).
    admin_trusted_proxies: int = 0
    # UDP ports of the app's ExternalMedia receivers; outside Asterisk's RTP range.
    media_ports: range = range(40000, 41000)
    # Outbound calls to citizens (callbacks): the operator's SIP trunk (IP, no DNS) and the
    # dial string the scheduler fills with {national} (0XXXXXXXXX) or {number} (E.164).
    citizen_trunk: str = "sip:127.0.0.1:5070"
    callback_endpoint: str = "PJSIP/{national}@citizen-trunk"
    # référentiel Marianne: one caller in N answered by an agent is offered the
    # satisfaction survey when the agent hangs up (0: never)
    survey_one_in: int = 0
    # Messages: Kannel's sendsms URL (empty: no SMS), the SMTP relay (empty host: no
    # e-mail), the contact mailbox read over IMAP, and the base URL Kannel calls back.
    kannel_sendsms_url: str = ""
    kannel_user: str = "townhall"
    kannel_password: str = ""
    sms_sender: str = "Mairie"
    # bearerbox's status.xml (with its status password): lets the sender resend by itself
    # an SMS Kannel shows it does not have, after sms_resend_wait seconds of Kannel empty
    kannel_status_url: str = ""
    sms_resend_wait: int = 300
    public_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "mairie@localhost"
    mail_reply_to: str = ""
    imap_host: str = ""
    imap_port: int = 143
    imap_user: str = ""
    imap_password: str = ""
    imap_tls: bool = False
    # référentiel Marianne: the élus' addresses the monthly report is mailed to (commas)
    report_recipients: str = ""
    # How often the IVR looks for voicemail messages the AMI event did not announce.
    voicemail_sweep_seconds: float = 60.0
    # How often the stack pushes pending appointments to the élus' CalDAV servers.
    caldav_sync_seconds: float = 10.0
    # The town's prompt recordings and edited texts (recordings/, overrides.yaml); the
    # default is the shipped prompts folder, which an installed package must not write.
    prompts_dir: Path = PROMPTS_DIR
    # The operator's SIP trunk (empty host: none, callbacks go to ``citizen_trunk``):
    # its server IP:port, our account, its source addresses, our public numbers (E.164,
    # comma-separated); the password is the file secrets/trunk_password.
    trunk_host: str = ""
    trunk_user: str = ""
    trunk_match: str = ""
    trunk_dids: str = ""
    # Anonymous SIP from 127.0.0.1 (the simulator, a local softphone): development only.
    dev_trunk: bool = True
    # The configuration file these settings were read over (TOWNHALL_CONFIG), if any.
    config_file: str = ""
    # SIP over TLS for the agents' phones on this TCP port (0: none), and SRTP (SDES,
    # whose keys travel in the signalling: TLS only) for their media.
    sip_tls_port: int = 0
    agents_srtp: bool = False
    # IVR processes behind StasisBroadcast(), each its own ARI application
    # ``<ari_app>-<index>`` (TOWNHALL_IVR_PROCESSES; default: one per core).
    ivr_processes: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the ``TOWNHALL_*`` variables (``os.environ`` by default), over those of
        the file ``TOWNHALL_CONFIG`` names (an installed server's
        ``/etc/townhall-ivr/townhall-ivr.env``)."""
        env = os.environ if env is None else env
        if env.get("TOWNHALL_CONFIG"):
            env = {**read_config_file(Path(env["TOWNHALL_CONFIG"])), **env}
        home = Path(env.get("TOWNHALL_HOME", "var")).absolute()
        model = env.get("TOWNHALL_VOSK_MODEL", "")
        return cls(
            home=home,
            rules_path=Path(env.get("TOWNHALL_RULES", "routing_rules.yaml")).absolute(),
            db_url=env.get("TOWNHALL_DB_URL", f"sqlite:///{home / 'townhall.db'}"),
            clock_value=env.get("TOWNHALL_CLOCK", ""),
            bind_host=env.get("TOWNHALL_BIND", "127.0.0.1"),
            sip_port=int(env.get("TOWNHALL_SIP_PORT", "5060")),
            ari_port=int(env.get("TOWNHALL_ARI_PORT", "8088")),
            ami_port=int(env.get("TOWNHALL_AMI_PORT", "5038")),
            rtp_start=int(env.get("TOWNHALL_RTP_START", "10000")),
            rtp_end=int(env.get("TOWNHALL_RTP_END", "20000")),
            admin_port=int(env.get("TOWNHALL_ADMIN_PORT", "8000")),
            ari_app=env.get("TOWNHALL_ARI_APP", "townhall-ivr"),
            asterisk_root=Path(env.get("TOWNHALL_ASTERISK_ROOT", DEFAULT_ASTERISK_ROOT)),
            asterisk_bin=env.get("TOWNHALL_ASTERISK") or shutil.which("asterisk"),
            vosk_model=Path(model) if model else None,
            log_level=env.get("TOWNHALL_LOG_LEVEL", "INFO").upper(),
            log_format=env.get("TOWNHALL_LOG_FORMAT", "text"),
            admin_secure_cookies=env.get("TOWNHALL_ADMIN_SECURE_COOKIES", "0").lower()
            in ("1", "true", "yes", "on"),
            sip_bind=env.get("TOWNHALL_SIP_BIND", ""),
            ari_bind=env.get("TOWNHALL_ARI_BIND", ""),
            ami_bind=env.get("TOWNHALL_AMI_BIND", ""),
            admin_bind=env.get("TOWNHALL_ADMIN_BIND", ""),
            admin_trusted_proxies=int(env.get("TOWNHALL_ADMIN_TRUSTED_PROXIES", "0")),
            media_ports=range(
                int(env.get("TOWNHALL_MEDIA_START", "40000")),
                int(env.get("TOWNHALL_MEDIA_END", "40999")) + 1,
            ),
            citizen_trunk=env.get("TOWNHALL_CITIZEN_TRUNK", cls.citizen_trunk),
            callback_endpoint=env.get("TOWNHALL_CALLBACK_ENDPOINT", cls.callback_endpoint),
            survey_one_in=max(0, int(env.get("TOWNHALL_SURVEY_ONE_IN", "0"))),
            **_message_settings(env),
            voicemail_sweep_seconds=float(env.get("TOWNHALL_VOICEMAIL_SWEEP",
                                                  str(cls.voicemail_sweep_seconds))),
            caldav_sync_seconds=float(env.get("TOWNHALL_CALDAV_SYNC",
                                              str(cls.caldav_sync_seconds))),
            prompts_dir=Path(env.get("TOWNHALL_PROMPTS_DIR", str(PROMPTS_DIR))).absolute(),
            trunk_host=env.get("TOWNHALL_TRUNK_HOST", ""),
            trunk_user=env.get("TOWNHALL_TRUNK_USER", ""),
            trunk_match=env.get("TOWNHALL_TRUNK_MATCH", ""),
            trunk_dids=env.get("TOWNHALL_TRUNK_DIDS", ""),
            dev_trunk=env.get("TOWNHALL_DEV_TRUNK", "1").lower() in ("1", "true", "yes", "on"),
            config_file=env.get("TOWNHALL_CONFIG", ""),
            sip_tls_port=int(env.get("TOWNHALL_SIP_TLS_PORT", "0")),
            agents_srtp=env.get("TOWNHALL_AGENTS_SRTP", "0").lower() in ("1", "true", "yes", "on"),
            ivr_processes=min(MAX_IVR_PROCESSES, max(1, int(
                env.get("TOWNHALL_IVR_PROCESSES") or default_ivr_processes()))),
        )

    def to_env(self) -> dict[str, str]:
        """The ``TOWNHALL_*`` variables that rebuild these settings in a child process."""
        env = {
            "TOWNHALL_HOME": str(self.home), "TOWNHALL_RULES": str(self.rules_path),
            "TOWNHALL_DB_URL": self.db_url, "TOWNHALL_CLOCK": self.clock_value,
            "TOWNHALL_BIND": self.bind_host, "TOWNHALL_SIP_PORT": str(self.sip_port),
            "TOWNHALL_ARI_PORT": str(self.ari_port), "TOWNHALL_AMI_PORT": str(self.ami_port),
            "TOWNHALL_RTP_START": str(self.rtp_start), "TOWNHALL_RTP_END": str(self.rtp_end),
            "TOWNHALL_ADMIN_PORT": str(self.admin_port), "TOWNHALL_ARI_APP": self.ari_app,
            "TOWNHALL_ASTERISK_ROOT": str(self.asterisk_root),
            "TOWNHALL_ASTERISK": self.asterisk_bin or "",
            "TOWNHALL_VOSK_MODEL": str(self.vosk_model or ""),
            "TOWNHALL_LOG_LEVEL": self.log_level, "TOWNHALL_LOG_FORMAT": self.log_format,
            "TOWNHALL_ADMIN_SECURE_COOKIES": "1" if self.admin_secure_cookies else "0",
            "TOWNHALL_SIP_BIND": self.sip_bind, "TOWNHALL_ARI_BIND": self.ari_bind,
            "TOWNHALL_AMI_BIND": self.ami_bind, "TOWNHALL_ADMIN_BIND": self.admin_bind,
            "TOWNHALL_ADMIN_TRUSTED_PROXIES": str(self.admin_trusted_proxies),
            "TOWNHALL_MEDIA_START": str(self.media_ports.start),
            "TOWNHALL_MEDIA_END": str(self.media_ports.stop - 1),
            "TOWNHALL_CITIZEN_TRUNK": self.citizen_trunk,
            "TOWNHALL_CALLBACK_ENDPOINT": self.callback_endpoint,
            "TOWNHALL_SURVEY_ONE_IN": str(self.survey_one_in) if self.survey_one_in else "",
            **{f"TOWNHALL_{name.upper()}": _env_text(getattr(self, name))
               for name in _MESSAGE_FIELDS},
            "TOWNHALL_VOICEMAIL_SWEEP": str(self.voicemail_sweep_seconds),
            "TOWNHALL_CALDAV_SYNC": str(self.caldav_sync_seconds),
            "TOWNHALL_PROMPTS_DIR": str(self.prompts_dir),
            "TOWNHALL_TRUNK_HOST": self.trunk_host, "TOWNHALL_TRUNK_USER": self.trunk_user,
            "TOWNHALL_TRUNK_MATCH": self.trunk_match, "TOWNHALL_TRUNK_DIDS": self.trunk_dids,
            "TOWNHALL_DEV_TRUNK": "1" if self.dev_trunk else "0",
            "TOWNHALL_CONFIG": self.config_file,
            "TOWNHALL_SIP_TLS_PORT": str(self.sip_tls_port) if self.sip_tls_port else "",
            "TOWNHALL_AGENTS_SRTP": "1" if self.agents_srtp else "",
            "TOWNHALL_IVR_PROCESSES": str(self.ivr_processes),
        }
        return {k: v for k, v in env.items() if v}

    def with_(self, **changes: object) -> Settings:
        """Return a copy with some fields changed (tests run instances on free ports)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def clock(self) -> Clock:
        """A fresh clock honouring ``TOWNHALL_CLOCK``."""
        return parse_clock(self.clock_value)

    @property
    def sip_host(self) -> str:
        """Where Asterisk listens for SIP (``TOWNHALL_SIP_BIND``, else ``TOWNHALL_BIND``)."""
        return self.sip_bind or self.bind_host

    @property
    def ari_host(self) -> str:
        """Where ARI listens: loopback unless ``TOWNHALL_ARI_BIND`` moves it."""
        return self.ari_bind or LOOPBACK

    @property
    def ami_host(self) -> str:
        """Where AMI listens: loopback unless ``TOWNHALL_AMI_BIND`` moves it."""
        return self.ami_bind or LOOPBACK

    @property
    def admin_host(self) -> str:
        """Where the admin listens (``TOWNHALL_ADMIN_BIND``, else ``TOWNHALL_BIND``)."""
        return self.admin_bind or self.bind_host

    @property
    def run_dir(self) -> Path:
        """Where the Asterisk configuration, sockets and logs of this instance live."""
        return self.home / "asterisk"

    @property
    def sounds_dir(self) -> Path:
        """Rendered prompts, played by Asterisk as ``sound:townhall/<id>``."""
        return self.home / "sounds" / "townhall"

    @property
    def attachments_dir(self) -> Path:
        """Files of citizen requests (voice messages, scans), each mode 0600."""
        return self.home / "attachments"

    @property
    def spool_dir(self) -> Path:
        """Durable spool of store writes waiting for the database."""
        return self.home / "spool"

    def app_name(self, index: int) -> str:
        """The ARI application of IVR process ``index``."""
        return f"{self.ari_app}-{index}"

    def app_spool_dir(self, index: int) -> Path:
        """IVR process ``index``'s own spool: one writer per spool, and the process
        restarted under the same index replays what its predecessor left."""
        return self.spool_dir if index == 0 else self.home / f"spool-{index}"

    @property
    def callback_base(self) -> str:
        """The base URL gateways (Kannel) call back: the admin's, unless set."""
        return self.public_url.rstrip("/") or f"http://{self.bind_host}:{self.admin_port}"

    def secret(self, name: str) -> str:
        """Return the named secret, generating it on first use (0600, outside the repo)."""
        return read_or_create_secret(self.home / "secrets" / name)

    @property
    def trunk_password_path(self) -> Path:
        """The operator's password for our account, written there by the installer."""
        return self.home / "secrets" / "trunk_password"

    def operator_trunk(self) -> OperatorTrunk | None:
        """The checked operator trunk, or None; ValueError (French) when misconfigured.

        Its password is never generated: a made-up one would only fail to register.
        """
        if not self.trunk_host:
            return None
        path = self.trunk_password_path
        password = path.read_text().strip() if path.is_file() else ""
        return operator_trunk(self.trunk_host, self.trunk_user, password, self.trunk_match,
                              self.trunk_dids)

    @property
    def outbound_caller_id(self) -> str:
        """The number callbacks and alerts present: the trunk's main DID ("" without one)."""
        trunk = self.operator_trunk()
        return trunk.caller_id if trunk else ""

    @property
    def ari_user(self) -> str:
        return "townhall"

    @property
    def ari_password(self) -> str:
        return self.secret("ari_password")

    @property
    def ami_user(self) -> str:
        return "townhall"

    @property
    def ami_facts_user(self) -> str:
        """The IVR process's AMI user: call facts only, no agent states (see manager.conf)."""
        return "townhall-facts"

    @property
    def ami_password(self) -> str:
        return self.secret("ami_password")
