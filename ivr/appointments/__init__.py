"""Appointments with the mayor, the élus and the counters (pure: calendars, free slots,
their French phrasing); the CalDAV and iCalendar adapters in ``adapters/``, the tables
in ``ivr/store/appointments.py``."""
