"""Error pages: French HTML for people, JSON under ``/api/`` for programs."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: "La requête est invalide.",
    403: "Vous n’avez pas accès à cette page.",
    404: "Cette page n’existe pas.",
    405: "Cette action n’est pas permise ici.",
    413: "Le fichier envoyé est trop volumineux.",
    429: "Trop de tentatives : veuillez patienter une minute avant de réessayer.",
}


def init_app(app: Flask) -> None:
    """Render HTTP errors as French pages, except under the JSON API."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    """A French page carrying the status code (JSON under ``/api/``)."""
    code = exc.code or 500
    if request.path.startswith("/api/"):
        return jsonify(error=exc.name, detail=exc.description), code
    message = MESSAGES.get(code, "Une erreur est survenue.")
    return render_template("error.html", code=code, message=message), code


def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    """An expired or missing form token: ask the user to resend the form."""
    log.warning("csrf refused", extra={"path": request.path, "reason": exc.description})
    message = "Le formulaire a expiré ou est invalide : rechargez la page et recommencez."
    return render_template("error.html", code=400, message=message), 400
