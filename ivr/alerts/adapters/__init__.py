"""The flood alerts' I/O: the dialer, the crisis line's PIN file."""
