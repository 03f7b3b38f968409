"""Messages out and in: notifications, SMS and e-mail, subscriptions (pure decisions).

Templates, channel choice, quiet hours, retry schedule, SMS encoding and the parsing
of incoming texts live here with no I/O; the gateways (Kannel, SMTP, IMAP) and the
sender worker are in ``adapters/``, the tables in ``ivr.store.messages``.
"""
