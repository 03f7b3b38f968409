"""The monthly report mailed to the élus: queued once per address, sent with the PDF."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ivr.cli.marianne import marianne
from ivr.marianne.report_mail import recipients
from ivr.messages.adapters.sender import Sender
from ivr.messages.adapters.smtp import SmtpConfig, SmtpGateway
from ivr.messages.sending import Failed, Outgoing
from ivr.settings import Settings
from ivr.store.db import Store
from ivr.store.models import Message
from tests.fixtures.marianne import NOW, seed
from townhall_support.smtp import smtp_server

CONFIG = SmtpConfig("127.0.0.1", 25, "mairie@villebourg.fr", "Mairie", "accueil@villebourg.fr",
                    timeout=5)


def test_the_recipients_setting_is_read_and_bad_addresses_named() -> None:
    got = recipients(" Maire@Villebourg.fr; adjointe@villebourg.fr,maire@villebourg.fr, moi ,")
    assert got.valid == ("maire@villebourg.fr", "adjointe@villebourg.fr")
    assert got.refused == ("moi",)


def test_a_missing_attachment_fails_the_message_instead_of_sending_it_bare(
        tmp_path: Path) -> None:
    message = Outgoing(1, "b:1", "email", "maire@villebourg.fr", "Rapport", "Ci-joint.", None,
                       str(tmp_path / "absent.pdf"))
    result = asyncio.run(SmtpGateway(CONFIG, lambda: NOW).send(message))
    assert isinstance(result, Failed) and "pièce jointe" in result.reason


@pytest.mark.pg
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (scripts/bootstrap)")
def test_the_job_mails_last_months_report_once(db_url: str, store: Store,
                                              tmp_path: Path) -> None:
    seed(store)
    settings = Settings.from_env({
        "TOWNHALL_DB_URL": db_url, "TOWNHALL_HOME": str(tmp_path),
        "TOWNHALL_CLOCK": NOW.isoformat(),
        "TOWNHALL_REPORT_RECIPIENTS": "maire@villebourg.fr, pas-une-adresse"})
    for _ in range(2):  # the job runs every few minutes: one mail per élu and month
        result = CliRunner().invoke(marianne, ["run", "--once"], obj=settings)
        assert result.exit_code == 0, result.output
    assert "adresse invalide ignorée « pas-une-adresse »" in result.output
    with store.session() as session:
        [queued] = session.scalars(select(Message)).all()
    assert (queued.recipient, queued.purpose) == ("maire@villebourg.fr", "rapport")
    assert queued.attachment == str(tmp_path / "reports" / "marianne-2026-11.pdf")
    with smtp_server() as relay:
        config = SmtpConfig("127.0.0.1", relay.port, CONFIG.sender, CONFIG.sender_name,
                            CONFIG.reply_to, timeout=5)
        sender = Sender(store, {"email": SmtpGateway(config, lambda: NOW)}, "t", lambda: NOW)
        assert asyncio.run(sender.tick()) == 1
    [mail] = relay.received
    assert mail["Subject"] == "Engagements Marianne — rapport de novembre 2026"
    [pdf] = list(mail.iter_attachments())
    assert pdf.get_filename() == "marianne-2026-11.pdf"
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
