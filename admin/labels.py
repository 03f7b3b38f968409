"""French labels of the store's code values (outcomes, routing, channels, callback states)."""

from __future__ import annotations

from wtforms.fields import SelectChoice

from ivr.domain.outcomes import ContactOutcome

OUTCOMES: dict[str, str] = {
    ContactOutcome.ANSWERED: "Répondu",
    ContactOutcome.ABANDONED_MENU: "Raccroché dans le menu",
    ContactOutcome.ABANDONED_QUEUE: "Raccroché en attente",
    ContactOutcome.OVERFLOW: "Débordement",
    ContactOutcome.VOICEMAIL: "Messagerie",
    ContactOutcome.CLOSED: "Service fermé",
    ContactOutcome.FALLBACK: "Renvoi vers l’accueil",
    ContactOutcome.INFO: "Information donnée",
    ContactOutcome.CALLBACK_REQUESTED: "Rappel demandé",
    ContactOutcome.APPOINTMENT: "Rendez-vous (pris, déplacé ou annulé)",
    ContactOutcome.SELF_SERVICE: "Réponse automatique",
    ContactOutcome.BUSY: "Occupé (rappel)",
    ContactOutcome.NO_ANSWER: "Sans réponse (rappel)",
    ContactOutcome.FAILED: "Échec (rappel)",
}
ROUTED_BY = {"dtmf": "Clavier", "speech": "Parole", "default": "Par défaut", "closed": "Fermé"}
CHANNELS = {"phone": "Téléphone", "web": "Site web", "email": "Courriel", "counter": "Guichet",
            "sms": "SMS"}
MESSAGE_STATES = {
    "pending": "En attente", "sending": "Envoi en cours", "sent": "Envoyé",
    "delivered": "Remis", "failed": "Échec", "unknown": "Incertain (à vérifier)",
    "cancelled": "Annulé",
}
CALLBACK_STATES = {
    "pending": "À rappeler",
    "claimed": "Pris en charge",
    "dialing": "Appel en cours",
    "done": "Rappelé",
    "failed": "Échec",
    "cancelled": "Annulé",
}
KINDS = {
    "outcome": OUTCOMES,
    "routed_by": ROUTED_BY,
    "channel": CHANNELS,
    "callback": CALLBACK_STATES,
}


def label(value: str | None, kind: str) -> str:
    """The French label of ``value`` (the raw value when unknown, a dash when empty)."""
    if not value:
        return "—"
    return KINDS[kind].get(value, value)


def options(kind: str, everything: str) -> list[SelectChoice]:
    """Select options for a filter: "all" first, then the labelled values."""
    return [SelectChoice("", everything), *(SelectChoice(v, lbl) for v, lbl in KINDS[kind].items())]
