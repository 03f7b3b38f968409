"""Citizen requests (demandes): references, statuses and due dates — pure, no I/O.

The tables live in ``ivr/store/`` (models, ``ivr/store/requests.py``); this package
only decides: is a reference well keyed, may a request go from one status to
another, when is it due, is a CSV line acceptable.
"""
