"""I/O of the appointments: the iCalendar feed and the CalDAV push."""
