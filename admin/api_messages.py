"""What Kannel calls: delivery reports and incoming SMS (``/api/v1/sms/...``).

Kannel cannot send a bearer header, so these two URLs carry a secret token in their
query (``settings.secret("sms-callback-token")``, rendered into Kannel's
configuration). The answer body of ``incoming`` is empty: Kannel would otherwise send
it back to the citizen; confirmations go through the outbox instead.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError

from admin.db import get_store
from admin.published import published_rules
from admin.security import csrf
from ivr.messages.adapters.wiring import SMS_TOKEN
from ivr.messages.sending import dlr_outcome
from ivr.requests.errors import RequestError
from ivr.store import messages as outbox
from ivr.store.inbound import receive_sms

log = logging.getLogger(__name__)
REPORT_TRIES = 3  # a lost report may cost a second SMS (``ivr.messages.resend``)
bp = Blueprint("api_messages", __name__, url_prefix="/api/v1/sms")
csrf.exempt(bp)  # called by Kannel with a secret token, never from a browser


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


@bp.before_request
def _token() -> ResponseReturnValue | None:
    """Refuse any call without the secret token of this instance."""
    expected = current_app.config["TOWNHALL_SETTINGS"].secret(SMS_TOKEN)
    given = request.values.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _error(401, "Jeton absent ou invalide.")
    return None


def _text(name: str, size: int) -> str:
    """A parameter cut to ``size``, NUL removed (PostgreSQL cannot store it)."""
    return request.values.get(name, "")[:size].replace("\x00", "")


def _int(name: str) -> int:
    raw = request.values.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        abort(_error(400, f"Paramètre « {name} » manquant ou invalide."))
    return int(raw)


@bp.route("/dlr", methods=["GET", "POST"])
def delivery_report() -> ResponseReturnValue:
    """A Kannel delivery report for one attempt of one message."""
    message_id, kind = _int("id"), _int("type")
    attempt = _text("attempt", 64)
    detail = f"rapport {kind} : {_text('reason', 200)}".strip(" :")
    now = current_app.config["TOWNHALL_CLOCK"].now()
    for tries in range(1, REPORT_TRIES + 1):
        try:
            with get_store().session() as session:
                row = outbox.delivery_report(session, message_id, attempt, dlr_outcome(kind),
                                             detail, now)
            break
        except OperationalError:  # SQLite still busy after its timeout, in a burst
            log.warning("delivery report not recorded yet", extra={"outbox_id": message_id,
                                                                   "tries": tries})
    else:
        return _error(503, "Base de données occupée : rapport non enregistré, réessayez.")
    if row is None:
        return _error(404, "Message inconnu pour ce rapport de remise.")
    return "", 204


@bp.route("/incoming", methods=["GET", "POST"])
def incoming() -> ResponseReturnValue:
    """An SMS a citizen sent to the town hall's number, passed on by Kannel."""
    sender = _text("from", 64).strip()
    text = request.values.get("text", "")[:5000]  # kept as sent; the store flags odd ones
    if not sender:
        return _error(400, "Paramètre « from » manquant.")
    rules = published_rules()
    if rules is None:
        return _error(503, "Règles indisponibles : réessayez plus tard.")
    now = current_app.config["TOWNHALL_CLOCK"].now()
    try:
        received = receive_sms(get_store(), rules, sender=sender, text=text, at=now,
                               to=_text("to", 64) or None)
    except RequestError as exc:
        return _error(400, exc.message)
    log.info("sms received", extra={"contact": received.contact_id, "intent": received.intent})
    return "", 200
