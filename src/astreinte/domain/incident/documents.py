"""Messages and post-mortems in the runbook's own shape, as Jinja2 templates.

A runbook's template is an example, not a template: "**Date:** 31/01/2026", "### Cause Root
[Description détaillée]", "[INCIDENT ALERT - 10:23 UTC]". `adopt` turns such an example into a
Jinja2 template with the same headings, labels and order, whose values come from the incident:
a label or heading it recognises (date, durée, severity, impact, root cause, timeline, actions
correctives, lessons learned…) gets the incident's value, a bracketed placeholder it knows
([Titre Incident], [ID], [DATE]) too, and the example's own figures are never carried over.
Anything it does not recognise is kept as written when it is wording, and marked "to fill" when
it is an example value. Rendering happens outside the domain, in a sandboxed Jinja2 environment.

The context every template receives is described by `CONTEXT_DOC`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from astreinte.domain.matching.analysis import fold

CONTEXT_DOC: Final = """\
incident: id, title, description, service, severity, level, status, procedure, runbook,
          procedure_title, opened_at, acknowledged_at, mitigated_at, resolved_at, closed_at,
          respond_by, resolve_by, duration (timedelta or None), ended (bool),
          link (the incident's page, None without a public URL)
postmortem: impact, root_cause, resolution, lessons (text entered by people, may be empty)
timeline: list of {at, kind, actor, text}
checklists: list of {title, phase, items: list of {text, done, by, at}}
follow_ups: list of {text, owner, done}
commands: list of {at, actor, text} (commands run, from the timeline)
now: the rendering time; t: the wording of the language (t.to_fill, t.none, t.ongoing…)
filters: hm (14:05), day (2026-01-31), when (2026-01-31 14:05 UTC), duration (1 h 05 min)
"""

# Jinja2 snippets for what a recognised label or heading stands for.
_FILL = "_{{ t.to_fill }}_"


def _text(field: str) -> str:
    return f"{{{{ postmortem.{field} or ('_' ~ t.to_fill ~ '_') }}}}"


_VALUES: Final[dict[str, str]] = {
    "title": "{{ incident.title }}",
    "id": "{{ incident.id }}",
    "date": "{{ incident.opened_at|day }}",
    "when": (
        "{{ incident.opened_at|when }}{% if incident.resolved_at %} – "
        "{{ incident.resolved_at|hm }} UTC{% endif %}"
    ),
    "duration": (
        "{% if incident.duration %}{{ incident.duration|duration }} "
        "({{ incident.opened_at|hm }} - {{ incident.resolved_at|hm }} UTC)"
        "{% else %}{{ t.ongoing }}{% endif %}"
    ),
    "severity": (
        "{{ incident.severity or t.none }}{% if incident.level %} "
        "({{ t[incident.level] }}){% endif %}"
    ),
    "status": "{{ t[incident.status] }}",
    "service": "{{ incident.service or t.none }}",
    # Until someone writes the impact, the incident's description says what is known of it.
    "impact": "{{ postmortem.impact or incident.description or ('_' ~ t.to_fill ~ '_') }}",
    "fill": _FILL,
    "root_cause": _text("root_cause"),
    "resolution": _text("resolution"),
    "lessons": _text("lessons"),
    "detected": "{{ incident.opened_at|when }}",
    "procedure": "{{ incident.procedure or t.none }}",
}

_BLOCKS: Final[dict[str, str]] = {
    "timeline": (
        "{% for e in timeline %}- {{ e.at|hm }}: {{ e.text }} ({{ e.actor }})\n"
        "{% else %}" + _FILL + "\n{% endfor %}"
    ),
    "follow_ups": (
        "{% for f in follow_ups %}{{ loop.index }}. [{{ 'x' if f.done else ' ' }}] {{ f.text }}"
        "{% if f.owner %} ({{ f.owner }}){% endif %}\n{% else %}" + _FILL + "\n{% endfor %}"
    ),
    "metrics": (
        "- {{ t.tta }}: {{ (incident.acknowledged_at - incident.opened_at)|duration "
        "if incident.acknowledged_at else t.none }}\n"
        "- {{ t.ttr }}: {{ incident.duration|duration if incident.duration else t.ongoing }}\n"
    ),
    "impact": _text("impact") + "\n",
    "root_cause": _text("root_cause") + "\n",
    "resolution": _text("resolution") + "\n",
    "lessons": _text("lessons") + "\n",
}

# Folded label or heading words → what they stand for. Order matters: first match wins.
_NAMES: Final[tuple[tuple[str, str], ...]] = (
    # "Root cause analysis: Demain 14h" is the example's own plan: someone fills in theirs.
    (r"root cause analysis|rca\b|analyse de cause", "fill"),
    (r"cause|root cause|cause racine|cause root|what happened|ce qui s'est passe", "root_cause"),
    (r"timeline|chronologie|deroulement", "timeline"),
    (
        r"actions? correctives?|action items?|prevention|next steps|prochaines etapes|"
        r"follow.?up|suivi|actions de suivi|remediation",
        "follow_ups",
    ),
    (r"lessons?|lecons|what went well|what didn't go well|retour d'experience|retex", "lessons"),
    (r"fix|resolution|correctif|what we did|ce que nous avons fait|mitigation", "resolution"),
    (r"metrics?|metriques|indicateurs", "metrics"),
    (r"impact|users? affect|utilisateurs? affect", "impact"),
    (r"date/time|date et heure|when|quand|heure", "when"),
    (r"date", "date"),
    (r"duree|duration|temps total", "duration"),
    (r"severite|severity|criticite|priorite|priority|niveau", "severity"),
    (r"status|statut|etat", "status"),
    (r"services?|composant|component|systeme", "service"),
    (r"titre|title|incident|nom", "title"),
    (r"\bid\b|identifiant|numero|ticket", "id"),
    (r"detect|detection", "detected"),
    (r"procedure|runbook", "procedure"),
)
_NAME_RES: Final = tuple((re.compile(rf"^(?:{p})"), name) for p, name in _NAMES)


def meaning(label: str) -> str | None:
    """What a label or heading stands for ("Cause Root" → root_cause), None when unknown."""
    folded = fold(label).strip(" *:_#-").strip()
    folded = re.sub(r"^\d+(?:\.\d+)*[.)]?\s+", "", folded)  # "4.2 Actions Correctives"
    for pattern, name in _NAME_RES:
        if pattern.match(folded):
            return name or None
    return None


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD_LABEL = re.compile(r"^(\s*(?:[-*]\s+)?)\*\*([^*]{1,40}?)(:?)\*\*(:?)\s*(.*)$")
_PLAIN_LABEL = re.compile(r"^(\s*(?:[-*]\s+)?)([A-Za-zÀ-ÿ][\wÀ-ÿ' /-]{0,30}?)\s*:\s+(\S.*)$")
_PLACEHOLDER = re.compile(r"\[([^\]\n]{1,60})\]")
_SPAN = re.compile(r"\(?\b\d{1,2}[:h]\d{2}\s*[-–]\s*\d{1,2}[:h]\d{2}(?:\s*UTC)?\)?")
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?:\s*UTC)?")
_LIST_LINE = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s|^\s{2,}\S")
_BANNER = re.compile(r"^\[[A-Z][A-Z ]+.*\]$")


def escape(text: str) -> str:
    """Literal text made safe inside a Jinja2 template: a runbook cannot inject template code.
    Every brace is escaped on its own, so no two of them ("{}}", "{#") can meet to open a tag."""
    return re.sub(r"[{}]", lambda m: "{{ '" + m.group(0) + "' }}", text)


def _placeholders(text: str) -> str:
    def value(match: re.Match[str]) -> str:
        inner = match.group(1)
        name = meaning(inner)
        if name in _VALUES and name not in _BLOCKS:
            return _VALUES[name]
        if fold(inner).strip() in {"x", " ", ""}:
            return match.group(0)  # a checkbox
        return match.group(0)  # a hint for the writer ("[Brief explanation]"): keep it

    return _PLACEHOLDER.sub(value, text)


@dataclass(frozen=True, slots=True)
class Adopted:
    source: str  # the Jinja2 template
    covers: frozenset[str]  # what it shows already (timeline, follow_ups…), so nothing repeats


def adopt(example: str) -> Adopted:
    """A Jinja2 template with the shape of the runbook's example (see the module docstring)."""
    out: list[str] = []
    covers: set[str] = set()
    skipping_level: int | None = None  # inside a recognised section: its example body is dropped
    skipping_list = False  # after a recognised label: its example list is dropped
    headline_done = False
    for raw in example.splitlines():
        line = escape(raw)
        if skipping_list:
            if not raw.strip() or _LIST_LINE.match(raw):
                continue
            skipping_list = False
        heading = _HEADING.match(raw)
        if heading:
            level = len(heading.group(1))
            if skipping_level is not None and level > skipping_level:
                continue  # a sub-heading of the example body
            skipping_level = None
            name = meaning(heading.group(2))
            out.append(_placeholders(line))
            if name in _BLOCKS:
                covers.add(name)
                out.append("")
                out.append(_BLOCKS[name].rstrip("\n"))
                out.append("")
                skipping_level = level
            continue
        if skipping_level is not None:
            continue
        bold = _BOLD_LABEL.match(raw)
        if bold:
            lead, label, colon_in, colon_out, _value = bold.groups()
            name = meaning(label)
            shown = f"{lead}**{escape(label)}{colon_in}**{colon_out}"
            if name in _BLOCKS and name not in _VALUES:
                covers.add(name)
                out.append(shown)
                out.append(_BLOCKS[name].rstrip("\n"))
                out.append("")
                skipping_list = True  # the example's list under the label goes
            elif name is not None:
                covers.add(name)
                out.append(f"{shown} {_VALUES[name]}")
            else:
                out.append(f"{shown} {_FILL}")
            continue
        plain = _PLAIN_LABEL.match(raw)
        if plain and not raw.lstrip().startswith(("http", "[")):
            lead, label, _value = plain.groups()
            name = meaning(label)
            if name is not None and name in _VALUES:
                covers.add(name)
                out.append(f"{escape(lead)}{escape(label)}: {_VALUES[name]}")
                continue
        if _BANNER.match(raw.strip()):
            # "[INCIDENT ALERT - 10:23 UTC]": the time is the sending time.
            out.append(_TIME.sub("{{ now|hm }} UTC", line).replace("UTC UTC", "UTC"))
            continue
        if _SPAN.search(raw) and not headline_done:
            # "🚨 AKIG Dashboard inaccessible (14:23-14:29 UTC)": the example's headline.
            lead = re.match(r"^\W*", raw)
            prefix = lead.group(0) if lead else ""
            out.append(
                f"{escape(prefix)}{{{{ incident.title }}}} ({{{{ incident.opened_at|hm }}}}"
                "{% if incident.resolved_at %}-{{ incident.resolved_at|hm }}{% endif %} UTC)"
            )
            headline_done = True
            continue
        out.append(_placeholders(line))
    return Adopted("\n".join(out).rstrip() + "\n", frozenset(covers))


# --- our own templates, used when a runbook has none --------------------------------------

# What every notification states, whatever the template: a line each, or nothing when the
# incident has no such value. A runbook's template gets those it lacks added after it.
NOTICE_FACTS: Final[dict[str, str]] = {
    "severity": (
        "{{ t.severity }}: {{ incident.severity or t.none }}{% if incident.level %} "
        "({{ t[incident.level] }}){% endif %}\n"
    ),
    "procedure": (
        "{% if incident.procedure %}{{ t.procedure }}: {{ incident.procedure }}\n{% endif %}"
    ),
    "sla": (
        "{% if not incident.ended and (incident.respond_by or incident.resolve_by) %}SLA:"
        "{% if incident.respond_by and not incident.acknowledged_at %} {{ t.respond_by }} "
        "{{ incident.respond_by|hm }} UTC{% endif %}"
        "{% if incident.resolve_by %}{% if incident.respond_by and not incident.acknowledged_at %}"
        " ·{% endif %} {{ t.resolve_by }} {{ incident.resolve_by|hm }} UTC{% endif %}\n"
        "{% endif %}"
    ),
    "link": "{% if incident.link %}{{ t.link }}: {{ incident.link }}\n{% endif %}",
}

MESSAGE: Final = (
    """\
[{{ t.incident|upper }} {{ t[incident.status]|upper }} — {{ now|hm }} UTC]
{{ t.icon[incident.level] if incident.level else '⚠️' }} {{ incident.title }}\
{% if incident.service %} — {{ incident.service }}{% endif %}
"""
    + NOTICE_FACTS["severity"]
    + """\
{{ t.status }}: {{ t[incident.status] }}
{{ t.since }}: {{ incident.opened_at|when }}\
{% if incident.resolved_at %} · {{ t.resolved_at }} {{ incident.resolved_at|hm }} UTC{% endif %}
{% if incident.description %}{{ t.impact }}: {{ incident.description }}
{% endif %}"""
    + NOTICE_FACTS["procedure"]
    + NOTICE_FACTS["sla"]
    + NOTICE_FACTS["link"]
    + """\
{% if not incident.ended %}{{ t.next_update }}
{% endif %}"""
)

# The SMS form: one line, no emoji nor typographic dashes (one of them turns a whole SMS into
# UCS-2, 70 characters a message instead of 160). Rendering shortens the title and the procedure
# to fit, never the link.
SHORT: Final = (
    "#{{ incident.id }}"
    "{% if incident.severity and incident.severity|lower != incident.level %}"
    " {{ incident.severity }}{% endif %}"
    "{% if incident.level %} {{ t[incident.level] }}{% endif %}: {{ incident.title }}"
    "{% if incident.service %} ({{ incident.service }}){% endif %}"
    "{% if incident.status != 'triggered' %} [{{ t[incident.status] }}]{% endif %}."
    "{% set respond = incident.respond_by and not incident.acknowledged_at %}"
    "{% if not incident.ended and (respond or incident.resolve_by) %} SLA:"
    "{% if respond %} {{ t.sms_respond }} {{ incident.respond_by|hm }}{% endif %}"
    "{% if incident.resolve_by %}{% if respond %},{% endif %} {{ t.sms_resolve }} "
    "{{ incident.resolve_by|hm }}{% endif %} UTC.{% endif %}"
    "{% if incident.procedure_title %} {{ t.procedure }}: {{ incident.procedure_title }}"
    "{% endif %}{% if incident.link %} {{ incident.link }}{% endif %}"
)

POSTMORTEM_HEAD: Final = """\
# {{ t.postmortem }}: {{ incident.title }}

- **{{ t.incident }}:** #{{ incident.id }} — {{ t[incident.status] }}
- **{{ t.service }}:** {{ incident.service or t.none }}
- **{{ t.severity }}:** {{ incident.severity or t.none }}\
{% if incident.level %} ({{ t[incident.level] }}){% endif %}
- **{{ t.procedure }}:** {{ incident.procedure or t.none }}
- **{{ t.date }}:** {{ incident.opened_at|when }}\
{% if incident.resolved_at %} – {{ incident.resolved_at|when }}{% endif %}
- **{{ t.duration }}:** {{ incident.duration|duration if incident.duration else t.ongoing }}
"""

POSTMORTEM_SECTIONS: Final[dict[str, str]] = {
    "impact": "## {{ t.impact }}\n\n" + _BLOCKS["impact"],
    "root_cause": "## {{ t.root_cause }}\n\n" + _BLOCKS["root_cause"],
    "resolution": "## {{ t.resolution }}\n\n" + _BLOCKS["resolution"],
    "metrics": "## {{ t.metrics }}\n\n" + _BLOCKS["metrics"],
    "timeline": "## {{ t.timeline }}\n\n" + _BLOCKS["timeline"],
    "commands": (
        "## {{ t.commands }}\n\n{% for c in commands %}- {{ c.at|hm }} {{ c.actor }}: "
        "`{{ c.text }}`\n{% else %}{{ t.no_commands }}\n{% endfor %}"
    ),
    "checklists": (
        "## {{ t.checklists }}\n\n{% for c in checklists %}### {{ c.title }}\n\n"
        "{% for i in c['items'] %}- [{{ 'x' if i.done else ' ' }}] {{ i.text }}"
        "{% if i.done and i.by %} — {{ i.by }}, {{ i.at|hm }}{% endif %}\n{% endfor %}\n"
        "{% else %}{{ t.none }}\n{% endfor %}"
    ),
    "follow_ups": "## {{ t.follow_ups }}\n\n" + _BLOCKS["follow_ups"],
    "lessons": "## {{ t.lessons }}\n\n" + _BLOCKS["lessons"],
}


def postmortem_source(example: str | None) -> str:
    """The post-mortem template: the runbook's example adopted, followed by every section it
    lacks (timeline, commands run, checklists, follow-ups…); our own layout without one."""
    if example is None:
        return POSTMORTEM_HEAD + "\n" + "\n".join(POSTMORTEM_SECTIONS.values())
    adopted = adopt(example)
    missing = [body for name, body in POSTMORTEM_SECTIONS.items() if name not in adopted.covers]
    return adopted.source + "\n" + "\n".join(missing)


def message_source(example: str | None) -> str:
    return MESSAGE if example is None else adopt(example).source


def notice_source(example: str | None) -> str:
    """The template of a notification's full form: the message, followed by whichever of the
    severity, procedure, SLA deadlines and link the runbook's example does not show."""
    if example is None:
        return MESSAGE
    adopted = adopt(example)
    missing = [body for name, body in NOTICE_FACTS.items() if name not in adopted.covers]
    return adopted.source + "".join(missing)


WORDING: Final[dict[str, dict[str, object]]] = {
    "en": {
        "incident": "Incident",
        "postmortem": "Post-mortem",
        "service": "Service",
        "severity": "Severity",
        "status": "Status",
        "procedure": "Procedure",
        "link": "Link",
        "date": "Date",
        "duration": "Duration",
        "since": "Since",
        "resolved_at": "resolved at",
        "respond_by": "respond by",
        "resolve_by": "resolve by",
        "sms_respond": "respond",
        "sms_resolve": "resolve",
        "impact": "Impact",
        "root_cause": "Root cause",
        "resolution": "Resolution",
        "metrics": "Metrics",
        "timeline": "Timeline",
        "commands": "Commands run",
        "no_commands": "No command was run through astreinte.",
        "checklists": "Checklists",
        "follow_ups": "Follow-up actions",
        "lessons": "Lessons learned",
        "tta": "Time to acknowledge",
        "ttr": "Time to resolve",
        "to_fill": "to fill in",
        "none": "none",
        "ongoing": "ongoing",
        "next_update": "Next update within 30 minutes.",
        "triggered": "triggered",
        "acknowledged": "acknowledged",
        "mitigated": "mitigated",
        "resolved": "resolved",
        "closed": "closed",
        "critical": "critical",
        "major": "major",
        "minor": "minor",
        "info": "info",
        "icon": {"critical": "🔴", "major": "🟠", "minor": "🟡", "info": "🔵"},
    },
    "fr": {
        "incident": "Incident",
        "postmortem": "Post-mortem",
        "service": "Service",
        "severity": "Sévérité",
        "status": "Statut",
        "procedure": "Procédure",
        "link": "Lien",
        "date": "Date",
        "duration": "Durée",
        "since": "Depuis",
        "resolved_at": "résolu à",
        "respond_by": "prise en charge avant",
        "resolve_by": "résolution avant",
        "sms_respond": "réponse",
        "sms_resolve": "résolution",
        "impact": "Impact",
        "root_cause": "Cause racine",
        "resolution": "Résolution",
        "metrics": "Métriques",
        "timeline": "Chronologie",
        "commands": "Commandes exécutées",
        "no_commands": "Aucune commande n'a été exécutée par astreinte.",
        "checklists": "Checklists",
        "follow_ups": "Actions de suivi",
        "lessons": "Leçons apprises",
        "tta": "Délai de prise en charge",
        "ttr": "Délai de résolution",
        "to_fill": "à compléter",
        "none": "aucun",
        "ongoing": "en cours",
        "next_update": "Prochaine mise à jour d'ici 30 minutes.",
        "triggered": "déclenché",
        "acknowledged": "pris en charge",
        "mitigated": "atténué",
        "resolved": "résolu",
        "closed": "clos",
        "critical": "critique",
        "major": "majeur",
        "minor": "mineur",
        "info": "info",
        "icon": {"critical": "🔴", "major": "🟠", "minor": "🟡", "info": "🔵"},
    },
}


def wording(language: str) -> dict[str, object]:
    return WORDING.get(language, WORDING["en"])
