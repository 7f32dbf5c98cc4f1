"""Which program is which: programs known by name alone, by their arguments, or by subcommand.

`judge_program` looks a simple command's program up in these tables. A script is judged by its
name (`restore.sh` is destructive), and a program found nowhere is an unknown command, treated
as a `change`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from astreinte.domain.commands import (
    databases,
    files,
    infrastructure,
    network,
    secrets,
    services,
    system,
)
from astreinte.domain.commands.arguments import parse_options, program_name, words
from astreinte.domain.commands.git import GIT
from astreinte.domain.commands.migrations import DJANGO, MIGRATION_TOOLS
from astreinte.domain.commands.platforms import FLY, HEROKU, RAILWAY, VERCEL
from astreinte.domain.commands.redis import judge_redis
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.tool import Tool, judge_tool
from astreinte.domain.commands.verdict import (
    CHANGE,
    DESTRUCTIVE,
    READ,
    Args,
    Context,
    Judge,
    Verdict,
)
from astreinte.domain.runbook.model import Risk


def _named(risk: Risk, names: str, why: str) -> dict[str, Verdict]:
    return {name: Verdict(risk, f"{name} {why}") for name in names.split()}


# Programs that only need their name.
_PROGRAMS: Final[Mapping[str, Verdict]] = {
    **_named(
        READ,
        """ls ll la df du free top htop atop ps pstree pgrep ping ping6 ss netstat nslookup dig
        host traceroute tracepath mtr uptime iostat vmstat mpstat sar pidstat lsof whoami id
        hostname uname date which whereis type file stat tree history w who last lastlog lsblk
        blkid findmnt nproc lscpu lsmem getent nc ncat telnet tcpdump wc md5sum sha1sum
        sha256sum cmp seq test [ basename dirname realpath readlink pwd bc expr numfmt locale
        lsmod ulimit sestatus getenforce systemd-analyze iotop iftop nethogs nmon glances dstat
        whois arp ifconfig route pg_isready pg_lsclusters pg_controldata apt-cache nvidia-smi
        sensors smartctl ncdu ab jobs alias true false yes tput jps jstack mktemp""",
        "only reads",
    ),
    **_named(READ, "cd pushd popd", "only changes the working directory"),
    **_named(READ, "sleep wait", "only waits"),
    **_named(READ, "clear exit logout", "has no effect on the system"),
    **_named(
        READ,
        "pg_dump pg_dumpall mysqldump mariadb-dump mongodump pg_basebackup",
        "only reads the database (it writes a dump)",
    ),
    **_named(CHANGE, "mkdir touch cp mv ln rmdir install", "creates or changes files"),
    **_named(CHANGE, "chmod chown chgrp chattr setfacl", "changes file permissions or owners"),
    **_named(CHANGE, "gzip gunzip zip unzip bzip2 xz 7z zstd", "creates or replaces files"),
    **_named(CHANGE, "scp sftp", "copies files to or from another host"),
    **_named(CHANGE, "reboot shutdown poweroff halt init", "restarts or stops the machine"),
    **_named(CHANGE, "useradd usermod groupadd groupmod adduser", "changes user accounts"),
    **_named(CHANGE, "mount umount swapon swapoff fallocate", "changes mounts or disk allocation"),
    **_named(
        CHANGE,
        "createdb createuser reindexdb pg_upgrade pg_ctlcluster",
        "changes the PostgreSQL cluster",
    ),
    **_named(CHANGE, "source .", "loads a file into the current shell"),
    **_named(CHANGE, "unset", "removes shell variables"),
    **_named(CHANGE, "vim vi nvim nano emacs code ed", "edits a file"),
    **_named(CHANGE, "certbot", "requests or renews certificates"),
    **_named(CHANGE, "hey wrk siege k6 locust redis-benchmark", "sends load to the target"),
    **_named(DESTRUCTIVE, "rm unlink srm", "deletes files (there is no undo)"),
    **_named(DESTRUCTIVE, "shred wipe wipefs", "overwrites data so that it cannot be recovered"),
    **_named(DESTRUCTIVE, "fdisk sfdisk gdisk parted", "rewrites the partition table"),
    **_named(DESTRUCTIVE, "truncate", "cuts files to the given size (the content is lost)"),
    **_named(DESTRUCTIVE, "userdel deluser", "deletes user accounts"),
    **_named(DESTRUCTIVE, "dropdb", "deletes a whole PostgreSQL database"),
    **_named(DESTRUCTIVE, "dropuser", "deletes a PostgreSQL role"),
    **_named(DESTRUCTIVE, "mongorestore", "writes a dump into the live database (overwrites data)"),
    **_named(DESTRUCTIVE, "pg_resetwal pg_archivecleanup", "deletes PostgreSQL write-ahead log"),
}

# Scripts and interpreters: what a script does is not visible, so its name has to tell.

_DESTRUCTIVE_SCRIPT: Final = re.compile(
    r"(?i)restore|rollback|drop|wipe|purge|clean|reset|delete|destroy|truncate|flush|nuke"
)


def _judge_script(path: str) -> list[Verdict]:
    name = program_name(path)
    if re.search(r"(?i)restore", name):
        return [Verdict(DESTRUCTIVE, f"{name} is a restore script: it overwrites live data")]
    if _DESTRUCTIVE_SCRIPT.search(name):
        return [Verdict(DESTRUCTIVE, f"{name}: its name says it deletes or resets data")]
    return [Verdict(CHANGE, f"{name}: unknown script, treated as a change")]


_INTERPRETER_VALUES: Final = frozenset(words("-c -e --eval -r --require -W -X"))


def _judge_interpreter(cmd: Simple, args: Args, ctx: Context) -> list[Verdict]:
    """`python script.py`, `node -e '…'`, `python manage.py migrate`."""
    name = program_name(cmd.argv[0])
    if not args or all(a in ("-v", "-V", "--version", "version", "-h", "--help") for a in args):
        return (
            [Verdict(READ, f"{name} only prints its version")]
            if args
            else [Verdict(READ, f"{name} opens an interactive interpreter")]
        )
    index, given = parse_options(args, 0, _INTERPRETER_VALUES)
    if given.keys() & {"-c", "-e", "--eval"}:
        return [Verdict(CHANGE, f"{name} runs inline code (not analysed)")]
    script = args[index] if index < len(args) else ""
    if program_name(script) == "manage.py":
        return judge_tool(DJANGO, cmd, args[index + 1 :], ctx)
    return _judge_script(script) if script else [Verdict(CHANGE, f"{name} runs code")]


# Programs judged by their arguments.
_JUDGES: Final[Mapping[str, Judge]] = {
    **dict.fromkeys(("echo", "printf"), secrets.judge_echo),
    **dict.fromkeys(
        words("""cat tac less more head tail bat batcat view nl strings xxd od hexdump base64 grep
        egrep fgrep rg ag awk gawk cut sort uniq jq yq diff zcat zless zgrep column tr sed
        paste"""),
        files.judge_reader,
    ),
    **dict.fromkeys(words("vim vi nvim nano emacs code ed"), files.judge_editor),
    **dict.fromkeys(("kill", "pkill", "killall"), services.judge_kill),
    **dict.fromkeys(("http", "https", "xh"), network.judge_httpie),
    **dict.fromkeys(
        ("iptables", "ip6tables", "iptables-save", "ip6tables-save", "nft"), network.judge_iptables
    ),
    **dict.fromkeys(
        ("node", "python", "python3", "ruby", "perl", "php", "java", "deno"), _judge_interpreter
    ),
    **dict.fromkeys(
        ("timedatectl", "hostnamectl", "localectl", "loginctl", "resolvectl"),
        system.judge_ctl_status,
    ),
    **dict.fromkeys(("mysql", "mariadb"), databases.judge_mysql),
    **dict.fromkeys(("mongosh", "mongo"), databases.judge_mongo),
    **dict.fromkeys(("psql", "pgcli"), databases.judge_psql),
    **dict.fromkeys(("aws", "gcloud", "az"), infrastructure.judge_cloud),
    "curl": network.judge_curl,
    "wget": network.judge_wget,
    "ip": network.judge_ip,
    "printenv": secrets.judge_printenv,
    "set": secrets.judge_set,
    "export": secrets.judge_export,
    "dd": files.judge_dd,
    "find": files.judge_find,
    "tee": files.judge_tee,
    "rsync": files.judge_rsync,
    "tar": files.judge_tar,
    "crontab": system.judge_crontab,
    "journalctl": system.judge_journalctl,
    "dmesg": system.judge_dmesg,
    "sysctl": system.judge_sysctl,
    "openssl": system.judge_openssl,
    "hostname": system.judge_hostname,
    "dpkg": system.judge_dpkg,
    "service": services.judge_service,
    "nginx": services.judge_nginx,
    "sqlite3": databases.judge_sqlite,
    "pg_restore": databases.judge_pg_restore,
    "vacuumdb": databases.judge_vacuumdb,
    "pg_ctl": databases.judge_pg_ctl,
    "mysqladmin": databases.judge_mysqladmin,
    "redis-cli": judge_redis,
    "docker-compose": infrastructure.judge_docker_compose,
}

# Tools with subcommands.
_TOOLS: Final[Mapping[str, Tool]] = {
    **dict.fromkeys(("docker", "podman"), infrastructure.DOCKER),
    **dict.fromkeys(("kubectl", "oc"), infrastructure.KUBECTL),
    **dict.fromkeys(("terraform", "tofu"), infrastructure.TERRAFORM),
    **dict.fromkeys(("apachectl", "apache2ctl"), services.APACHECTL),
    **dict.fromkeys(("fly", "flyctl"), FLY),
    "helm": infrastructure.HELM,
    "git": GIT,
    "systemctl": services.SYSTEMCTL,
    "pm2": services.PM2,
    "supervisorctl": services.SUPERVISORCTL,
    "ufw": network.UFW,
    "vercel": VERCEL,
    "railway": RAILWAY,
    "heroku": HEROKU,
    "manage.py": DJANGO,
    **system.PACKAGE_TOOLS,
    **MIGRATION_TOOLS,
}

NAMES: Final = frozenset(_PROGRAMS) | frozenset(_JUDGES) | frozenset(_TOOLS)
_SCRIPT: Final = re.compile(r"\.(sh|bash|py|rb|js|ts|pl)$")


def judge_program(cmd: Simple, ctx: Context) -> list[Verdict]:
    """What the program of `cmd` does, by the first table that knows it."""
    name = program_name(cmd.argv[0])
    args = cmd.argv[1:]
    judge = _JUDGES.get(name)
    if judge is not None:
        return judge(cmd, args, ctx)
    verdict = _PROGRAMS.get(name)
    if verdict is not None:
        return [verdict]
    tool = _TOOLS.get(name)
    if tool is not None:
        return judge_tool(tool, cmd, args, ctx)
    if name.startswith("mkfs"):
        return [Verdict(DESTRUCTIVE, f"{name} formats a filesystem (everything on it is erased)")]
    if "/" in cmd.argv[0] or _SCRIPT.search(name):
        return _judge_script(cmd.argv[0])
    return [Verdict(CHANGE, f"{name}: unknown command, treated as a change")]
