"""Flood alerts: a campaign calls every household on the alert list, the vulnerable
first, until each has acknowledged, asked for help or is given up with a reason.

Pure decisions here (ordering, pacing, retries, the played dialogue); the dialer in
``adapters/``; tables and queries in ``ivr.store.alerts``.
"""
