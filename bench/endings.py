"""How every call of a wave ended, on both paths, from Asterisk's ``queue_log``.

The IVR path's contacts tell how its calls ended, but the native dialplan records
nothing: app_queue's own log is the one record both paths share. Each line is
``time|callid|queue|agent|event|data…``; a call's last queue event says how it left
the queue (an agent answered, the wait ran out and it went on to the overflow or the
department's voicemail, the caller hung up…). A caller refused by a full or empty
queue leaves no line of app_queue's own: our dialplan writes ``OVERFLOW|<QUEUESTATUS>|
<next queue, empty for the voicemail>`` there (``townhall-queue-run``). ``RINGNOANSWER``
lines are agents the queue rang without an answer within the member ring timeout.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.probe import percentiles

# A call's last queue event → how it ended (anything else: still in a queue).
ENDINGS = {
    "CONNECT": "agent",
    "COMPLETEAGENT": "agent",
    "COMPLETECALLER": "agent",
    "EXITWITHTIMEOUT": "queue timeout (overflow/voicemail)",
    "EXITEMPTY": "no agent left (overflow/voicemail)",
    "ABANDON": "hung up in the queue",
    "EXITWITHKEY": "left the queue with a key",
}
OVERFLOW = "OVERFLOW"  # written by the dialplan: the call left this queue without an agent
STILL_QUEUED = "still in the queue"
NEVER_QUEUED = "never queued (menu, fallback message or failed)"
AGENT = "agent"


@dataclass
class Endings:
    """Per wave: how many calls ended each way, and the queue's view of the agents."""

    placed: int
    endings: Counter[str] = field(default_factory=Counter)  # "<queue>: <ending>" → calls
    ring_no_answer: int = 0  # rings of an agent that timed out (RINGNOANSWER)
    ring_cancelled: int = 0  # rings cut short (RINGCANCELED: the caller left or another won)
    hold_ms: dict[int, float] = field(default_factory=dict)  # wait before an agent answered

    @property
    def with_agent(self) -> int:
        return sum(n for key, n in self.endings.items() if key.endswith(f": {AGENT}"))

    @property
    def not_with_agent(self) -> int:
        """Calls placed that did not end with an agent (the issue's figure)."""
        return self.placed - self.with_agent

    def describe(self) -> str:
        shown = sorted(self.endings.items(), key=lambda item: -item[1])
        hold = " / ".join(f"{self.hold_ms[p] / 1000:.1f}" for p in (50, 95, 99)) \
            if self.hold_ms else "n/a"
        return (f"  ended: {self.with_agent} with an agent, {self.not_with_agent} not ("
                + ", ".join(f"{key} ×{n}" for key, n in shown)
                + f"); agent rings unanswered {self.ring_no_answer}, cancelled "
                f"{self.ring_cancelled}; queue wait s p50/p95/p99 {hold}")


def read_endings(lines: Iterable[str], placed: int) -> Endings:
    """The endings of the calls whose queue events are ``lines`` (one wave's)."""
    last: dict[str, tuple[str, str]] = {}  # callid → (queue, how its last event ended it)
    result, hold = Endings(placed), []
    for line in lines:
        parts = line.rstrip("\n").split("|")
        if len(parts) < 5 or parts[1] == "NONE":
            continue
        callid, queue, event = parts[1], parts[2], parts[4]
        if event == "RINGNOANSWER":
            result.ring_no_answer += 1
        elif event == "RINGCANCELED":
            result.ring_cancelled += 1
        elif event == OVERFLOW:
            status, to = [*parts[5:7], "", ""][:2]
            last[callid] = (queue, f"overflow ({status}) → {to or 'voicemail'}")
        elif event == "ENTERQUEUE" or event in ENDINGS:
            if event == "CONNECT" and len(parts) > 5 and parts[5].isdigit():
                hold.append(int(parts[5]) * 1000.0)
            last[callid] = (queue, ENDINGS.get(event, STILL_QUEUED))
    result.endings.update(f"{queue}: {ending}" for queue, ending in last.values())
    if placed > len(last):
        result.endings[f"-: {NEVER_QUEUED}"] = placed - len(last)
    result.hold_ms = percentiles(hold)
    return result


def unfinished(lines: Iterable[str]) -> int:
    """Calls of ``lines`` whose last queue event is not an ending yet."""
    return sum(n for key, n in read_endings(lines, 0).endings.items()
               if key.endswith(STILL_QUEUED))


class QueueLogTail:
    """The lines app_queue appends to its ``queue_log`` from now on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = path.stat().st_size if path.exists() else 0

    def lines(self) -> list[str]:
        """Complete lines written since this object was made."""
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.start)
                text = handle.read().decode(errors="replace")
        except OSError:
            return []
        return text.splitlines(keepends=True)[: text.count("\n")]
