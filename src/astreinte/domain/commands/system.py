"""The machine itself: packages, kernel and system settings, logs, cron, certificates."""

from __future__ import annotations

from typing import Final

from astreinte.domain.commands.arguments import positionals, program_name, words
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.tool import Tool, table
from astreinte.domain.commands.verdict import CHANGE, DESTRUCTIVE, READ, Args, Context, Verdict

# package managers ------------------------------------------------------------------------------


def _package_tool(name: str, read: str, change: str) -> Tool:
    return Tool(
        name,
        table(name, read=read, change=change, change_why="changes installed packages or builds"),
    )


_APT_READ: Final = "list|search|show|policy|info|depends|rdepends|madison|--version|"
_APT_CHANGE: Final = (
    "install|upgrade|update|full-upgrade|dist-upgrade|autoremove|clean|autoclean|remove|purge|"
    "reinstall|add|del|mark|refresh|makecache|check-update|autopurge"
)
_NPM_READ: Final = """ls|list|view|info|show|outdated|audit|whoami|config get|config list|why|
explain|doctor|cache ls|-v|--version|bin|root|prefix|search"""
_NPM_CHANGE: Final = """install|i|ci|add|remove|uninstall|rm|un|build|run|run-script|start|test|t|
exec|dlx|update|upgrade|up|publish|link|cache clean|init|create|audit fix|prune|dedupe|pack|
version|rebuild|restart|stop|set|dev|preview|deploy|generate|lint|format|serve|workspace|workspaces"""
_PIP_READ: Final = "list|show|freeze|check|--version|search|inspect"
_PIP_CHANGE: Final = "install|uninstall|download|sync|add|remove|lock|update|wheel|build|venv|pip"

PACKAGE_TOOLS: Final = (
    {
        name: _package_tool(name, _APT_READ, _APT_CHANGE)
        for name in words("apt apt-get aptitude yum dnf apk brew snap zypper pacman")
    }
    | {name: _package_tool(name, _NPM_READ, _NPM_CHANGE) for name in words("npm yarn pnpm bun")}
    | {name: _package_tool(name, _PIP_READ, _PIP_CHANGE) for name in words("pip pip3")}
)


def judge_dpkg(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    lists = ("-l", "--list", "-L", "--listfiles", "-s", "--status", "-S", "--search")
    if any(a in lists for a in args):
        return [Verdict(READ, "dpkg only lists packages")]
    return [Verdict(CHANGE, "dpkg installs or removes packages")]


# kernel, system settings, logs -----------------------------------------------------------------


def judge_sysctl(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if any(a in ("-w", "-p", "--write", "--load", "--system") or "=" in a for a in args):
        return [Verdict(CHANGE, "sysctl changes kernel parameters")]
    return [Verdict(READ, "sysctl only reads kernel parameters")]


def judge_ctl_status(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    """`timedatectl`, `hostnamectl`…: no verb or `status` shows, any other verb sets."""
    name = program_name(cmd.argv[0])
    found = positionals(args, frozenset())
    if not found or found[0] in ("status", "show") or found[0].startswith("list"):
        return [Verdict(READ, f"{name} only shows settings")]
    return [Verdict(CHANGE, f"{name} {found[0]} changes system settings")]


def judge_hostname(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if [a for a in args if not a.startswith("-")]:
        return [Verdict(CHANGE, "hostname NAME renames the machine")]
    return [Verdict(READ, "hostname only prints the name")]


def judge_journalctl(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if any(a.startswith("--vacuum") for a in args):
        return [
            Verdict(
                DESTRUCTIVE, "journalctl --vacuum-* deletes archived journal logs (evidence lost)"
            )
        ]
    rewrites = ("--rotate", "--flush", "--sync", "--setup-keys", "--relinquish-var")
    if any(a in rewrites for a in args):
        return [Verdict(CHANGE, "journalctl --rotate/--flush changes the journal files")]
    return [Verdict(READ, "journalctl only reads the journal")]


def judge_dmesg(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if any(a in ("-c", "-C", "--clear", "--read-clear") for a in args):
        return [Verdict(DESTRUCTIVE, "dmesg -c clears the kernel ring buffer")]
    return [Verdict(READ, "dmesg only reads the kernel log")]


def judge_crontab(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if "-r" in args:
        return [Verdict(DESTRUCTIVE, "crontab -r deletes every cron job of the user")]
    if "-l" in args:
        return [Verdict(READ, "crontab -l only lists cron jobs")]
    return [Verdict(CHANGE, "crontab replaces the cron jobs")]


_OPENSSL_READ: Final = frozenset(
    words(
        """rand s_client x509 version ciphers verify dgst crl
        asn1parse sess_id s_time speed list errstr prime help"""
    )
)


def judge_openssl(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    sub = args[0] if args else ""
    if sub in _OPENSSL_READ:
        return [Verdict(READ, f"openssl {sub} only reads or prints")]
    return [Verdict(CHANGE, f"openssl {sub} writes keys or certificates")]
