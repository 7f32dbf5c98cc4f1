"""git: most subcommands only touch the local repository; some rewrite or discard history."""

from __future__ import annotations

from typing import Final

from astreinte.domain.commands.arguments import has_flag, positionals
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

_FORCE: Final = (
    "--force", "-f", "--force-with-lease", "--force-if-includes", "--mirror", "--delete", "-d",
    "--prune",
)  # fmt: skip


def _push(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    forced = [flag for flag in _FORCE if has_flag(args, flag)]
    refspecs = positionals(args, frozenset({"-o", "--push-option", "--repo"}))[2:]
    if forced or any(r.startswith(("+", ":")) for r in refspecs):
        what = forced[0] if forced else "a +/: refspec"
        return [Verdict(DESTRUCTIVE, f"git push {what} rewrites or deletes remote history")]
    return [Verdict(CHANGE, "git push publishes commits (on a deploy branch it triggers a deploy)")]


def _reset(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if has_flag(args, "--hard") or has_flag(args, "--merge"):
        return [Verdict(DESTRUCTIVE, "git reset --hard discards uncommitted changes")]
    return [Verdict(CHANGE, "git reset moves the branch (the changes stay in the tree)")]


def _clean(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if has_flag(args, "-n") or has_flag(args, "--dry-run"):
        return [Verdict(READ, "git clean -n only lists the files it would delete")]
    return [Verdict(DESTRUCTIVE, "git clean deletes untracked files")]


def _checkout(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if "--" in args or "." in args or has_flag(args, "-f") or has_flag(args, "--force"):
        return [Verdict(DESTRUCTIVE, "git checkout of paths discards their uncommitted changes")]
    return [Verdict(CHANGE, "git checkout switches the working tree")]


def _branch(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    if has_flag(args, "-D") or (has_flag(args, "-d") and has_flag(args, "-f")):
        return [Verdict(DESTRUCTIVE, "git branch -D deletes a branch even if it is not merged")]
    found = positionals(args, frozenset())
    if len(found) > 1 or any(has_flag(args, f) for f in ("-d", "-m", "-M", "-c")):
        return [Verdict(CHANGE, "git branch creates, renames or deletes a merged branch")]
    return [Verdict(READ, "git branch only lists branches")]


def _listing(command: str) -> Judge:
    """`git tag`, `git remote`, `git stash`, `git config`: no operand lists, an operand changes."""

    def judge(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
        found = positionals(args, frozenset())
        listing = {"list", "show", "get-url", "-l", "--list", "--get", "--get-all", "-v"}
        if command == "stash" and len(found) <= 1:
            return [Verdict(CHANGE, "git stash sets the uncommitted changes aside")]
        if len(found) <= 1 or found[1] in listing or any(a in listing for a in args):
            return [Verdict(READ, f"git {command} only lists")]
        if command == "stash" and found[1] in ("drop", "clear"):
            return [Verdict(DESTRUCTIVE, f"git stash {found[1]} deletes stashed changes")]
        return [Verdict(CHANGE, f"git {command} {found[1]} changes the repository")]

    return judge


GIT: Final = Tool(
    "git",
    {
        **table(
            "git",
            read="""status|log|diff|show|blame|fetch|ls-files|ls-remote|ls-tree|rev-parse|
            describe|shortlog|reflog|grep|whatchanged|cat-file|show-ref|count-objects|fsck|
            version|help|cherry|range-diff|name-rev|verify-commit|worktree list|
            submodule status|bisect log""",
            change="""add|commit|merge|rebase|revert|cherry-pick|pull|switch|init|clone|mv|rm|am|
            apply|submodule|worktree|gc|prune|bisect|notes|sparse-checkout|lfs""",
            change_why="changes the local repository",
        ),
        "push": _push,
        "reset": _reset,
        "clean": _clean,
        "checkout": _checkout,
        "restore": Verdict(DESTRUCTIVE, "git restore discards uncommitted changes of the paths"),
        "branch": _branch,
        "tag": _listing("tag"),
        "remote": _listing("remote"),
        "stash": _listing("stash"),
        "config": _listing("config"),
        "reflog expire": Verdict(
            DESTRUCTIVE, "git reflog expire deletes the safety net of lost commits"
        ),
    },
    frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace"}),
)
