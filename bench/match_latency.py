"""Match latency and index build time for catalogues of 5, 500 and 5,000 procedures.

The 5-procedure catalogue is one seed runbook as it is. The larger ones start from every
procedure of the seeds and the public corpus (about 209) and add copies of them, each copy
varied so that the vocabulary grows the way a real catalogue's does: the runbook and its
services are renamed (`shop-7`, `billing-12`…), the stack is swapped (PostgreSQL → MySQL…),
ports, hostnames, numbers and table/queue names change, a few lines are swapped between
procedures of the same kind, list items are shuffled, and a block of lines is dropped or
duplicated. Everything is drawn from a seeded `random.Random`, so two runs index the same text.

For each size it prints the build time of `MatchIndex.build`, and the latency of
`index.search(query, top=5)` over a fixed set of queries (French and English complaints, alert
texts, log lines, some of them long), measured in-process after one warm-up pass. Issue 3's goal:
p99 under 10 ms per query at 5,000 procedures, build under 5 s.

Run with `python bench/match_latency.py [--sizes 5,500,5000] [--queries 240] [--profile]`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from astreinte.domain.matching import IndexEntry, MatchIndex, entries_for
from astreinte.domain.matching.analysis import fold
from astreinte.domain.runbook.model import ProcedureKind
from astreinte.domain.runbook.parse import parse

SHARED = Path(os.environ.get("ASTREINTE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
if not (SHARED / "seeds").is_dir():
    SHARED = Path("/work/shared")

SEED: Final = 20260303
TOP: Final = 5

# -- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Corpus:
    runbooks: list[list[IndexEntry]]  # the entries of each real runbook, in file order
    small: list[IndexEntry]  # one seed runbook of exactly 5 procedures (the smallest otherwise)


def load_corpus() -> Corpus:
    public = sorted(p for p in (SHARED / "data" / "runbooks").rglob("*") if p.is_file())
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    runbooks: list[list[IndexEntry]] = []
    seed_runbooks: list[list[IndexEntry]] = []
    for path in [p for p in public if p.name != "SOURCES.md"] + seeds:
        runbook, _ = parse(path.read_bytes(), source=path.name)
        entries = entries_for(path.stem, runbook)
        if entries:
            runbooks.append(entries)
            if path in seeds:
                seed_runbooks.append(entries)
    if not seed_runbooks:
        raise SystemExit(f"No seed runbook with procedures under {SHARED / 'seeds'}.")
    small = min(seed_runbooks, key=lambda entries: (abs(len(entries) - 5), len(entries)))
    return Corpus(runbooks=runbooks, small=small)


# Names given to the services of copied runbooks, and stack components swapped for their peers.
_SERVICE_NAMES: Final = (
    "shop billing checkout ledger auth search catalog notify payments inventory gateway reports "
    "media orders profile tracking invoicing booking loyalty pricing shipping messaging ingest "
    "scoring crm support wallet kyc agenda portail facturation"
).split()
_STACK: Final[dict[str, tuple[str, ...]]] = {
    "postgresql": ("mysql", "mariadb", "cockroachdb"),
    "postgres": ("mysql", "mariadb", "cockroach"),
    "redis": ("memcached", "valkey", "keydb"),
    "nginx": ("haproxy", "traefik", "caddy"),
    "kafka": ("rabbitmq", "nats", "pulsar"),
    "docker": ("podman", "containerd"),
    "vercel": ("netlify", "cloudflare", "render"),
    "railway": ("fly", "heroku", "render"),
    "supabase": ("firebase", "appwrite", "neon"),
    "elasticsearch": ("opensearch", "solr", "meilisearch"),
    "sentry": ("bugsnag", "rollbar", "honeybadger"),
    "prometheus": ("victoriametrics", "thanos", "mimir"),
    "pm2": ("supervisord", "systemd", "forever"),
    "node": ("deno", "bun"),
    "sidekiq": ("resque", "delayed_job", "good_job"),
    "ceph": ("longhorn", "glusterfs", "minio"),
}
# Words of a runbook's name that say nothing about the service: never renamed.
_GENERIC: Final = frozenset(
    "runbook runbooks incident incidents production prod guide response playbook playbooks "
    "readme md html erb docs the and des les for with 2024 2025 2026 backend frontend host "
    "common issues debug cours down recovery template severity levels during vps".split()
)
_TLDS: Final = ("com", "io", "net", "fr", "internal", "cloud")
_PORT = re.compile(r"(?<=:)\d{2,5}\b")
_HOST = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|io|net|org|fr|app|dev|local|internal)\b")
_IDENT = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # table, queue and column names
_NUMBER = re.compile(r"(?<![\w.:-])\d{1,4}(?![\w.:])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")


def build_catalogue(corpus: Corpus, size: int) -> list[IndexEntry]:
    """`size` procedures: the real ones first, then varied copies of them, copy after copy."""
    if size <= len(corpus.small):
        return corpus.small[:size]
    originals = [entry for entries in corpus.runbooks for entry in entries]
    by_kind: dict[ProcedureKind, list[IndexEntry]] = {}
    for entry in originals:
        by_kind.setdefault(entry.kind, []).append(entry)
    catalogue = list(originals)
    copy = 0
    while len(catalogue) < size:
        copy += 1
        for entries in corpus.runbooks:
            rng = random.Random(f"{SEED}:{copy}:{entries[0].runbook_id}")
            catalogue.extend(_vary_runbook(entries, copy, rng, by_kind))
            if len(catalogue) >= size:
                break
    return catalogue[:size]


def _vary_runbook(
    entries: list[IndexEntry],
    copy: int,
    rng: random.Random,
    by_kind: dict[ProcedureKind, list[IndexEntry]],
) -> list[IndexEntry]:
    first = entries[0]
    old_ids = set(re.findall(r"[a-z0-9][a-z0-9_-]+", fold(first.runbook_id)))
    own = sorted(first.services - _GENERIC - old_ids - _STACK.keys())
    renames = {word: f"{rng.choice(_SERVICE_NAMES)}-{copy}" for word in own}
    renames.update(
        (word, rng.choice(peers)) for word, peers in _STACK.items() if rng.random() < 0.5
    )
    pattern = (
        re.compile(
            r"\b("
            + "|".join(re.escape(w) for w in sorted(renames, key=len, reverse=True))
            + r")\b",
            re.IGNORECASE,
        )
        if renames
        else None
    )
    service = f"{rng.choice(_SERVICE_NAMES)}-{copy}"
    runbook_id = f"{first.runbook_id[:40]}-{copy}"
    varied: list[IndexEntry] = []
    for entry in entries:

        def substitute(text: str) -> str:
            if pattern is not None:
                text = pattern.sub(lambda m: renames[m.group(1).lower()], text)
            text = _PORT.sub(
                lambda _: str(
                    rng.choice((80, 443, 3000, 5432, 6379, 8080, 9092)) + rng.randrange(0, 50)
                ),
                text,
            )
            text = _HOST.sub(lambda _: f"{service}.{rng.choice(_TLDS)}", text)
            text = _IDENT.sub(
                lambda m: m.group(0) + f"_{copy}" if rng.random() < 0.4 else m.group(0), text
            )
            return _NUMBER.sub(
                lambda m: (
                    str(int(m.group(0)) + rng.randrange(1, 9)) if rng.random() < 0.3 else m.group(0)
                ),
                text,
            )

        peers = by_kind.get(entry.kind, [])
        fields = tuple(
            (name, _reshape(substitute(text), name, rng, peers) if name != "title" else text)
            for name, text in entry.fields
        )
        title = substitute(entry.title)
        fields = tuple((name, title if name == "title" else text) for name, text in fields)
        services = frozenset(
            {renames.get(w, w) for w in entry.services - old_ids}
            | set(re.findall(r"[a-z0-9][a-z0-9_-]+", fold(f"{runbook_id} {service}")))
        )
        varied.append(
            replace(
                entry,
                runbook_id=runbook_id,
                source=f"{runbook_id}.md",
                title=title,
                fields=fields,
                services=services,
            )
        )
    return varied


def _reshape(text: str, field: str, rng: random.Random, peers: list[IndexEntry]) -> str:
    """Shuffle list items, swap a line with a peer procedure's, drop or duplicate a block."""
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    # Shuffle each run of list items.
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and _LIST_ITEM.match(lines[end]):
            end += 1
        if end - start > 1 and rng.random() < 0.6:
            run = lines[start:end]
            rng.shuffle(run)
            lines[start:end] = run
        start = end + 1
    # Swap a few lines with the same field of other procedures of the same kind.
    if peers and field in {"symptoms", "diagnosis", "actions"}:
        for _ in range(rng.randrange(0, 3)):
            peer_text = dict(rng.choice(peers).fields).get(field, "")
            peer_lines = [line for line in peer_text.split("\n") if len(line) > 20]
            if peer_lines:
                lines[rng.randrange(len(lines))] = rng.choice(peer_lines)
    # Drop or duplicate a block of lines, as a section would be.
    if len(lines) > 4 and rng.random() < 0.3:
        at = rng.randrange(len(lines) - 2)
        block = lines[at : at + rng.randrange(2, min(8, len(lines) - at) + 1)]
        if rng.random() < 0.5:
            del lines[at : at + len(block)]
        else:
            lines[at:at] = block
    return "\n".join(lines)


# -- the queries ------------------------------------------------------------------------------

_COMPLAINTS_FR: Final = (
    "personne ne peut se connecter",
    "le site est lent",
    "la base de données ne répond plus",
    "le site affiche une page blanche",
    "erreur 500 sur le tableau de bord",
    "les paiements ne passent plus depuis ce matin",
    "les clients reçoivent deux factures",
    "la file d'attente ne se vide plus",
    "le disque est plein sur le serveur",
    "les mails de confirmation ne partent pas",
    "impossible de se connecter après la mise en production",
    "le déploiement a échoué, il faut revenir en arrière",
    "le certificat SSL a expiré",
    "l'API renvoie des timeouts",
    "les pods redémarrent en boucle",
    "le cluster kubernetes ne répond plus",
    "la sauvegarde de cette nuit n'a pas tourné",
    "comment restaurer la base depuis une sauvegarde",
    "la mémoire du serveur est saturée",
    "le frontend ne charge plus, écran blanc",
    "les utilisateurs sont déconnectés au hasard",
    "le backend renvoie 502 bad gateway",
    "les jobs en arrière-plan sont bloqués",
    "le taux d'erreur dépasse 10% depuis 5 minutes",
    "fuite de données suspectée, compte compromis",
    "le stockage ceph est dégradé",
    "la réplication de la base est en retard",
    "le cache redis est indisponible",
    "application complètement down",
    "les pipelines CI restent en attente",
    "le temps de réponse a doublé",
    "la recherche ne renvoie plus de résultats",
    "l'IA répond n'importe quoi, taux de résolution en chute",
    "les webhooks de paiement échouent",
    "le volume persistant se remplit",
    "trop de connexions à la base de données",
    "la machine virtuelle est bloquée",
    "les métriques ne remontent plus dans prometheus",
    "le serveur ne redémarre pas après la mise à jour",
    "perte de données après la migration",
)
_COMPLAINTS_EN: Final = (
    "the database is down",
    "nobody can log in",
    "site is very slow since the last deploy",
    "users see a blank page",
    "checkout returns 500 errors",
    "payments are failing",
    "customers were billed twice",
    "queue backlog keeps growing",
    "disk full on the app server",
    "emails are not being sent",
    "rollback the last release",
    "ssl certificate expired",
    "api requests time out",
    "pods are crash looping",
    "kubernetes api server unreachable",
    "nightly backup failed",
    "how do I restore the database from a backup",
    "server out of memory",
    "frontend deploy broke the homepage",
    "sessions are randomly lost",
    "502 bad gateway from the load balancer",
    "background workers stuck",
    "error rate above threshold",
    "security incident: leaked credentials",
    "ceph health warn, osd down",
    "replication lag on the primary database",
    "redis connection refused",
    "whole application down",
    "ci builds pending for a long time",
    "latency doubled after scaling",
    "search results are empty",
    "webhook deliveries failing",
    "persistent volume filling up",
    "too many database connections",
    "virtual machine stuck in unhealthy state",
    "targets are down in prometheus",
    "etcd fsync durations are high",
    "gitaly is down",
    "scheduled publishing did not run",
    "elasticsearch cluster health is red",
)
_ALERTS: Final = (
    "[FIRING:1] KubePodCrashLooping default/api-7d9f (container api restarting 5 times / 10 min)",
    "[FIRING:2] KubePersistentVolumeFillingUp monitoring/prometheus-db 3% free",
    "[FIRING:1] KubeAPIDown: KubeAPI has disappeared from Prometheus target discovery",
    "[FIRING:1] TargetDown: 100% of the node-exporter/node-exporter targets are down",
    "[FIRING:1] etcdHighFsyncDurations: etcd cluster fsync durations p99 is 1.2s",
    "[FIRING:1] etcdGRPCWriteRequestsSlow on etcd-0",
    "[FIRING:1] KubeAPIErrorBudgetBurn long=1h short=5m severity=critical",
    "[FIRING:1] VirtAPIDown: All virt-api servers are down",
    "[FIRING:1] CephXattrSetLatency: high xattr set latency on mds",
    "VirtualMachineStuckInUnhealthyState vm=web-3 namespace=prod",
    "ALERT HighErrorRate service=checkout 5xx ratio 12% over 5m",
    "ALERT DiskSpaceLow instance=db-1:9100 mountpoint=/var/lib/postgresql 2% left",
    "ALERT HighMemoryUsage instance=worker-2 memory 97%",
    "ALERT PostgresTooManyConnections datname=app 98/100",
    "ALERT RedisDown instance=cache-1:6379",
    "ALERT QueueBacklog queue=bull:emails waiting=48213",
    "ALERT SSLCertExpiringSoon domain=app.example.com days=3",
    "ALERT ReplicationLag pg_replication_lag_seconds=340",
    "ALERT LatencyP99High route=/api/search p99=4.2s",
    "ALERT BackupJobFailed job=pg_dump_nightly exit=1",
    "Sentry: TypeError: Cannot read properties of undefined (reading 'user') in Dashboard",
    "Uptime check failed: https://app.example.com returned 503",
    "Vercel deployment failed: Build exceeded maximum duration",
    "Railway service crashed: exit code 137",
    "Supabase: database CPU at 100% for 15 minutes",
    "PagerDuty: SEV-1 declared, incident commander needed",
    "Grafana alert: ingestion rate dropped to 0 on distributor",
    "cortex ingester unhealthy in the ring",
    "gitlab.com is down, HAProxy returning 503",
    "CI pending builds above 500 for shared runners",
)
_LOGS: Final = (
    "Error: connect ECONNREFUSED 127.0.0.1:6379",
    "Error: connect ECONNREFUSED 10.0.3.12:5432",
    "Error: connect ETIMEDOUT 52.1.4.9:443",
    "Error: ENOSPC: no space left on device, write",
    "FATAL: sorry, too many clients already",
    'FATAL: password authentication failed for user "app"',
    "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
    "Killed process 2314 (node) total-vm:4123456kB, anon-rss:2048000kB (OOM killer)",
    "upstream timed out (110: Connection timed out) while reading response header from upstream",
    "connect() failed (111: Connection refused) while connecting to upstream",
    "HTTP 429 Too Many Requests: rate limit exceeded for key gemini",
    "TypeError: Cannot read properties of null (reading 'map') at Dashboard.render",
    "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
    "psycopg2.OperationalError: could not connect to server: Connection refused",
    "ActiveRecord::ConnectionTimeoutError: could not obtain a connection from the pool",
    "Sidekiq::Shutdown: job interrupted, retrying",
    "kafka: client has run out of available brokers to talk to",
    "x509: certificate has expired or is not yet valid",
    "Back-off restarting failed container api in pod api-5c6d",
    "etcdserver: request timed out, possibly due to previous leader failure",
    "health check failed: GET /api/health 503",
    "POST /persist-on-login 500 Internal Server Error",
    "Error: redisConnected=false, falling back to memory store",
    "pg_isready: /var/run/postgresql:5432 - no response",
    "bull:emails:wait length 120000",
    "OSError: [Errno 28] No space left on device: '/var/log/app.log'",
    "java.lang.OutOfMemoryError: Java heap space",
    "WARN slow query 12.4s SELECT * FROM orders WHERE status = 'pending'",
    "Deadlock found when trying to get lock; try restarting transaction",
    "ceph: HEALTH_WARN 1 osds down; Degraded data redundancy",
)
_LONG_LOGS: Final = (
    "2026-03-03T03:12:44.123Z ERROR [api] request_id=9f1c2d user_id=48213 route=POST "
    "/api/v1/payments/confirm status=500 duration_ms=30012 error=SequelizeConnectionError: "
    "connect ETIMEDOUT 10.12.0.5:5432 at ConnectionManager.connect "
    "(/app/node_modules/sequelize/lib/dialects/postgres/connection-manager.js:184:24) "
    "at processTicksAndRejections (node:internal/process/task_queues:95:5)",
    "Mar  3 03:14:02 web-1 nginx[1123]: 2026/03/03 03:14:02 [error] 1123#1123: *884213 "
    "upstream prematurely closed connection while reading response header from upstream, "
    'client: 88.12.4.3, server: app.example.com, request: "GET /dashboard HTTP/2.0", '
    'upstream: "http://127.0.0.1:3000/dashboard", host: "app.example.com"',
    "kubelet[812]: E0303 03:15:10.552 pod_workers.go:1298] Error syncing pod "
    '4a8e-11ee, skipping: failed to "StartContainer" for "worker" with CrashLoopBackOff: '
    '"back-off 5m0s restarting failed container=worker pod=worker-7b9c_prod(4a8e-11ee)"',
    "Traceback (most recent call last): File /srv/app/jobs/export.py, line 88, in run "
    "rows = session.execute(query).fetchall() sqlalchemy.exc.OperationalError: "
    "(psycopg2.OperationalError) FATAL: remaining connection slots are reserved for "
    "non-replication superuser connections",
    "[2026-03-03 03:16:40,019] ERROR [ReplicaFetcher replicaId=2, leaderId=1, fetcherId=0] "
    "Error for partition orders-events-3 at offset 4821093 "
    "(kafka.server.ReplicaFetcherThread) org.apache.kafka.common.errors."
    "NotLeaderOrFollowerException",
)
_ALERT_BODIES: Final = (
    "[FIRING:3] HighErrorRate (checkout prod critical)\nSummary: The checkout service is "
    "returning HTTP 502 and 504 errors for more than 15% of requests over the last 10 minutes.\n"
    "Description: The upstream payment API started timing out at 03:02 UTC. nginx logs show "
    "'upstream timed out (110: Connection timed out)'. Pods are healthy, database CPU is normal, "
    "redis latency is normal. Runbook: see the checkout incident procedure. Dashboard: "
    "https://grafana.example.com/d/checkout. Labels: team=payments service=checkout "
    "env=production region=eu-west-3",
    "[FIRING:1] PostgresDown (db-primary prod page)\nSummary: PostgreSQL primary is not "
    "accepting connections.\nDescription: pg_up == 0 for 5 minutes on db-primary:5432. The "
    "application logs 'FATAL: the database system is in recovery mode' and "
    "'ECONNREFUSED 10.0.2.4:5432'. Replica db-replica-1 is 40 seconds behind. Last successful "
    "backup 02:00 UTC. Consider failover to the replica if the primary does not come back "
    "within 10 minutes. Labels: service=api severity=critical team=platform",
    "Alerte [P1] — Application indisponible\nRésumé : le site renvoie des erreurs 503 depuis "
    "03:20 pour l'ensemble des utilisateurs.\nDescription : la sonde de disponibilité échoue "
    "sur /api/health depuis trois vérifications consécutives. Les journaux du backend montrent "
    "'JavaScript heap out of memory' puis un redémarrage en boucle du processus pm2. Le disque "
    "du serveur est à 91 %. Aucune mise en production depuis hier soir. Étiquettes : "
    "service=backend env=production équipe=plateforme",
    "[FIRING:2] KubePersistentVolumeFillingUp (monitoring warning)\nSummary: PersistentVolume "
    "is filling up.\nDescription: The PersistentVolume claimed by prometheus-k8s-db-0 in "
    "Namespace monitoring is only 4.2% free and is expected to fill up within four days, based "
    "on recent sampling. Ingestion grew after a new exporter was deployed on Friday; retention "
    "is 15d. Expanding the volume or reducing retention is required. Labels: "
    "namespace=monitoring persistentvolumeclaim=prometheus-k8s-db-0 severity=warning",
)


def query_set(count: int) -> list[str]:
    """`count` queries: the hand-written ones, then log and alert templates filled in."""
    rng = random.Random(SEED)
    written = [
        *_COMPLAINTS_FR,
        *_COMPLAINTS_EN,
        *_ALERTS,
        *_LOGS,
        *_LONG_LOGS,
        *_ALERT_BODIES,
    ]
    templates = (
        "Error: connect ECONNREFUSED {ip}:{port}",
        "{service}: upstream timed out after {n}s ({method} {path})",
        "le service {service} est lent depuis {n} minutes",
        "{service} returns {code} on {path}",
        "ALERT {service}-{env} HighLatency p99={n}00ms route={path}",
        "les utilisateurs de {service} voient une erreur {code}",
        "{service} worker OOMKilled, restarted {n} times",
        "{level} {service}[{n}]: {method} {path} {code} in {n}ms",
    )
    filled: list[str] = []
    while len(written) + len(filled) < count:
        filled.append(
            rng.choice(templates).format(
                ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
                port=rng.choice((5432, 6379, 3306, 9092, 27017, 443)),
                service=rng.choice(_SERVICE_NAMES),
                n=rng.randrange(2, 90),
                method=rng.choice(("GET", "POST", "PUT")),
                path=rng.choice(("/api/login", "/api/orders", "/dashboard", "/api/health")),
                code=rng.choice((500, 502, 503, 504, 429)),
                env=rng.choice(("prod", "staging")),
                level=rng.choice(("ERROR", "WARN", "FATAL")),
            )
        )
    return (written + filled)[:count]


# -- the measures -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    size: int
    runbooks: int
    terms: int
    build_seconds: float
    latencies_ms: list[float]
    empty: int


def measure(entries: list[IndexEntry], queries: Sequence[str]) -> Figures:
    started = time.perf_counter()
    index = MatchIndex.build(entries)
    build_seconds = time.perf_counter() - started
    for query in queries:  # warm-up: caches of stems, numpy's first calls
        index.search(query, top=TOP)
    latencies: list[float] = []
    empty = 0
    clock = time.perf_counter
    for query in queries:
        started = clock()
        found = index.search(query, top=TOP)
        latencies.append((clock() - started) * 1000)
        empty += not found
    return Figures(
        size=len(entries),
        runbooks=len({entry.runbook_id for entry in entries}),
        terms=len(getattr(index, "_postings", {})),
        build_seconds=build_seconds,
        latencies_ms=latencies,
        empty=empty,
    )


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(figures: Figures) -> str:
    lat = figures.latencies_ms
    return (
        f"{figures.size:>6} procedures ({figures.runbooks:>4} runbooks, {figures.terms:>6} terms): "
        f"build {figures.build_seconds:6.3f} s | per query (ms) "
        f"p50 {percentile(lat, 0.50):6.2f}  p95 {percentile(lat, 0.95):6.2f}  "
        f"p99 {percentile(lat, 0.99):6.2f}  max {max(lat):6.2f}  mean {statistics.fmean(lat):6.2f}"
        f" | {len(lat)} queries, {figures.empty} without result\n"
    )


def profile(label: str, action: Callable[[], object], out: Callable[[str], object]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(15)
    out(f"\n--- profile: {label} (sorted by own time) ---\n{text.getvalue()}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="5,500,5000", help="catalogue sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=240, help="number of queries (≥ 1)")
    parser.add_argument(
        "--profile", action="store_true", help="profile build and search at the largest size"
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in str(args.sizes).split(",") if size.strip()]
    queries = query_set(max(1, int(args.queries)))
    out = sys.stdout.write

    corpus = load_corpus()
    real = sum(len(entries) for entries in corpus.runbooks)
    long = sum(len(q) >= 300 for q in queries)
    out(
        f"corpus: {len(corpus.runbooks)} runbooks, {real} procedures; {len(queries)} queries "
        f"({long} of 300+ characters), top={TOP}, in-process after one warm-up pass\n"
    )
    catalogues: dict[int, list[IndexEntry]] = {}
    for size in sizes:
        started = time.perf_counter()
        catalogues[size] = build_catalogue(corpus, size)
        generated = time.perf_counter() - started
        figures = measure(catalogues[size], queries)
        out(report(figures))
        if generated > 1:
            out(f"{'':>6} (generating the catalogue took {generated:.1f} s, not counted)\n")
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out(f"peak RSS: {rss_kib / 1024:.0f} MiB\n")

    if args.profile and sizes:
        entries = catalogues[max(sizes)]
        profile(f"build, {len(entries)} procedures", lambda: MatchIndex.build(entries), out)
        index = MatchIndex.build(entries)
        profile(
            f"search x{len(queries)}, {len(entries)} procedures",
            lambda: [index.search(query, top=TOP) for query in queries],
            out,
        )


if __name__ == "__main__":
    main()
