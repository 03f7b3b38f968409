"""Refusals of a booking, a move or a cancellation, with the French sentence to show.

::

    RequestError (ivr.requests.errors)
    └── AppointmentError          any refused operation on an appointment
        ├── SlotUnavailable       past, too close, too far, closed, outside, taken
        ├── MotiveNotAllowed      the calendar does not take that motive
        ├── TooManyAppointments   the citizen already holds the most the rules allow
        └── NotYours              the reference exists, but not for this caller

The API answers 409 for ``SlotUnavailable`` (with the next free slot when one
exists) and ``TooManyAppointments``, 403 for ``NotYours``, 422 otherwise.
"""

from __future__ import annotations

from datetime import datetime

from ivr.requests.errors import RequestError


class AppointmentError(RequestError):
    """Base class of the appointment refusals."""


class SlotUnavailable(AppointmentError):
    """The slot cannot be booked; ``next_free`` is the first free one after it, if any."""

    def __init__(self, message: str, code: str, next_free: datetime | None = None) -> None:
        super().__init__(message)
        self.code, self.next_free = code, next_free


class MotiveNotAllowed(AppointmentError):
    """A motive the calendar does not list."""


class TooManyAppointments(AppointmentError):
    """The citizen holds ``max_future_per_citizen`` future appointments on that calendar."""


class NotYours(AppointmentError):
    """The appointment is not the caller's (the number does not match its citizen)."""
