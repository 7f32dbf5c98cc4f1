"""Services and processes: systemctl, service, pm2, supervisorctl, nginx, apachectl, kill."""

from __future__ import annotations

import re
from typing import Final

from astreinte.domain.commands.arguments import positionals, program_name, words
from astreinte.domain.commands.secrets import exposure
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.tool import Tool, table
from astreinte.domain.commands.verdict import CHANGE, DESTRUCTIVE, READ, Args, Context, Verdict

SYSTEMCTL: Final = Tool(
    "systemctl",
    {
        **table(
            "systemctl",
            read="""status|is-active|is-enabled|is-failed|list-units|list-unit-files|list-timers|
            list-sockets|list-dependencies|show|cat|help|""",
            change="""restart|reload|try-restart|reload-or-restart|start|stop|enable|disable|mask|
            unmask|daemon-reload|daemon-reexec|reset-failed|edit|set-property|isolate|preset|
            link|revert|reboot|poweroff|halt|suspend""",
        ),
        "restart": Verdict(CHANGE, "systemctl restart restarts the service (brief downtime)"),
        "kill": Verdict(
            DESTRUCTIVE, "systemctl kill signals every process of the unit (in-flight work is lost)"
        ),
    },
    frozenset(
        words("-t --type -p --property -H --host -M -n --lines -o --output --state -s --signal")
    ),
)


def judge_service(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    found = positionals(args, frozenset())
    action = found[1] if len(found) > 1 else ("--status-all" if "--status-all" in args else "")
    if action in ("status", "--status-all", ""):
        return [Verdict(READ, "service status only reads")]
    return [Verdict(CHANGE, f"service {action} changes the state of the service")]


PM2: Final = Tool(
    "pm2",
    {
        **table(
            "pm2",
            read="list|ls|l|status|logs|show|describe|info|monit|jlist|prettylist|ping|report",
            change="""restart|reload|start|stop|scale|save|resurrect|startup|update|reset|delete|
            del|gracefulreload|sendsignal""",
        ),
        "restart": Verdict(CHANGE, "pm2 restart restarts the process (brief downtime)"),
        "flush": Verdict(DESTRUCTIVE, "pm2 flush empties every log file (evidence lost)"),
        "kill": Verdict(DESTRUCTIVE, "pm2 kill stops the daemon and every process it manages"),
        "env": exposure("pm2 env prints the environment of the process, secrets included"),
    },
)

SUPERVISORCTL: Final = Tool(
    "supervisorctl",
    {
        **table(
            "supervisorctl",
            read="status|avail|tail|pid|version|help|",
            change="start|stop|restart|reload|update|reread|add|remove|signal|shutdown",
        ),
        "clear": Verdict(DESTRUCTIVE, "supervisorctl clear empties the process logs"),
    },
    frozenset({"-c", "-s", "-u", "-p"}),
)


def judge_nginx(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if any(flag in args for flag in ("-t", "-T", "-v", "-V", "-h", "-?")):
        return [Verdict(READ, "nginx -t only tests the configuration")]
    if "-s" in args:
        signal = args[args.index("-s") + 1] if args.index("-s") + 1 < len(args) else "?"
        return [Verdict(CHANGE, f"nginx -s {signal} signals the running server")]
    return [Verdict(CHANGE, "nginx starts the server")]


APACHECTL: Final = Tool(
    "apachectl",
    table(
        "apachectl",
        read="configtest|-t|status|fullstatus|-s|-m",
        change="restart|graceful|start|stop|graceful-stop",
    ),
)

_SIGNALS_READ: Final = frozenset({"0"})
_SIGNALS_CHANGE: Final = frozenset(words("HUP 1 USR1 10 USR2 12 CONT 18 WINCH 28 STOP 19 TSTP 20"))


def judge_kill(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    name = program_name(cmd.argv[0])
    if any(a in ("-l", "-L", "--list", "--table") for a in args):
        return [Verdict(READ, f"{name} -l only lists signals")]
    signal = "TERM"
    for index, arg in enumerate(args):
        if arg in ("-s", "-n", "--signal") and index + 1 < len(args):
            signal = args[index + 1]
        elif arg.startswith("--signal="):
            signal = arg.split("=", 1)[1]
        elif re.fullmatch(r"-(SIG)?[A-Z0-9]+", arg):
            signal = arg[1:]
    signal = signal.upper().removeprefix("SIG")
    if signal in _SIGNALS_READ:
        return [Verdict(READ, f"{name} -0 only checks that the process exists")]
    if signal in _SIGNALS_CHANGE:
        return [
            Verdict(CHANGE, f"{name} sends SIG{signal} (reload or pause, the process survives)")
        ]
    return [Verdict(DESTRUCTIVE, f"{name} terminates processes (their in-flight work is lost)")]
