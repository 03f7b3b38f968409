"""Request types of ``routing_rules.yaml``: what the town hall owes a citizen, and by when.

Two sections. ``request_workflows`` names status machines (several types share one:
every civil-status certificate goes through the same steps); ``request_types`` gives
each type its label, department, promised delay in working days (*jours ouvrés*),
workflow and what a caller must prove before hearing the status on the phone::

    request_workflows:
      <workflow id>:
        initial: <status id>
        statuses:
          <status id>: {label, citizen, next: [<status id>…], final: false, stops_clock: false}
    request_types:
      <type id>: {label, department, delay, workflow, verification: none|date_naissance|pin,
                  acknowledge_within: <working days, optional>}

Cross-checks (a status named in ``next`` or ``initial`` exists, at least one final
status, final statuses lead nowhere, a department exists) are in
``ivr.rules.references`` so that each error points at its own line.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Verification = Literal["none", "date_naissance", "pin"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RequestStatus(_Frozen):
    """One step of a workflow."""

    label: Text  # short French label for agents (« En instruction »)
    citizen: Text  # the sentence a citizen hears on the phone or reads in a message
    next: tuple[Identifier, ...] = ()  # statuses an agent may move the request to
    final: bool = False  # the request is closed (answered) once it gets here
    # time spent here (waiting for the citizen) does not count against the promised delay
    stops_clock: bool = False


class Workflow(_Frozen):
    """A status machine shared by one or more request types."""

    initial: Identifier
    statuses: dict[Identifier, RequestStatus]


class RequestType(_Frozen):
    """A kind of request: copy of a birth certificate, identity card, report of a pothole…"""

    label: Text
    # the department in charge; a creator may name another one (a voicemail message
    # belongs to the department whose box received it)
    department: Identifier
    delay: int = Field(gt=0)  # promised delay, in working days after the day of creation
    # référentiel Marianne: working days to acknowledge receipt (complaints, suggestions)
    acknowledge_within: int | None = Field(default=None, gt=0)
    workflow: Identifier
    # what a caller proves before hearing the status on the phone
    verification: Verification = "none"
