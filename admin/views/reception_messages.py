"""« Messages »: the sentences every caller may hear, and how each department is named
aloud, as forms on ``routing_rules.yaml`` (menu introductions are on « Menus »)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from admin.auth import role_required
from admin.published import published_rules
from admin.rules_forms import PreviewForm, heard, submit, with_moment
from admin.rules_yaml import set_value
from admin.views.reception import bp
from ivr.rules import Messages, Rules

# The rules' messages, in the order of a call, with what each is for.
LABELS = {
    "welcome": "Accueil, au décroché",
    "speech_prompt": "Invitation à dire l’objet de l’appel",
    "invalid": "Touche non prévue",
    "no_input": "Aucune touche tapée",
    "not_understood": "Demande non comprise",
    "confirm": "Confirmation du service compris",
    "transfer": "Mise en relation",
    "waiting": "Attente en file",
    "callback_offer": "Proposition de rappel pendant l’attente",
    "callback_confirmed": "Rappel confirmé",
    "closed": "Service fermé",
    "voicemail": "Messagerie",
    "goodbye": "Au revoir",
}
_REQUIRED = DataRequired(message="Un message ne peut pas être vide.")


class MessagesForm(PreviewForm):
    """One text area per message of the rules (built from ``LABELS``)."""


for _name, _label in LABELS.items():
    setattr(MessagesForm, _name, TextAreaField(_label, validators=[
        _REQUIRED, Length(max=600, message="600 caractères au plus.")]))


class SpokenNameForm(PreviewForm):
    department = SelectField("Service")
    spoken_name = StringField("Nom prononcé (« Je vous mets en relation avec … »)", validators=[
        DataRequired(message="Indiquez le nom prononcé."),
        Length(max=120, message="120 caractères au plus.")])


def _forms() -> tuple[MessagesForm, SpokenNameForm, Rules | None]:
    rules = published_rules()
    messages = with_moment(MessagesForm(prefix="messages"), rules)
    spoken = with_moment(SpokenNameForm(prefix="nom"), rules)
    spoken.department.choices = [SelectChoice(k, d.name) for k, d in rules.departments.items()] \
        if rules else []
    if rules and request.endpoint != "reception.set_messages":
        for name in LABELS:
            messages[name].data = getattr(rules.messages, name)
    return messages, spoken, rules


def _page(messages: MessagesForm, spoken: SpokenNameForm, rules: Rules | None,
          **extra: Any) -> str:
    return render_template("reception/messages.html", messages=messages, spoken=spoken,
                           rules=rules, names=list(LABELS), **extra)


@bp.route("/messages/")
@role_required("administrateur")
def messages() -> str:
    return _page(*_forms())


@bp.route("/messages/", methods=["POST"])
@role_required("administrateur")
def set_messages() -> Any:
    """Preview or publish the messages that changed."""
    form, spoken, rules = _forms()
    old: Messages | None = rules.messages if rules else None

    def edit(text: str) -> str:
        for name in LABELS:
            value = (form[name].data or "").replace("\r\n", " ").strip()
            if old is None or value != getattr(old, name):
                text = set_value(text, ("messages", name), value)
        return text

    return submit(form, edit, {f"messages.{name}": name for name in LABELS}, "Messages",
                  lambda **kw: _page(form, spoken, rules, **kw),
                  lambda new: heard(new, form.at.data), url_for(".messages"))


@bp.route("/messages/nom", methods=["POST"])
@role_required("administrateur")
def set_spoken_name() -> Any:
    """Preview or publish how a department is named aloud."""
    form, spoken, rules = _forms()
    target = spoken.department.data or ""
    path = ("departments", target, "spoken_name")
    return submit(spoken, lambda text: set_value(text, path, (spoken.spoken_name.data or "")
                                                 .strip()),
                  {".".join(path): "spoken_name"}, "Nom prononcé d’un service",
                  lambda **kw: _page(form, spoken, rules, **kw),
                  lambda new: heard(new, spoken.at.data, [target]), url_for(".messages"))
