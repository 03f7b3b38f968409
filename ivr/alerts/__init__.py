"""Flood alerts: campaigns that call the whole commune, pure decisions.

Pacing, retries, the safeguard-plan register's CSV and the campaign report live here
with no I/O; the dialer is in ``adapters/``, the tables in ``ivr.store.alerts``.
"""
