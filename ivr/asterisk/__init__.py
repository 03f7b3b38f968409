"""Asterisk for townhall-ivr: provisioning, configuration rendering, process control."""
