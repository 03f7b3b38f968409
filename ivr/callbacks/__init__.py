"""Callbacks: citizens' numbers, promised windows, and exactly-once dispatch.

``numbers`` and ``offers`` are pure; ``repository`` holds every state change of the
``callbacks`` table; ``scheduler`` claims due rows and hands them to a ``Dialer``
(``dialer.AriDialer`` in production); ``commands`` is the ``callbacks`` CLI group.
"""
