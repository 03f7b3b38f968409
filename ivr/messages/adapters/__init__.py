"""Gateways of the messages capability: Kannel (SMS), SMTP and IMAP (e-mail), the sender."""
