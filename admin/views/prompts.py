"""Voice prompts (administrateur only): the catalogue and which prompts are recorded."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from admin.auth import role_required
from ivr.prompts import PromptLibrary

bp = Blueprint("prompts", __name__, url_prefix="/prompts")


@bp.route("/")
@role_required("administrateur")
def index() -> str:
    """Each prompt's French text and whether a recording replaces the synthetic voice."""
    library = PromptLibrary(current_app.config["TOWNHALL_SETTINGS"])
    rows = [
        (prompt_id, text, library.recording_for(prompt_id))
        for prompt_id, text in sorted(library.catalogue.items())
    ]
    return render_template("prompts/index.html", rows=rows, catalogue=library.catalogue_path)
