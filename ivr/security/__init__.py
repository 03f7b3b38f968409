"""SIP security: failed authentications read from Asterisk, repeated offenders blocked."""
