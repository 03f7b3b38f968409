"""The routing rules editor (administrateur only): check, simulate, publish, roll back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from admin import rules_publish, rules_simulate
from admin.audit_trail import record
from admin.auth import role_required
from admin.db import get_session
from ivr.rules import RuleIssue, Rules
from ivr.settings import Settings
from ivr.store.models import RulesVersion

bp = Blueprint("rules", __name__, url_prefix="/rules")


def _unix_newlines(text: str | None) -> str | None:
    """Browsers submit textareas with CRLF line ends; the file keeps LF."""
    return text.replace("\r\n", "\n") if text else text


class RulesForm(FlaskForm):
    content = TextAreaField("Contenu de routing_rules.yaml", filters=[_unix_newlines],
                            render_kw={"class": "code", "rows": 30, "spellcheck": "false",
                                       "data-code-editor": "yaml"})
    phrase = StringField("Phrase d’un appelant", validators=[Optional(), Length(max=500)])
    at = DateTimeLocalField("Date et heure (heure de la mairie)", validators=[Optional()])
    comment = StringField("Commentaire de publication", validators=[Optional(), Length(max=500)])


def _settings() -> Settings:
    return current_app.config["TOWNHALL_SETTINGS"]


def _current_text() -> str:
    """The published file as it is on disk (empty when it does not exist yet)."""
    path = _settings().rules_path
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _issues_by_line(issues: list[RuleIssue]) -> dict[int, list[str]]:
    """Messages grouped by line number, to highlight faulty lines."""
    lines: dict[int, list[str]] = {}
    for issue in issues:
        lines.setdefault(issue.line or 0, []).append(issue.message)
    return lines


def _render(form: RulesForm, **results: Any) -> str:
    """The editor page with whatever the last action produced."""
    issues: list[RuleIssue] = results.pop("issues", [])
    return render_template(
        "rules/index.html",
        form=form,
        issues=issues,
        issue_lines=_issues_by_line(issues),
        source=(form.content.data or "").splitlines(),
        versions=rules_publish.versions(get_session()),
        **results,
    )


@bp.route("/", methods=["GET"])
@role_required("administrateur")
def index() -> str:
    """Show the current file in the editor."""
    form = RulesForm(content=_current_text())
    form.at.data = (
        current_app.config["TOWNHALL_CLOCK"]
        .now()
        .astimezone(ZoneInfo("Europe/Paris"))
        .replace(tzinfo=None, second=0, microsecond=0)
    )
    return _render(form)


@bp.route("/", methods=["POST"])
@role_required("administrateur")
def act() -> Any:
    """Run the button pressed (« Vérifier », a simulation or « Publier ») on the edited text."""
    form = RulesForm()
    if not form.validate_on_submit():
        return _render(form), 400
    rules, issues = rules_publish.check(form.content.data or "", _settings().rules_path.name)
    if issues:
        flash(f"{len(issues)} erreur(s) dans les règles : rien n’a été publié ni simulé.", "error")
        return _render(form, issues=issues), 422
    action = ACTIONS.get(request.form.get("action", "check"))
    if action is None or rules is None:
        abort(400)
    return action(form, rules)


def _checked(form: RulesForm, rules: Rules) -> str:
    """The text is valid."""
    flash("Les règles sont valides.", "success")
    return _render(form)


def _phrase(form: RulesForm, rules: Rules) -> str:
    """Where the simulated sentence would be routed."""
    if not form.phrase.data:
        form.phrase.errors = ["Saisissez une phrase à tester."]
        return _render(form)
    return _render(form, intent=rules_simulate.match_phrase(rules, form.phrase.data))


def _when(form: RulesForm, rules: Rules) -> str:
    """Every department's state at the simulated moment."""
    if form.at.data is None:
        form.at.errors = ["Saisissez une date et une heure."]
        return _render(form)
    at = form.at.data.replace(tzinfo=ZoneInfo(rules.town.timezone))
    return _render(form, states=rules_simulate.states_at(rules, at), tested_at=at)


def _publish(form: RulesForm, rules: Rules) -> Response:
    """Store a version, write the file, signal the IVR."""
    version = rules_publish.publish_audited(form.content.data or "", form.comment.data or "")
    flash(f"Règles publiées (version {version.id}).", "success")
    return redirect(url_for(".index"))


ACTIONS: dict[str, Callable[[RulesForm, Rules], Any]] = {
    "check": _checked,
    "phrase": _phrase,
    "when": _when,
    "publish": _publish,
}


@bp.route("/versions/<id:version_id>")
@role_required("administrateur")
def version(version_id: int) -> str:
    """One published version and its difference with the current file."""
    old = get_session().get(RulesVersion, version_id) or abort(404)
    lines = rules_publish.diff(_current_text(), old.content, "actuel", f"version {old.id}")
    return render_template("rules/version.html", version=old, diff=lines)


@bp.route("/versions/<id:version_id>/rollback", methods=["POST"])
@role_required("administrateur")
def rollback(version_id: int) -> Response:
    """Publish an old version again, as a new version (history is never rewritten)."""
    old = get_session().get(RulesVersion, version_id) or abort(404)
    _, issues = rules_publish.check(old.content, _settings().rules_path.name)
    if issues:
        flash(
            "Cette version n’est plus valide avec le logiciel actuel : retour impossible.", "error"
        )
        return redirect(url_for(".version", version_id=old.id))
    comment = f"Retour à la version {old.id}"
    new = rules_publish.publish(
        get_session(), _settings(), old.content, current_user.username, comment
    )
    record("rules.rollback", f"version {new.id}", restored=old.id, sha256=new.sha256)
    get_session().commit()
    flash(f"Version {old.id} republiée (version {new.id}).", "success")
    return redirect(url_for(".index"))
