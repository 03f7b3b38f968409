"""SMS through Kannel's HTTP ``sendsms`` interface, with delivery reports.

Kannel answers 202 « 0: Accepted for delivery » or « 3: Queued for later delivery »
when it took the message; it cannot send a bearer header back, so the delivery
report URL carries the project's secret token, the message id and the attempt id
(Kannel fills ``%d`` with the report type and ``%A`` with the SMSC's words).

Every report type is asked for, the SMSC's acceptance (8) included: a message Kannel
passed on then always reports within seconds, and one with no report while Kannel is
running and empty (its ``status.xml``: nothing queued, nothing in its store) is one
Kannel does not have, which ``ivr.messages.resend`` may send again.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree

import httpx

from ivr.messages.encoding import sms_shape
from ivr.messages.sending import Failed, Outgoing, Result, Retry, Sent, Unknown

DLR_MASK = 1 | 2 | 8 | 16  # delivered, not delivered, accepted by the SMSC, refused by it


@dataclass(frozen=True)
class KannelConfig:
    sendsms_url: str  # http://host:13013/cgi-bin/sendsms
    username: str
    password: str
    sender: str  # the "from" shown on the phone (alphanumeric sender ID or short code)
    dlr_url: str  # the project's /api/v1/sms/dlr?token=… (without id, attempt, type)
    timeout: float = 10.0
    # bearerbox's status.xml with its status password; empty: doubtful SMS wait for an agent
    status_url: str = ""


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

    async def empty(self) -> bool | None:
        """Whether Kannel runs and holds none of our messages (None: no status URL)."""
        if not self.config.status_url:
            return None
        try:
            answer = await self.client.get(self.config.status_url)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and kannel_empty(answer.text)

    async def close(self) -> None:
        await self.client.aclose()


def _count(node: ElementTree.Element, path: str) -> int | None:
    text = (node.findtext(path) or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


def kannel_empty(status_xml: str) -> bool:
    """Whether bearerbox's ``status.xml`` shows it running, an smsbox and every SMSC
    connected, and no SMS queued or in its store (``storesize`` is -1 without a store).
    The DLR storage is left out: it keeps messages passed on, awaiting their final report."""
    try:
        root = ElementTree.fromstring(status_xml)
    except ElementTree.ParseError:
        return False
    held = [_count(root, path) for path in ("sms/received/queued", "sms/sent/queued",
                                             "sms/storesize")]
    boxes = [box for box in root.iterfind("boxes/box") if box.findtext("type") == "smsbox"]
    smscs = root.findall("smscs/smsc")
    return ((root.findtext("status") or "").startswith("running")
            and all(n is not None and n <= 0 for n in held)
            and bool(boxes) and all(_count(box, "queue") == 0 for box in boxes)
            and bool(smscs) and all((smsc.findtext("status") or "").startswith("online")
                                    and _count(smsc, "queued") == 0 for smsc in smscs))
