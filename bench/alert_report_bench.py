"""The alert campaign's PDF report: how long WeasyPrint takes for a whole commune.

    python -m bench.alert_report_bench [--recipients 2000]

Each recipient has three attempts (busy, no answer, acknowledged), like a campaign that
redialled. Printed: wall and CPU time, per recipient, the file's size, the machine.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from admin.alert_report import report_pdf
from bench.machine import describe
from ivr.alerts.report import AttemptView, CampaignView, RecipientView

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def recipients(count: int) -> list[RecipientView]:
    attempts = (AttemptView(T0, T0, "busy", None), AttemptView(T0, T0, "no_answer", None),
                AttemptView(T0, T0, "acknowledged", None))
    return [RecipientView(f"Habitant n° {i}", f"+3361200{i % 10_000:04d}", i % 50 == 0,
                          "registre", "acquitte", T0, None, attempts) for i in range(count)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    args = parser.parse_args(argv)
    print(describe("alert report PDF"))
    campaign = CampaignView(1, "Crue", "alerte", False, "terminee", "maire", "admin", T0, T0)
    people = recipients(args.recipients)
    report_pdf(campaign, people[:1], "Saint-Martin", ZoneInfo("Europe/Paris"), T0)  # imports
    wall, cpu = time.perf_counter(), time.process_time()
    pdf = report_pdf(campaign, people, "Saint-Martin", ZoneInfo("Europe/Paris"), T0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{args.recipients} recipients: {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"({cpu / max(1, args.recipients) * 1000:.1f} ms CPU per recipient), "
          f"{len(pdf) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
