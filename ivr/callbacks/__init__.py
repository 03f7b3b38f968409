"""Callbacks: exactly-once dispatch of the calls promised to citizens (the I/O side).

The pure parts live in ``ivr/domain/`` (``phone_numbers``: French numbers;
``callback_offers``: promised windows); ``repository`` holds every state change of
the ``callbacks`` table; ``scheduler`` claims due rows and hands them to a ``Dialer``
(``dialer.AriDialer`` in production); the ``callbacks`` CLI group is
``ivr/cli/callbacks.py``.
"""
