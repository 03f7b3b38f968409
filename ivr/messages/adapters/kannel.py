"""SMS through Kannel's HTTP ``sendsms`` interface, with delivery reports.

Kannel answers 202 « 0: Accepted for delivery » or « 3: Queued for later delivery »
when it took the message; it cannot send a bearer header back, so the delivery
report URL carries the project's secret token, the message id and the attempt id
(Kannel fills ``%d`` with the report type and ``%A`` with the SMSC's words).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ivr.messages.encoding import sms_shape
from ivr.messages.sending import Failed, Outgoing, Result, Retry, Sent, Unknown

DLR_MASK = 1 | 2 | 16  # delivered, not delivered, refused by the SMSC (not the mere acceptance)


@dataclass(frozen=True)
class KannelConfig:
    sendsms_url: str  # http://host:13013/cgi-bin/sendsms
    username: str
    password: str
    sender: str  # the "from" shown on the phone (alphanumeric sender ID or short code)
    dlr_url: str  # the project's /api/v1/sms/dlr?token=… (without id, attempt, type)
    timeout: float = 10.0


class KannelGateway:
    """Send SMS through one smsbox; one HTTP client, reused."""

    def __init__(self, config: KannelConfig, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.client = client or httpx.AsyncClient(timeout=config.timeout)

    def _params(self, message: Outgoing) -> dict[str, str]:
        shape = sms_shape(message.body)
        c = self.config
        separator = "&" if "?" in c.dlr_url else "?"
        dlr = (f"{c.dlr_url}{separator}id={message.message_id}&attempt={message.attempt_id}"
               "&type=%d&reason=%A")
        return {"username": c.username, "password": c.password, "from": c.sender,
                "to": message.recipient, "text": message.body, "charset": "UTF-8",
                "coding": str(shape.kannel_coding), "dlr-mask": str(DLR_MASK), "dlr-url": dlr}

    async def send(self, message: Outgoing) -> Result:
        """Hand the SMS to Kannel; classify every failure (see ``ivr.messages.sending``)."""
        try:
            answer = await self.client.get(self.config.sendsms_url, params=self._params(message))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return Retry(f"passerelle SMS injoignable : {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return Unknown(f"réponse de la passerelle SMS perdue : {type(exc).__name__}")
        text = answer.text.strip()
        if answer.status_code in (200, 202) and text[:1] in ("0", "3"):
            return Sent(message.attempt_id)
        if answer.status_code >= 500 or answer.status_code == 503:
            return Retry(f"passerelle SMS indisponible ({answer.status_code} {text})")
        return Failed(f"refusé par la passerelle SMS ({answer.status_code} {text})")

    async def close(self) -> None:
        await self.client.aclose()
