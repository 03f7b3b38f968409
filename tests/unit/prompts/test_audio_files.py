"""Uploaded audio is probed before decoding: plain audio containers, bounded duration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ivr.audio_files import AudioRefused, check_probe, decode_to_wav


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def test_a_concat_list_named_ogg_never_reads_the_file_it_names(tmp_path: Path) -> None:
    """Like the HLS playlist of the review: a text container that pulls in a local file."""
    secret = tmp_path / "secret.wav"
    _ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=1", str(secret))
    upload = tmp_path / "x.ogg"
    upload.write_text(f"ffconcat version 1.0\nfile 'file:{secret}'\n")
    with pytest.raises(AudioRefused, match=r"format refusé|illisible"):
        decode_to_wav(upload, tmp_path / "out.wav", 120, 16000)
    assert not (tmp_path / "out.wav").exists()


def test_a_small_file_declaring_a_long_duration_is_refused_before_decoding(
    tmp_path: Path,
) -> None:
    upload = tmp_path / "silence.flac"
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "300", str(upload))
    assert upload.stat().st_size < 200_000
    with pytest.raises(AudioRefused, match="trop long"):
        decode_to_wav(upload, tmp_path / "out.wav", 120, 16000)
    assert not (tmp_path / "out.wav").exists()


def test_plain_audio_is_decoded_to_mono_wav(tmp_path: Path) -> None:
    upload = tmp_path / "merci.mp3"
    _ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=1", str(upload))
    found = decode_to_wav(upload, tmp_path / "out.wav", 120, 16000)
    assert found.demuxer == "mp3" and 0.9 < found.seconds < 1.2
    assert (tmp_path / "out.wav").read_bytes()[:4] == b"RIFF"


@pytest.mark.parametrize("facts, why", [
    ({"format": {"format_name": "hls", "duration": "3"}, "streams": [{"codec_type": "audio"}]},
     "format refusé"),
    ({"format": {"format_name": "concat", "duration": "3"},
      "streams": [{"codec_type": "audio"}]}, "format refusé"),
    ({"format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "3"},
      "streams": [{"codec_type": "audio"}, {"codec_type": "video"}]}, "du son seulement"),
    ({"format": {"format_name": "wav"}, "streams": [{"codec_type": "audio"}]}, "durée"),
    ({"format": {"format_name": "wav", "duration": "121"},
      "streams": [{"codec_type": "audio"}]}, "trop long"),
    ({}, "illisible"),
])  # fmt: skip
def test_probe_decisions(facts: dict[str, object], why: str) -> None:
    with pytest.raises(AudioRefused, match=why):
        check_probe(facts, 120)
