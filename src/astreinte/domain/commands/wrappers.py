"""Wrappers: commands that run another command, opened so that the inner one is judged too.

`sudo`, `nohup`, `timeout 10`, `env A=1`, `sh -c '…'`, `ssh host '…'`, `xargs`, `docker exec`,
`kubectl exec -- …`, `railway run --environment production …`, `npx prisma …`, `python -m …`.
Each gives back the inner command (or a shell string to parse, or nothing when it opens an
interactive session) and what it adds on its own (`docker run` starts a container).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Final

from astreinte.domain.commands import programs
from astreinte.domain.commands.arguments import (
    is_production,
    nested,
    parse_options,
    program_name,
    words,
)
from astreinte.domain.commands.infrastructure import COMPOSE_GLOBAL, DOCKER_GLOBAL, KUBECTL_VALUES
from astreinte.domain.commands.platforms import PLATFORM_RUN_VALUES
from astreinte.domain.commands.secrets import exposure
from astreinte.domain.commands.shell import ASSIGNMENT, Simple, parse_simples, prepare
from astreinte.domain.commands.verdict import (
    CHANGE,
    DESTRUCTIVE,
    MAX_DEPTH,
    READ,
    Args,
    Context,
    Verdict,
)


@dataclass(frozen=True, slots=True)
class Wrapped:
    """What a wrapper runs, in which context, and what it does on its own."""

    inner: Simple | str | None  # a command, a shell string to parse, or nothing (a session)
    ctx: Context
    verdicts: tuple[Verdict, ...] = ()


Unwrapper = Callable[[Simple, Args, Context], Wrapped | None]


def unwrap(cmd: Simple, ctx: Context) -> Wrapped | None:
    """What `cmd` runs, if its program is a wrapper (and this use of it runs something)."""
    opener = _WRAPPERS.get(program_name(cmd.argv[0]))
    return None if opener is None else opener(cmd, cmd.argv[1:], ctx)


def innermost(cmd: Simple, ctx: Context) -> Simple | None:
    """The command at the bottom of the wrappers, or None when they open a session."""
    for _ in range(MAX_DEPTH):
        if not cmd.argv:
            return None
        wrapped = unwrap(cmd, ctx)
        if wrapped is None:
            return cmd
        if isinstance(wrapped.inner, str):
            parsed = parse_simples(prepare(wrapped.inner))
            if not parsed:
                return None
            cmd = parsed[0]
        elif wrapped.inner is None:
            return None
        else:
            cmd = wrapped.inner
    return None


def _wrap_prefix(takes_value: frozenset[str]) -> Unwrapper:
    """`sudo`, `nohup`, `timeout 10`, `nice -n 5`…: options, then the command they run."""

    def opener(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
        index, options = parse_options(args, 0, takes_value)
        name = program_name(cmd.argv[0])
        if name == "command" and options.keys() & {"-v", "-V"}:
            return Wrapped(None, ctx, (Verdict(READ, "command -v only looks a program up"),))
        if name == "timeout" and index < len(args):
            index += 1  # the duration
        if index >= len(args):
            return Wrapped(None, ctx, (Verdict(READ, f"{name} alone runs nothing"),))
        return Wrapped(nested(cmd, args[index:]), ctx)

    return opener


def _unwrap_env(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    index, _ = parse_options(args, 0, frozenset({"-u", "--unset", "-C", "--chdir", "-S"}))
    assignments = []
    while index < len(args) and ASSIGNMENT.match(args[index]):
        assignments.append(args[index])
        index += 1
    if index >= len(args):
        return Wrapped(
            None, ctx, (exposure("env prints every environment variable, secrets included"),)
        )
    return Wrapped(nested(cmd, args[index:], assignments=assignments), ctx)


def _unwrap_shell(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    name = program_name(cmd.argv[0])
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] != "-":
        if args[index] == "-o":
            index += 1
        elif not args[index].startswith("--") and "c" in args[index][1:]:
            string = args[index + 1] if index + 1 < len(args) else ""
            return Wrapped(string, ctx)
        index += 1
    if index < len(args):
        return Wrapped(nested(cmd, args[index:]), ctx)
    if cmd.heredoc is not None:
        return Wrapped(cmd.heredoc, ctx)
    if cmd.stdin is not None:
        why = f"{name} runs whatever the previous command prints (not visible here)"
        return Wrapped(None, ctx, (Verdict(DESTRUCTIVE, why),))
    return Wrapped(None, ctx, (Verdict(READ, f"{name} opens an interactive shell"),))


def _unwrap_string(_cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    """`eval …` and `watch -n 1 '…'` run their arguments, joined, through a shell."""
    index, _ = parse_options(args, 0, frozenset({"-n", "--interval", "-d", "--differences", "-q"}))
    return Wrapped(" ".join(args[index:]), ctx)


def _unwrap_su(_cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    for index, arg in enumerate(args[:-1]):
        if arg in ("-c", "--command"):
            return Wrapped(args[index + 1], ctx)
    return Wrapped(None, ctx, (Verdict(READ, "su opens a shell as another user"),))


_SSH_VALUES: Final = frozenset(
    words("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B")
)


def _unwrap_ssh(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    index, _ = parse_options(args, 0, _SSH_VALUES)
    host = args[index] if index < len(args) else "the host"
    remote = args[index + 1 :]
    if remote:
        return Wrapped(" ".join(remote), ctx)  # ssh joins its arguments into one remote command
    if cmd.heredoc is not None:
        return Wrapped(cmd.heredoc, ctx)
    return Wrapped(None, ctx, (Verdict(READ, f"ssh opens a remote shell on {host}"),))


_XARGS_VALUES: Final = frozenset(
    words("-I -i -n -P -L -l -d -E -e -s -a --max-args --max-procs --delimiter --arg-file")
)


def _unwrap_xargs(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    index, _ = parse_options(args, 0, _XARGS_VALUES)
    return Wrapped(nested(cmd, args[index:] or ("echo",)), ctx)


_DOCKER_EXEC: Final = frozenset(
    words("-e --env --env-file -u --user -w --workdir --detach-keys --index")
)
_DOCKER_RUN: Final = frozenset(
    words("""-e --env --env-file -u --user -w --workdir -v --volume -p --publish --name --network
    --net --entrypoint -l --label --mount --restart -m --memory --cpus --add-host --log-driver
    --log-opt --platform -h --hostname --pull --user --ulimit --cap-add --cap-drop --device
    --dns""")
)


def _unwrap_docker(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    index, _ = parse_options(args, 0, DOCKER_GLOBAL)
    if index < len(args) and args[index] == "compose":
        return _unwrap_compose(cmd, args, index + 1, ctx)
    return _container_command(cmd, args, index, ctx, compose=False)


def _unwrap_docker_compose(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    return _unwrap_compose(cmd, args, 0, ctx)


def _unwrap_compose(cmd: Simple, args: Args, start: int, ctx: Context) -> Wrapped | None:
    index, _ = parse_options(args, start, COMPOSE_GLOBAL)
    return _container_command(cmd, args, index, ctx, compose=True)


def _container_command(
    cmd: Simple, args: Args, index: int, ctx: Context, *, compose: bool
) -> Wrapped | None:
    """`docker exec [opts] CONTAINER cmd…` and `docker run [opts] IMAGE cmd…`."""
    verb = args[index] if index < len(args) else ""
    if verb not in ("exec", "run"):
        return None
    operand, _ = parse_options(args, index + 1, _DOCKER_EXEC if verb == "exec" else _DOCKER_RUN)
    target = args[operand] if operand < len(args) else "?"
    inner = args[operand + 1 :]
    what = "service" if compose else ("container" if verb == "exec" else "image")
    verdicts: tuple[Verdict, ...] = ()
    if verb == "run":
        verdicts = (Verdict(CHANGE, f"docker run starts a new container from the {what} {target}"),)
    if not inner:
        return Wrapped(None, ctx, (*verdicts, Verdict(READ, f"opens the {what} {target}")))
    return Wrapped(nested(cmd, inner), ctx, verdicts)


def _unwrap_kubectl(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    index, _ = parse_options(args, 0, KUBECTL_VALUES)
    if index >= len(args) or args[index] != "exec":
        return None
    if "--" in args:
        inner = args[args.index("--") + 1 :]
    else:
        operand, _ = parse_options(args, index + 1, KUBECTL_VALUES)
        inner = args[operand + 1 :]
    if not inner:
        return Wrapped(None, ctx, (Verdict(READ, "kubectl exec opens a shell in the pod"),))
    return Wrapped(nested(cmd, inner), ctx)


def _unwrap_platform_run(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    """`railway run [--environment production] cmd…`, `heroku run [-a app] cmd…`."""
    if not args or args[0] != "run":
        return None
    index, options = parse_options(args, 1, PLATFORM_RUN_VALUES)
    environment = options.get("--environment", options.get("-e", ""))
    production = ctx.production or is_production(environment)
    inner = args[index:]
    if not inner:
        return Wrapped(None, ctx, (Verdict(READ, f"{cmd.argv[0]} run alone runs nothing"),))
    return Wrapped(nested(cmd, inner), replace(ctx, production=production))


def _unwrap_fly(_cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    if args[:2] != ("ssh", "console"):
        return None
    _, options = parse_options(args, 2, frozenset({"-C", "--command", "-a", "--app", "-s", "-u"}))
    command = options.get("-C", options.get("--command", ""))
    if command:
        return Wrapped(command, ctx)
    return Wrapped(None, ctx, (Verdict(READ, "fly ssh console opens a shell on the machine"),))


# The verb after which these runners name the tool to run; npx-likes name it first.
_RUNNER_VERBS: Final = {
    "poetry": ("run",), "pipenv": ("run",), "uv": ("run",), "bundle": ("exec",),
    "pnpm": ("dlx", "exec"), "yarn": ("dlx", "exec"),
}  # fmt: skip


def _unwrap_runner(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    """`npx prisma …`, `poetry run alembic …`, `bundle exec rails …`: run a named tool."""
    name = program_name(cmd.argv[0])
    verbs = _RUNNER_VERBS.get(name, ())
    start = 1 if args[:1] and args[0] in verbs else 0
    if verbs and not start:
        return None
    index, _ = parse_options(args, start, frozenset({"-p", "--package", "-c", "--call"}))
    if index >= len(args):
        return None
    if not is_known_program(args[index]):
        verdict = Verdict(CHANGE, f"{name} runs the package {args[index]} (not analysed)")
        return Wrapped(None, ctx, (verdict,))
    return Wrapped(nested(cmd, args[index:]), ctx)


def _unwrap_python(cmd: Simple, args: Args, ctx: Context) -> Wrapped | None:
    index, options = parse_options(args, 0, frozenset({"-m", "-c", "-W", "-X"}))
    if "-m" in options:
        return Wrapped(nested(cmd, (options["-m"], *args[index:])), ctx)
    return None


_WRAPPERS: Final[Mapping[str, Unwrapper]] = {
    "sudo": _wrap_prefix(frozenset(words("-u -g -h -C -D -p -r -t -U --user --group"))),
    "doas": _wrap_prefix(frozenset({"-u", "-C"})),
    **dict.fromkeys(words("nohup builtin command chronic unbuffer"), _wrap_prefix(frozenset())),
    "time": _wrap_prefix(frozenset({"-f", "-o", "--format", "--output"})),
    "nice": _wrap_prefix(frozenset({"-n", "--adjustment"})),
    "ionice": _wrap_prefix(frozenset({"-c", "-n", "-p", "--class", "--classdata"})),
    "stdbuf": _wrap_prefix(frozenset({"-i", "-o", "-e"})),
    "exec": _wrap_prefix(frozenset({"-a"})),
    "caffeinate": _wrap_prefix(frozenset({"-t", "-w"})),
    "timeout": _wrap_prefix(frozenset({"-s", "--signal", "-k", "--kill-after"})),
    "env": _unwrap_env,
    **dict.fromkeys(words("sh bash zsh dash ksh fish"), _unwrap_shell),
    "su": _unwrap_su,
    **dict.fromkeys(("eval", "watch"), _unwrap_string),
    "ssh": _unwrap_ssh,
    **dict.fromkeys(("xargs", "parallel"), _unwrap_xargs),
    **dict.fromkeys(("docker", "podman"), _unwrap_docker),
    "docker-compose": _unwrap_docker_compose,
    **dict.fromkeys(("kubectl", "oc"), _unwrap_kubectl),
    **dict.fromkeys(("railway", "heroku"), _unwrap_platform_run),
    **dict.fromkeys(("fly", "flyctl"), _unwrap_fly),
    **dict.fromkeys(words("npx pnpx bunx poetry pipenv uv bundle pnpm yarn"), _unwrap_runner),
    **dict.fromkeys(("python", "python3"), _unwrap_python),
}


def is_known_program(name: str) -> bool:
    """Whether `name` is a program the knowledge tables describe (used to sniff untagged blocks)."""
    base = program_name(name)
    return base in _KNOWN_NAMES or base.startswith("mkfs")


_KNOWN_NAMES: Final = programs.NAMES | frozenset(_WRAPPERS)
