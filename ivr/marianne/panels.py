"""The five panels as people read them: French lines, the target, the monthly trend.

Shared by the admin dashboard, the monthly PDF and the public page, so the three say
the same thing in the same words. Pure; no personal data ever reaches a panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ivr.marianne.figures import Figures, Targets
from ivr.marianne.months import Month

NO_DATA = "aucune donnée"


def percent(value: float | None) -> str:
    """« 75 % » (a no-break space before the sign), « aucune donnée » for None."""
    return NO_DATA if value is None else f"{round(value * 100):d}\u00a0%"


def seconds(value: float | None) -> str:
    """« 30 s », « 2 min 05 s »."""
    if value is None:
        return NO_DATA
    whole = round(value)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60:02d} s"


def score(value: float | None) -> str:
    """« 3,7 / 5 »."""
    return NO_DATA if value is None else f"{value:.1f} / 5".replace(".", ",")


@dataclass(frozen=True)
class Panel:
    """One commitment: its headline figure against its target, the detail lines, a trend."""

    number: int
    title: str
    headline: str  # what the main figure measures
    value: float | None  # share 0-1 (None: no data)
    target: float | None
    lines: tuple[tuple[str, str], ...]
    trend_label: str
    trend: tuple[tuple[str, float | None], ...]  # (month « 11/2026 », value in %)

    @property
    def value_text(self) -> str:
        """The headline figure in words (« 75 % », « aucune donnée »)."""
        return percent(self.value)

    @property
    def target_text(self) -> str | None:
        """The target in words, None when the commitment has no numeric target."""
        return None if self.target is None else percent(self.target)

    @property
    def on_target(self) -> bool | None:
        """Whether the headline reaches its target (None without data)."""
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target


Pick = Callable[[Figures], float | None]
Built = tuple[str, str, float | None, float | None, list[tuple[str, str]]]


Trend = tuple[tuple[str, float | None], ...]
DEFAULT_TARGETS = Targets()


def _series(series: list[tuple[Month, Figures]], pick: Pick) -> Trend:
    return tuple((month.short, None if (v := pick(f)) is None else round(v * 100, 1))
                 for month, f in series)


def _access(f: Figures, t: Targets) -> Built:
    a = f.access
    return ("Accès facile", "Appels décrochés par un agent", a.pickup_rate, t.pickup_rate, [
        ("Appels reçus", str(a.calls)),
        ("Appels décrochés par un agent", f"{a.picked_up} sur {a.wanting_agent}"),
        ("Délai de décroché (médiane)", seconds(a.median_wait_seconds)),
        ("Réponses par le standard automatique", str(a.self_service)),
        ("Appels hors horaires d'ouverture", str(a.outside_hours)),
        ("Abandons pendant l'attente", str(a.abandoned_queue)),
        ("Abandons dans le menu", str(a.abandoned_menu))])


def _welcome(f: Figures, t: Targets) -> Built:
    s = f.satisfaction
    return ("Un accueil courtois", "Usagers satisfaits (4 ou 5 sur 5)", s.satisfied_rate,
            t.satisfied_rate, [
                ("Questionnaires proposés", str(s.offered)),
                ("Réponses", str(s.responses)),
                ("Note moyenne", score(s.mean)),
                ("Ont obtenu la réponse à leur question", percent(s.got_answer_rate))])


def _delays(f: Figures, t: Targets) -> Built:
    d = f.delays
    return ("Une réponse dans le délai annoncé", "Demandes traitées dans le délai",
            d.within_delay_rate, t.within_delay, [
                ("Demandes traitées", str(d.answered)),
                ("Dont dans le délai annoncé", str(d.within_delay)),
                ("Rappels promis", str(d.callbacks_promised)),
                ("Rappels tenus dans le délai", f"{d.callbacks_kept} "
                 f"({percent(d.callbacks_kept_rate)})")])


def _complaints(f: Figures, t: Targets) -> Built:
    c = f.complaints
    return ("Toutes les réclamations traitées", "Réclamations répondues dans le délai",
            c.answered_rate, t.complaints_answered, [
                ("Réclamations reçues", str(c.received)),
                ("Accusé de réception dans le délai", f"{c.acknowledged_in_time} sur "
                 f"{c.acknowledged_measured} ({percent(c.acknowledged_rate)})"),
                ("Réclamations répondues", str(c.answered)),
                ("Dont dans le délai", str(c.answered_in_time)),
                ("En cours", str(c.open)),
                ("En retard", str(c.late))])


def _suggestions(f: Figures, t: Targets) -> Built:
    s = f.suggestions
    rate = s.adopted / s.answered if s.answered else None
    return ("Vos suggestions", "Suggestions retenues parmi les réponses", rate, None, [
        ("Suggestions reçues", str(s.received)),
        ("Suggestions répondues", str(s.answered)),
        ("« Vous nous l'avez demandé, on l'a fait »", str(s.adopted))])


_PANELS = (
    (_access, lambda f: f.access.pickup_rate),
    (_welcome, lambda f: f.satisfaction.satisfied_rate),
    (_delays, lambda f: f.delays.within_delay_rate),
    (_complaints, lambda f: f.complaints.answered_rate),
    (_suggestions, lambda f: f.suggestions.adopted / f.suggestions.answered
     if f.suggestions.answered else None),
)


def panels(current: Figures, series: list[tuple[Month, Figures]],
           targets: Targets = DEFAULT_TARGETS) -> list[Panel]:
    """The five panels of ``current`` with the trend of their headline over ``series``."""
    found = []
    for number, (build, pick) in enumerate(_PANELS, start=1):
        title, headline, value, target, lines = build(current, targets)
        found.append(Panel(number, title, headline, value, target, tuple(lines),
                           f"{headline} (%)", _series(series, pick)))
    return found


def by_department_rows(current: Figures, names: dict[str, str]) -> list[tuple[str, float]]:
    """(department name, mean score) of the departments with at least one score."""
    return [(names.get(key, key) or "non précisé", value.mean)
            for key, value in current.by_department.items() if value.mean is not None]
