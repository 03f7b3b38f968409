"""Routing rules: the schema of ``routing_rules.yaml``, its loader and live reload."""

from ivr.rules.holder import RulesHolder, watch
from ivr.rules.loader import RuleIssue, RulesError, load_rules, load_rules_text
from ivr.rules.request_types import RequestStatus, RequestType, Workflow
from ivr.rules.schema import (
    Agent,
    Calendar,
    Closure,
    Department,
    Menu,
    MenuOption,
    Messages,
    QueueSettings,
    Rules,
    SpecialDay,
    Town,
)
from ivr.rules.times import TimeRange, WeeklyHours

__all__ = [
    "Agent",
    "Calendar",
    "Closure",
    "Department",
    "Menu",
    "MenuOption",
    "Messages",
    "QueueSettings",
    "RequestStatus",
    "RequestType",
    "RuleIssue",
    "Rules",
    "RulesError",
    "RulesHolder",
    "SpecialDay",
    "TimeRange",
    "Town",
    "WeeklyHours",
    "Workflow",
    "load_rules",
    "load_rules_text",
    "watch",
]
