"""The crisis line's PIN: hashed, private, refused when trivial, checked in constant time."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.alerts.adapters.crisis_pin import PinRefused, check_pin, pin_path, set_pin


def test_only_a_hash_is_kept_privately(tmp_path: Path) -> None:
    path = pin_path(tmp_path)
    assert not check_pin(path, "")  # no PIN set: everything is refused
    set_pin(path, "480517")
    assert "480517" not in path.read_text() and path.stat().st_mode & 0o777 == 0o600
    assert check_pin(path, "480517") and not check_pin(path, "480518")
    set_pin(path, "93715028")
    assert check_pin(path, "93715028") and not check_pin(path, "480517")


@pytest.mark.parametrize("pin", ["1234", "12345a", "111111", "123456", "987654",
                                 "1234567890123"])
def test_short_trivial_or_non_digit_pins_are_refused(tmp_path: Path, pin: str) -> None:
    with pytest.raises(PinRefused):
        set_pin(pin_path(tmp_path), pin)
    assert not pin_path(tmp_path).exists()


def test_a_damaged_file_refuses(tmp_path: Path) -> None:
    path = pin_path(tmp_path)
    path.parent.mkdir()
    path.write_text("scrypt$zz$yy\n")
    assert not check_pin(path, "480517")
