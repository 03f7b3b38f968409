"""Each test worker's RTP ranges stay in its own share of the band, whatever their sizes."""

from __future__ import annotations

import pytest

from townhall_support import ports


def _ranges(monkeypatch: pytest.MonkeyPatch, worker: int, sizes: list[int]) -> list[range]:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{worker}")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "5")
    monkeypatch.setattr(ports, "_handed_out", [0])
    return [range(*ports.rtp_range(size)) for size in sizes]


def test_workers_never_share_a_port(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = [200, 1000, 200, 1001, 200, 2000, 200, 200]  # more than a share: it wraps
    taken = {w: set().union(*_ranges(monkeypatch, w, sizes)) for w in range(5)}
    for w in range(5):
        assert all(10000 <= port < 30000 for port in taken[w])
        assert all(taken[w].isdisjoint(taken[o]) for o in range(5) if o != w)


def test_ranges_start_even_and_follow_each_other(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, third = _ranges(monkeypatch, 2, [200, 1001, 200])
    assert first.start % 2 == second.start % 2 == third.start % 2 == 0
    assert second.start == first.stop and third.start == second.stop
    with pytest.raises(ValueError, match="share"):
        ports.rtp_range(5000)
