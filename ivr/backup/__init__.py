"""Backup and restore of one instance: ``townhall-ivr backup`` / ``restore``.

An archive (``.tar.gz``, mode 0600) holds everything a town hall would lose with the
machine: the store (SQLite through its online backup API, so the IVR may keep writing;
PostgreSQL through ``pg_dump``), with the published rules' versions it keeps; the rules
file; the prompts' recordings and edited texts; and, under the home, the requests'
attachments, the durable spool and the secrets. ``manifest.json`` says what is inside.
"""
