"""The ``alerts`` section of ``routing_rules.yaml``: who the crisis cell is, where help
requests go, and the default pacing of a campaign::

    alerts:
      crisis_cell:                     # the only numbers a campaign in test mode calls
        - {name: "Maire", number: "06 12 34 56 78"}
      help_department: social          # a « 2 » becomes a request in this worklist
      help_request_type: aide-alerte   # … of this type (its department is the CCAS)
      channel_budget: 30               # concurrent outbound channels of one campaign
      calls_per_minute: 120            # calls started per minute, at most
      alert: {max_attempts: 6, retry_spacing: 120}        # redial until acknowledged
      information: {max_attempts: 3, retry_spacing: 300}  # three tries five minutes apart

Cross-checks (department, request type) are in ``ivr.rules.references``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ivr.domain.phone_numbers import NUMBER_REASONS, check_number

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CrisisMember(_Frozen):
    """A member of the crisis cell; the number is stored in E.164."""

    name: Text
    number: str

    @field_validator("number")
    @classmethod
    def _callable(cls, value: str) -> str:
        checked = check_number(value)
        if checked.e164 is None:
            why = NUMBER_REASONS.get(checked.reason or "", "numéro invalide")
            raise ValueError(f"{value!r} : {why}")
        return checked.e164


class RetrySettings(_Frozen):
    max_attempts: int = Field(gt=0, le=20)
    retry_spacing: int = Field(gt=0)  # seconds between two dials of one recipient


class AlertSettings(_Frozen):
    crisis_cell: tuple[CrisisMember, ...] = ()
    help_department: Identifier = "social"
    help_request_type: Identifier = "aide-alerte"
    channel_budget: int = Field(default=30, gt=0)
    calls_per_minute: int = Field(default=120, gt=0)
    alert: RetrySettings = RetrySettings(max_attempts=6, retry_spacing=120)
    information: RetrySettings = RetrySettings(max_attempts=3, retry_spacing=300)

    def retries(self, mode: str) -> RetrySettings:
        """The retry policy of ``mode`` (``alerte`` or ``information``)."""
        return self.alert if mode == "alerte" else self.information
