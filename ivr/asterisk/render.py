"""Render the Asterisk configuration of one instance from ``dialplans/*.conf.j2``.

Rendering is a pure function (settings + layout + queues + agents → file texts) so the
tests can check the output without starting Asterisk; ``write_config`` puts it on disk.
Only IP addresses are accepted wherever Asterisk would otherwise resolve a name: there
is no working DNS on the machines we run on, and PJSIP stalls on lookups.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ivr.asterisk.layout import DIRS, InstanceLayout, instance_id
from ivr.asterisk.tls import CERT_FILE, KEY_FILE, tls_pair
from ivr.domain.sip_uris import check_ip, check_sip_contact
from ivr.package_data import DIALPLANS_DIR
from ivr.security.guard import acl_text
from ivr.settings import Settings

log = logging.getLogger(__name__)


# Queue, mailbox and agent ids become section names and extensions: keep them plain.
_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
# Hardware/cluster channels, CDR/CEL/realtime drivers we do not configure, modules that
# resolve names (unbound, STUN) and app_voicemail_odbc (it clashes with app_voicemail).
NOLOAD = (
    "chan_dahdi.so",
    "chan_mobile.so",
    "chan_console.so",
    "chan_sip.so",
    "chan_iax2.so",
    "chan_motif.so",
    "chan_unistim.so",
    "res_corosync.so",
    "res_xmpp.so",
    "cdr_adaptive_odbc.so",
    "cdr_csv.so",
    "cdr_custom.so",
    "cdr_manager.so",
    "cdr_odbc.so",
    "cdr_pgsql.so",
    "cdr_radius.so",
    "cdr_sqlite3_custom.so",
    "cdr_tds.so",
    "cel_custom.so",
    "cel_manager.so",
    "cel_odbc.so",
    "cel_pgsql.so",
    "cel_radius.so",
    "cel_sqlite3_custom.so",
    "cel_tds.so",
    "res_config_curl.so",
    "res_config_ldap.so",
    "res_config_odbc.so",
    "res_config_pgsql.so",
    "res_config_sqlite3.so",
    "res_odbc.so",
    "res_odbc_transaction.so",
    "func_odbc.so",
    "app_voicemail_odbc.so",
    "pbx_realtime.so",
    "res_sorcery_realtime.so",
    "res_calendar.so",
    "res_calendar_caldav.so",
    "res_calendar_ews.so",
    "res_calendar_exchange.so",
    "res_calendar_icalendar.so",
    "res_snmp.so",
    "res_hep.so",
    "res_hep_pjsip.so",
    "res_hep_rtcp.so",
    "res_statsd.so",
    "res_prometheus.so",
    "res_stir_shaken.so",
    "res_pjsip_stir_shaken.so",
    "res_resolver_unbound.so",
    "res_stun_monitor.so",
    "pbx_lua.so",
    "pbx_dundi.so",
    "pbx_ael.so",
    "res_ael_share.so",
    "res_phoneprov.so",
    "res_pjsip_phoneprov_provider.so",
    "res_fax.so",
    "res_fax_spandsp.so",
    "app_festival.so",
    "app_jack.so",
    "app_mp3.so",
    "res_smdi.so",
    "app_minivm.so",
    "app_alarmreceiver.so",
    "app_sms.so",
    "res_adsi.so",
    "app_adsiprog.so",
    "app_getcpeid.so",
    "res_geolocation.so",
    "res_pjsip_geolocation.so",
    "res_pjsip_outbound_publish.so",
    "res_pjsip_publish_asterisk.so",
    "res_pjsip_exten_state.so",
    "res_parking.so",
    "app_agent_pool.so",
    "app_confbridge.so",
    "app_page.so",
    "res_clialiases.so",
    "app_followme.so",
    "res_pjsip_notify.so",
    "res_pjsip_config_wizard.so",
)
# Modules we keep but leave unconfigured: an empty file spares the log an error at boot.
EMPTY_CONFIGS = (
    "aeap.conf",
    "websocket_client.conf",
    "chan_websocket.conf",
    "res_http_media_cache.conf",
    "amd.conf",
    "queuerules.conf",
    "ccss.conf",
    "cel.conf",
    "features.conf",
    "acl.conf",
    "udptl.conf",
    "pjproject.conf",
)

# The guard's ACL (ivr.security): rendered empty once, then the guard's, kept by renders.
BLOCKED_FILE = "pjsip_blocked.conf"
INBOUND_PATTERNS = ("_X.", "_+X.", "s", "_[a-zA-Z0-9].")
# How long StasisBroadcast() waits for an IVR process to claim a call (ms). A live
# process claims within milliseconds; a lone process restarting after a crash is back
# in about two seconds, so a caller arriving meanwhile rings a little longer and is
# taken by the IVR rather than by the fallback.
CLAIM_TIMEOUT_MS = 2500


@dataclass(frozen=True)
class QueueSpec:
    """One department queue; defaults suit a town hall desk (short rings, few waiters)."""

    name: str
    label: str = ""
    strategy: str = "rrmemory"
    timeout: int = 15
    wrapuptime: int = 10
    max_callers: int = 10  # callers in the queue beyond the agents ready; 0: no limit
    announce_frequency: int = 60
    announce_position: str = "yes"
    musicclass: str = "townhall"
    members: tuple[str, ...] = ()
    joinempty: str = "unavailable,invalid"
    leavewhenempty: str = "unavailable,invalid"
    max_wait: int = 300  # seconds in the queue before the overflow (rules: queue.max_wait)
    overflow: str | None = None  # another queue, or None: this department's voicemail
    callback_offer_every: int = 0  # seconds between callback offers while waiting; 0: none

    def __post_init__(self) -> None:
        _check_id(self.name, "queue")
        if self.overflow is not None:
            _check_id(self.overflow, "overflow queue")
        for member in self.members:
            if not re.fullmatch(r"PJSIP/[a-z0-9][a-z0-9_-]*", member):
                raise ValueError(f"queue {self.name}: member {member!r} is not PJSIP/<agent id>")


@dataclass(frozen=True)
class AgentEndpoint:
    """An agent's phone: a static contact (tests, dev) or a registration with a password."""

    id: str
    contact: str | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "agent")
        if self.contact is None and not self.password:
            raise ValueError(f"agent {self.id}: needs a static contact or a password")
        if self.contact is not None:
            check_sip_contact(self.contact)


@dataclass(frozen=True)
class RenderOptions:
    """What varies between renders besides the settings."""

    queues: Sequence[QueueSpec] = ()
    agents: Sequence[AgentEndpoint] = ()
    fallback_wait: int = 120


def _check_id(value: str, what: str) -> None:
    if not _ID.fullmatch(value):
        raise ValueError(f"{what} id {value!r} must match {_ID.pattern}")


def with_accueil(queues: Sequence[QueueSpec]) -> list[QueueSpec]:
    """The fallback path needs an ``accueil`` queue and mailbox: add one if missing."""
    result = list(queues)
    if not any(queue.name == "accueil" for queue in result):
        result.insert(0, QueueSpec("accueil", label="Accueil"))
    return result


# AMI event filters (manager.conf): the live queue views and actions need the queue and
# agent events; a call's facts (ivr.telephony.queue_facts) need QueueCallerJoin/Leave/
# Abandon, AgentConnect/Complete and our voicemail UserEvent only.
VIEW_EVENTS = "Queue|Agent"
FACT_EVENTS = "QueueCaller|AgentConnect|AgentComplete|UserEvent"
# Least rights (manager.conf ``write``): the admin's user pauses, adds and removes queue
# members (``agent``) and originates click-to-call (``originate``); the IVR's facts user
# only reads (QueueStatus needs no class). Neither has ``system`` or ``command``.
READ_CLASSES = "call,agent,user,reporting"
VIEW_WRITE = "agent,originate"
FACT_WRITE = "reporting"


@dataclass(frozen=True)
class AmiUser:
    """One manager.conf user: the events it receives and the action classes it may use."""

    name: str
    events: str
    write: str
    read: str = READ_CLASSES


def voicemail_pin(settings: Settings) -> str:
    """A numeric PIN derived from a generated secret (voicemail.conf wants digits)."""
    digest = hashlib.sha256(settings.secret("voicemail_pin").encode()).hexdigest()
    return str(int(digest, 16))[:8]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(DIALPLANS_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def _context(
    settings: Settings, layout: InstanceLayout, options: RenderOptions
) -> dict[str, object]:
    for host in (settings.sip_host, settings.ari_host, settings.ami_host):
        check_ip(host)
    check_sip_contact(settings.citizen_trunk)
    trunk = settings.operator_trunk()
    if settings.agents_srtp and not settings.sip_tls_port:
        raise ValueError("TOWNHALL_AGENTS_SRTP=1 demande TOWNHALL_SIP_TLS_PORT : les clés SRTP "
                         "passent dans la signalisation, qui doit être chiffrée")
    tls = ({"port": settings.sip_tls_port, "srtp": settings.agents_srtp,
            "cert": layout.inner(layout.dir("etc") / CERT_FILE),
            "key": layout.inner(layout.dir("etc") / KEY_FILE)}
           if settings.sip_tls_port else None)
    queues = with_accueil(options.queues)
    dirs = {name: layout.inner(layout.dir(name)) for name in DIRS}
    return {
        "dirs": dirs,
        "modules_dir": layout.runtime.modules_dir,
        "instance_id": instance_id(settings),
        "noload": NOLOAD,
        "sip_host": settings.sip_host,
        "ari_host": settings.ari_host,
        "ami_host": settings.ami_host,
        "sip_port": settings.sip_port,
        "ari_port": settings.ari_port,
        "ami_port": settings.ami_port,
        "rtp_start": settings.rtp_start,
        "rtp_end": settings.rtp_end,
        "ari_app": settings.ari_app,
        "ivr_apps": f"^{settings.ari_app}-[0-9]+$",
        "claim_timeout_ms": CLAIM_TIMEOUT_MS,
        "ari_user": settings.ari_user,
        "ari_password": settings.ari_password,
        "ami_user": settings.ami_user,
        "ami_facts_user": settings.ami_facts_user,
        "ami_users": [AmiUser(settings.ami_user, VIEW_EVENTS, VIEW_WRITE),
                      AmiUser(settings.ami_facts_user, FACT_EVENTS, FACT_WRITE)],
        "ami_password": settings.ami_password,
        "ami_permit": sorted({"127.0.0.1", settings.ami_host} - {"0.0.0.0", "::"}),
        "queues": queues,
        "agents": list(options.agents),
        "citizen_trunk": settings.citizen_trunk,
        "trunk": trunk,
        "trunk_numbers": trunk.dialled_forms() if trunk else [],
        "dev_trunk": settings.dev_trunk,
        "tls": tls,
        "voicemail_pin": voicemail_pin(settings),
        "moh_dir": dirs["moh"],
        "inbound_patterns": INBOUND_PATTERNS,
        "fallback_wait": options.fallback_wait,
        "survey_one_in": settings.survey_one_in,
        "fallback_log": layout.inner(layout.fallback_log),
    }


def render_config(
    settings: Settings, layout: InstanceLayout, options: RenderOptions
) -> dict[str, str]:
    """Return ``{file name: text}`` for every template in ``dialplans/``."""
    environment = _environment()
    context = _context(settings, layout, options)
    names = sorted(environment.list_templates(filter_func=lambda n: n.endswith(".conf.j2")))
    files = {name: "; intentionally empty (defaults)\n" for name in EMPTY_CONFIGS}
    # present from the start: Asterisk notices a change in an included file it has read,
    # not one that appears after it was missing
    files[BLOCKED_FILE] = acl_text([])
    if settings.sip_tls_port:
        pair = tls_pair(settings)
        files.update({CERT_FILE: pair.cert, KEY_FILE: pair.key})
    for name in names:
        files[name.removesuffix(".j2")] = environment.get_template(name).render(context)
    return files


def write_config(files: Mapping[str, str], etc_dir: Path) -> None:
    """Write the rendered files (0600: they hold the ARI and AMI passwords)."""
    etc_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = etc_dir / name
        if name == BLOCKED_FILE and path.exists():
            continue
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text)
        tmp.chmod(0o600)
        tmp.replace(path)
    log.info("asterisk configuration written", extra={"etc_dir": str(etc_dir), "files": len(files)})
