"""How a contact ended: the values of ``contacts.outcome``, shared by everything that
writes or shows them (the call flow, the queue facts, the callback dialler, the store
writer, the admin's labels), so that a value one of them invents is a type error.

The values are the strings stored in the database: change one only with a migration.
"""

from __future__ import annotations

from enum import StrEnum


class ContactOutcome(StrEnum):
    ANSWERED = "answered"  # an agent took the call
    ABANDONED_MENU = "abandoned_menu"  # the caller hung up in the IVR
    ABANDONED_QUEUE = "abandoned_queue"  # the caller hung up while waiting
    OVERFLOW = "overflow"  # the queue passed the call on
    VOICEMAIL = "voicemail"
    CLOSED = "closed"  # the closed-hours message, then goodbye
    FALLBACK = "fallback"  # answered by the dialplan while the IVR was away or failing
    INFO = "info"  # answered by the IVR itself, or a contact from another channel
    CALLBACK_REQUESTED = "callback_requested"
    APPOINTMENT = "appointment"  # the caller booked, moved or cancelled an appointment
    SELF_SERVICE = "self_service"  # the caller got the answer alone (a request's status…)
    # a callback attempt that did not reach the citizen (``DialOutcome``)
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
