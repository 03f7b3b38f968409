"""French intent matcher: a recognised utterance → a routing target, explainably.

Speech recognition on the phone gets roughly one word in four wrong, so the matcher
never needs a whole sentence: it folds the text (case, accents, elisions, fillers,
numbers, plurals via the French Snowball stemmer), matches each word fuzzily against
the keywords' stems, and scores every keyword phrase by the share of its (weighted)
words it found. Words shared by many targets ("inscription", "rendez-vous") weigh
less than the words that tell targets apart ("cantine", "procuration").

A target's score is its best keyword plus half-credit for a second one that uses other
words; the confidence is that score minus half the runner-up target's, so ambiguity
lowers it. ``matched`` names the keywords that decided. Pure: built from data, no I/O.

A target may also declare cues: words that alone route nowhere but change what the
keywords around them mean. « ma carte d'identité » is the identity-document service;
« ma carte d'identité est-elle prête » is the status of a request. A heard cue hands
the keywords of the targets it is about to its own target, and counts like a second
keyword found whole; without such a keyword it is ignored.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import snowballstemmer
from rapidfuzz import fuzz, process
from text_to_num import alpha2digit

if TYPE_CHECKING:
    from ivr.rules import Rules

Decision = Literal["route", "confirm", "reject"]

CALLBACK = "callback"  # meta-target handled by the call flow, not a department
APPOINTMENT = "rendez-vous"  # meta-target: the appointment dialogue (when calendars exist)
OPERATOR = "accueil"  # where "a person" goes

# Fillers, politeness and function words: they carry no routing information and,
# being short and frequent, would only feed the fuzzy matcher false positives.
_STOP_WORDS_TEXT = """
    a ai as au aux avec avez avoir bah ben bien bon bonjour bonsoir c ca car ce cela cet
    cette ces chez comment d dans de des deja demander dire donc du elle elles en
    est et etre eu euh faire fait faut faudrait hein heu hum il ils j je juste l la le les
    leur leurs lui m ma madame mademoiselle mairie mais me merci mes moi mon monsieur n ne
    nos notre nous oui non ok on ou par pas peu peut peux plait pour pourrais pourrait
    pouvez pourriez qu que quel quelle quelles quels qui quoi s sa sais savoir se ses si
    sil son souhaite souhaiterais souhaiterait sont suis sur svp t ta te tes toi ton tres
    trop tu un une va vais veux veut voila voir voudrais voudrait vouloir vous vos votre y
    aimerais aimerait allo alors appelle appeler appelais besoin cest ici ya
    entre avant apres depuis pendant devant derriere contre sans sous vers ver
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# Built-in phrases of the meta-intents the flow needs whatever the rules say.
META_VOCABULARY: dict[str, tuple[str, ...]] = {
    OPERATOR: (
        "parler à quelqu'un", "parler à une personne", "une vraie personne", "un conseiller",
        "le standard", "standardiste", "un humain", "un agent", "opérateur", "opératrice",
    ),
    CALLBACK: (
        "rappelez-moi", "être rappelé", "me rappeler", "rappel", "qu'on me rappelle",
        "recontacter", "rappelle", "rappeler plus tard",
    ),
}

YES_PHRASES = (
    "oui", "ouais", "ouai", "wi", "c est ca", "exactement", "tout a fait", "absolument",
    "d accord", "voila", "parfait", "bien sur", "exact", "correct", "affirmatif", "ok",
    "okay", "entendu", "c est bien ca", "oui merci",
)
NO_PHRASES = (
    "non", "nan", "pas du tout", "pas ca", "c est pas ca", "absolument pas", "pas vraiment",
    "surtout pas", "jamais", "pas exactement", "erreur", "pas le bon", "autre chose",
)

MIN_COVERAGE = 0.5  # a keyword found at less than half its weight is noise
SOLID_COVERAGE = 0.75  # a phrase this well found hides the shorter ones inside it
SPECIFICITY_WEIGHT = 0.3  # how much a lone common word ("accueil") is discounted
EXAMPLE_WEIGHT = 0.85  # examples are long, whole sentences: weaker evidence than keywords
MAX_ALTERNATIVES = 3
CUE_CREDIT = 0.5  # a heard cue adds what a second keyword found whole would
CUE_GAP = 2  # words a cue may skip between two of its own: « sera-t-elle prête »

_STEMMER = snowballstemmer.stemmer("french")
_APOSTROPHES = re.compile(r"[’'`´‘]")
_QUELQUUN = re.compile(r"\bquelqu\W*un")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SPELLED = re.compile(r"\b(?:[a-z] ){2,}[a-z]\b")  # "c c a s" → "ccas"


@dataclass(frozen=True)
class TargetVocabulary:
    """The words that send a caller to one target (a department's ``speech`` block)."""

    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    # the targets whose keywords a heard cue hands to this one (what the cue is about)
    cue_about: frozenset[str] = frozenset()


# Understood only when the rules declare appointment calendars.
APPOINTMENT_VOCABULARY = TargetVocabulary(
    keywords=("prendre rendez-vous", "un rendez-vous", "rendez-vous avec le maire",
              "rendez-vous avec un élu", "rendez-vous avec un adjoint",
              "annuler mon rendez-vous", "déplacer mon rendez-vous", "rendez-vous élu",
              "rendez-vous avec madame la maire", "rencontrer le maire"),
    examples=("je voudrais un rendez-vous avec le maire",
              "je voudrais prendre rendez-vous avec monsieur le maire",
              "quel jour puis-je prendre un rendez-vous avec monsieur le maire",
              "je veux annuler mon rendez-vous", "changer la date de mon rendez-vous"),
)


@dataclass(frozen=True)
class IntentResult:
    """What the matcher understood, how sure it is and why."""

    target: str | None
    confidence: float
    matched: tuple[str, ...]
    decision: Decision
    alternatives: tuple[tuple[str, float], ...] = ()


def fold(text: str) -> list[str]:
    """Lower-case, accent-free, elision- and hyphen-free words, numbers as digits."""
    text = _APOSTROPHES.sub(" ", text.lower())
    text = _QUELQUUN.sub("quelquun", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _NON_WORD.sub(" ", text).strip()
    text = _SPELLED.sub(lambda m: m.group(0).replace(" ", ""), text)
    return alpha2digit(text, "fr").split() if text else []


def content_words(text: str) -> list[str]:
    """The folded words that may carry meaning (no fillers, no function words)."""
    return _meaningful(fold(text))


def _meaningful(words: list[str]) -> list[str]:
    return [word for word in words if word not in STOP_WORDS and not word.isdigit()]


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """French Snowball stem of a folded word (plurals and verb endings merge); memoised
    because the pure-Python stemmer is most of the matcher's cost and words recur."""
    return str(_STEMMER.stemWord(word))


def normalize(text: str) -> tuple[str, ...]:
    """The stems the matcher compares: what an utterance or a keyword boils down to."""
    return tuple(stem(word) for word in content_words(text))


@dataclass(frozen=True)
class _Phrase:
    target: str
    text: str
    stems: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class _Hit:
    phrase: _Phrase
    coverage: float
    positions: frozenset[int]
    evidence: float  # summed weight of the words found: breaks ties between full matches


@dataclass(frozen=True)
class _Cue:
    target: str
    text: str
    words: tuple[str, ...]  # stems of every folded word: "où en est" is all function words
    about: frozenset[str]


@dataclass
class _Candidate:
    """A stem of the utterance (or of two adjacent words merged) and where it came from."""

    stem: str
    positions: frozenset[int]


@dataclass
class _Index:
    phrases: list[_Phrase]
    by_stem: dict[str, list[_Phrase]]
    idf: dict[str, float]
    max_idf: float
    stems: list[str] = field(default_factory=list)
    cues: list[_Cue] = field(default_factory=list)


def _phrase_forms(text: str) -> list[tuple[str, ...]]:
    """A phrase's stems, and its words run together as one: the recogniser merges words."""
    words = content_words(text)
    forms = [tuple(dict.fromkeys(stem(word) for word in words))] if words else []
    if len(words) > 1:
        forms.append((stem("".join(words)),))
    return forms


def _build_index(vocab: Mapping[str, TargetVocabulary]) -> _Index:
    """Turn each target's keywords and examples into stemmed phrases, once."""
    phrases = [
        _Phrase(target, text, stems, weight)
        for target, words in vocab.items()
        for texts, weight in ((words.keywords, 1.0), (words.examples, EXAMPLE_WEIGHT))
        for text in texts
        for stems in _phrase_forms(text)
    ]
    by_stem: dict[str, list[_Phrase]] = {}
    targets_of: dict[str, set[str]] = {}
    for phrase in phrases:
        for s in phrase.stems:
            by_stem.setdefault(s, []).append(phrase)
            targets_of.setdefault(s, set()).add(phrase.target)
    n_targets = max(len(vocab), 1)
    idf = {s: math.log(1 + n_targets / len(t)) for s, t in targets_of.items()}
    cues = [
        _Cue(target, text, tuple(stem(word) for word in fold(text)), words.cue_about)
        for target, words in vocab.items()
        for text in words.cues
    ]
    return _Index(phrases, by_stem, idf, math.log(1 + n_targets), sorted(by_stem), cues)


def _says(words: tuple[str, ...], cue: tuple[str, ...]) -> bool:
    """Whether ``cue`` is heard in ``words``, in order, skipping at most ``CUE_GAP``
    words between two of its own. Stems must be equal: a cue turns a department's
    keyword into another target, so a near miss (« avant » for « avancement ») must
    leave the keyword to its department, which can answer the caller too."""
    def from_(i: int, k: int) -> bool:
        if k == len(cue):
            return True
        window = words[i : i + 1 + CUE_GAP] if k else words[i:]
        return any(word == cue[k] and from_(i + j + 1, k + 1) for j, word in enumerate(window))

    return bool(cue) and from_(0, 0)


def _similarity(a: str, b: str, score: float) -> float:
    """Fuzzy credit for two stems. Short words have many neighbours, so they must match
    exactly (≤ 3 letters) or within one edit; long strings (often merged words) share
    long endings by chance, so they must be closer."""
    if a == b:
        return 1.0
    shortest, longest = sorted((len(a), len(b)))
    if shortest <= 3 or (shortest <= 5 and longest - shortest > 1):
        return 0.0
    cutoff = 80.0 if shortest <= 5 else 75.0 if longest <= 9 else 85.0
    return score / 100 if score >= cutoff else 0.0


def _with_meta(vocab: Mapping[str, TargetVocabulary]) -> dict[str, TargetVocabulary]:
    """Add the built-in operator and callback phrases to the rules' vocabulary."""
    merged = dict(vocab)
    for target, phrases in META_VOCABULARY.items():
        own = merged.get(target, TargetVocabulary())
        merged[target] = TargetVocabulary(own.keywords + phrases, own.examples)
    return merged


def _drop_subsumed(hits: list[_Hit]) -> list[_Hit]:
    """Longest match wins: "conseiller municipal" hides another target's "conseiller"
    on the same words (within one target both may stand: scoring takes the best)."""
    return [
        hit
        for hit in hits
        if not any(
            hit.positions < other.positions
            and other.coverage >= SOLID_COVERAGE
            and other.phrase.target != hit.phrase.target
            for other in hits
        )
    ]


def _target_scores(hits: Iterable[_Hit]) -> dict[str, tuple[float, float, tuple[_Hit, ...]]]:
    """Per target: score (best keyword, plus half-credit for a second one on other
    words), evidence (to rank equal scores) and the decisive hits."""
    by_target: dict[str, list[_Hit]] = {}
    for hit in sorted(hits, key=lambda h: (-h.coverage, -h.evidence)):
        by_target.setdefault(hit.phrase.target, []).append(hit)
    scores: dict[str, tuple[float, float, tuple[_Hit, ...]]] = {}
    for target, ranked in by_target.items():
        best = ranked[0]
        second = next((h for h in ranked[1:] if not h.positions & best.positions), None)
        decisive = (best, second) if second else (best,)
        extra = second.coverage / 2 if second else 0.0
        score = 1 - (1 - best.coverage) * (1 - extra)
        scores[target] = (score, sum(h.evidence for h in decisive), decisive)
    return scores


class IntentMatcher:
    """Matches French utterances to routing targets; build once, call ``match`` often."""

    def __init__(
        self,
        vocab: Mapping[str, TargetVocabulary],
        route_threshold: float = 0.75,
        confirm_threshold: float = 0.45,
    ) -> None:
        self.route_threshold = route_threshold
        self.confirm_threshold = confirm_threshold
        self._index = _build_index(_with_meta(vocab))
        self._fuzzy_cache: dict[str, list[tuple[str, float]]] = {}

    @classmethod
    def from_rules(cls, rules: Rules) -> IntentMatcher:
        """Build from loaded ``Rules``: the departments' and the self-service intents'
        speech blocks, and the thresholds."""
        vocab = {
            target: TargetVocabulary(
                tuple(department.speech.keywords), tuple(department.speech.examples)
            )
            for target, department in rules.departments.items()
        }
        if rules.appointments.calendars:
            vocab[APPOINTMENT] = APPOINTMENT_VOCABULARY
        # an intent's cues are about requests: the departments that handle some
        handling = frozenset(kind.department for kind in rules.request_types.values())
        vocab.update({
            intent: TargetVocabulary(tuple(opening.speech.keywords),
                                     tuple(opening.speech.examples),
                                     tuple(opening.speech.cues), handling)
            for intent, opening in rules.self_service.intents.items()
        })
        return cls(vocab, rules.speech.route_threshold, rules.speech.confirm_threshold)

    @property
    def targets(self) -> tuple[str, ...]:
        """Every target the matcher can answer, meta-targets included."""
        return tuple(sorted({phrase.target for phrase in self._index.phrases}))

    def match(self, text: str) -> IntentResult:
        """Route, confirm or reject one utterance, naming the keywords (and the cue)
        that decided."""
        words = fold(text)  # once: text-to-number is most of the folding's cost
        hits = _drop_subsumed(self._hits(self._candidates(_meaningful(words))))
        cue = self._heard_cue(words, hits)
        if cue is not None:
            hits = [_handed(hit, cue) for hit in hits]
        scores = _target_scores(hits)
        if cue is not None:
            score, evidence, decisive = scores[cue.target]
            scores[cue.target] = (1 - (1 - score) * (1 - CUE_CREDIT), evidence, decisive)
        ranked = sorted(scores.items(), key=lambda item: item[1][:2], reverse=True)
        if not ranked:
            return IntentResult(None, 0.0, (), "reject")
        target, (score, _, decisive) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
        confidence = round(max(0.0, score - runner_up / 2), 3)
        said = (cue.text,) if cue is not None and cue.target == target else ()
        return IntentResult(
            target=target,
            confidence=confidence,
            matched=said + tuple(hit.phrase.text for hit in decisive),
            decision=self._decision(confidence),
            alternatives=tuple(
                (other, round(s, 3)) for other, (s, _, _) in ranked[1 : 1 + MAX_ALTERNATIVES]
            ),
        )

    def _heard_cue(self, words: list[str], hits: list[_Hit]) -> _Cue | None:
        """The longest cue heard in the folded ``words`` (function words count: « où en
        est ») with a keyword (among ``hits``) of its own target or of a target it is
        about: a cue with nothing to qualify is ignored."""
        targets = {hit.phrase.target for hit in hits}
        qualified = [cue for cue in self._index.cues if targets & (cue.about | {cue.target})]
        if not qualified:
            return None
        stems = tuple(stem(word) for word in words)
        present = set(stems)
        heard = [cue for cue in qualified
                 if present.issuperset(cue.words) and _says(stems, cue.words)]
        return max(heard, key=lambda cue: len(cue.words), default=None)

    def _decision(self, confidence: float) -> Decision:
        if confidence >= self.route_threshold:
            return "route"
        return "confirm" if confidence >= self.confirm_threshold else "reject"

    @staticmethod
    def _candidates(words: list[str]) -> list[_Candidate]:
        """Each content word, and each pair of neighbours merged ("passe port")."""
        singles = [_Candidate(stem(w), frozenset({i})) for i, w in enumerate(words)]
        pairs = [
            _Candidate(stem(a + b), frozenset({i, i + 1}))
            for i, (a, b) in enumerate(itertools.pairwise(words))
            if len(a + b) >= 6
        ]
        return singles + pairs

    def _fuzzy(self, query: str) -> list[tuple[str, float]]:
        """Vocabulary stems close to ``query`` with their credit (memoised: words recur)."""
        found = self._fuzzy_cache.get(query)
        if found is None:
            matches = process.extract(
                query, self._index.stems, scorer=fuzz.ratio, score_cutoff=75, limit=None
            )
            found = [
                (choice, credit)
                for choice, score, _ in matches
                if (credit := _similarity(query, choice, score))
            ]
            if len(self._fuzzy_cache) > 100_000:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[query] = found
        return found

    def _hits(self, candidates: list[_Candidate]) -> list[_Hit]:
        """Score every phrase sharing a stem with the utterance by its weighted coverage."""
        best: dict[str, tuple[float, frozenset[int]]] = {}
        for candidate in candidates:
            for vocab_stem, credit in self._fuzzy(candidate.stem):
                if credit > best.get(vocab_stem, (0.0,))[0]:
                    best[vocab_stem] = (credit, candidate.positions)
        phrases = {id(p): p for s in best for p in self._index.by_stem[s]}.values()
        return [hit for phrase in phrases if (hit := self._score(phrase, best))]

    def _score(
        self, phrase: _Phrase, best: dict[str, tuple[float, frozenset[int]]]
    ) -> _Hit | None:
        """Weighted share of the phrase found, discounted when it is only common words."""
        idf = self._index.idf
        found = [(s, best[s]) for s in phrase.stems if s in best]
        evidence = sum(idf[s] * credit for s, (credit, _) in found)
        coverage = phrase.weight * evidence / sum(idf[s] for s in phrase.stems)
        if coverage < MIN_COVERAGE:
            return None
        specificity = min(1.0, evidence / self._index.max_idf)
        strength = coverage * (1 - SPECIFICITY_WEIGHT * (1 - specificity))
        positions = frozenset().union(*(pos for _, (_, pos) in found))
        return _Hit(phrase, strength, positions, evidence)


def _handed(hit: _Hit, cue: _Cue) -> _Hit:
    """``hit`` credited to the cue's target when the cue is about the hit's target."""
    if hit.phrase.target not in cue.about:
        return hit
    return replace(hit, phrase=replace(hit.phrase, target=cue.target))


def _spans(words: list[str], phrases: Iterable[tuple[str, ...]]) -> set[int]:
    """Positions of ``words`` covered by any of the (word-tuple) phrases."""
    covered: set[int] = set()
    for phrase in phrases:
        for start in range(len(words) - len(phrase) + 1):
            if tuple(words[start : start + len(phrase)]) == phrase:
                covered.update(range(start, start + len(phrase)))
    return covered


_YES = tuple(tuple(p.split()) for p in YES_PHRASES)
_NO = tuple(tuple(p.split()) for p in NO_PHRASES)


def match_yes_no(text: str) -> bool | None:
    """The caller's answer to a confirmation: True, False, or None when unclear."""
    words = fold(text)
    negative = _spans(words, _NO)
    rest = [w for i, w in enumerate(words) if i not in negative]
    positive = bool(_spans(rest, _YES))
    if bool(negative) == positive:
        return None
    return positive
