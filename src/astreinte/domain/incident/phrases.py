"""What astreinte writes on a timeline, in the incident's language (the runbook's): a French
team reads a French post-mortem. What people write is kept as they wrote it."""

from __future__ import annotations

from typing import Final

PHRASES: Final[dict[str, dict[str, str]]] = {
    "opened": {"en": "Incident opened: {title}", "fr": "Incident ouvert : {title}"},
    "no_procedure": {
        "en": "No procedure of the catalogue matches this incident; choose one when it is known.",
        "fr": "Aucune procédure du catalogue ne correspond ; choisissez-en une dès qu'elle est "
        "connue.",
    },
    "procedure_matched": {
        "en": "Procedure '{title}' ({source}) matched (score {score})",
        "fr": "Procédure « {title} » ({source}) reconnue (score {score})",
    },
    "procedure_given": {
        "en": "Procedure '{title}' ({source}) chosen when the incident was opened",
        "fr": "Procédure « {title} » ({source}) choisie à l'ouverture",
    },
    "procedure_changed": {
        "en": "Procedure changed from '{before}' to '{title}' by {actor}",
        "fr": "Procédure changée de « {before} » à « {title} » par {actor}",
    },
    "procedure_chosen": {
        "en": "Procedure '{title}' ({source}) chosen by {actor}",
        "fr": "Procédure « {title} » ({source}) choisie par {actor}",
    },
    "acknowledge": {"en": "Acknowledged by {actor}", "fr": "Pris en charge par {actor}"},
    "mitigate": {"en": "Mitigated by {actor}", "fr": "Atténué par {actor}"},
    "resolve": {"en": "Resolved by {actor}", "fr": "Résolu par {actor}"},
    "close": {"en": "Closed by {actor}", "fr": "Clos par {actor}"},
    "reopen": {"en": "Reopened by {actor}", "fr": "Rouvert par {actor}"},
    "override": {
        "en": "Closed without {missing}: {reason}",
        "fr": "Clos sans {missing} : {reason}",
    },
    "checklist_done": {"en": "Done: {item} ({checklist})", "fr": "Fait : {item} ({checklist})"},
    "checklist_undone": {
        "en": "Not done: {item} ({checklist})",
        "fr": "Pas fait : {item} ({checklist})",
    },
    "postmortem": {
        "en": "Post-mortem updated: {fields}",
        "fr": "Post-mortem mis à jour : {fields}",
    },
    "follow_up": {"en": "Follow-up action #{id}: {text}", "fr": "Action de suivi n°{id} : {text}"},
    "follow_up_owner": {"en": " (owner: {owner})", "fr": " (responsable : {owner})"},
    "follow_up_done": {
        "en": "Follow-up action #{id} done: {text}",
        "fr": "Action de suivi n°{id} faite : {text}",
    },
    "follow_up_reopened": {
        "en": "Follow-up action #{id} reopened: {text}",
        "fr": "Action de suivi n°{id} rouverte : {text}",
    },
    "paged": {"en": "Paged tier {tier}{round}: {who}", "fr": "Appel du tier {tier}{round} : {who}"},
    "round": {"en": ", round {round}", "fr": ", tour {round}"},
    "nobody_paged": {
        "en": "Escalation to tier {tier}{round}: no contact could be paged",
        "fr": "Escalade au tier {tier}{round} : aucun contact joignable",
    },
    "contact_missing": {
        "en": "Tier {tier} contact '{role}' is a placeholder ('{contact}'): nobody was paged "
        "there; fill it in the runbook",
        "fr": "Le contact « {role} » du tier {tier} n'est pas renseigné (« {contact} ») : "
        "personne n'a été appelé ; complétez le runbook",
    },
    "sla_warning_respond": {
        "en": "SLA warning: 80% of the time to respond is gone (due {deadline} UTC)",
        "fr": "Alerte SLA : 80 % du délai de réponse écoulé (échéance {deadline} UTC)",
    },
    "sla_warning_resolve": {
        "en": "SLA warning: 80% of the time to resolve is gone (due {deadline} UTC)",
        "fr": "Alerte SLA : 80 % du délai de résolution écoulé (échéance {deadline} UTC)",
    },
    "sla_breach_respond": {
        "en": "SLA breached: not acknowledged by {deadline} UTC",
        "fr": "SLA dépassé : pas de prise en charge avant {deadline} UTC",
    },
    "sla_breach_resolve": {
        "en": "SLA breached: not resolved by {deadline} UTC",
        "fr": "SLA dépassé : pas résolu avant {deadline} UTC",
    },
    # Guarded execution.
    "step_requested": {
        "en": "Step {step} ({risk}) requested by {actor}; it waits for a second person's "
        "approval: {command}",
        "fr": "Étape {step} ({risk}) demandée par {actor} ; elle attend l'approbation d'une "
        "deuxième personne : {command}",
    },
    "step_approved": {
        "en": "Step {step} approved by {actor} (requested by {requester})",
        "fr": "Étape {step} approuvée par {actor} (demandée par {requester})",
    },
    "step_self_approval": {
        "en": "{actor} asked for step {step} and may not approve it too; a second person must",
        "fr": "{actor} a demandé l'étape {step} et ne peut pas l'approuver aussi ; une deuxième "
        "personne doit le faire",
    },
    "step_refused": {
        "en": "Step {step} requested by {actor} refused: {reason}",
        "fr": "Étape {step} demandée par {actor} refusée : {reason}",
    },
    "step_cancelled": {
        "en": "Step {step} cancelled by {actor}",
        "fr": "Étape {step} annulée par {actor}",
    },
    "step_started": {
        "en": "Step {step} started on {target} by {actor}: {command}",
        "fr": "Étape {step} lancée sur {target} par {actor} : {command}",
    },
    "step_succeeded": {
        "en": "Step {step} succeeded (exit {code})",
        "fr": "Étape {step} réussie (code {code})",
    },
    "step_failed": {
        "en": "Step {step} failed (exit {code})",
        "fr": "Étape {step} échouée (code {code})",
    },
    "step_failed_to_start": {
        "en": "Step {step} could not run: {error}",
        "fr": "L'étape {step} n'a pas pu être lancée : {error}",
    },
    "step_timed_out": {
        "en": "Step {step} stopped: still running after {seconds} s",
        "fr": "Étape {step} arrêtée : toujours en cours après {seconds} s",
    },
    # Why a rule refused a step.
    "refusal_kill_switch": {
        "en": "command execution is switched off (kill switch)",
        "fr": "l'exécution des commandes est coupée (arrêt d'urgence)",
    },
    "refusal_rate_limit": {
        "en": "it already ran {count} times on {target} in the last hour (limit {limit})",
        "fr": "elle a déjà tourné {count} fois sur {target} dans la dernière heure (limite "
        "{limit})",
    },
    "refusal_no_restore": {
        "en": "the runbook says not to restore a backup for this procedure",
        "fr": "le runbook dit de ne pas restaurer de sauvegarde pour cette procédure",
    },
    "refusal_changed": {
        "en": "the step or its values changed since it was requested",
        "fr": "l'étape ou ses valeurs ont changé depuis la demande",
    },
    "refusal_values_lost": {
        "en": "the values given with the request are no longer held ({missing})",
        "fr": "les valeurs données avec la demande ne sont plus connues ({missing})",
    },
}

FIELDS: Final[dict[str, dict[str, str]]] = {
    "impact": {"en": "impact", "fr": "impact"},
    "root_cause": {"en": "root cause", "fr": "cause racine"},
    "resolution": {"en": "resolution", "fr": "résolution"},
    "lessons": {"en": "lessons", "fr": "leçons"},
}


def phrase(key: str, language: str, **values: object) -> str:
    """The phrase `key` in `language` (English when the language has none), filled in."""
    forms = PHRASES[key]
    return forms.get(language, forms["en"]).format(**values)


def field_name(field: str, language: str) -> str:
    forms = FIELDS.get(field, {"en": field.replace("_", " ")})
    return forms.get(language, forms["en"])
