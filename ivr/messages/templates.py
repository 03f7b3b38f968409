"""French notification templates: Jinja text rendered in a sandbox, editable in the admin.

A template has a subject (e-mail; the sender puts « [Réf …] » before it), an SMS text
and an e-mail text. Agents edit them,
so they run in Jinja's ``SandboxedEnvironment`` (no attribute tricks, no imports) with
``StrictUndefined`` (a misspelt variable is an error at preview, not a blank in a
citizen's SMS). ``SAMPLE`` is the request the admin previews with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                            keep_trailing_newline=False)


@dataclass(frozen=True)
class Template:
    """One notification: its id, French label, e-mail subject, SMS and e-mail texts."""

    id: str
    label: str
    subject: str
    sms: str
    email: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    sms: str
    email: str


class TemplateProblem(ValueError):
    """A template that does not render; ``message`` is French, for the admin form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_SIGN = "\n\n{{ mairie }}"
DEFAULTS: dict[str, Template] = {t.id: t for t in (
    Template("demande_creee", "Demande enregistrée",
             "Votre demande est enregistrée",
             "{{ mairie }} : votre demande « {{ type }} » est enregistrée sous la référence "
             "{{ reference }}. Réponse prévue au plus tard le {{ echeance }}.",
             "Bonjour,\n\nVotre demande « {{ type }} » est enregistrée sous la référence "
             "{{ reference }}.\nNous vous répondrons au plus tard le {{ echeance }}.\n"
             "Rappelez cette référence dans vos échanges avec la mairie." + _SIGN),
    Template("statut_change", "Avancement d'une demande",
             "Votre demande : {{ statut }}",
             "{{ mairie }} : votre demande {{ reference }} ({{ type }}) est maintenant : "
             "{{ statut }}.",
             "Bonjour,\n\nVotre demande « {{ type }} » (référence {{ reference }}) est "
             "maintenant à l'étape : {{ statut }}.{% if explication %}\n\n{{ explication }}"
             "{% endif %}{% if note %}\n\n{{ note }}{% endif %}"
             + _SIGN),
    Template("rdv_pris", "Rendez-vous pris",
             "Votre rendez-vous du {{ rendez_vous }}",
             "{{ mairie }} : rendez-vous confirmé le {{ rendez_vous }}. Réf. {{ reference }}.",
             "Bonjour,\n\nVotre rendez-vous est confirmé le {{ rendez_vous }}.\n"
             "Référence : {{ reference }}." + _SIGN),
    Template("rdv_rappel", "Rappel de rendez-vous",
             "Rappel : rendez-vous le {{ rendez_vous }}",
             "{{ mairie }} : rappel de votre rendez-vous le {{ rendez_vous }}.",
             "Bonjour,\n\nNous vous rappelons votre rendez-vous le {{ rendez_vous }}."
             + _SIGN),
    Template("rdv_annule", "Rendez-vous annulé",
             "Rendez-vous du {{ rendez_vous }} annulé",
             "{{ mairie }} : votre rendez-vous du {{ rendez_vous }} est annulé.",
             "Bonjour,\n\nVotre rendez-vous du {{ rendez_vous }} est annulé." + _SIGN),
    Template("rappel_programme", "Rappel téléphonique programmé",
             "La mairie vous rappelle",
             "{{ mairie }} : un agent vous rappellera {{ rappel }}.",
             "Bonjour,\n\nUn agent de la mairie vous rappellera {{ rappel }}." + _SIGN),
    Template("lien_demarche", "Lien d'une démarche",
             "Le lien de votre démarche",
             "{{ mairie }} : voici le lien de la démarche demandée : {{ lien }}",
             "Bonjour,\n\nVoici le lien de la démarche demandée par téléphone :\n{{ lien }}"
             + _SIGN),
    Template("confirmation_abonnement", "Confirmation d'un abonnement",
             "Confirmez votre abonnement : {{ liste }}",
             "{{ mairie }} : votre code pour confirmer l'abonnement « {{ liste }} » : {{ code }}"
             ". Sans confirmation, rien n'est enregistré.",
             "Bonjour,\n\nPour confirmer votre abonnement « {{ liste }} », ouvrez ce lien "
             "(valable 24 heures) :\n{{ lien }}\n\nSans confirmation, rien n'est enregistré "
             "et vous ne recevrez rien." + _SIGN),
    Template("abonnement", "Confirmation d'abonnement par SMS",
             "Abonnement confirmé : {{ liste }}",
             "{{ mairie }} : vous êtes abonné à « {{ liste }} ». Pour vous désinscrire, "
             "répondez STOP.",
             "Bonjour,\n\nVous êtes abonné à « {{ liste }} ». Pour vous désinscrire, "
             "répondez STOP par SMS." + _SIGN),
    Template("desinscription", "Confirmation de désinscription",
             "Désinscription confirmée",
             "{{ mairie }} : vous êtes désinscrit de : {{ listes }}. Vous ne recevrez plus "
             "ces messages.",
             "Bonjour,\n\nVous êtes désinscrit de : {{ listes }}." + _SIGN),
    Template("statut_telephone", "État d'une demande, envoyé à la demande de l'appelant",
             "Votre demande {{ reference }}",
             "{{ mairie }} : {{ annonce }} Réf. {{ reference }}.",
             "Bonjour,\n\nComme demandé lors de votre appel : {{ annonce }}\n"
             "Référence : {{ reference }}." + _SIGN),
)}

SAMPLE: dict[str, Any] = {
    "mairie": "Mairie de Saint-Exemple", "reference": "12 34 56 78 97",
    "type": "Copie ou extrait d'acte de naissance", "statut": "Acte envoyé",
    "echeance": "lundi 7 décembre 2026", "note": "",
    "explication": "Votre acte vous a été envoyé.", "rendez_vous": "mardi 8 décembre à 9 h 30",
    "rappel": "demain matin", "lien": "https://www.service-public.fr/",
    "listes": "Bulletin municipal", "liste": "Bulletin municipal", "code": "482913",
    "annonce": "Votre demande d'acte de naissance, mise à jour le jeudi 3 décembre. "
               "Votre acte vous a été envoyé.",
}


def _render(source: str, values: Mapping[str, Any], part: str) -> str:
    try:
        return _ENV.from_string(source).render(**values).strip()
    except TemplateError as exc:
        raise TemplateProblem(f"Le modèle ne peut pas être rendu ({part}) : {exc}") from None


def render(template: Template, values: Mapping[str, Any]) -> Rendered:
    """The three texts of ``template`` filled with ``values``, or ``TemplateProblem``."""
    return Rendered(_render(template.subject, values, "objet").replace("\n", " "),
                    _render(template.sms, values, "SMS"),
                    _render(template.email, values, "courriel"))


def preview(template: Template) -> Rendered:
    """The template rendered with the sample request (admin preview and form check)."""
    return render(template, SAMPLE)


PARTS = {"subject": "objet", "sms": "SMS", "email": "courriel"}
MAX_LENGTH = {"subject": 200, "sms": 1000, "email": 20_000}


def problems(template: Template) -> dict[str, str]:
    """Each part (``subject``, ``sms``, ``email``) that does not render well with the
    sample, with its French error: the admin shows it at that field."""
    found: dict[str, str] = {}
    for part, name in PARTS.items():
        source = getattr(template, part)
        if len(source) > MAX_LENGTH[part]:
            found[part] = f"Texte trop long ({len(source)} caractères, {MAX_LENGTH[part]} au plus)."
            continue
        try:
            text = _render(source, SAMPLE, name)
        except TemplateProblem as exc:
            found[part] = exc.message
            continue
        if not text:
            found[part] = f"Le texte ({name}) est vide une fois rendu."
    return found
