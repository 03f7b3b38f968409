"""A channel that vanished under a request (the caller hung up) is not an error."""

import httpx
import pytest
from ari_client.resources._base import AriError

from ivr.telephony.ari import _gone


def status_error(code: int) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/ari/channels/x/continue")
    return httpx.HTTPStatusError("x", request=request, response=httpx.Response(code,
                                                                              request=request))


@pytest.mark.parametrize(("exc", "gone"), [
    (status_error(404), True),
    (status_error(500), False),
    (AriError("hang up channel", httpx.Response(404)), True),
    (Exception("Failed to play on channel: 404 Channel not found"), True),
    (Exception("Failed to play on channel: 400 bad media"), False),
])
def test_gone(exc: Exception, gone: bool) -> None:
    assert _gone(exc) is gone
