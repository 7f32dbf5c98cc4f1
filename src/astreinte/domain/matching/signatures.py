"""Well-known error signatures and the component at fault.

A log line or an alert often names its cause in a standard way: `ECONNREFUSED …:6379` is Redis
refusing connections, `ENOSPC` a full disk, `sorry, too many clients already` PostgreSQL's
connection limit. Each signature adds the concepts of its component to the query (so a procedure
about that component ranks higher even when it never quotes the message) and says so in the
reasons.

Signature → component at fault (concepts added):
- ECONNREFUSED / connection refused with a port → the service on it: 5432 PostgreSQL, 6379 Redis,
  3306 MySQL, 27017 MongoDB, 9092 Kafka, 80/443/3000/4000/8000/8080 the web backend (+ `@down`);
- ETIMEDOUT / timed out → an upstream API or dependency (`@slow`, `@gateway`);
- ENOSPC / No space left on device → disk (`@disk`);
- OOM / heap out of memory / Cannot allocate memory → memory (`@memory`, `@restart`);
- OOM command not allowed … 'maxmemory' / ReplyError / a `bull:<queue>:` key → Redis, the
  cache or the queue's store (`@cache`, `@queue`): Redis's own out-of-memory, not the host's;
- too many clients / too many connections / pool timeout → the database connection pool;
- database connection failed / could not connect to the database → the database (`@down`);
  it explains a 502/503 seen in the same line;
- takes more than 5 seconds / response time 3200 ms → slow responses (`@slow`);
- password authentication failed / Access denied for user → database credentials;
- 429 / rate limit / Too Many Requests → rate limiting (`@ratelimit`);
- 502 / 503 / 504 / Bad Gateway / upstream → the backend behind the proxy;
- PANIC / could not read block / checksum mismatch → database corruption (`@backup`);
- TypeError / ReferenceError / Cannot read property of undefined → a code bug (`@deploy`);
- CrashLoopBackOff / ImagePullBackOff / OOMKilled → a Kubernetes pod;
- x509 / certificate has expired / SSL handshake → the TLS certificate (`@tls`);
- invalid token / jwt expired → authentication (`@auth`);
- NXDOMAIN / ENOTFOUND → DNS (`@dns`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_PORTS: Final[dict[str, tuple[str, str]]] = {
    "5432": ("PostgreSQL", "@database"),
    "6379": ("Redis", "@cache"),
    "3306": ("MySQL", "@database"),
    "27017": ("MongoDB", "@database"),
    "9092": ("Kafka", "@queue"),
    "5672": ("RabbitMQ", "@queue"),
    "11211": ("Memcached", "@cache"),
    "80": ("the web server", "@backend"),
    "443": ("the web server", "@backend"),
    "3000": ("the application server", "@backend"),
    "4000": ("the application server", "@backend"),
    "8000": ("the application server", "@backend"),
    "8080": ("the application server", "@backend"),
}


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    pattern: re.Pattern[str]
    component: str
    concepts: tuple[str, ...]
    # Generic signatures that this more specific one explains: "503 … database connection
    # failed" is the database's failure seen through the proxy, not the proxy's.
    supersedes: tuple[str, ...] = ()


def _sig(
    name: str, pattern: str, component: str, *concepts: str, supersedes: tuple[str, ...] = ()
) -> Signature:
    return Signature(name, re.compile(pattern, re.IGNORECASE), component, concepts, supersedes)


# Patterns also know the French wording of localised messages: PostgreSQL and glibc translate
# theirs under a French locale ("l'authentification par mot de passe a échoué").
SIGNATURES: Final[tuple[Signature, ...]] = (
    _sig(
        "ETIMEDOUT",
        r"\b(?:e?timedout|esockettimedout|timed out|timeout exceeded)\b|"
        r"d[ée]lai d'attente (?:d[ée]pass[ée]|expir[ée])",
        "an upstream API or dependency",
        "@slow",
        "@gateway",
    ),
    _sig(
        "ENOSPC",
        r"\benospc\b|no space left on device|disk (?:is )?full|disque plein|"
        r"aucun espace disponible sur le p[ée]riph[ée]rique",
        "disk",
        "@disk",
    ),
    _sig(
        "out of memory",
        r"\boom(?:killed)?\b|out of ?memory|heap out of memory|"
        r"cannot allocate memory|allocation failed",
        "memory",
        "@memory",
        "@restart",
    ),
    _sig(
        "Redis maxmemory",
        r"oom command not allowed|\bmaxmemory\b|\breplyerror\b|\bbull:[\w-]+:",
        "Redis (the cache or the job queue's store)",
        "@cache",
        "@queue",
        supersedes=("out of memory",),
    ),
    _sig(
        "too many connections",
        r"too many (?:clients|connections)|remaining connection slots|trop de clients|"
        r"pool timeout|pool timed out|connection pool (?:is )?(?:full|exhausted)",
        "database connection pool",
        "@database",
        "@pool",
        supersedes=("ETIMEDOUT", "database unreachable"),
    ),
    _sig(
        "database unreachable",
        r"\b(?:database|db|postgres(?:ql)?|mysql) connection (?:failed|refused|lost|error)|"
        r"could not connect to (?:the )?(?:database|db|postgres\w*|mysql)|"
        r"error connecting to (?:the )?(?:database|db)|"
        r"connection to (?:the )?(?:database|db) (?:failed|lost|refused)|"
        r"connexion (?:[àa] la )?(?:base de donn[ée]es|bdd|base) "
        r"(?:impossible|[ée]chou[ée]e|perdue|refus[ée]e)",
        "the database",
        "@database",
        "@down",
        supersedes=("bad gateway",),
    ),
    _sig(
        "slow responses",
        r"\b(?:takes?|took|taking|prend|prennent|met|mettent)\b[^.\n]{0,20}?"
        r"(?:more than|over|plus de|>)\s*\d+(?:[.,]\d+)?\s*"
        r"(?:s|secs?|seconds?|secondes?|ms|min|minutes?)\b|"
        r"\b(?:response time|temps de r[ée]ponse|latency|latence)\b[^\n]{0,20}?"
        r"\d+(?:[.,]\d+)?\s*(?:ms|s|sec|seconds?|secondes?)\b",
        "slow responses (the application or what it waits on)",
        "@slow",
    ),
    _sig(
        "authentication failed",
        r"password authentication failed|access denied for user|"
        r"authentification par mot de passe (?:a )?[ée]chou[ée]",
        "database credentials",
        "@database",
        "@auth",
    ),
    _sig("rate limited", r"\b429\b|rate.?limit|too many requests", "rate limiting", "@ratelimit"),
    _sig(
        "bad gateway",
        r"\b50[234]\b|bad gateway|gateway time-?out|upstream",
        "the backend behind the proxy",
        "@gateway",
        "@backend",
        "@down",
    ),
    _sig(
        "database corruption",
        r"\bpanic\b|could not read block|checksum mismatch|corrupt",
        "database corruption",
        "@database",
        "@backup",
    ),
    _sig(
        "code bug",
        r"\b(?:typeerror|referenceerror|nullpointerexception)\b|"
        r"cannot read propert(?:y|ies) of (?:undefined|null)|is not a function",
        "a code bug",
        "@error",
        "@deploy",
    ),
    _sig(
        "pod failing",
        r"crashloopbackoff|imagepullbackoff|errimagepull|oomkilled",
        "a Kubernetes pod",
        "@kubernetes",
        "@restart",
    ),
    _sig(
        "TLS certificate",
        r"\bx509\b|certificate (?:has )?expired|ssl handshake|"
        r"cert(?:ificate)? verify failed",
        "TLS certificate",
        "@tls",
    ),
    _sig(
        "invalid token",
        r"invalid (?:token|signature)|jwt (?:expired|malformed)|"
        r"token expired",
        "authentication",
        "@auth",
    ),
    _sig(
        "DNS failure",
        r"\bnxdomain\b|enotfound|name or service not known|"
        r"could not resolve host",
        "DNS",
        "@dns",
    ),
)

_REFUSED = re.compile(
    r"(?:econnrefused|connection refused|connexion refus\w*|connect\(\) failed)"
    r"(?:[^\n]{0,40}?:(\d{2,5})\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Hit:
    """A signature found in a query: what it is, the component at fault, the concepts it adds."""

    name: str
    component: str
    concepts: tuple[str, ...]

    @property
    def reason(self) -> str:
        return f"signature '{self.name}' points at {self.component}"


def detect(text: str) -> list[Hit]:
    """Signatures present in `text`, in table order; a refused connection names its port."""
    hits: list[Hit] = []
    for match in _REFUSED.finditer(text):
        # curl and libpq name the port apart: "port 443: Connection refused", "on port 5432?".
        said = re.search(r"\bport (\d{2,5})\b", text, re.IGNORECASE)
        port = match.group(1) or (said.group(1) if said else None)
        if port and port in _PORTS:
            service, concept = _PORTS[port]
            hits.append(Hit(f"connection refused on :{port}", service, (concept, "@down")))
        else:
            # Without a known port the refusal says nothing of which component: no concept,
            # so it cannot outweigh the words that do (a host name, a service).
            hits.append(Hit("connection refused", "a service that is down", ()))
        break
    found = [signature for signature in SIGNATURES if signature.pattern.search(text)]
    explained = {name for signature in found for name in signature.supersedes}
    hits.extend(
        Hit(signature.name, signature.component, signature.concepts)
        for signature in found
        if signature.name not in explained
    )
    return hits
