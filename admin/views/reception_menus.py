"""« Menus »: the keys of the main menu and its sub-menus — label, destination, order —
and the sentence that opens each menu, as forms on ``routing_rules.yaml``."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from admin.auth import role_required
from admin.published import published_rules
from admin.rules_forms import (
    PreviewForm,
    current_text,
    destination_label,
    destination_of,
    destinations,
    heard,
    menu_name,
    option_entry,
    submit,
    with_moment,
)
from admin.rules_yaml import StaleEdit, delete, fingerprint, node_at, plain, set_value
from admin.views.reception import bp
from ivr.rules import Rules
from ivr.rules.schema import DIGIT_ORDER

KEY_NAMES = {"*": "étoile", "#": "dièse"}
KEYS = [SelectChoice(key, f"Touche {KEY_NAMES.get(key, key)}") for key in DIGIT_ORDER]


class OptionForm(PreviewForm):
    key = SelectField("Touche", choices=KEYS)
    label = StringField("Libellé (« Pour …, tapez 1 »)", validators=[
        DataRequired(message="Indiquez ce que l’appelant entend pour cette touche."),
        Length(max=200, message="200 caractères au plus.")])
    destination = SelectField("Mène à")


class IntroForm(PreviewForm):
    intro = TextAreaField("Phrase d’introduction du menu (vide : aucune)", validators=[
        Optional(), Length(max=300, message="300 caractères au plus.")])


class KeyForm(PreviewForm):
    """A remove or move button: the key, and the menu as the page showed it."""

    key = HiddenField(validators=[Regexp(r"^[0-9#*]$")])
    direction = HiddenField(validators=[Optional(), Regexp(r"^(haut|bas)$")])
    fingerprint = HiddenField(validators=[Regexp(r"^[0-9a-f]{16}$")])


def _menu(rules: Rules | None, menu: str | None) -> tuple[Rules, str]:
    if rules is None:
        abort(503)
    chosen = menu or rules.main_menu
    if chosen not in rules.menus:
        abort(404)
    return rules, chosen


def _forms(menu: str | None) -> tuple[OptionForm, IntroForm, Rules, str]:
    rules, chosen = _menu(published_rules(), menu)
    option = with_moment(OptionForm(prefix="touche"), rules)
    option.destination.choices = destinations(rules)
    intro = with_moment(IntroForm(prefix="intro"), rules)
    if request.endpoint != "reception.set_intro":
        intro.intro.data = rules.menus[chosen].intro or ""
    if request.method == "GET":
        _prefill(option, rules, chosen, request.args.get("touche"))
    return option, intro, rules, chosen


def _prefill(option: OptionForm, rules: Rules, menu: str, key: str | None) -> None:
    """The key the row's « Modifier » link chose, or else the first free key."""
    options = rules.menus[menu].options
    if key in options:
        option.key.data, option.label.data = key, options[key].label
        option.destination.data = destination_of(options[key])
    else:
        option.key.data = next((k for k in DIGIT_ORDER if k not in options), "1")


def _page(option: OptionForm, intro: IntroForm, rules: Rules, menu: str, **extra: Any) -> str:
    options = rules.menus[menu].options
    ordered = [(key, options[key], destination_label(rules, options[key]))
               for key in sorted(options, key=DIGIT_ORDER.index)]
    print_ = fingerprint(node_at(current_text(), ("menus", menu, "options")) or {})
    return render_template(
        "reception/menus.html", option=option, intro=intro, rules=rules, menu=menu,
        menus=[(m, menu_name(rules, m)) for m in rules.menus], options=ordered,
        key_names=KEY_NAMES, print=print_, button=KeyForm(prefix="k"), **extra)


@bp.route("/menus/")
@role_required("administrateur")
def menus() -> str:
    return _page(*_forms(request.args.get("menu")))


def _next_key(options: Any, key: str) -> str | None:
    later = [k for k in DIGIT_ORDER[DIGIT_ORDER.index(key) + 1:] if str(k) in map(str, options)]
    return later[0] if later else None


def _preview(form: PreviewForm, menu: str) -> Any:
    def build(new: Rules) -> Any:
        targets = [o.target for o in new.menus[menu].options.values() if o.target]
        return heard(new, form.at.data, targets, menu)
    return build


@bp.route("/menus/<menu>/touche", methods=["POST"])
@role_required("administrateur")
def set_option(menu: str) -> Any:
    """Preview or publish a key of ``menu`` (a new one, or a change of label or destination)."""
    option, intro, rules, menu = _forms(menu)
    key = option.key.data or ""
    path = ("menus", menu, "options", key)

    def edit(text: str) -> str:
        entry = option_entry((option.label.data or "").strip(), option.destination.data or "")
        return set_value(text, path, entry, before=_next_key(node_at(text, path[:-1]), key))

    base = ".".join(path)
    fields = {base: "key", f"{base}.label": "label",
              **{f"{base}.{part}": "destination" for part in ("target", "menu", "action",
                                                                "topic")}}
    return submit(option, edit, fields, f"{menu_name(rules, menu)}, touche {key}",
                  lambda **kw: _page(option, intro, rules, menu, **kw), _preview(option, menu),
                  url_for(".menus", menu=menu))


@bp.route("/menus/<menu>/introduction", methods=["POST"])
@role_required("administrateur")
def set_intro(menu: str) -> Any:
    """Preview or publish the sentence that opens ``menu``."""
    option, intro, rules, menu = _forms(menu)
    path = ("menus", menu, "intro")
    sentence = (intro.intro.data or "").strip()

    def edit(text: str) -> str:
        if sentence:
            return set_value(text, path, sentence, before="options")
        return delete(text, path) if node_at(text, path) is not None else text

    return submit(intro, edit, {".".join(path): "intro"}, f"{menu_name(rules, menu)}, "
                  "introduction", lambda **kw: _page(option, intro, rules, menu, **kw),
                  _preview(intro, menu), url_for(".menus", menu=menu))


@bp.route("/menus/<menu>/<any(retirer, deplacer):verb>", methods=["POST"])
@role_required("administrateur")
def change_key(menu: str, verb: str) -> Any:
    """Remove a key, or swap it with the key spoken before (``haut``) or after (``bas``)."""
    option, intro, rules, menu = _forms(menu)
    form = KeyForm(prefix="k")
    key = form.key.data or ""
    path = ("menus", menu, "options")

    def edit(text: str) -> str:
        options = node_at(text, path) or {}
        if fingerprint(options) != form.fingerprint.data or key not in map(str, options):
            raise StaleEdit("Ce menu a changé depuis l’affichage de la page : rechargez-la.")
        if verb == "retirer":
            return delete(text, (*path, key))
        order = sorted(map(str, options), key=DIGIT_ORDER.index)
        index = order.index(key) + (-1 if form.direction.data == "haut" else 1)
        if not 0 <= index < len(order):
            raise ValueError("Cette touche est déjà à cette extrémité du menu.")
        other = order[index]
        mine, theirs = plain(options[_key(options, key)]), plain(options[_key(options, other)])
        return set_value(set_value(text, (*path, key), theirs), (*path, other), mine)

    what = "retirée" if verb == "retirer" else "déplacée"
    return submit(form, edit, {}, f"{menu_name(rules, menu)}, touche {key} {what}",
                  lambda **kw: _page(option, intro, rules, menu, **kw), _preview(form, menu),
                  url_for(".menus", menu=menu))


def _key(options: Any, key: str) -> Any:
    return next(k for k in options if str(k) == key)
