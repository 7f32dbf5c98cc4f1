"""French and English vocabulary of runbooks: section labels, document parts, severities, durations.

Labels are compared after `fold()`: accents, case, emoji, numbering ("Étape 2:", "1.1", "3)") and
trailing punctuation removed, so "### Symptomes" (typed without accents), "**Symptômes** :" and
"#### 🛑 Symptôme" all read the same. The synonyms come from the seed inventory (§4.2) and from the
public runbooks (Meaning/Impact/Diagnosis/Mitigation, Symptoms/Investigation/Solution, …).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

from astreinte.domain.runbook.model import Level, SectionKind

_NUMBERING = re.compile(
    r"""^(?:
        (?:etape|step|phase|niveau|level|tier|option|scenario|incident)\s*[0-9a-z]{1,3}\s*[:.)-]\s*
      | [0-9]+(?:\.[0-9]+)*[.)]?\s+
      | [a-z][.)]\s+
    )""",
    re.VERBOSE,
)


def strip_decorations(text: str) -> str:
    """Remove emoji, keycaps, variation selectors, U+FFFD and markdown emphasis around a title."""
    # A keycap ("1️⃣") is a decoration, not a number: drop the digit with its marks.
    text = re.sub(r"[0-9#*]\ufe0f?\u20e3", "", text)
    out = []
    for ch in text:
        # So/Sk: emoji and symbols used as bullets; VS16, ZWJ and U+FFFD are leftovers of emoji.
        if unicodedata.category(ch) in {"So", "Sk", "Cs", "Co"} or ch in "\ufe0f\ufe0e\u200d\ufffd":
            continue
        out.append(ch)
    cleaned = "".join(out).replace("**", "").replace("__", "").replace("`", "")
    cleaned = re.sub(r"^[\s#*_>|-]+", "", cleaned)
    cleaned = re.sub(r"\s*#+\s*$", "", cleaned)  # closing ATX hashes: "### title ###"
    return re.sub(r"\s+", " ", cleaned).strip(" :")


@lru_cache(maxsize=8192)  # headings and labels repeat across a catalogue
def fold(text: str) -> str:
    """Accent- and case-insensitive form of a label, numbering and decorations removed."""
    text = strip_decorations(text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("’", "'")
    for _ in range(2):
        text = _NUMBERING.sub("", text).strip()
    text = re.sub(r"\([^)]*\)", " ", text)  # "(< 5 min)", "(Rapide)", "(Immédiate)"
    text = re.sub(r"[^a-z0-9'/&+ -]+", " ", text)
    return re.sub(r"\s+", " ", text).strip(" -:")


# Ordered: the synonym that starts earliest in the label wins, then the longest; so
# "Validation post-mitigation" is validation and "Actions de résolution" is mitigation.
SECTION_SYNONYMS: Final[tuple[tuple[str, SectionKind], ...]] = (
    (r"symptom\w*", SectionKind.SYMPTOMS),
    (r"sympt\w*", SectionKind.SYMPTOMS),
    (r"meaning", SectionKind.SYMPTOMS),
    (r"(?:alert )?description", SectionKind.SYMPTOMS),
    (r"impact", SectionKind.SYMPTOMS),
    (r"exemples?|examples?", SectionKind.SYMPTOMS),
    (r"signes?|signals?|indicateurs?", SectionKind.SYMPTOMS),
    (r"diagnos\w*", SectionKind.DIAGNOSIS),
    (r"triage", SectionKind.DIAGNOSIS),
    (r"investigat\w*", SectionKind.DIAGNOSIS),
    (r"troubleshoot\w*", SectionKind.DIAGNOSIS),
    (
        r"(?:possible |root |probable )?causes?(?: possibles?| frequentes?| probables?)?",
        SectionKind.DIAGNOSIS,
    ),
    (r"analyse\w*|analysis", SectionKind.DIAGNOSIS),
    (r"steps to check|things to look for|checks?", SectionKind.DIAGNOSIS),
    (r"identification|identify\w*|detection", SectionKind.DIAGNOSIS),
    (r"mitigat\w*", SectionKind.MITIGATION),
    (r"actions? (?:immediates?|correctives?|de resolution|de remediation)", SectionKind.MITIGATION),
    (r"actions?", SectionKind.MITIGATION),
    (r"remediation|remedies", SectionKind.MITIGATION),
    (r"stabilisation|stabilization", SectionKind.MITIGATION),
    (r"solutions?|hotfix|workarounds?|contournement", SectionKind.MITIGATION),
    (r"confinement|containment|endiguement", SectionKind.MITIGATION),
    (r"approche generale|process|marche a suivre|que faire|what to do", SectionKind.MITIGATION),
    (r"mode degrade|degraded mode|fallback\w*", SectionKind.MITIGATION),
    (r"recommended actions", SectionKind.MITIGATION),
    (r"resolution\w*|resolve|fix(?:es|ing)?|correctifs?|eradicat\w*", SectionKind.RESOLUTION),
    (r"rollback\w*|roll back|revert\w*|retour arriere", SectionKind.ROLLBACK),
    (
        r"(?:quand )?restaur\w*(?: (?:le |du |un )?backup)?|restore\w*|backups?|sauvegardes?",
        SectionKind.BACKUP,
    ),
    (r"recovery|reprise|recuperation", SectionKind.BACKUP),
    (
        r"communicat\w*|communiquer|informer\w*|notifier\w*|notify\w*|status page",
        SectionKind.COMMUNICATION,
    ),
    (r"escalad\w*|escalat\w*|escalader", SectionKind.ESCALATION),
    (
        r"validat\w*|verif\w*|verify\w*|smoke tests?|health ?checks?|tests? post\w*",
        SectionKind.VALIDATION,
    ),
    (
        r"post-?mortem\w*|post-incident|retrospective|lessons? learn\w*|lecons?|retex",
        SectionKind.PREVENTION,
    ),
    (
        r"prevent\w*|prevention|preventive|ameliorations?|follow-?up|suivi|next steps|rca",
        SectionKind.PREVENTION,
    ),
)
_SECTION_RES: Final = tuple(
    (re.compile(rf"(?:^|\b){pattern}(?:\b|$)"), kind) for pattern, kind in SECTION_SYNONYMS
)


# Generic headings that hold a procedure's steps; they name a section only when standing alone
# ("## Procedure"), never inside a longer title ("PROCÉDURE P0 - Incident Critique").
GENERIC_STEPS = re.compile(
    r"(?:the )?(?:procedures?|procedure a suivre|runbook|playbook|steps|etapes|marche a suivre|"
    r"how to fix|instructions|operations)"
)


@lru_cache(maxsize=8192)  # headings and labels repeat across a catalogue
def section_kind(label: str) -> SectionKind | None:
    """The canonical section a label names, or None when it names none."""
    folded = fold(label)
    if not folded or len(folded) > 60:
        return None
    if GENERIC_STEPS.fullmatch(folded):
        return SectionKind.MITIGATION
    best: tuple[int, int, SectionKind] | None = None
    for regex, kind in _SECTION_RES:
        match = regex.search(folded)
        if match is None:
            continue
        key = (match.start(), -(match.end() - match.start()), kind)
        if best is None or key[:2] < best[:2]:
            best = key
    # A long label whose synonym appears late is a sentence, not a section name.
    if best is None or best[0] > 20:
        return None
    return best[2]


# Document parts: headings that are not procedures (at document level only).
DOCUMENT_PARTS: Final[tuple[tuple[str, str], ...]] = (
    (r"table des matieres|sommaire|table of contents|contents|toc|topics", "toc"),
    (
        r"classification|niveaux? de (?:severite|criticite|gravite|priorite)|severity levels?|"
        r"severites?|priorites?|criticite",
        "classification",
    ),
    (
        r"contacts?|escalade contacts|qui appeler|who to call|on-?call|astreinte|annuaire",
        "contacts",
    ),
    (r"niveaux d'escalade|escalation (?:levels|path|policy|matrix)|matrice d'escalade", "contacts"),
    (r"check-?lists?", "checklist"),
    (r"verification post-incident|post-incident checklist", "checklist"),
    (
        r"success metrics|metriques|metrics|kpis?|indicateurs de succes|objectifs de service",
        "metrics",
    ),
    (
        r"references?(?: utiles)?|ressources|resources|liens(?: utiles)?|useful links|links|"
        r"dashboards?|documentation|further reading|additional reading|see also|voir aussi",
        "links",
    ),
    (
        r"commandes? (?:utiles|rapides)|memo|cheat ?sheet|quick commands|useful commands|"
        r"commandes utiles memo",
        "commands",
    ),
    (
        r"version|changelog|historique|history|revision\w*|metadata|metadonnees|a propos|about",
        "metadata",
    ),
    (
        r"objectifs?|purpose|audience|scope|perimetre|vue d'ensemble|overview|introduction|"
        r"contexte|context|prerequis|prerequisites|glossaire|glossary|annexes?|appendix",
        "overview",
    ),
    (r"templates?|modeles?", "templates"),
)
_PART_RES: Final = tuple(
    (re.compile(rf"^(?:{pattern})(?:\b|$)"), part) for pattern, part in DOCUMENT_PARTS
)


@lru_cache(maxsize=8192)  # headings and labels repeat across a catalogue
def document_part(label: str) -> str | None:
    """The kind of document part a heading names ("contacts", "checklist", …), or None."""
    folded = fold(label)
    for regex, part in _PART_RES:
        if regex.search(folded):
            return part
    if re.search(r"\b(?:check-?list|contacts?)\b", folded):
        return "checklist" if "check" in folded else "contacts"
    return None


# Titles that announce a procedure or a group of procedures.
INCIDENT_TITLE = re.compile(
    r"^(?:incident|scenario|probleme|problem|issue|panne|erreur|error)\b"
    r"|\b(?:down|ko|en panne|inaccessible|indisponible|failing|failure|outage|crash\w*|"
    r"lent|slow|leak|fuite|saturee?|full|plein|bloquee?|cassee?|broken|unreachable|timeouts?|"
    r"5xx|50[234]|erreurs?|errors?|latency|latence|backlog|degradee?|degraded)\b",
)
PROCEDURE_TITLE = re.compile(
    r"\b(?:runbook|playbook|procedure)\b|^(?:alert(?:e)?(?: name)?\s*:|rb-[a-z0-9]+-\d+)"
    rf"|{INCIDENT_TITLE.pattern}"
)
GROUP_TITLE = re.compile(
    r"\b(?:procedures|runbooks|playbooks|incidents|scenarios|alerts|alertes|operations|"
    r"problemes|problems|issues|pannes)\b"
)
OPERATION_TITLE = re.compile(
    r"\b(?:deploi\w*|deploy\w*|migration\w*|backup|sauvegarde|restore|restauration|rotation|"
    r"scaling|mise a jour|update|upgrade|maintenance|installation|configur\w*|creation|"
    r"provision\w*|onboarding|release|operations?|courantes|routine|reprise d'activite|"
    r"continuite)\b"
)

# A CamelCase alert name on its own ("KubePodCrashLooping", "CortexIngesterUnhealthy").
ALERT_NAME = re.compile(r"^[\"'`]?[A-Za-z][a-z0-9]+(?:[A-Z0-9]+[a-z0-9]*){2,}[\"'`]?$")


SEVERITY_LABEL = re.compile(r"\b(P[0-5]|SEV[- ]?[0-5]|S[0-4])\b", re.IGNORECASE)
LEVEL_WORDS: Final[dict[str, Level]] = {
    "critical": Level.CRITICAL,
    "critique": Level.CRITICAL,
    "critiques": Level.CRITICAL,
    "blocker": Level.CRITICAL,
    "bloquant": Level.CRITICAL,
    "emergency": Level.CRITICAL,
    "urgent": Level.CRITICAL,
    "urgence": Level.CRITICAL,
    "fatal": Level.CRITICAL,
    "major": Level.MAJOR,
    "majeur": Level.MAJOR,
    "majeurs": Level.MAJOR,
    "high": Level.MAJOR,
    "haute": Level.MAJOR,
    "elevee": Level.MAJOR,
    "error": Level.MAJOR,
    "important": Level.MAJOR,
    "minor": Level.MINOR,
    "mineur": Level.MINOR,
    "mineurs": Level.MINOR,
    "medium": Level.MINOR,
    "moyen": Level.MINOR,
    "moyenne": Level.MINOR,
    "low": Level.MINOR,
    "faible": Level.MINOR,
    "basse": Level.MINOR,
    "warning": Level.MINOR,
    "info": Level.MINOR,
    "cosmetic": Level.MINOR,
}
MARKER_LEVELS: Final[dict[str, Level]] = {
    "🔴": Level.CRITICAL,
    "🟥": Level.CRITICAL,
    "🚨": Level.CRITICAL,
    "🟠": Level.MAJOR,
    "🟧": Level.MAJOR,
    "🟡": Level.MINOR,
    "🟨": Level.MINOR,
    "🟢": Level.MINOR,
}


def level_for_rank(rank: int) -> Level:
    """Rank 0 is the top of a document's own scale; the third level and below are minor."""
    return (Level.CRITICAL, Level.MAJOR)[rank] if rank < 2 else Level.MINOR


_UNITS: Final[dict[str, int]] = {
    "s": 0,
    "sec": 0,
    "secondes": 0,
    "seconds": 0,
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "mn": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "heure": 60,
    "heures": 60,
    "hour": 60,
    "hours": 60,
    "j": 1440,
    "jour": 1440,
    "jours": 1440,
    "d": 1440,
    "day": 1440,
    "days": 1440,
    "semaine": 10080,
    "semaines": 10080,
    "week": 10080,
    "weeks": 10080,
}
DURATION = re.compile(
    r"(?P<lo>\d+(?:[.,]\d+)?)\s*(?:(?P<lounit>[a-z]+)\s*)?(?:-|–|à|to|a)\s*"
    r"(?P<hi>\d+(?:[.,]\d+)?)\s*(?P<unit>secondes?|seconds?|sec|minutes?|mins?|mn|min|m|heures?|"
    r"hours?|hrs?|h|jours?|days?|j|d|semaines?|weeks?)\b"
    r"|(?P<single>\d+(?:[.,]\d+)?)\s*(?P<sunit>secondes?|seconds?|sec|minutes?|mins?|mn|min|m|"
    r"heures?|hours?|hrs?|h|jours?|days?|j|d|semaines?|weeks?)\b",
    re.IGNORECASE,
)


def duration_minutes(text: str) -> tuple[int, int] | None:
    """The first duration or range in `text`, in minutes.

    "2-3 minutes" gives (2, 3); "<1 jour" gives (1440, 1440); no duration gives None.
    """
    match = DURATION.search(fold_accents(text).lower())
    if match is None:
        return None
    if match.group("single"):
        per = _UNITS[match.group("sunit").lower()]
        value = round(float(match.group("single").replace(",", ".")) * per)
        return value, value
    per = _UNITS[match.group("unit").lower()]
    lo_per = _UNITS.get((match.group("lounit") or "").lower(), per)
    lo = round(float(match.group("lo").replace(",", ".")) * lo_per)
    hi = round(float(match.group("hi").replace(",", ".")) * per)
    return (lo, hi) if lo <= hi else (hi, lo)


def fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


PLACEHOLDER = re.compile(
    r"a definir|to be (?:defined|determined)|\btbd\b|\btbc\b|\btodo\b|\bfixme\b|"
    r"\bx{2,}\b|\bx(?: xx){2,}|\+\d{1,3}(?: ?[x]{1,2}){3,}|\[auto[^\]]*\]|<[^>]+>|\[[a-z _-]+\]|"
    r"^\s*-?\s*$|^\?+$|votre? |your |example\.(?:com|org)|n/a|a completer|a venir",
    re.IGNORECASE,
)


def is_placeholder(value: str) -> bool:
    """True when a contact or field is a stand-in ("À définir", "+33 X XX XX XX XX", "[AUTO]")."""
    return bool(PLACEHOLDER.search(fold_accents(value).lower()))


FRENCH_WORDS: Final = frozenset(
    "le la les des du de un une et est pour dans avec sur si pas vers ou en au aux ce cette "
    "sont etre verifier redemarrer etape procedure donnees erreur".split()
)
ENGLISH_WORDS: Final = frozenset(
    "the and is for with on if not to of in this that are be check restart step data "
    "error when then from".split()
)


def language_of(text: str) -> str:
    """ "fr" or "en", by counting common words (accents folded: 000 is French without accents)."""
    words = re.findall(r"[a-z']+", fold_accents(text).lower())
    french = sum(1 for w in words if w in FRENCH_WORDS)
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    return "fr" if french > english else "en"
