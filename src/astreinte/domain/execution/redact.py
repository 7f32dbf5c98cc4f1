"""Masking secrets in commands and their output, before anything is stored or shown.

Two sources: the values known to be secret (the environment's secret-looking variables, the
configuration's secrets, the secret values of this run), masked wherever they appear; and the
shapes secrets take (passwords in URLs, JWTs, API keys of well-known services, `-a PASSWORD`,
`--password=…`, `PGPASSWORD=…`, `Authorization: Bearer …`, private key blocks).

    shown = mask(output, known=frozenset({"s3cr3t-value"}))

Masking is idempotent, and `truncated` output also loses a trailing piece that could be the
start of a known secret cut by the output cap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Final
from urllib.parse import quote

from astreinte.domain.commands.secrets import is_secret_name

MASK: Final = "[redacted]"
MIN_KNOWN: Final = 4  # shorter values would mask ordinary words everywhere
# Values of secret-looking variables that are settings, not secrets.
_NOT_SECRET_VALUES: Final = frozenset({"true", "false", "null", "none", "yes", "no", "on", "off"})

# Glued names the word split of `is_secret_name` misses: PGPASSWORD, MYSQLPASSWORD, APITOKEN.
_GLUED: Final = re.compile(r"(?i)passw|secret|token|apikey|privatekey|credential")
_URL_PASSWORD: Final = re.compile(
    r"(?P<keep>\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@'\"]+:)[^@\s/'\"]+(?=@)"
)
_PRIVATE_KEY: Final = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL
)
_JWT: Final = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_API_KEYS: Final = re.compile(
    r"\b(?:"
    r"(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{10,}"  # Stripe
    r"|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"  # OpenAI, Anthropic
    r"|AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"  # GitHub
    r"|glpat-[A-Za-z0-9_-]{20,}"  # GitLab
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    r"|AIza[0-9A-Za-z_-]{35}"  # Google
    r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"  # SendGrid
    r"|SK[0-9a-fA-F]{32}"  # Twilio API key
    r"|whsec_[A-Za-z0-9+/=]{16,}"  # Standard Webhooks secrets
    r"|ast_[A-Za-z0-9_-]{20,}"  # astreinte's own API tokens
    r")"
)
_HEADER: Final = re.compile(
    r"(?i)(?P<keep>\b(?:proxy-)?authorization\s*:\s*(?:(?:bearer|basic|token|digest|apikey)\s+)?)"
    r"(?P<value>[^\s'\"]+)"
    r"|(?P<keep2>\b(?:x-api-key|api-key|x-auth-token|x-access-token)\s*:\s*)(?P<value2>[^\s'\"]+)"
)
_OPTION: Final = re.compile(
    r"(?P<keep>(?<![\w-])--(?:password|passwd|pass|token|api-key|apikey|secret|client-secret"
    r"|access-token|auth-token|private-key|auth)(?:=|\s+))(?P<value>\"[^\"]*\"|'[^']*'|[^\s;&|]+)"
)
_REDIS_AUTH: Final = re.compile(
    r"(?P<keep>\bredis-cli\b[^\n|;&]*?\s-a\s+)(?P<value>\"[^\"]*\"|'[^']*'|[^\s;&|]+)"
)
_MYSQL_PASSWORD: Final = re.compile(
    r"(?P<keep>\bmysql(?:dump|admin)?\b[^\n|;&]*?\s-p)(?P<value>[^\s;&|]+)"
)
_ASSIGNMENT: Final = re.compile(
    r"(?P<name>\b[A-Za-z_][A-Za-z0-9_]*)=(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s;&|'\"]+)"
)
_KEY_VALUE: Final = re.compile(
    r"(?P<q>[\"']?)(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)(?P=q)\s*:\s*"
    r"(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s,;}\]'\"]+)"
)


def mask(text: str, known: Collection[str] = (), *, truncated: bool = False) -> str:
    """`text` with every known secret value and every secret-shaped string replaced by MASK."""
    if not text:
        return text
    secrets = sorted(_variants(known), key=len, reverse=True)
    if truncated:
        text = _cut_partial(text, secrets)
    for secret in secrets:
        text = text.replace(secret, MASK)
    text = _PRIVATE_KEY.sub(MASK, text)
    text = _URL_PASSWORD.sub(lambda m: m.group("keep") + MASK, text)
    text = _JWT.sub(MASK, text)
    text = _API_KEYS.sub(MASK, text)
    text = _HEADER.sub(_header, text)
    for pattern in (_OPTION, _REDIS_AUTH, _MYSQL_PASSWORD):
        text = pattern.sub(_unless_reference("keep"), text)
    text = _ASSIGNMENT.sub(_secret_pair, text)
    return _KEY_VALUE.sub(_secret_pair, text)


def known_secrets(environment: Mapping[str, str], declared: Collection[str] = ()) -> frozenset[str]:
    """The values worth masking in `environment`: those of secret-looking (or `declared`)
    names, and any password written in a connection URL, whatever its variable's name."""
    names = {d.upper() for d in declared}
    found: set[str] = set()
    for name, value in environment.items():
        if (looks_secret(name) or name.upper() in names) and is_maskable(value):
            found.add(value)
        for match in _URL_PASSWORD.finditer(value):
            password = match.group(0)[len(match.group("keep")) :]
            if is_maskable(password):
                found.add(password)
    return frozenset(found)


def looks_secret(name: str) -> bool:
    """Whether a variable or key name holds a secret: `JWT_SECRET`, `PGPASSWORD`, `apiKey`."""
    return is_secret_name(name) or bool(_GLUED.search(name))


def is_maskable(value: str) -> bool:
    return len(value) >= MIN_KNOWN and value.casefold() not in _NOT_SECRET_VALUES


def _variants(known: Iterable[str]) -> set[str]:
    # A URL or a form may carry the value percent-encoded.
    found: set[str] = set()
    for value in known:
        if is_maskable(value):
            found |= {value, quote(value, safe=""), quote(value, safe="/:@")}
    return found


def _cut_partial(text: str, secrets: Iterable[str]) -> str:
    """Mask a trailing start of a known secret (cut by the output cap), at least 3 characters."""
    for secret in secrets:
        for size in range(min(len(secret) - 1, len(text)), 2, -1):
            if text.endswith(secret[:size]):
                return text[: len(text) - size] + MASK
    return text


def _is_reference(value: str) -> bool:
    # `-a "$REDIS_PASSWORD"` names a secret, it does not hold one.
    inner = value.strip("\"'")
    return inner.startswith(("$", MASK[:-1])) or not inner


def _header(match: re.Match[str]) -> str:
    keep = match.group("keep") if match.group("keep") is not None else match.group("keep2")
    value = match.group("value") if match.group("value") is not None else match.group("value2")
    return keep + (value if _is_reference(value) else MASK)


def _unless_reference(keep: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        value = match.group("value")
        return match.group(0) if _is_reference(value) else match.group(keep) + MASK

    return replace


def _secret_pair(match: re.Match[str]) -> str:
    value = match.group("value")
    if not looks_secret(match.group("name")) or _is_reference(value):
        return match.group(0)
    if value.strip("\"'").casefold() in _NOT_SECRET_VALUES:
        return match.group(0)
    start = match.start("value") - match.start(0)
    return match.group(0)[:start] + MASK
