"""SIP security (administrateur only): failed authentications seen by Asterisk (unknown
peers, wrong passwords) and the addresses blocked by « townhall-ivr security guard »."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from admin.audit_trail import record
from admin.auth import role_required
from admin.db import get_session
from admin.request_common import rules_in_force
from ivr.security.adapters.acl import sip_security
from ivr.security.adapters.agent_phones import (
    NotARegisteringPhone,
    agent_password,
    registering_agents,
)

bp = Blueprint("security", __name__, url_prefix="/securite")


@bp.route("/")
@role_required("administrateur")
def index() -> str:
    """The newest failures and the blocked addresses."""
    seen = sip_security(current_app.config["TOWNHALL_SETTINGS"])
    return render_template("security/index.html", seen=seen,
                           phones=registering_agents(rules_in_force()))


@bp.route("/telephones", methods=["POST"])
@role_required("administrateur")
def phone_password() -> str:
    """A new SIP password for an agent's phone, shown on this page once (never stored in
    the session or the audit log: the agent types it into the phone now)."""
    rules = rules_in_force()
    try:
        made = agent_password(current_app.config["TOWNHALL_SETTINGS"], rules,
                              request.form.get("agent", ""), rotate=True)
    except NotARegisteringPhone as exc:
        abort(400, str(exc))
    record("agent.password", made.agent_id)
    get_session().commit()
    return render_template("security/password.html", made=made,
                           name=registering_agents(rules)[made.agent_id])
