"""SIP over TLS for agents' phones: the server's certificate, self-signed and generated
once with openssl, kept with the secrets (0600).

A town that has a certificate from its own authority replaces ``cert.pem`` and
``key.pem`` in ``$TOWNHALL_HOME/secrets/sip-tls/``; the next start copies them into
Asterisk's configuration (inside its root, where a chrooted Asterisk can read them).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ivr.private_files import make_private_dir
from ivr.settings import Settings

CERT_FILE, KEY_FILE = "townhall-tls.crt", "townhall-tls.key"  # names in Asterisk's etc


@dataclass(frozen=True)
class TlsPair:
    cert: str
    key: str


def tls_folder(settings: Settings) -> Path:
    return settings.home / "secrets" / "sip-tls"


def tls_pair(settings: Settings) -> TlsPair:
    """The certificate and key in PEM, generated on first use for ``settings.sip_host``."""
    folder = tls_folder(settings)
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not (cert.is_file() and key.is_file()):
        make_private_dir(folder)
        host = settings.sip_host
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
             "-subj", f"/O=townhall-ivr/CN={host}", "-addext", f"subjectAltName=IP:{host}",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=120)
        key.chmod(0o600)
    return TlsPair(cert.read_text(), key.read_text())
