"""pyst2's reader as the listener runs it: its per-line flag checks cost no warning."""

import warnings

from ivr.telephony.ami import BufferedManager


def test_the_readers_flags_are_checked_without_a_deprecation_warning() -> None:
    manager = BufferedManager()
    manager._running.set()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # isSet() on a plain Event would raise here
        assert manager._running.isSet() and not manager._connected.isSet()
        assert not manager.connected()
    manager._running.clear()  # never started: nothing for close() to stop
