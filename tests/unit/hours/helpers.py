"""A small rules file with known hours, and an aware-datetime shorthand."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ivr.rules import Rules, load_rules_text

PARIS = ZoneInfo("Europe/Paris")

HOURS_RULES = """\
version: 1
town: {name: "Mairie de Test", timezone: Europe/Paris, alsace_moselle: ALSACE}
schedules:
  mairie:
    lundi: ["08:30-12:00", "13:30-17:30"]
    mardi: ["08:30-12:00", "13:30-17:30"]
    mercredi: ["08:30-12:00", "13:30-17:30"]
    jeudi: ["08:30-12:00", "13:30-17:30"]
    vendredi: ["08:30-12:00", "13:30-17:30"]
    samedi: ["09:00-12:00"]
departments:
  accueil: {name: "Accueil", spoken_name: "l'accueil", hours: mairie}
  urbanisme: {name: "Urbanisme", spoken_name: "le service de l'urbanisme", hours: mairie}
  horaires: {name: "Horaires", spoken_name: "les horaires", answered_by_ivr: true}
  continu:
    name: "Continu"
    spoken_name: "les services continus"
    hours: {lundi: ["08:00-12:00", "12:00-14:00"]}
menus:
  principal: {options: {"1": {label: "l'accueil", target: accueil}}}
main_menu: principal
messages:
  welcome: "Bonjour."
  speech_prompt: "Parlez."
  invalid: "Choix invalide."
  no_input: "Rien entendu."
  not_understood: "Pas compris."
  confirm: "{spoken_name} ?"
  transfer: "{spoken_name}."
  waiting: "Patientez."
  closed: "{spoken_name} : {next_opening}."
  voicemail: "Message."
  callback_offer: "Rappel ?"
  callback_confirmed: "Rappel noté."
  goodbye: "Au revoir."
calendar:
  closures:
    - {from: 2026-08-10, to: 2026-08-14, reason: "Fermeture estivale", departments: [urbanisme]}
    - {from: 2026-09-01, to: 2026-12-31, reason: "Travaux", departments: [continu]}
  special_days:
    - {date: 2026-12-24, hours: ["08:30-12:00"], reason: "Veille de Noël"}
"""


def rules(alsace_moselle: bool = False) -> Rules:
    return load_rules_text(HOURS_RULES.replace("ALSACE", str(alsace_moselle).lower()), "test")


def paris(text: str) -> datetime:
    """``"2026-12-02 10:00"`` as an aware datetime in Paris."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)
