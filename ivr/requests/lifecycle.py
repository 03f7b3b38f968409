"""The status machine of each request type, as declared in the rules.

Every function takes the ``Rules`` in force and raises the typed errors of
``ivr.requests.errors`` with a French message; none touches the database.
"""

from __future__ import annotations

from ivr.requests.errors import ForbiddenTransition, UnknownStatus, UnknownType
from ivr.rules import RequestStatus, RequestType, Rules, Workflow


def request_type(rules: Rules, type_id: str) -> RequestType:
    """The declared type ``type_id``, or ``UnknownType``."""
    kind = rules.request_types.get(type_id)
    if kind is None:
        known = ", ".join(sorted(rules.request_types)) or "aucun"
        raise UnknownType(f"Type de demande inconnu : « {type_id} » (types connus : {known}).")
    return kind


def workflow(rules: Rules, type_id: str) -> Workflow:
    """The status machine of ``type_id`` (the rules guarantee it exists)."""
    return rules.request_workflows[request_type(rules, type_id).workflow]


def status(rules: Rules, type_id: str, status_id: str) -> RequestStatus:
    """The declared status ``status_id`` of ``type_id``, or ``UnknownStatus``."""
    found = workflow(rules, type_id).statuses.get(status_id)
    if found is None:
        known = ", ".join(workflow(rules, type_id).statuses)
        label = request_type(rules, type_id).label
        raise UnknownStatus(f"Statut inconnu pour une demande « {label} » : « {status_id} » "
                            f"(statuts possibles : {known}).")
    return found


def status_id(rules: Rules, type_id: str, text: str) -> str:
    """The status of ``type_id`` named by ``text``: its id or its label, in any case.

    People filling a spreadsheet write « Disponible en mairie » as often as
    ``disponible``; an unknown name is ``UnknownStatus``.
    """
    wanted = text.strip().casefold()
    for key, found in workflow(rules, type_id).statuses.items():
        if wanted in (key, found.label.casefold()):
            return key
    status(rules, type_id, text.strip())  # raises UnknownStatus with the known ones
    raise AssertionError("unreachable")


def initial_status(rules: Rules, type_id: str) -> str:
    """The status a new request of ``type_id`` starts in."""
    return workflow(rules, type_id).initial


def final_statuses(rules: Rules, type_id: str) -> frozenset[str]:
    """The statuses that close a request of ``type_id``."""
    return frozenset(k for k, s in workflow(rules, type_id).statuses.items() if s.final)


def can_transition(rules: Rules, type_id: str, from_status: str, to_status: str) -> bool:
    """True when an agent may move a request of ``type_id`` from one status to the other."""
    return to_status in status(rules, type_id, from_status).next


def check_transition(rules: Rules, type_id: str, from_status: str, to_status: str) -> RequestStatus:
    """The target status when the move is allowed; ``UnknownStatus``/``ForbiddenTransition``."""
    target = status(rules, type_id, to_status)
    if not can_transition(rules, type_id, from_status, to_status):
        origin = status(rules, type_id, from_status)
        allowed = ", ".join(f"« {status(rules, type_id, s).label} »" for s in origin.next)
        raise ForbiddenTransition(
            f"Une demande au statut « {origin.label} » ne peut pas passer au statut "
            f"« {target.label} »" + (f" (possible : {allowed})." if allowed else
                                     " : elle est close."))
    return target


def citizen_sentence(rules: Rules, type_id: str, status_id: str) -> str:
    """What a citizen hears or reads about a request of ``type_id`` in ``status_id``."""
    return status(rules, type_id, status_id).citizen
