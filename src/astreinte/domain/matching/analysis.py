"""Text analysis for matching: folding, tokens that keep identifiers, stems, and shared concepts.

A runbook says "Redis down / Queue bloquée", an alert says "RedisDown", a log says
`connect ECONNREFUSED 127.0.0.1:6379`, a user says "les emails n'arrivent plus". Each text becomes
a bag of *terms*:

- folded words (accents and case removed: 000 is French typed without accents), stemmed with the
  French and the English Snowball stemmers both, since a line may mix the two languages;
- identifiers kept whole *and* split (`redisConnected` → `redisconnected`, `redis`, `connected`;
  `/persist-on-login` → itself, `persist`, `login`; `:5432` → `port:5432`);
- concepts (`@database`, `@slow`, …) from a bilingual lexicon of incident vocabulary, so that
  "base de données lente" and "database slow" share terms.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any, Final

import snowballstemmer

PREFIX_LENGTH = 5
PREFIX_MIN = 7

# A Snowball stemmer keeps the word it works on in the object: two threads stemming with the
# same one corrupt each other (IndexError deep inside it). One pair per thread, then.
_local = threading.local()


def _stemmers() -> tuple[Any, Any]:
    pair: tuple[Any, Any] | None = getattr(_local, "pair", None)
    if pair is None:
        pair = (snowballstemmer.stemmer("french"), snowballstemmer.stemmer("english"))
        _local.pair = pair
    return pair


STOP_WORDS: Final = frozenset(
    """
    a an and are as at be been but by can do does for from has have how i if in into is it its
    me my no not of on or our so than that the their then there these this to was we were what
    when where which while who why will with you your yes all any some get got just very
    au aux avec ce ces cet cette dans de des du elle en est et etre il ils je la le les leur
    lui mais me meme mes moi mon ne nos notre nous on ou par pas plus pour qu que qui sa sans
    se ses si son sont sur ta te tes toi ton tu un une vos votre vous y ca c d l n s t j qu'
    depuis tres trop encore alors donc car ni toujours deja personne rien peut peuvent
    pouvons faire fait quand comment pourquoi quoi nobody anyone someone can't cannot cant
    firing resolved severity alertname summary description labels annotations instance
    """.split()
)


# Bilingual incident vocabulary: each concept and the words or phrases (folded) that name it.
# Written from the seeds' and the public runbooks' vocabulary and from what users and monitoring
# tools say; a phrase matches on word boundaries.
def _phrases(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


CONCEPTS: Final[dict[str, tuple[str, ...]]] = {
    "@database": _phrases(
        "base de donnees|bdd|database|db|postgres|postgresql|pg|psql|mysql|mariadb|sql|"
        "supabase|5432|3306|pg_isready|requete|requetes|query|queries|dbconnected"
    ),
    "@cache": _phrases("redis|cache|6379|memcached|redisconnected|redis-cli"),
    "@queue": _phrases(
        "queue|queues|file d'attente|files d'attente|bullmq|bull|job|jobs|worker|workers|"
        "backlog|celery|kafka|consumer|lag|messages en attente|tache|taches"
    ),
    "@disk": _phrases(
        "disque|disk|espace disque|disk space|no space left|enospc|disque plein|disk full|"
        "full disk|volume|df -h|stockage|storage|filling up|inode|inodes|pvc|"
        "persistent volume|volume persistant|plein|pleine|se remplit|remplissage|filling|"
        "fills up|running out of space|plus de place|sature le disque"
    ),
    "@memory": _phrases(
        "memoire|memory|ram|oom|out of memory|outofmemory|oomkilled|heap|fuite memoire|"
        "memory leak|leak|fuite|swap"
    ),
    "@slow": _phrases(
        "lent|lente|lents|lenteur|lenteurs|slow|slowness|latency|latence|performance|perf|"
        "p95|p99|ttfb|temps de reponse|response time|timeout|timeouts|etimedout|degrade|"
        "degraded|rame|traine|frozen|freeze|freezes|fige|figee|hang|hangs|hanging|"
        "sluggish|ralenti|ralentissement"
    ),
    "@auth": _phrases(
        "connexion|se connecter|connecter|login|log in|sign in|signin|authentification|"
        "authentication|auth|oauth|jwt|token|tokens|mot de passe|password|credentials|"
        "identifiants|session|sessions|401|403|unauthorized|invalid token|linkedin"
    ),
    "@down": _phrases(
        "down|panne|en panne|indisponible|inaccessible|unreachable|unavailable|ko|"
        "hors service|hors ligne|offline|crash|crashed|plante|tombe|coupe|outage|"
        "ne repond plus|not responding|ne repond pas|connection refused|econnrefused|"
        "refused|refuse"
    ),
    "@error": _phrases(
        "erreur|erreurs|error|errors|500|5xx|exception|exceptions|echec|echoue|fail|"
        "failed|failing|failure|taux d'erreur|error rate|sentry|stack trace|bug|bugs"
    ),
    "@gateway": _phrases(
        "502|503|504|bad gateway|gateway timeout|upstream|nginx|proxy|reverse proxy|"
        "load balancer|lb|haproxy"
    ),
    "@deploy": _phrases(
        "deploiement|deploy|deployment|deployer|redeploy|release|mise en production|build|"
        "rollback|promote|git push|ci/cd|pipeline|version precedente|previous version|"
        "deployed|deploye|mise en ligne|push|pushed|pousser|merge|merged"
    ),
    "@frontend": _phrases(
        "frontend|front|site|page|pages|vercel|next.js|nextjs|navigateur|browser|ui|"
        "interface|page blanche|blank page|dashboard|ux|formulaire|form|bouton|button|css|"
        "affichage|libelle|ecran|screen"
    ),
    "@backend": _phrases(
        "backend|api|serveur|server|railway|nestjs|django|endpoint|/health|health|"
        "healthcheck|vps|container|containers|conteneur|conteneurs|docker"
    ),
    "@notify": _phrases(
        "email|emails|e-mail|mail|mails|courriel|sms|twilio|sendgrid|notification|"
        "notifications|preavis|smtp|courriels|notif|reminder|reminders|rappel|rappels|"
        "relance|relances|text message|text messages|texto|textos|push notification"
    ),
    "@billing": _phrases(
        "billing|facturation|facture|factures|invoice|invoices|paiement|paiements|payment|"
        "payments|stripe|abonnement|subscription|webhook|webhooks"
    ),
    "@ratelimit": _phrases(
        "429|rate limit|rate limiting|rate-limit|ratelimit|too many requests|throttle|"
        "throttling|limite de debit|bloque|bloques|blocked|whitelist"
    ),
    "@quota": _phrases(
        "quota|quotas|limit reached|limite atteinte|plan|indexation|indexing|limit|limite"
    ),
    "@load": _phrases(
        "charge|load|load average|cpu|high load|surcharge|saturation|sature|saturated|"
        "overload|trafic|traffic"
    ),
    "@pool": _phrases(
        "too many clients|too many connections|connection pool|pool|connexions|"
        "connections|max_connections|pool timeout|remaining connection slots"
    ),
    "@tls": _phrases(
        "certificat|certificate|certificates|tls|ssl|x509|https|expire|expired|expiration"
    ),
    "@kubernetes": _phrases(
        "kubernetes|k8s|kubectl|pod|pods|node|nodes|kubelet|deployment|statefulset|"
        "daemonset|crashloopbackoff|imagepullbackoff|namespace|oc|noeud|noeuds|evict|evicted|"
        "eviction|expulser|expulse|expulsion|taint|taints|scheduling|ordonnancement|pending"
    ),
    "@restart": _phrases(
        "restart|restarts|redemarrer|redemarrage|reboot|crashloop|crash loop|restarting|"
        "redemarre|relancer"
    ),
    "@security": _phrases(
        "securite|security|attaque|attack|intrusion|breach|compromis|compromised|"
        "fuite de donnees|data breach|malware|phishing|vulnerabilite|vulnerability|intrus|"
        "compromise|compromission|hacked|hacker|pirate|piratage|broke into|break-in|"
        "exfiltration|exfiltrate|suspicious|suspect|suspecte|ransomware|ddos|ip inconnue|"
        "unknown ip|backdoor|rootkit"
    ),
    "@backup": _phrases(
        "backup|backups|sauvegarde|sauvegardes|restore|restauration|restaurer|dump|"
        "pg_dump|pg_restore|corruption|corrompu|corrupted|panic"
    ),
    "@ai": _phrases(
        "ia|ai|llm|gemini|openai|modele|model|confidence|confiance|resolution ia|chatbot|"
        "bot|assistant|agent ia|escalade humaine|human handoff|low_confidence"
    ),
    "@dns": _phrases("dns|nslookup|dig|domaine|domain|resolution dns|nxdomain"),
    "@network": _phrases("reseau|network|firewall|pare-feu|ufw|iptables|port|ports|ping|ss -tlnp"),
    "@etcd": _phrases("etcd|fsync|wal|raft|leader"),
    "@ceph": _phrases("ceph|rook|osd|mds|mon|rbd|cephfs"),
    "@scaling": _phrases(
        "scale|scaling|scale up|scale out|replica|replicas|instances|horizontal|"
        "autoscaling|hpa|capacity|capacite|montee en charge|keep up|more resources|"
        "plus de ressources"
    ),
    "@migration": _phrases(
        "migration|migrations|migrate|schema|alembic|prisma|sqlx|idempotent|idempotence|"
        "idempotency|ddl"
    ),
    "@config": _phrases(
        "environment variable|environment variables|variable d'environnement|"
        "variables d'environnement|env var|env vars|.env|env|configuration|config|"
        "settings|parametres|secret|secrets"
    ),
    "@deadletter": _phrases(
        "dlq|dead letter|dead-letter|poison|poisoned|messages rejetes|rejected messages"
    ),
    "@minor": _phrases(
        "cosmetique|cosmetic|typo|coquille|pas urgent|rien d'urgent|not urgent|"
        "low priority|faible priorite|minor|mineur|mineure|mineurs|next sprint|"
        "prochain sprint"
    ),
}

# Words and identifiers with their inner punctuation, so URLs, ports (":5432"), paths
# ("/persist-on-login") and "127.0.0.1:6379" stay whole; `_token_terms` splits them further.
_TOKEN = re.compile(r"[a-z0-9_$@*/:][a-z0-9_$@*.:/'-]*")
_PARTS = re.compile(r"[a-z0-9]+")
# A word with a case change inside: "redisConnected", "KubeAPIErrorBudgetBurn", and an acronym
# before a word, "CPUThrottlingHigh" (but not a plural acronym, "CPUs").
_CAMEL_WORD = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*(?:[a-z][A-Z]|[A-Z]{2}[a-z]{2}))[A-Za-z][A-Za-z0-9]*"
)
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lower case without accents; apostrophes unified."""
    if not text.isascii():
        # NFKD leaves the ligatures whole: "nœud" must meet "noeud".
        text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text.lower().replace("’", "'").replace("`", " ")


@lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, ...]:
    """The word's French and English stems (one when they agree); identifiers are kept as is."""
    if not word.isalpha() or len(word) <= 3:
        return (word,)
    french_stemmer, english_stemmer = _stemmers()
    french, english = french_stemmer.stemWord(word), english_stemmer.stemWord(word)
    return tuple(dict.fromkeys((word, french, english)))


def _camel_parts(raw: str) -> list[str]:
    return [part.lower() for part in _CAMEL.findall(raw)]


def terms(text: str) -> list[str]:
    """The terms of a text, in order, with repeats (counts matter for ranking)."""
    return [term for group in term_groups(text) for term in group]


def term_groups(text: str) -> list[tuple[str, ...]]:
    """The terms of a text grouped by the word they come from: a word's French and English stems
    and its prefix are alternative spellings of one piece of evidence, which a query counts
    once (through its best match), or "tenants" (French stem "ten") would count twice."""
    out: list[tuple[str, ...]] = []
    # Identifiers written in camelCase lose their case when folded: split them first, and let
    # their words name concepts too ("PostgresDown" is about the database being down).
    spelled: list[str] = []
    for raw in _CAMEL_WORD.findall(text):
        words = _camel_parts(raw)
        for word in words:  # stemmed like any word: "FillingUp" must meet "filling up"
            out.extend(_token_terms(word))
        spelled.append(" ".join(words))
    folded = fold(text)
    for raw in _TOKEN.findall(folded):
        out.extend(_token_terms(raw))
    out.extend((concept,) for concept in concepts(folded))
    if spelled:
        out.extend((concept,) for concept in concepts(" ".join(spelled)))
    return out


_PORT = re.compile(r":(\d{2,5})$")
_IP = re.compile(r"\d+(?:\.\d+){3}(?::\d+)?")


@lru_cache(maxsize=262144)  # a catalogue repeats its tokens: thousands of texts, few words
def _token_terms(raw: str) -> tuple[tuple[str, ...], ...]:
    out: list[tuple[str, ...]] = []
    port = _PORT.search(raw)
    if port:  # "127.0.0.1:6379", ":5432": the port says which service refused
        out.append(("port:" + port.group(1),))
    token = raw.strip(".:'-/") if not raw.startswith("/") else raw.rstrip(".:'-/")
    if not token or token in STOP_WORDS or _IP.fullmatch(token):
        return tuple(out)  # an IP address names no component; its port was kept above
    if token.startswith("$"):
        # "$DATABASE_URL" in a command is plumbing, not a topic: keep it whole only.
        return (*out, (token,))
    parts = _PARTS.findall(token)
    if len(parts) > 1 or token != (parts[0] if parts else ""):
        out.append((token,))  # the identifier whole: "/persist-on-login", "pg_isready"
    for part in parts:
        if part not in STOP_WORDS and len(part) > 1:
            forms = stems(part)
            if len(part) >= PREFIX_MIN and part.isalpha():
                # French and English share Latin roots: "déploiement"/"deployment",
                # "authentification"/"authentication" meet on their first letters.
                forms = (*forms, "~" + part[:PREFIX_LENGTH])
            out.append(forms)
    return tuple(out)


_Trie = dict[str, "_Trie"]


def _trie_pattern(phrases: list[str]) -> str:
    """One regex for many phrases, factored by shared prefixes: Python's `re` tries every
    alternative of a flat list at every position, a trie only the letters that can follow.
    Longer phrases are tried before their prefixes, as in a longest-first alternation."""
    trie: _Trie = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def _phrase_concepts() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for concept, phrases in CONCEPTS.items():
        for phrase in phrases:
            table.setdefault(phrase, []).append(concept)
    return {phrase: tuple(names) for phrase, names in table.items()}


_PHRASE_CONCEPTS: Final = _phrase_concepts()
# Scanned once per text; "disk full" wins over "disk".
_CONCEPT_RE: Final = re.compile(
    r"(?<![a-z0-9])(?:" + _trie_pattern(list(_PHRASE_CONCEPTS)) + r")(?![a-z0-9])"
)


def concepts(folded: str) -> list[str]:
    """Concept terms named in an already folded text, once per mention."""
    return [concept for concept, _ in concept_mentions(folded)]


def concept_mentions(folded: str) -> list[tuple[str, str]]:
    """(concept, the phrase that named it) for each mention in an already folded text."""
    found: list[tuple[str, str]] = []
    for match in _CONCEPT_RE.finditer(folded):
        phrase = match.group(0)
        found.extend((concept, phrase) for concept in _PHRASE_CONCEPTS[phrase])
    return found


def phrase_terms(phrase: str) -> frozenset[str]:
    """Every term the words of a (folded) phrase index as."""
    return frozenset(t for raw in _TOKEN.findall(phrase) for g in _token_terms(raw) for t in g)


def surfaces(text: str) -> dict[str, str]:
    """Each term of `text` mapped back to the word the user wrote, for reasons people can read:
    a part's stem to that part ("user" in "sylion_user"), a whole identifier to itself."""
    folded = fold(text)
    found: dict[str, str] = {"": folded}  # "" holds the folded text, for concept phrases
    for raw in _TOKEN.findall(folded):
        word = raw.strip(".:'-/")
        for part in _PARTS.findall(word):
            for stem in stems(part):
                found.setdefault(stem, part)
            found.setdefault("~" + part[:PREFIX_LENGTH], part)
        for group in _token_terms(raw):
            for term in group:
                found.setdefault(term, word)
    return found


def concept_words(concept: str) -> tuple[str, ...]:
    return CONCEPTS.get(concept, ())
