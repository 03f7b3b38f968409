"""JSON API ``/api/v1`` for other channels (web forms, e-mail gateway, counter).

Authentication: ``Authorization: Bearer <token>``; tokens are created with
``townhall-ivr admin create-token`` and only their SHA-256 is stored (they are long
random strings, so a fast hash is enough). Every 4xx answer is JSON (``Error``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.api_models import ContactIn, ContactList, ContactOut, ListQuery, openapi
from admin.db import get_session
from admin.security import csrf
from ivr.rules.messages_fr import pydantic_message
from ivr.store import queries
from ivr.store.models import ApiToken, Contact, ContactEvent

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request to forge
F = TypeVar("F", bound=Callable[..., Any])


def hash_token(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


# Scopes a token may carry. ``full`` is every right (tokens created before scopes
# existed have it); an endpoint that declares no scope requires ``full``.
SCOPES = {
    "full": "tous les droits",
    "contacts:create": "créer des contacts (formulaires du site)",
    "contacts:read": "lire les contacts",
    "requests:read": "lire les demandes et leurs pièces jointes (suivi sur le site)",
    "alerts:launch": "préparer et lancer des campagnes d'alerte",
    "alerts:read": "suivre les campagnes d'alerte",
}


def new_token(
    session: Session, name: str, scopes: tuple[str, ...] = ("full",),
    expires_at: datetime | None = None,
) -> str:
    """Create a token named ``name``; the clear value is returned once, never stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"portée inconnue : {', '.join(unknown) or '(aucune)'}")
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=hash_token(token), scopes=" ".join(scopes),
                         expires_at=expires_at))
    return token


def error_response(status: int, message: str, detail: Any = None) -> Response:
    """A JSON ``Error`` answer."""
    response = jsonify(error=message, detail=detail)
    response.status_code = status
    return response


def invalid(exc: ValidationError, message: str = "données invalides") -> Response:
    """A 422 whose detail names each refused field with a French ``msg`` (the same
    wording as the rules' checks)."""
    detail = [{**plain, "msg": pydantic_message(full)} for plain, full in
              zip(exc.errors(include_url=False, include_context=False),
                  exc.errors(include_url=False), strict=True)]
    return error_response(422, message, detail)


def token_required(view: F | None = None, *, scope: str = "full") -> Any:
    """Answer 401 JSON unless a valid, unrevoked, unexpired bearer token is given, and
    403 unless it carries ``scope`` (or ``full``). ``@token_required`` alone requires
    ``full``; declare a narrower scope with ``@token_required(scope="contacts:read")``."""
    if scope not in SCOPES:
        raise ValueError(f"unknown API scope {scope!r}: add it to admin.api.SCOPES")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            row = _bearer_token()
            if row is None:
                response = error_response(
                    401, "authentification requise : jeton absent, invalide, expiré ou révoqué")
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
            row.last_used_at = _now()
            get_session().commit()  # recorded for reads too
            if not {scope, "full"} & set(row.scopes.split()):
                return error_response(403, f"ce jeton n'a pas la portée {scope!r}")
            g.api_token = row.name
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def _bearer_token() -> ApiToken | None:
    """The usable token row named by the ``Authorization`` header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    row = get_session().scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or (row.expires_at is not None and row.expires_at <= _now()):
        return None
    return row


def _now() -> Any:
    return current_app.config["TOWNHALL_CLOCK"].now()


def _out(contact: Contact) -> dict[str, Any]:
    return ContactOut.model_validate(contact, from_attributes=True).model_dump(mode="json")


@bp.route("/openapi.json")
@token_required
def openapi_document() -> ResponseReturnValue:
    """The OpenAPI document, generated from the pydantic models."""
    return jsonify(openapi(bp.url_prefix or ""))


@bp.route("/contacts", methods=["POST"])
@token_required(scope="contacts:create")
def create_contact() -> ResponseReturnValue:
    """Record a request received on the web, by e-mail or at the counter."""
    payload = request.get_json(silent=True)
    if payload is None:
        return error_response(
            400, "le corps doit être un objet JSON (Content-Type: application/json)"
        )
    if not encodable(payload):
        return error_response(400, "le corps contient un texte qui n'est pas de l'Unicode valide")
    try:
        data = ContactIn.model_validate(payload)
    except ValidationError as exc:
        return invalid(exc, "contact invalide")
    session = get_session()
    if data.ref and queries.contact_by_ref(session, data.ref):
        return error_response(409, f"référence {data.ref!r} déjà utilisée")
    contact = _store(session, data)
    log.info(
        "api contact", extra={"contact": contact.id, "channel": data.channel, "token": g.api_token}
    )
    return jsonify(_out(contact)), 201


def encodable(payload: Any) -> bool:
    """JSON escapes can smuggle lone surrogates, which no database column accepts."""
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _store(session: Session, data: ContactIn) -> Contact:
    """The contact and its first event (with the full caller details)."""
    now = _now()
    contact = Contact(
        channel=data.channel,
        direction="inbound",
        started_at=now,
        ended_at=now,
        caller=data.caller.phone or data.caller.email,
        target=data.target,
        subject=data.subject,
        body=data.body,
        ref=data.ref,
        outcome="info",
    )
    session.add(contact)
    session.flush()
    caller = data.caller.model_dump(exclude_none=True)
    session.add(
        ContactEvent(
            contact_id=contact.id,
            seq=1,
            at=now,
            kind="received",
            data={"caller": caller, "via": g.api_token},
        )
    )
    session.commit()
    return contact


@bp.route("/contacts", methods=["GET"])
@token_required(scope="contacts:read")
def list_contacts() -> ResponseReturnValue:
    """Contacts since a moment, optionally for one department, newest first."""
    try:
        query = ListQuery.model_validate(request.args.to_dict())
    except ValidationError as exc:
        return invalid(exc, "paramètres invalides")
    found = queries.list_contacts(
        get_session(), limit=query.limit, since=query.since, target=query.target
    )
    contacts = [_out(c) for c in found]
    return jsonify(ContactList.model_validate({"contacts": contacts}).model_dump(mode="json"))


@bp.route("/contacts/<id:contact_id>")
@token_required(scope="contacts:read")
def get_contact(contact_id: int) -> ResponseReturnValue:
    """One contact."""
    contact = queries.get_contact(get_session(), contact_id)
    if contact is None:
        return error_response(404, f"aucun contact n° {contact_id}")
    return jsonify(_out(contact))
