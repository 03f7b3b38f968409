"""How a wave's calls ended, read from app_queue's log (``bench.endings``), without Asterisk."""

from __future__ import annotations

from pathlib import Path

from bench.endings import QueueLogTail, read_endings, unfinished

# Lines as Asterisk 22 writes them: time|callid|queue|agent|event|data…
WAVE = """\
1796062812|NONE|NONE|NONE|QUEUESTART|
1796062900|c-1|police-municipale|NONE|ENTERQUEUE||0612345678|1
1796062900|c-1|police-municipale|bench-agent-3|CONNECT|0|c-1a|0
1796062912|c-1|police-municipale|bench-agent-3|COMPLETECALLER|0|12|1
1796062900|c-2|police-municipale|NONE|ENTERQUEUE||0612345678|1
1796062915|c-2|police-municipale|bench-agent-4|RINGNOANSWER|15000
1796062915|c-2|police-municipale|bench-agent-5|RINGCANCELED|200
1796062930|c-2|police-municipale|NONE|EXITWITHTIMEOUT|1|1|30
1796062930|c-2|police-municipale|NONE|OVERFLOW|TIMEOUT|
1796062902|c-6|police-municipale|NONE|OVERFLOW|FULL|accueil
1796062902|c-6|accueil|NONE|OVERFLOW|FULL|
1796062901|c-3|accueil|NONE|ENTERQUEUE||0612345678|1
1796062903|c-3|accueil|NONE|ABANDON|1|1|2
1796062901|c-4|police-municipale|NONE|ENTERQUEUE||0612345678|2
1796062905|c-4|police-municipale|bench-agent-6|CONNECT|4|c-4a|1
"""


def test_each_call_ends_by_its_last_queue_event() -> None:
    endings = read_endings(WAVE.splitlines(), placed=6)
    assert endings.endings == {
        "police-municipale: agent": 2,
        "police-municipale: overflow (TIMEOUT) → voicemail": 1,
        "accueil: overflow (FULL) → voicemail": 1,
        "accueil: hung up in the queue": 1,
        "-: never queued (menu, fallback message or failed)": 1,
    }
    assert (endings.with_agent, endings.not_with_agent) == (2, 4)
    assert (endings.ring_no_answer, endings.ring_cancelled) == (1, 1)
    assert endings.hold_ms[99] == 4000
    assert "2 with an agent, 4 not" in endings.describe()


def test_a_call_entered_and_not_left_is_still_queued() -> None:
    lines = [*WAVE.splitlines()[:3], "1796062901|c-9|accueil|NONE|ENTERQUEUE||0612345678|1"]
    assert unfinished(lines) == 1
    assert unfinished(WAVE.splitlines()) == 0


def test_the_tail_reads_only_complete_lines_written_after_it(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text(WAVE)
    tail = QueueLogTail(log)
    with log.open("a") as handle:
        handle.write("1796062950|c-5|accueil|NONE|ENTERQUEUE||0612345678|1\n17960629")
    assert tail.lines() == ["1796062950|c-5|accueil|NONE|ENTERQUEUE||0612345678|1\n"]
    assert QueueLogTail(tmp_path / "absent").lines() == []
