"""Appointments as iCalendar (RFC 5545) events, with the maintained ``icalendar`` library.

One event per appointment, its UID stable (the request's reference), so a calendar
client or a CalDAV server updates it in place when the appointment moves. The feed
holds no phone number or e-mail address: an élu's calendar app is not the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from ivr.requests.reference import grouped
from ivr.rules import Rules
from ivr.store.appointments import AppointmentView

PRODID = "-//townhall-ivr//rendez-vous//FR"


def uid(reference: str) -> str:
    """The event's UID: stable across moves."""
    return f"rdv-{reference}@townhall-ivr"


def event(rules: Rules, view: AppointmentView, stamp: datetime) -> Event:
    """One appointment as a VEVENT (cancelled ones are STATUS:CANCELLED)."""
    cal = rules.appointments.calendars.get(view.calendar)
    motive = cal.motives.get(view.motive, view.motive) if cal else view.motive
    item = Event()
    item.add("uid", uid(view.reference))
    item.add("dtstamp", stamp)
    item.add("dtstart", view.start)
    item.add("dtend", view.end)
    item.add("summary", f"Rendez-vous : {motive}")
    item.add("description", f"Référence {grouped(view.reference)}. "
                            f"Pris par {_channel(view.channel)}.")
    item.add("status", "CANCELLED" if view.status == "annule" else "CONFIRMED")
    return item


def _channel(channel: str) -> str:
    return {"phone": "téléphone", "web": "le site internet", "counter": "le secrétariat",
            "email": "courriel"}.get(channel, channel)


def calendar_document(rules: Rules, name: str, views: Iterable[AppointmentView],
                      stamp: datetime) -> bytes:
    """A VCALENDAR of ``views`` named ``name``: the feed, or one event for CalDAV."""
    document = Calendar()
    document.add("prodid", PRODID)
    document.add("version", "2.0")
    document.add("x-wr-calname", name)
    for view in views:
        document.add_component(event(rules, view, stamp))
    return document.to_ical()
