"""JSON API ``/api/v1/requests``: create, read by reference, search, change status, list,
download a file of a request, set the postal address of its citizen.

Same bearer tokens as ``admin.api``; refusals of the request store are JSON ``Error``
answers carrying the store's French message (404 unknown reference, 409 stale version
or forbidden transition, 400 otherwise); malformed bodies are 422. Every change writes
an ``audit_log`` row in the store's own transaction, in the token's name. Reading
(a request, a search, a file) needs the ``requests:read`` scope (or ``full``); changes
need ``full``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, Response, g, jsonify, request, send_file
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ValidationError

from admin.api import encodable, error_response, invalid, token_required
from admin.api_request_models import (
    AddressChange,
    AddressIn,
    RequestIn,
    RequestList,
    RequestOut,
    RequestQuery,
    StatusIn,
)
from admin.db import get_store
from admin.request_common import (
    attachment_of,
    audited,
    http_status,
    now,
    rules_in_force,
    status_label,
    type_label,
)
from admin.security import csrf
from ivr.requests.address import PostalAddress, required_address
from ivr.requests.errors import RequestError
from ivr.requests.inputs import parse_date
from ivr.rules import Rules
from ivr.store import requests as store_requests
from ivr.store.citizens import NewCitizen
from ivr.store.request_views import RequestView

M = TypeVar("M", bound=BaseModel)
bp = Blueprint("api_requests", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _actor() -> str:
    return f"api:{g.api_token}"[:64]


def _out(rules: Rules, view: RequestView) -> dict[str, Any]:
    """``RequestOut`` of a view, with the French labels of the rules in force."""
    data = {
        **{k: getattr(view, k) for k in RequestOut.model_fields if hasattr(view, k)},
        "display_reference": view.display_reference,
        "type_label": type_label(rules, view.type),
        "status_label": status_label(rules, view.type, view.status),
        "late": view.is_late(now()),
        "events": [
            {**e.__dict__, "status_label": status_label(rules, view.type, e.to_status)}
            for e in view.events
        ],
        "attachments": [a.__dict__ for a in view.attachments],
        "citizen_address": view.citizen_address.to_dict() if view.citizen_address else None,
    }
    return RequestOut.model_validate(data).model_dump(mode="json")


def _body(model: type[M]) -> M | Response:
    """The JSON body as ``model``, or the JSON 400/422 answer to send back."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return error_response(
            400, "le corps doit être un objet JSON (Content-Type: application/json)"
        )
    if not encodable(payload):
        return error_response(400, "le corps contient un texte qui n'est pas de l'Unicode valide")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        return invalid(exc, "données invalides")


def _refused(exc: RequestError) -> Response:
    return error_response(http_status(exc), exc.message)


def _address(data: AddressIn | None) -> PostalAddress | None:
    """The checked address (``InvalidInput`` in French: a 400), None for none."""
    if data is None:
        return None
    return required_address(street=data.street, extra=data.extra, postcode=data.postcode,
                            city=data.city)


def _citizen(data: RequestIn) -> NewCitizen | None:
    if data.citizen is None:
        return None
    c = data.citizen
    born = parse_date(c.birth_date, "la date de naissance") if c.birth_date else None
    return NewCitizen(name=c.name, phones=tuple(c.phones), emails=tuple(c.emails),
                      birth_date=born, address=_address(c.address))


@bp.route("/requests", methods=["POST"])
@token_required
def create_request() -> ResponseReturnValue:
    """Record a request (web form, e-mail gateway, counter)."""
    data = _body(RequestIn)
    if isinstance(data, Response):
        return data
    rules = rules_in_force()
    try:
        view = store_requests.create_request(
            get_store(),
            rules,
            type_id=data.type,
            at=now(),
            actor=_actor(),
            channel=data.channel,
            citizen=_citizen(data),
            department=data.department,
            subject=data.subject,
            description=data.description,
            audit=audited("request.create", user=_actor(), type=data.type),
        )
        view = store_requests.get_request(get_store(), view.reference)  # with its citizen
    except RequestError as exc:
        return _refused(exc)
    return jsonify(_out(rules, view)), 201


@bp.route("/requests/<reference>")
@token_required(scope="requests:read")
def get_request(reference: str) -> ResponseReturnValue:
    """One request with its history, by its reference (check digit verified)."""
    rules = rules_in_force()
    try:
        view = store_requests.get_request(get_store(), reference)
    except RequestError as exc:
        return _refused(exc)
    return jsonify(_out(rules, view))


@bp.route("/requests", methods=["GET"])
@token_required(scope="requests:read")
def list_requests() -> ResponseReturnValue:
    """A citizen's requests (``phone``/``email``), else open requests, late first."""
    try:
        query = RequestQuery.model_validate(request.args.to_dict())
    except ValidationError as exc:
        return invalid(exc, "paramètres invalides")
    rules, store = rules_in_force(), get_store()
    try:
        if query.phone or query.email:
            views = store_requests.search(
                store, phone=query.phone, email=query.email, limit=query.limit
            )
        else:
            views = store_requests.worklist(
                store,
                now=now(),
                department=query.department,
                status=query.status,
                type_id=query.type,
                late_only=query.late,
                limit=query.limit,
                offset=query.offset,
            )
    except RequestError as exc:
        return _refused(exc)
    found = RequestList.model_validate({"requests": [_out(rules, v) for v in views]})
    return jsonify(found.model_dump(mode="json"))


@bp.route("/requests/<reference>/status", methods=["POST"])
@token_required
def change_status(reference: str) -> ResponseReturnValue:
    """Move the request to another status (``version``: refused if it changed since)."""
    data = _body(StatusIn)
    if isinstance(data, Response):
        return data
    rules = rules_in_force()
    try:
        view = store_requests.change_status(
            get_store(),
            rules,
            reference,
            data.status,
            actor=_actor(),
            at=now(),
            note=data.note,
            expected_version=data.version,
            audit=audited("request.status", user=_actor(), status=data.status),
        )
    except RequestError as exc:
        return _refused(exc)
    return jsonify(_out(rules, view))


@bp.route("/requests/<reference>/address", methods=["PUT"])
@token_required
def set_address(reference: str) -> ResponseReturnValue:
    """Write (or erase, ``null``) the postal address of the request's citizen."""
    data = _body(AddressChange)
    if isinstance(data, Response):
        return data
    rules = rules_in_force()
    try:
        view = store_requests.set_address(
            get_store(), reference, _address(data.address), actor=_actor(), at=now(),
            audit=audited("request.address", user=_actor(), erased=data.address is None))
        view = store_requests.get_request(get_store(), view.reference)
    except RequestError as exc:
        return _refused(exc)
    return jsonify(_out(rules, view))


@bp.route("/requests/<reference>/attachments/<id:attachment_id>")
@token_required(scope="requests:read")
def get_attachment(reference: str, attachment_id: int) -> ResponseReturnValue:
    """One file of the request (a voice message, a scan) with its recorded MIME type."""
    try:
        view = store_requests.get_request(get_store(), reference)
    except RequestError as exc:
        return _refused(exc)
    file = attachment_of(view, attachment_id)
    if file is None:
        return error_response(404, f"La demande {view.display_reference} n'a pas de pièce "
                                   f"jointe n° {attachment_id}.")
    found, path = file
    return send_file(path, mimetype=found.mime, as_attachment=True,
                     download_name=found.filename, max_age=0)
