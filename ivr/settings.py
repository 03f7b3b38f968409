"""Runtime settings, read once from the environment.

Everything an operator may tune is a ``TOWNHALL_*`` variable with a sane default;
the README lists them. Secrets (ARI, AMI, admin session key) are generated on first
use into ``$TOWNHALL_HOME/secrets`` with mode 0600 and never live in the repository.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ivr.clock import Clock, parse_clock

DEFAULT_ASTERISK_ROOT = "/var/cache/townhall-ivr/asterisk-root"


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
    # UDP ports of the app's ExternalMedia receivers; outside Asterisk's RTP range.
    media_ports: range = range(40000, 41000)
    # Outbound calls to citizens (callbacks): the operator's SIP trunk (IP, no DNS) and the
    # dial string the scheduler fills with {national} (0XXXXXXXXX) or {number} (E.164).
    citizen_trunk: str = "sip:127.0.0.1:5070"
    callback_endpoint: str = "PJSIP/{national}@citizen-trunk"
    # How often the IVR looks for voicemail messages the AMI event did not announce.
    voicemail_sweep_seconds: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the ``TOWNHALL_*`` variables (``os.environ`` by default)."""
        env = os.environ if env is None else env
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
            media_ports=range(
                int(env.get("TOWNHALL_MEDIA_START", "40000")),
                int(env.get("TOWNHALL_MEDIA_END", "40999")) + 1,
            ),
            citizen_trunk=env.get("TOWNHALL_CITIZEN_TRUNK", cls.citizen_trunk),
            callback_endpoint=env.get("TOWNHALL_CALLBACK_ENDPOINT", cls.callback_endpoint),
            voicemail_sweep_seconds=float(env.get("TOWNHALL_VOICEMAIL_SWEEP",
                                                  str(cls.voicemail_sweep_seconds))),
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
            "TOWNHALL_MEDIA_START": str(self.media_ports.start),
            "TOWNHALL_MEDIA_END": str(self.media_ports.stop - 1),
            "TOWNHALL_CITIZEN_TRUNK": self.citizen_trunk,
            "TOWNHALL_CALLBACK_ENDPOINT": self.callback_endpoint,
            "TOWNHALL_VOICEMAIL_SWEEP": str(self.voicemail_sweep_seconds),
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

    def secret(self, name: str) -> str:
        """Return the named secret, generating it on first use (0600, outside the repo)."""
        path = self.home / "secrets" / name
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        value = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        return value

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
