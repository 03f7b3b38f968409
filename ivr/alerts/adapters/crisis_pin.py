"""The crisis line's PIN: only its scrypt hash is kept, in the instance's secrets.

``<home>/secrets/crisis_pin`` holds ``scrypt$<salt hex>$<hash hex>`` (mode 0600,
replaced atomically by ``townhall-ivr alerts set-pin``). The PIN itself is never
written, logged or put in a contact event; checking it takes the same time whether
a PIN is set or not.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ivr.private_files import write_new_private

PIN_FILE = "crisis_pin"
MIN_DIGITS, MAX_DIGITS = 6, 12  # the dialogue ends a PIN at 12 keys
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_ABSENT = "scrypt$" + "00" * 16 + "$" + "00" * 32  # checked against when no PIN is set


class PinRefused(ValueError):
    """The PIN cannot be set as given (message in French)."""


def pin_path(home: Path) -> Path:
    return home / "secrets" / PIN_FILE


def _digest(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT)


def check_format(pin: str) -> str:
    """The PIN if it is 6 to 12 digits and not a trivial sequence, else PinRefused."""
    if not (pin.isascii() and pin.isdigit() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise PinRefused(f"Le code doit compter de {MIN_DIGITS} à {MAX_DIGITS} chiffres.")
    if len(set(pin)) == 1 or pin in "01234567890123" or pin in "98765432109876":
        raise PinRefused("Code trop simple (chiffres tous identiques ou qui se suivent).")
    return pin


def set_pin(path: Path, pin: str) -> None:
    """Keep the hash of ``pin`` in ``path`` (replacing any previous one)."""
    salt = secrets.token_bytes(16)
    line = f"scrypt${salt.hex()}${_digest(check_format(pin), salt).hex()}\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    write_new_private(tmp, line.encode())
    os.replace(tmp, path)


def is_set(path: Path) -> bool:
    return path.is_file()


def check_pin(path: Path, pin: str) -> bool:
    """Whether ``pin`` is the crisis line's PIN (False when none is set)."""
    try:
        stored = path.read_text().strip()
    except FileNotFoundError:
        stored = ""
    scheme, _, rest = (stored or _ABSENT).partition("$")
    salt_hex, _, hash_hex = rest.partition("$")
    try:
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
    except ValueError:
        return False
    same = hmac.compare_digest(_digest(pin, salt), expected)
    return same and bool(stored) and scheme == "scrypt"
