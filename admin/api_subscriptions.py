"""``/api/v1/subscriptions``: the town's web form subscribes with double opt-in; and the
public page the e-mail's confirmation link opens (``/public/abonnements/confirmer``).

Nothing is recorded as consent before the citizen confirms (``ivr.store.subscription_requests``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import ValidationError

from admin.api import _now, encodable, error_response, invalid, token_required
from admin.api_message_models import (
    CodeIn,
    SubscriptionAsked,
    SubscriptionConfirmed,
    SubscriptionIn,
)
from admin.db import get_store
from admin.published import published_rules
from admin.security import csrf
from ivr.requests.errors import RequestError
from ivr.store import subscription_requests as optin

bp = Blueprint("api_subscriptions", __name__)
csrf.exempt(bp)


def _refused(exc: RequestError) -> ResponseReturnValue:
    if isinstance(exc, optin.TooManyRequests):
        return error_response(429, exc.message)
    if isinstance(exc, optin.NotConfirmable):
        return error_response(404, exc.message)
    return error_response(422, exc.message)


def _payload() -> object | None:
    payload = request.get_json(silent=True)
    return payload if payload is not None and encodable(payload) else None


@bp.post("/api/v1/subscriptions")
@token_required
def ask() -> ResponseReturnValue:
    """Ask for a subscription: a link by e-mail or a code by SMS; nothing kept before."""
    payload = _payload()
    if payload is None:
        return error_response(400, "le corps doit être un objet JSON en Unicode valide")
    try:
        data = SubscriptionIn.model_validate(payload)
    except ValidationError as exc:
        return invalid(exc, "abonnement invalide")
    rules = published_rules()
    if rules is None:
        return error_response(422, "Les listes sont momentanément indisponibles.")
    base = current_app.config["TOWNHALL_SETTINGS"].callback_base
    try:
        asked = optin.ask(get_store(), rules, list_name=data.list, wording=data.wording,
                          now=_now(), confirm_url=base + url_for("api_subscriptions.confirm_page"),
                          phone=data.phone, email=data.email)
    except RequestError as exc:
        return _refused(exc)
    out = SubscriptionAsked(channel=asked.channel, expires_at=asked.expires_at)
    return jsonify(out.model_dump(mode="json")), 202


@bp.post("/api/v1/subscriptions/confirm")
@token_required
def confirm_code() -> ResponseReturnValue:
    """The code received by SMS, keyed on the web site: the subscription is recorded."""
    payload = _payload()
    if payload is None:
        return error_response(400, "le corps doit être un objet JSON en Unicode valide")
    try:
        data = CodeIn.model_validate(payload)
        done = optin.confirm_code(get_store(), data.phone, data.code, _now())
    except ValidationError as exc:
        return invalid(exc, "code invalide")
    except RequestError as exc:
        return _refused(exc)
    return jsonify(SubscriptionConfirmed(list=done.list_name, subscribed=True)
                   .model_dump(mode="json"))


@bp.get("/public/abonnements/confirmer")
def confirm_page() -> ResponseReturnValue:
    """The link of the confirmation e-mail (public: the token is the proof)."""
    token = request.args.get("jeton", "")[:100]
    try:
        done = optin.confirm_link(get_store(), token, _now())
    except RequestError as exc:
        return render_template("subscriptions/confirmed.html", error=exc.message), 404
    return render_template("subscriptions/confirmed.html", list_name=done.list_name)
