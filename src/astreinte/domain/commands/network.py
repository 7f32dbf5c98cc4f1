"""The network: firewall rules, interfaces and routes, HTTP requests (curl, wget, httpie)."""

from __future__ import annotations

import re
from typing import Final

from astreinte.domain.commands.arguments import positionals, program_name
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.tool import Tool, table
from astreinte.domain.commands.verdict import CHANGE, DESTRUCTIVE, READ, Args, Context, Verdict

# firewall --------------------------------------------------------------------------------------

UFW: Final = Tool(
    "ufw",
    table(
        "ufw",
        read="status|app list|app info|version|show|",
        change="""allow|deny|reject|limit|enable|disable|delete|insert|prepend|route|default|
        reload|reset|logging|app update""",
        # Project rule: firewall edits are `change` (reviewed by the responder, reversible).
        change_why="changes the firewall rules",
    ),
)


def judge_iptables(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    name = program_name(cmd.argv[0])
    lists = any(re.fullmatch(r"-[a-z]*[LS][a-z]*|--list(-rules)?", a) for a in args)
    edits = any(
        re.fullmatch(r"-[ADIRFNXPZ]|--(append|delete|insert|flush|policy)", a) for a in args
    )
    if (name.endswith("-save") or lists) and not edits:
        return [Verdict(READ, f"{name} only lists the firewall rules")]
    if name == "nft" and args[:1] == ("list",):
        return [Verdict(READ, "nft list only lists the firewall rules")]
    return [Verdict(CHANGE, f"{name} changes the firewall rules")]


def judge_ip(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    found = positionals(args, frozenset({"-n", "-netns", "-f", "-family"}))
    action = found[1] if len(found) > 1 else "show"
    if action in ("show", "list", "ls", "get", "lst", "sh", "s") or len(found) < 2:
        return [Verdict(READ, "ip only shows network state")]
    return [Verdict(CHANGE, f"ip {' '.join(found[:2])} changes network configuration")]


# HTTP ------------------------------------------------------------------------------------------

_SAFE_METHODS: Final = ("GET", "HEAD", "OPTIONS")


def judge_curl(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    method = ""
    for index, arg in enumerate(args):
        if arg in ("-X", "--request") and index + 1 < len(args):
            method = args[index + 1].upper()
        elif arg.startswith("-X") and len(arg) > 2:
            method = arg[2:].upper()
        elif arg.startswith("--request="):
            method = arg.split("=", 1)[1].upper()
    sends = any(
        a in ("-d", "-F", "-T", "--json", "--form", "--upload-file")
        or a.startswith(("--data", "-d"))
        for a in args
    )
    if not method:
        method = (
            "HEAD"
            if any(a in ("-I", "--head") for a in args)
            else ("POST" if sends and "-G" not in args else "GET")
        )
    url = next((a for a in args if re.match(r"https?://", a)), "")
    where = f" to {url}" if url else ""
    if method in _SAFE_METHODS:
        return [Verdict(READ, f"curl {method} only reads")]
    if method == "DELETE":
        return [Verdict(DESTRUCTIVE, f"curl DELETE{where} deletes a remote resource")]
    return [Verdict(CHANGE, f"curl {method}{where} changes remote state")]


def judge_wget(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if any(a.startswith(("--post-data", "--post-file", "--method", "--body-data")) for a in args):
        return [Verdict(CHANGE, "wget sends a state-changing request")]
    return [Verdict(READ, "wget only downloads")]


def judge_httpie(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    found = positionals(args, frozenset({"-a", "--auth", "-o", "--output"}))
    method = found[0].upper() if found and found[0].isalpha() and found[0].isupper() else ""
    if not method:
        method = "POST" if any(re.match(r"^[\w-]+:?=", w) for w in found[1:]) else "GET"
    if method in _SAFE_METHODS:
        return [Verdict(READ, f"{cmd.argv[0]} {method} only reads")]
    if method == "DELETE":
        return [Verdict(DESTRUCTIVE, f"{cmd.argv[0]} DELETE deletes a remote resource")]
    return [Verdict(CHANGE, f"{cmd.argv[0]} {method} changes remote state")]
