"""Secrets: names that hold one, literal credentials on a command line, commands that print them.

Project rule: revealing a secret is never a plain read (it lands in scrollback, logs, screen
shares); the seed inventory labels it destructive, and it needs a second person.
"""

from __future__ import annotations

import re
from typing import Final

from astreinte.domain.commands.arguments import program_name
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.verdict import CHANGE, DESTRUCTIVE, READ, Args, Context, Verdict

_SECRET_PARTS: Final = frozenset(
    {
        "SECRET", "SECRETS", "PASSWORD", "PASSWORDS", "PASSWD", "PASS", "PASSPHRASE", "PWD",
        "TOKEN", "TOKENS", "KEY", "KEYS", "APIKEY", "SID", "CREDENTIAL", "CREDENTIALS", "CREDS",
        "PRIVATE", "DSN", "SALT", "COOKIE", "AUTHTOKEN", "PRIVKEY",
    }
)  # fmt: skip
_NOT_SECRET: Final = frozenset({"PWD", "OLDPWD", "KEYMAP", "HOSTKEY"})
_CONNECTION_URL: Final = re.compile(
    r"(?i)^(DATABASE|REDIS|MONGO(DB)?|AMQP|RABBITMQ|POSTGRES(QL)?|PG|MYSQL|BROKER)_(URL|URI)"
)


def is_secret_name(name: str) -> bool:
    """Whether a variable name looks like it holds a secret (`JWT_SECRET`, `SENDGRID_API_KEY`)."""
    if name.upper() in _NOT_SECRET:
        return False
    if _CONNECTION_URL.match(name) or name.upper() == "CONNECTION_STRING":
        return True  # connection URLs carry the password
    parts = {p.upper() for p in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)}
    return "PUBLIC" not in parts and bool(parts & _SECRET_PARTS)


def is_literal(value: str) -> bool:
    """A value typed in the command itself, as opposed to one read from a variable."""
    return bool(value) and not value.startswith("$")


def leak(what: str) -> Verdict:
    return Verdict(READ, f"{what} (visible in shell history and ps)", sensitive=True, note=True)


def exposure(what: str) -> Verdict:
    return Verdict(DESTRUCTIVE, what, sensitive=True)


# Setting secrets


def sets_secret(assignment: str) -> bool:
    return "=" in assignment and is_secret_name(assignment.split("=", 1)[0])


def secret_setting(assignment: str) -> Verdict:
    name, value = assignment.split("=", 1)
    where = " (its value is visible in shell history)" if is_literal(value) else ""
    return Verdict(CHANGE, f"sets the secret-looking variable {name}{where}", sensitive=True)


def assignment_verdicts(cmd: Simple) -> list[Verdict]:
    return [secret_setting(assignment) for assignment in cmd.assignments if sets_secret(assignment)]


# Literal credentials on the command line

_URL_PASSWORD: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:([^@\s/]+)@")
_SECRET_OPTIONS: Final = frozenset(
    {
        "--password", "--pass", "--passwd", "--token", "--api-key", "--apikey", "--secret",
        "--client-secret", "--access-token", "--auth-token", "--private-key",
    }
)  # fmt: skip
_AUTH_HEADER: Final = re.compile(
    r"(?i)^\s*(authorization|x-api-key|api-key|x-auth-token)\s*:\s*(.+)"
)


def credential_notes(cmd: Simple) -> list[Verdict]:
    """Literal passwords on the command line leak into shell history and `ps`."""
    notes: list[Verdict] = []
    words = cmd.argv + tuple(a.split("=", 1)[-1] for a in cmd.assignments)
    for index, word in enumerate(words):
        match = _URL_PASSWORD.search(word)
        if match and is_literal(match.group(1)):
            notes.append(leak("the connection URL carries a literal password"))
        option, _, value = word.partition("=")
        if option in _SECRET_OPTIONS:
            given = value or (words[index + 1] if index + 1 < len(words) else "")
            if is_literal(given):
                notes.append(leak(f"{option} passes a literal secret"))
        header = _AUTH_HEADER.match(word)
        if header and "$" not in header.group(2):
            notes.append(leak(f"the {header.group(1)} header carries a literal credential"))
    return notes


# Secret files and variables a command reads

_SECRET_FILE: Final = re.compile(
    r"(?i)(^|/)(\.env(\.[\w.-]+)?|[\w.-]+\.env|\.pgpass|\.netrc|\.git-credentials|\.my\.cnf"
    r"|credentials(\.\w+)?|id_(rsa|dsa|ecdsa|ed25519)|[\w.-]+\.(pem|key|p12|pfx|jks)"
    r"|secrets?\.(ya?ml|json|toml|env|txt)|shadow|gshadow|kubeconfig|\.kube/config"
    r"|\.docker/config\.json|\.pypirc|\.npmrc|master\.key)$"
)


def secret_files(args: Args) -> list[str]:
    return [a for a in args if not a.startswith("-") and _SECRET_FILE.search(a)]


def _secret_params(cmd: Simple) -> list[str]:
    return [name for name in dict.fromkeys(cmd.params) if is_secret_name(name)]


# Commands that print variables


def judge_echo(cmd: Simple, _args: Args, _ctx: Context) -> list[Verdict]:
    name = program_name(cmd.argv[0])
    secrets = _secret_params(cmd)
    if secrets:
        shown = ", ".join(f"${s}" for s in secrets)
        return [exposure(f"{name} prints the secret {shown} to the terminal and scrollback")]
    return [Verdict(READ, f"{name} only prints text")]


def judge_printenv(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    names = [a for a in args if not a.startswith("-")]
    if not names or any(is_secret_name(n) for n in names):
        return [exposure("printenv prints environment variables, secrets included")]
    return [Verdict(READ, "printenv prints non-secret variables")]


def judge_set(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if not args:
        return [exposure("set prints every shell variable, secrets included")]
    return [Verdict(READ, "set only changes shell options")]


def judge_export(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    names = [a for a in args if not a.startswith("-")]
    if not names:
        return [exposure("export prints every exported variable, secrets included")]
    verdicts = [secret_setting(a) for a in names if sets_secret(a)]
    shown = ", ".join(a.split("=", 1)[0] for a in names)
    return [*verdicts, Verdict(CHANGE, f"export sets {shown} for this shell and its children")]
