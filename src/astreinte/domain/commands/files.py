"""Files: commands that read, edit, copy, archive or overwrite them."""

from __future__ import annotations

import re

from astreinte.domain.commands.arguments import nested, program_name
from astreinte.domain.commands.secrets import exposure, secret_files
from astreinte.domain.commands.shell import NULL_TARGETS, Simple
from astreinte.domain.commands.verdict import CHANGE, DESTRUCTIVE, READ, Args, Context, Verdict


def judge_reader(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    """`cat`, `grep`, `jq`, `sed`…: they read, unless told to write in place."""
    name = program_name(cmd.argv[0])
    secrets = secret_files(args)
    if secrets:
        return [exposure(f"{name} prints the secret file {secrets[0]}")]
    if name == "sed" and any(re.match(r"-[a-zA-Z]*i|--in-place", a) for a in args):
        return [Verdict(CHANGE, "sed -i edits the file in place")]
    if name in ("sort", "uniq") and any(a.startswith(("-o", "--output")) for a in args):
        return [Verdict(CHANGE, f"{name} -o writes a file")]
    if name in ("awk", "gawk") and "inplace" in args:
        return [Verdict(CHANGE, "awk -i inplace edits the file in place")]
    if name == "tail" and any(a in ("-f", "-F", "--follow") for a in args):
        return [Verdict(READ, "tail -f only follows the file")]
    return [Verdict(READ, f"{name} only reads")]


def judge_editor(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    name = program_name(cmd.argv[0])
    secrets = secret_files(args)
    target = secrets[0] if secrets else next((a for a in args if not a.startswith("-")), "a file")
    return [Verdict(CHANGE, f"{name} edits {target}", sensitive=bool(secrets))]


def judge_dd(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    target = next((a[3:] for a in args if a.startswith("of=")), "")
    if target and target not in NULL_TARGETS:
        return [Verdict(DESTRUCTIVE, f"dd of={target} overwrites it block by block")]
    return [Verdict(READ, "dd without of= only reads")]


def judge_find(cmd: Simple, args: Args, ctx: Context) -> list[Verdict]:
    # `find -exec` runs a command, judged like any other; `risk` imports this module.
    from astreinte.domain.commands.risk import judge

    if "-delete" in args:
        return [Verdict(DESTRUCTIVE, "find -delete deletes every matching file")]
    for index, arg in enumerate(args):
        if arg in ("-exec", "-execdir", "-ok", "-okdir"):
            rest = list(args[index + 1 :])
            end = next((i for i, a in enumerate(rest) if a in (";", "+", "\\;")), len(rest))
            return judge(nested(cmd, rest[:end]), ctx.deeper())
    if any(a in ("-fprint", "-fprintf", "-fls") for a in args):
        return [Verdict(CHANGE, "find -fprint writes a file")]
    return [Verdict(READ, "find only lists files")]


def judge_tee(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    files = [a for a in args if not a.startswith("-") and a not in NULL_TARGETS]
    if files:
        return [Verdict(CHANGE, f"tee writes the file {files[0]}")]
    return [Verdict(READ, "tee only copies its input to the output")]


def judge_rsync(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if any(a.startswith("--delete") or a == "--remove-source-files" for a in args):
        return [Verdict(DESTRUCTIVE, "rsync --delete deletes files missing from the source")]
    if any(a in ("-n", "--dry-run") for a in args):
        return [Verdict(READ, "rsync --dry-run only lists what it would copy")]
    return [Verdict(CHANGE, "rsync copies files (it may overwrite)")]


def judge_tar(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    mode = next((a.lstrip("-") for a in args if not a.startswith("--")), "")
    if "--delete" in args:
        return [Verdict(DESTRUCTIVE, "tar --delete removes members from the archive")]
    if "t" in mode or "--list" in args:
        return [Verdict(READ, "tar -t only lists the archive")]
    if "x" in mode or "--extract" in args:
        return [Verdict(CHANGE, "tar -x extracts files (it may overwrite)")]
    return [Verdict(CHANGE, "tar writes an archive")]
