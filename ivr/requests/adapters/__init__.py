"""I/O of the requests capability: Asterisk's voicemail spool."""
