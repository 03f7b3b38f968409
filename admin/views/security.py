"""SIP security (administrateur only): failed authentications seen by Asterisk (unknown
peers, wrong passwords) and the addresses blocked by « townhall-ivr security guard »."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from admin.auth import role_required
from ivr.security.adapters.acl import sip_security

bp = Blueprint("security", __name__, url_prefix="/securite")


@bp.route("/")
@role_required("administrateur")
def index() -> str:
    """The newest failures and the blocked addresses."""
    seen = sip_security(current_app.config["TOWNHALL_SETTINGS"])
    return render_template("security/index.html", seen=seen)
