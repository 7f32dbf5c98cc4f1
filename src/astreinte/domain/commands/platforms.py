"""Hosting platforms: Vercel, Railway, Heroku, Fly.io.

Their variables hold the application's secrets: listing them reveals every value, and
overwriting a secret loses the old one. `railway run` / `heroku run` wrap another command
(see `wrappers`); `--environment production` marks it as aimed at production.
"""

from __future__ import annotations

from typing import Final

from astreinte.domain.commands.arguments import has_flag, positionals, words
from astreinte.domain.commands.secrets import exposure, is_literal, is_secret_name
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.tool import Tool, table
from astreinte.domain.commands.verdict import (
    CHANGE,
    DESTRUCTIVE,
    READ,
    Args,
    Context,
    Judge,
    Verdict,
)

PLATFORM_RUN_VALUES: Final = frozenset(
    words("-e --environment -s --service -a --app -r --remote --size -x --exit-code -p --project")
)


def platform_set(tool: str, pair: str) -> Verdict:
    """`NAME=value` given to a platform: overwriting a secret loses the old value."""
    name, _, value = pair.partition("=")
    if is_secret_name(name):
        where = (
            "; the new value is on the command line (shell history)" if is_literal(value) else ""
        )
        return Verdict(
            DESTRUCTIVE,
            f"{tool} overwrites the secret {name}: the old value is lost and what it signed "
            f"stops validating{where}",
            sensitive=True,
        )
    return Verdict(CHANGE, f"{tool} sets the variable {name} (reversible)")


# Vercel ----------------------------------------------------------------------------------------

_VERCEL_VALUES: Final = frozenset(
    words(
        """--scope --token -t --environment --cwd -A --local-config
        -e --env -b --build-env -m --meta --target -S"""
    )
)


def _vercel_env_add(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    found = positionals(args, _VERCEL_VALUES)
    name = found[2] if len(found) > 2 else ""
    if is_secret_name(name):
        return [
            Verdict(
                CHANGE,
                f"vercel env add sets the secret {name} (value typed at the prompt)",
                sensitive=True,
            )
        ]
    return [Verdict(CHANGE, f"vercel env add adds the variable {name or '?'} (reversible)")]


def _vercel_default(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if has_flag(args, "--version") or has_flag(args, "-v") or has_flag(args, "--help"):
        return [Verdict(READ, "vercel --version only prints the version")]
    target = "production" if has_flag(args, "--prod") else "a preview"
    forced = " without build cache" if has_flag(args, "--force") else ""
    return [
        Verdict(
            CHANGE, f"vercel deploys to {target}{forced} (reversible: promote the previous build)"
        )
    ]


VERCEL: Final = Tool(
    "vercel",
    {
        **table(
            "vercel",
            read="""logs|ls|list|inspect|whoami|env ls|env list|domains ls|dns ls|certs ls|
            projects ls|project ls|teams ls|alias ls|secrets ls|help|bisect|open""",
            change="""deploy|redeploy|alias set|domains add|dns add|dev|build|link|login|logout|
            certs add|alias|domains|project add|teams switch|switch""",
            destructive="""rm|remove|env rm|domains rm|dns rm|alias rm|secrets rm|certs rm|
            projects rm|project rm""",
            destructive_why="deletes it from Vercel",
        ),
        "": _vercel_default,
        "deploy": _vercel_default,
        "env add": _vercel_env_add,
        # Project rule: a platform rollback is a deploy change, undone by promoting again.
        "rollback": Verdict(
            CHANGE, "vercel rollback points production at an earlier deployment (deploy change)"
        ),
        "promote": Verdict(
            CHANGE, "vercel promote points production at another deployment (deploy change)"
        ),
        "env pull": exposure(
            "vercel env pull writes the decrypted production secrets to a local file"
        ),
        "pull": exposure("vercel pull writes the decrypted environment to .vercel/"),
    },
    _VERCEL_VALUES,
)


# Railway ---------------------------------------------------------------------------------------


def _variables(tool: str) -> Judge:
    """`railway variables`: lists values; `… set K=V` / `--set K=V` overwrites; `… delete K`."""

    def judge(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
        found = positionals(args, PLATFORM_RUN_VALUES | {"--set"})
        pairs = [w for w in found[1:] if "=" in w]
        pairs += [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--set"]
        pairs += [a.split("=", 1)[1] for a in args if a.startswith("--set=")]
        action = found[1].lower() if len(found) > 1 else ""
        if action in ("delete", "remove", "rm", "unset"):
            return [Verdict(DESTRUCTIVE, f"{tool} variables {action} deletes variables")]
        if not pairs and action not in ("set",):
            return [exposure(f"{tool} variables prints every variable value, secrets included")]
        return [platform_set(tool, pair) for pair in pairs] or [
            Verdict(CHANGE, f"{tool} variables set changes variables")
        ]

    return judge


RAILWAY: Final = Tool(
    "railway",
    {
        **table(
            "railway",
            read="""status|logs|whoami|list|deployments|open|docs|version|help|completion|
            connect|shell|""",
            change="""up|deploy|redeploy|restart|scale|link|unlink|init|login|logout|add|domain|
            environment|service|down|volume add""",
            destructive="delete|volume delete|environment delete",
            destructive_why="deletes it from Railway",
        ),
        "restart": Verdict(CHANGE, "railway restart restarts the service (brief downtime)"),
        "rollback": Verdict(
            CHANGE, "railway rollback redeploys an earlier deployment (deploy change)"
        ),
        "connect": Verdict(READ, "railway connect opens an interactive database shell"),
        **dict.fromkeys(("variables", "variable", "vars"), _variables("railway")),
    },
    PLATFORM_RUN_VALUES,
)


# Heroku ----------------------------------------------------------------------------------------


def _heroku_config(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    found = positionals(args, PLATFORM_RUN_VALUES)
    action = found[0].lower()
    if action == "config:set":
        return [platform_set("heroku config:set", pair) for pair in found[1:] if "=" in pair]
    if action == "config:unset":
        return [Verdict(CHANGE, "heroku config:unset removes variables")]
    if action == "config:get" and not any(is_secret_name(w) for w in found[1:]):
        return [Verdict(READ, "heroku config:get prints a non-secret variable")]
    return [exposure(f"{action} prints configuration values, secrets included")]


HEROKU: Final = Tool(
    "heroku",
    {
        **table(
            "heroku",
            read="""logs|ps|releases|apps:info|info|status|pg:info|addons|domains|apps|access|
            pg:psql|pg:ps|pg:credentials|pg:backups""",
            change="""restart|ps:restart|ps:scale|ps:stop|ps:resize|maintenance:on|
            maintenance:off|pg:backups:capture|deploy|releases:rollback|rollback|addons:create|
            domains:add""",
            destructive="""pg:reset|pg:backups:restore|apps:destroy|addons:destroy|pg:killall|
            pg:kill|pg:backups:delete""",
            destructive_why="deletes or overwrites data",
        ),
        "rollback": Verdict(CHANGE, "heroku rollback redeploys an earlier release (deploy change)"),
        "releases:rollback": Verdict(
            CHANGE, "heroku releases:rollback redeploys an earlier release (deploy change)"
        ),
        **dict.fromkeys(("config", "config:get", "config:set", "config:unset"), _heroku_config),
    },
    PLATFORM_RUN_VALUES,
)


# Fly.io ----------------------------------------------------------------------------------------


def _fly_secrets_set(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    pairs = [w for w in positionals(args, PLATFORM_RUN_VALUES) if "=" in w]
    return [platform_set("fly secrets set", pair) for pair in pairs] or [
        Verdict(CHANGE, "fly secrets set changes secrets", sensitive=True)
    ]


FLY: Final = Tool(
    "fly",
    {
        **table(
            "fly",
            read="""logs|status|ls|list|apps list|machines list|machine list|m list|secrets list|
            releases|info|ips list|checks list|volumes list|postgres connect|version|doctor|
            config show|dashboard|ssh console|platform|regions list|scale show""",
            change="""deploy|apps restart|machine restart|machines restart|machine start|
            machine stop|machine update|scale count|scale vm|scale memory|secrets unset|
            volumes extend|launch|apps create|secrets import|ips allocate-v4|ips allocate-v6|
            certs add|regions add|regions remove""",
            destructive="""apps destroy|machine destroy|machines destroy|volumes destroy|
            volumes delete|apps delete|machine remove""",
            destructive_why="deletes it and its data",
        ),
        "secrets set": _fly_secrets_set,
    },
    PLATFORM_RUN_VALUES,
)
