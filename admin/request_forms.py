"""Flask-WTF forms of the request pages (CSRF-protected; French labels)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ivr.requests.address import (
    CITY_MAX,
    EXTRA_MAX,
    STREET_MAX,
    PostalAddress,
    postal_address,
    required_address,
)


def _at_most(limit: int) -> list[object]:
    return [Optional(), Length(max=limit, message=f"Au plus {limit} caractères.")]


def address_fields() -> tuple[UnboundField, ...]:
    """The four fields of a postal address, made where a form's class lists them (so
    they keep their place in its order); ``ivr.requests.address`` checks the values."""
    return (StringField("Adresse (numéro et voie)", validators=_at_most(STREET_MAX)),
            StringField("Complément d’adresse", validators=_at_most(EXTRA_MAX)),
            StringField("Code postal", validators=_at_most(16)),
            StringField("Commune", validators=_at_most(CITY_MAX)))


def typed_address(form: FlaskForm, *, required: bool = False) -> PostalAddress | None:
    """The address typed in a form with ``address_fields`` (``InvalidInput`` in French);
    None when left empty, unless ``required``."""
    read = required_address if required else postal_address
    return read(street=form.street.data, extra=form.extra.data,
                postcode=form.postcode.data, city=form.city.data)


class WorklistFilters(FlaskForm):
    """GET filters of the worklist (no CSRF: nothing changes)."""

    class Meta:
        csrf = False

    department = SelectField("Service", validate_choice=False)
    type = SelectField("Type", validate_choice=False)
    status = SelectField("Statut", validate_choice=False)
    agent = StringField("Agent", validators=[Optional(), Length(max=64)])
    late = BooleanField("En retard seulement")


class StatusForm(FlaskForm):
    """A status change, with the ``version`` the page was drawn with."""

    status = SelectField("Nouveau statut", validate_choice=False, validators=[DataRequired()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    version = HiddenField(validators=[InputRequired()])


class AssignForm(FlaskForm):
    """Give the request to an agent (empty: nobody), possibly in another department."""

    agent = StringField("Agent", validators=[Optional(), Length(max=64)])
    department = SelectField("Service", validate_choice=False)
    note = StringField("Note", validators=[Optional(), Length(max=5000)])
    version = HiddenField(validators=[InputRequired()])


class ImportForm(FlaskForm):
    """A CSV file ``référence;statut[;note]``."""

    file = FileField("Fichier CSV", validators=[FileRequired("Choisissez un fichier CSV.")])


class CreateForm(FlaskForm):
    """A request made at the counter; the citizen is found by phone or e-mail, or created."""

    type = SelectField("Type de demande", validate_choice=False, validators=[DataRequired()])
    name = StringField("Nom de l’usager", validators=[Optional(), Length(max=100)])
    phone = StringField("Téléphone", validators=[Optional(), Length(max=32)])
    email = StringField("Courriel", validators=[Optional(), Length(max=254)])
    birth_date = StringField("Date de naissance (JJ/MM/AAAA)",
                             validators=[Optional(), Length(max=10)])
    street, extra, postcode, city = address_fields()
    subject = StringField("Objet", validators=[Optional(), Length(max=255)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=20000)])


class UnlockForm(FlaskForm):
    """Let a request locked against guessing be consulted by phone again (CSRF only)."""


class AddressForm(FlaskForm):
    """The postal address of the request's citizen (all empty, or « Effacer »: none)."""

    street, extra, postcode, city = address_fields()
    erase = SubmitField("Effacer l’adresse")
