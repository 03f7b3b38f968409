"""Errors about requests, each carrying the French sentence shown to the person at fault.

::

    RequestError                 any refused operation on requests or citizens
    ├── InvalidReference         not 10 digits, or a wrong check digit (a typing mistake)
    ├── UnknownReference         well formed, but no such request
    ├── UnknownType              a request type the rules do not declare
    ├── UnknownStatus            a status the request's type does not declare
    ├── ForbiddenTransition      the type does not allow going from one status to the other
    ├── StaleVersion             someone else changed the request since it was read
    ├── InvalidInput             a bad phone number, e-mail, date, department, file…
    └── CitizenConflict          contact points that belong to two different citizens

``str(error)`` is the French message; the admin shows it as it is, the API returns it
with a 4xx status (409 for ``StaleVersion`` and ``ForbiddenTransition``, 404 for
``UnknownReference``, 400 or 422 otherwise).
"""

from __future__ import annotations


class RequestError(ValueError):
    """Base class; ``message`` is the French explanation."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidReference(RequestError):
    """The keyed reference is malformed or its check digit is wrong."""


class UnknownReference(RequestError):
    """No request has this reference."""


class UnknownType(RequestError):
    """The rules declare no such request type."""


class UnknownStatus(RequestError):
    """The request's type declares no such status."""


class ForbiddenTransition(RequestError):
    """The type's workflow does not allow this change of status."""


class StaleVersion(RequestError):
    """Optimistic locking: the request changed since the caller read it."""


class InvalidInput(RequestError):
    """A value from outside is unusable (phone, e-mail, date, department, file…)."""


class CitizenConflict(RequestError):
    """The given phone numbers and e-mail addresses point at different citizens."""
