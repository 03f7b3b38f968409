"""Period filters shared by the lists and the indicators (dates are town-hall days)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional, ValidationError

from ivr.domain.date_bounds import check_date

PARIS = ZoneInfo("Europe/Paris")


class FilterForm(FlaskForm):
    """A GET form: filters are bookmarkable and carry no CSRF token."""

    class Meta:
        csrf = False

    start = DateField("Du", validators=[Optional()])
    end = DateField("Au", validators=[Optional()])

    def validate_start(self, field: DateField) -> None:
        """Far past or future dates overflow when turned into instants."""
        _in_bounds(field)

    def validate_end(self, field: DateField) -> None:
        """The period must not end before it starts."""
        _in_bounds(field)
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("La date de fin précède la date de début.")


def _in_bounds(field: DateField) -> None:
    if field.data:
        try:
            check_date(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc).capitalize() + ".") from None


def today() -> date:
    """The town hall's current day, from the application clock."""
    return current_app.config["TOWNHALL_CLOCK"].now().astimezone(PARIS).date()


def bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Aware instants from the start of ``start`` to the end of ``end`` (Paris days)."""
    low = datetime.combine(start, time(), PARIS) if start else None
    high = datetime.combine(end + timedelta(days=1), time(), PARIS) if end else None
    return low, high


def department_field(label: str = "Service") -> SelectField:
    """A select of departments, filled by the view from the published rules."""
    return SelectField(label, choices=[SelectChoice("", "Tous")], validate_choice=False)
