"""Voice prompts (administrateur only): listen, upload a recording, edit a text."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from admin import prompt_files
from admin.audit_trail import record
from admin.auth import role_required
from admin.db import get_session
from ivr.domain.prompt_texts import Prompt, PromptError
from ivr.prompts import PromptLibrary

bp = Blueprint("prompts", __name__, url_prefix="/prompts")
FORMATS_HINT = "Formats acceptés : " + ", ".join(prompt_files.UPLOAD_FORMATS) + "."


class RecordingForm(FlaskForm):
    recording = FileField("Enregistrement", validators=[
        FileRequired("Choisissez un fichier audio."),
        FileAllowed(prompt_files.UPLOAD_FORMATS, FORMATS_HINT)])  # fmt: skip


class TextForm(FlaskForm):
    text = TextAreaField("Texte", validators=[Optional(), Length(max=1000)])


def _library() -> PromptLibrary:
    settings = current_app.config["TOWNHALL_SETTINGS"]
    return prompt_files.library_for(current_app.config["PROMPTS_DIR"], settings.sounds_dir)


def _known(library: PromptLibrary, prompt_id: str) -> str:
    """The prompt id if it is in the catalogue; 404 otherwise (nothing else is served)."""
    if prompt_id not in library.catalogue:
        abort(404)
    return prompt_id


def _back(prompt_id: str) -> Response:
    return redirect(url_for(".index", _anchor=f"message-{prompt_id}"))


@bp.route("/")
@role_required("administrateur")
def index() -> str:
    """Each prompt: its text, whether it was edited or recorded, a player and the forms."""
    library = _library()
    rows = [
        (pid, text, pid in library.overrides, library.recording_for(pid))
        for pid, text in sorted(library.catalogue.items())
    ]
    return render_template("prompts/index.html", rows=rows, library=library, hint=FORMATS_HINT)


@bp.route("/<prompt_id>/audio")
@role_required("administrateur")
def audio(prompt_id: str) -> Response:
    """The prompt as Asterisk plays it (16 kHz WAV), rendered first if needed."""
    library = _library()
    name = _known(library, prompt_id)
    try:
        library.ensure(Prompt(name))
    except PromptError:
        abort(503)
    path = library.sounds_dir / f"{name}.wav16"
    return current_app.response_class(path.read_bytes(), mimetype="audio/wav",
                                      headers={"Cache-Control": "no-store"})  # fmt: skip


@bp.route("/<prompt_id>/recording", methods=["POST"])
@role_required("administrateur")
def upload(prompt_id: str) -> Response:
    """Replace the synthetic voice by an uploaded recording (converted for Asterisk)."""
    library = _library()
    name, form = _known(library, prompt_id), RecordingForm()
    if not form.validate_on_submit():
        flash(" ".join(form.recording.errors) or "Envoi invalide.", "error")
        return _back(name)
    try:
        dest = prompt_files.install_recording(library, name, form.recording.data.stream)
    except PromptError as exc:
        flash(f"Enregistrement refusé : {exc}.", "error")
        return _back(name)
    record("prompt.record", name, filename=form.recording.data.filename, stored=dest.name)
    get_session().commit()
    flash(f"Enregistrement du message « {name} » installé.", "success")
    return _back(name)


@bp.route("/<prompt_id>/recording/delete", methods=["POST"])
@role_required("administrateur")
def delete_recording(prompt_id: str) -> Response:
    """Remove the recording: the prompt goes back to the synthetic voice."""
    library = _library()
    name = _known(library, prompt_id)
    if prompt_files.remove_recording(library, name):
        record("prompt.unrecord", name)
        get_session().commit()
        flash(f"Le message « {name} » revient à la voix de synthèse.", "success")
    return _back(name)


@bp.route("/<prompt_id>/text", methods=["POST"])
@role_required("administrateur")
def text(prompt_id: str) -> Response:
    """Change the prompt's text (empty: back to the catalogue's) and synthesise it again."""
    library = _library()
    name, form = _known(library, prompt_id), TextForm()
    if not form.validate_on_submit():
        flash("Texte invalide (1 000 caractères au plus).", "error")
        return _back(name)
    before = library.catalogue[name]
    fresh = prompt_files.set_text(library, name, form.text.data)
    record("prompt.text", name, before=before, after=fresh.catalogue[name])
    get_session().commit()
    flash(f"Texte du message « {name} » enregistré et voix de synthèse régénérée.", "success")
    return _back(name)
