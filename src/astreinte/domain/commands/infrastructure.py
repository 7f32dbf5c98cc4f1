"""Containers, clusters and cloud infrastructure: docker, kubectl, helm, terraform, aws/gcloud/az.

`docker exec` and `kubectl exec` run another command; `wrappers` opens those. The option sets
below are shared with it.
"""

from __future__ import annotations

import re
from typing import Final

from astreinte.domain.commands.arguments import has_flag, positionals, program_name, words
from astreinte.domain.commands.secrets import exposure
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.tool import Tool, judge_tool, table
from astreinte.domain.commands.verdict import (
    CHANGE,
    DESTRUCTIVE,
    READ,
    Args,
    Context,
    Judge,
    Verdict,
)

# docker ----------------------------------------------------------------------------------------

DOCKER_GLOBAL: Final = frozenset(words("-H --host -c --context --config -l --log-level"))
COMPOSE_GLOBAL: Final = frozenset(
    words("-f --file -p --project-name --env-file --profile --project-directory --ansi --progress")
)

_DOCKER_TABLE: Final[dict[str, Verdict | Judge]] = {
    **table(
        "docker",
        read="""ps|logs|stats|inspect|images|top|version|info|events|port|diff|history|search|
        wait|attach|system df|system info|system events|volume ls|volume inspect|network ls|
        network inspect|image ls|image inspect|image history|container ls|container inspect|
        container logs|container top|container stats|context ls|manifest inspect|buildx ls|
        service ls|service ps|service logs|service inspect|stack ls|stack ps|stack services|
        node ls|secret ls|config ls|compose ps|compose logs|compose config|compose top|
        compose images|compose ls|compose version|compose events|compose port""",
        change="""restart|start|stop|build|pull|push|tag|create|pause|unpause|update|cp|commit|
        load|import|save|login|logout|rename|rmi|image rm|image prune|builder prune|buildx build|
        network create|network connect|network disconnect|network rm|network prune|
        volume create|context use|service update|service scale|service create|stack deploy|
        container restart|container start|container stop|compose restart|compose up|
        compose down|compose build|compose pull|compose push|compose create|compose start|
        compose stop|compose pause|compose unpause|compose scale|compose cp|compose watch""",
        destructive="""kill|container kill|compose kill""",
        destructive_why="kills the container's processes (in-flight work is lost)",
    ),
    **table(
        "docker",
        destructive="rm|container rm|compose rm|container prune|service rm|stack rm|secret rm",
        destructive_why="deletes containers and their writable layer",
    ),
    "system prune": Verdict(
        DESTRUCTIVE, "docker system prune deletes stopped containers, unused networks and images"
    ),
    "volume rm": Verdict(DESTRUCTIVE, "docker volume rm deletes the volume and its data"),
    "volume prune": Verdict(
        DESTRUCTIVE, "docker volume prune deletes every unused volume and its data"
    ),
    "compose restart": Verdict(CHANGE, "docker compose restart restarts services (brief downtime)"),
    "compose up": Verdict(CHANGE, "docker compose up creates or restarts services (reversible)"),
    "compose down": Verdict(
        CHANGE, "docker compose down stops and removes the containers (volumes kept)"
    ),
    "restart": Verdict(CHANGE, "docker restart restarts the container (brief downtime)"),
}
_DOCKER_FLAGS: Final = {
    ("system prune", "--volumes"): Verdict(
        DESTRUCTIVE, "--volumes also deletes unused volumes (data loss)"
    ),
    ("compose down", "--volumes"): Verdict(
        DESTRUCTIVE, "docker compose down --volumes deletes the volumes"
    ),
    ("compose down", "-v"): Verdict(DESTRUCTIVE, "docker compose down -v deletes the volumes"),
    ("compose rm", "-v"): Verdict(
        DESTRUCTIVE, "docker compose rm -v deletes the anonymous volumes"
    ),
    ("rm", "-v"): Verdict(DESTRUCTIVE, "docker rm -v also deletes the container's volumes"),
}
DOCKER: Final = Tool("docker", _DOCKER_TABLE, DOCKER_GLOBAL | COMPOSE_GLOBAL, _DOCKER_FLAGS)


def judge_docker_compose(cmd: Simple, args: Args, ctx: Context) -> list[Verdict]:
    return judge_tool(DOCKER, cmd, ("compose", *args), ctx)


# kubernetes, helm ------------------------------------------------------------------------------

KUBECTL_VALUES: Final = frozenset(
    words("""-n --namespace --context --kubeconfig -c --container -l --selector -o --output -f
    --filename --cluster --user -s --server --request-timeout""")
)


def _kubectl_get(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    found = [w.lower() for w in positionals(args, KUBECTL_VALUES)]
    kinds = {kind.split("/")[0] for word in found[1:2] for kind in word.split(",")}
    dumps = re.search(r"(?:^| )(-o|--output)[ =]?(yaml|json|jsonpath|go-template)", " ".join(args))
    if kinds & {"secret", "secrets"} and dumps:
        return [
            exposure("kubectl get secret -o … prints the secret values (base64 is not encryption)")
        ]
    return [Verdict(READ, "kubectl get only reads cluster state")]


def _kubectl_create(_cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    found = positionals(args, KUBECTL_VALUES)
    if found[1:2] == ["secret"]:
        return [Verdict(CHANGE, "kubectl create secret sets a secret", sensitive=True)]
    return [Verdict(CHANGE, "kubectl create adds resources to the cluster")]


KUBECTL: Final = Tool(
    "kubectl",
    {
        **table(
            "kubectl",
            read="""get|describe|logs|top|explain|version|api-resources|api-versions|
            cluster-info|config view|config get-contexts|config current-context|events|auth|
            rollout status|rollout history|port-forward|proxy|diff|wait|plugin|""",
            change="""apply|replace|patch|edit|scale|autoscale|set|label|annotate|expose|run|
            rollout restart|rollout pause|rollout resume|cordon|uncordon|drain|taint|
            config use-context|config set-context|cp|debug|attach|certificate""",
            destructive="delete",
            destructive_why="deletes the resources (pods come back only if a controller owns them)",
        ),
        "rollout undo": Verdict(
            CHANGE, "kubectl rollout undo rolls the deployment back (deploy change)"
        ),
        "get": _kubectl_get,
        "create": _kubectl_create,
    },
    KUBECTL_VALUES,
    {
        ("replace", "--force"): Verdict(
            DESTRUCTIVE, "kubectl replace --force deletes and recreates"
        ),
        ("drain", "--delete-emptydir-data"): Verdict(DESTRUCTIVE, "drain deletes emptyDir data"),
    },
)

HELM: Final = Tool(
    "helm",
    {
        **table(
            "helm",
            read="list|ls|status|history|get|show|search|template|lint|version|repo list|env|diff",
            change="install|upgrade|repo add|repo update|dependency|plugin|test|pull",
            destructive="uninstall|delete|del|un",
            destructive_why="removes the release and the resources it created",
        ),
        "rollback": Verdict(CHANGE, "helm rollback redeploys an earlier revision (deploy change)"),
    },
    frozenset(words("-n --namespace --kube-context --kubeconfig -f --values --set -o --output")),
)


# terraform, clouds -----------------------------------------------------------------------------

TERRAFORM: Final = Tool(
    "terraform",
    table(
        "terraform",
        read="""plan|show|output|validate|version|providers|graph|state list|state show|
        workspace list|workspace show|console""",
        change="""apply|import|state mv|taint|untaint|refresh|workspace new|workspace select|init|
        fmt|state push|force-unlock""",
        destructive="destroy|state rm|workspace delete",
        destructive_why="destroys infrastructure or forgets it (irreversible)",
    ),
    frozenset({"-chdir", "-var", "-var-file", "-target"}),
    {
        ("apply", "-destroy"): Verdict(
            DESTRUCTIVE, "terraform apply -destroy destroys the infrastructure"
        )
    },
)

_CLOUD_VALUES: Final = frozenset(
    words("--region --profile --project --output -o --query --format --zone --resource-group -g")
)
_CLOUD_READ_VERBS: Final = frozenset(
    words("describe get list head lookup search scan query show ls wait tail filter batch-get")
)
_CLOUD_DESTROY_VERBS: Final = frozenset(
    words("delete remove terminate purge deregister destroy rm rb")
)


def judge_cloud(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    """aws / gcloud / az: the operation's verb decides (describe-…, delete-…, list…)."""
    name = program_name(cmd.argv[0])
    found = [w.lower() for w in positionals(args, _CLOUD_VALUES)]
    where = " ".join([name, *found[:3]])
    if found[:2] == ["s3", "rm"] or found[:2] == ["s3", "rb"]:
        return [
            Verdict(DESTRUCTIVE, f"{where} deletes objects from S3 (no undo without versioning)")
        ]
    if found[:2] == ["s3", "sync"] and has_flag(args, "--delete"):
        return [Verdict(DESTRUCTIVE, "aws s3 sync --delete deletes files missing from the source")]
    secret_read = {"get-secret-value", "access", "get-parameter", "get-parameters", "decrypt"}
    if secret_read & set(found) and ("ssm" not in found or has_flag(args, "--with-decryption")):
        return [exposure(f"{where} prints a secret value")]
    for word in reversed(found[:4]):
        verb = word.split("-", 1)[0]
        if verb in _CLOUD_READ_VERBS or word in ("ls", "presign"):
            return [Verdict(READ, f"{where} only reads")]
        if verb in _CLOUD_DESTROY_VERBS:
            return [Verdict(DESTRUCTIVE, f"{where} deletes cloud resources")]
    return [Verdict(CHANGE, f"{where} changes cloud resources")]
