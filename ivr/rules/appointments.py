"""The ``appointments`` section of ``routing_rules.yaml``: the bookable agendas.

One calendar per élu or counter, with its weekly availability, the length of a slot
and the buffer after it, how far ahead and how late one may book, its absences, the
motives a caller may choose (keyed 1, 2, 3… on the phone, in the order written) and
the admin users who own it (an élu sees their own agenda)::

    appointments:
      max_future_per_citizen: 2        # future appointments a citizen holds per calendar
      calendars:
        <calendar id>:
          name, spoken_name            # « Monsieur le Maire » ; « monsieur le maire »
          department: <target>         # its closures apply; the request's department
          request_type: <type id>      # the request an appointment is (rendez-vous-*)
          hours: <schedule name> | {lundi: […], …}
          slot_minutes: 30, buffer_minutes: 0, horizon_days: 60, notice_hours: 24
          absences: [{date | from+to, reason}]
          motives: {<motive id>: "un projet pour la commune", …}
          owners: [<admin user name>]
          caldav: {url, username, password_secret}   # optional push to the élu's calendar

Cross-checks (department, request type, schedule) are in ``ivr.rules.references``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ivr.rules.times import Closure, HoursRef

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
MAX_MOTIVES = 8  # keys 1 to 8 on the phone; 9 stays free for « un autre motif » later
MAX_CALENDARS = 8  # keys 1 to 8 in the phone menu of calendars; 9 cancels or moves


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CalDavTarget(_Frozen):
    """Where an élu's own calendar server (Nextcloud, Radicale…) receives the bookings."""

    url: Text  # the calendar collection's URL
    username: Text | None = None
    # name of the secret holding the password (``settings.secret``), never the password
    password_secret: Identifier | None = None


class AppointmentCalendar(_Frozen):
    """One bookable agenda (an élu, a counter)."""

    name: Text
    spoken_name: Text
    department: Identifier
    request_type: Identifier
    hours: HoursRef
    slot_minutes: int = Field(default=30, gt=0, le=480)
    buffer_minutes: int = Field(default=0, ge=0, le=240)
    horizon_days: int = Field(default=60, gt=0, le=366)
    notice_hours: int = Field(default=24, ge=0, le=24 * 30)
    absences: tuple[Closure, ...] = ()  # days off of this calendar alone (no ``departments``)
    motives: dict[Identifier, Text]
    owners: tuple[Text, ...] = ()
    caldav: CalDavTarget | None = None

    @field_validator("motives")
    @classmethod
    def _few_motives(cls, value: dict[str, str]) -> dict[str, str]:
        if not 1 <= len(value) <= MAX_MOTIVES:
            raise ValueError(f"un agenda a besoin de 1 à {MAX_MOTIVES} motifs "
                             "(touches du téléphone)")
        return value

    def motive_key(self, motive: str) -> str:
        """The phone key of ``motive`` (« 1 » for the first one written)."""
        return str(list(self.motives).index(motive) + 1)


class AppointmentSettings(_Frozen):
    """The whole section: the calendars and the per-citizen limit."""

    max_future_per_citizen: int = Field(default=2, gt=0)
    calendars: dict[Identifier, AppointmentCalendar] = {}

    @field_validator("calendars")
    @classmethod
    def _few_calendars(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_CALENDARS:
            raise ValueError(f"au plus {MAX_CALENDARS} agendas (touches du téléphone)")
        return value
