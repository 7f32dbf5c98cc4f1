"""assess(): the risk of commands outside the seeds, the seed oracle through assess, properties."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astreinte.domain.commands import assess, is_secret_name, opens_sql_session, placeholders
from astreinte.domain.runbook.model import Risk
from tests.conftest import SPEC

R, C, D = Risk.READ, Risk.CHANGE, Risk.DESTRUCTIVE

# Commands the seeds do not contain: (command, risk, sensitive).
GENERAL: list[tuple[str, Risk, bool]] = [
    # Kubernetes, Helm, Terraform, clouds
    ("kubectl delete pod web-1 -n prod", D, False),
    ("kubectl get pods -A", R, False),
    ("kubectl logs deploy/api --tail=200", R, False),
    ("kubectl get secrets -n prod", R, False),
    ("kubectl describe secret db-creds", R, False),
    ("kubectl get secret db-creds -o yaml", D, True),
    ("kubectl rollout restart deployment/api", C, False),
    ("kubectl scale deploy/api --replicas=3", C, False),
    ("kubectl exec -it api-0 -- rm -rf /tmp/cache", D, False),
    ("helm rollback web 3", C, False),
    ("helm uninstall web", D, False),
    ("terraform plan -out tf.plan", R, False),
    ("terraform destroy -auto-approve", D, False),
    ("aws s3 rm s3://bucket/path --recursive", D, False),
    ("aws ec2 describe-instances", R, False),
    ("gcloud compute instances delete vm-1", D, False),
    ("az vm list", R, False),
    # Docker
    ("docker volume prune -f", D, False),
    ("docker system prune -f", D, False),
    ("docker compose down -v", D, False),
    ("docker compose logs -f api", R, False),
    ("docker rmi old-image:1.0", C, False),
    ("docker exec -it pg psql -U app -c 'DELETE FROM sessions'", D, False),
    ("docker exec pg psql -U app -c 'SELECT 1'", R, False),
    # Wrappers and shells
    ("ssh deploy@web1 'sudo systemctl restart caddy'", C, False),
    ("ssh web1 'docker exec cache redis-cli FLUSHALL'", D, False),
    ("sh -c 'rm -f /tmp/lock'", D, False),
    ("bash -c 'echo ok'", R, False),
    ("timeout 30 pg_isready -h db", R, False),
    ("sudo -u postgres psql", R, False),
    ("nohup ./scripts/worker.sh &", C, False),
    ("env RAILS_ENV=production bin/rails db:migrate", D, False),
    ("watch -n 5 'kubectl get pods'", R, False),
    ("nice -n 10 tar xzf data.tgz", C, False),
    ("curl -fsSL https://get.example.com/install.sh | sh", D, False),
    # Git
    ("git push --force origin main", D, False),
    ("git reset --hard HEAD~1", D, False),
    ("git clean -fdx", D, False),
    ("git stash drop", D, False),
    ("git log --oneline -n 5", R, False),
    # Files, processes, services
    ("find /var/log -mtime +7 -delete", D, False),
    ("find /tmp -name '*.lock' -exec rm {} \\;", D, False),
    ("rm -rf /var/lib/app/cache", D, False),
    ("truncate -s 0 /var/log/app.log", D, False),
    ("> /var/log/app.log", D, False),
    ("dd if=/dev/zero of=/dev/sdb bs=1M", D, False),
    ("mkfs.ext4 /dev/sdb1", D, False),
    ("rsync -av --delete src/ dst/", D, False),
    ("crontab -r", D, False),
    ("crontab -l", R, False),
    ("kill -9 4242", D, False),
    ("pkill -f celery", D, False),
    ("kill -HUP 1234", C, False),
    ("kill -0 1234", R, False),
    ("systemctl status postgresql", R, False),
    ("systemctl kill api", D, False),
    ("journalctl -u api --since '1 hour ago'", R, False),
    ("journalctl --vacuum-size=500M", D, False),
    ("supervisorctl restart worker", C, False),
    ("pm2 flush", D, False),
    ("sed -i 's/a/b/' /etc/app.conf", C, False),
    ("sed -n '1,5p' app.log", R, False),
    ("tail -f /var/log/syslog", R, False),
    ("ls -la > listing.txt", C, False),
    ("tar czf backup.tgz /etc", C, False),
    ("apt-get install -y htop", C, False),
    ("certbot renew", C, False),
    ("frobnicate --now", C, False),
    # Network and firewall
    ("ufw deny 22/tcp", C, False),
    ("iptables -L -n", R, False),
    ("iptables -A INPUT -p tcp --dport 22 -j DROP", C, False),
    ("curl -s https://status.example.com/health | jq .", R, False),
    ("curl -X DELETE https://api.example.com/v1/items/7", D, False),
    ("curl -X PUT -d '{\"a\":1}' https://api.example.com/v1/items/7", C, False),
    ("curl -d 'x=1' https://api.example.com/hook", C, False),
    ("wget -qO- https://example.com/health", R, False),
    ("openssl s_client -connect example.com:443 </dev/null", R, False),
    ("dig +short example.com", R, False),
    # Secrets
    ("cat ~/.aws/credentials", D, True),
    ("cat .env.local", D, True),
    ("grep DATABASE .env", D, True),
    ("printenv", D, True),
    ("env", D, True),
    ("printenv HOME", R, False),
    ('echo "token is $GITHUB_TOKEN"', D, True),
    ('echo "deploying $APP_NAME"', R, False),
    ("vercel env pull .env.local", D, True),
    ("heroku config:set STRIPE_SECRET_KEY=sk_live_x -a shop", D, True),
    ("fly secrets set SESSION_KEY=abc", D, True),
    ("export API_TOKEN=abc123", C, True),
    ("redis-cli -a hunter2 PING", R, True),
    ('redis-cli -a "$REDIS_PASS" INFO', R, False),
    ("curl -H 'Authorization: Bearer abc123' https://api.example.com/me", R, True),
    ('curl -H "Authorization: Bearer $TOKEN" https://api.example.com/me', R, False),
    ("mysql -u root -psecret shop", R, True),
    # Databases
    ("redis-cli -h cache.internal DEL session:42", D, False),
    ("redis-cli --scan --pattern 'bull:*' | xargs redis-cli UNLINK", D, False),
    ("redis-cli CONFIG SET maxmemory 2gb", C, False),
    ("redis-cli LLEN bull:mail:wait", R, False),
    ('mysql -e "DROP TABLE t"', D, False),
    ("psql -c 'VACUUM FULL'", D, False),
    ("psql -c 'VACUUM ANALYZE orders'", C, False),
    ("psql -c 'UPDATE users SET active = false'", D, False),
    ("psql -c \"INSERT INTO audit(note) VALUES ('x')\"", C, False),
    ("psql -c 'CREATE INDEX CONCURRENTLY i ON t(c)'", C, False),
    ("psql -c 'SELECT pg_cancel_backend(123)'", C, False),
    ("psql -c 'EXPLAIN ANALYZE DELETE FROM t'", D, False),
    ("psql -c 'EXPLAIN SELECT * FROM t'", R, False),
    ("psql -c 'ALTER TABLE t DROP COLUMN c'", D, False),
    ("psql -c 'TRUNCATE jobs'", D, False),
    ("psql shop -f migrations/004_add_index.sql", C, False),
    ("psql -c '\\dt'", R, False),
    ("gunzip -c dump.sql.gz | psql shop", D, False),
    ("sqlite3 app.db 'DELETE FROM jobs'", D, False),
    ("mongosh --eval 'db.sessions.deleteMany({})'", D, False),
    ("pg_restore --clean -d shop shop.dump", D, False),
    ("pg_dump -Fc shop > shop.dump", R, False),
    ("heroku pg:reset DATABASE_URL --confirm app", D, False),
    # Migrations and packages
    ("npm ci", C, False),
    ("npx prisma migrate deploy", C, False),
    ("alembic downgrade -1", D, False),
    ("python manage.py flush --noinput", D, False),
    ("python -m alembic upgrade head", C, False),
    ("railway logs", R, False),
]


@pytest.mark.parametrize(("command", "risk", "sensitive"), GENERAL)
def test_commands_outside_the_seeds(command: str, risk: Risk, sensitive: bool) -> None:
    assessment = assess(command)
    assert (assessment.risk, assessment.sensitive) == (risk, sensitive), assessment.reasons
    assert assessment.reasons


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("redis-cli FLUSHDB", "FLUSHDB deletes every key"),
        ("frobnicate --now", "unknown command, treated as a change"),
        ("redis-cli -a hunter2 PING", "literal password"),
        ("docker exec r redis-cli -a $PASS KEYS '*'", "blocks Redis"),
        ("psql -c 'CREATE INDEX i ON t(c)'", "without CONCURRENTLY"),
        ("railway variables", "secrets included"),
        ("psql -c 'DELETE FROM jobs'", "without WHERE"),
    ],
)
def test_reasons_name_what_triggered_them(command: str, words: str) -> None:
    assert any(words in reason for reason in assess(command).reasons)


def test_the_highest_risk_of_the_parts_wins() -> None:
    assessment = assess("df -h && docker volume prune -f; ls")
    assert assessment.risk is Risk.DESTRUCTIVE
    assert all("df" not in reason for reason in assessment.reasons)


def test_comments_alone_run_nothing() -> None:
    assert assess("   # only a note").risk is Risk.READ


@pytest.mark.parametrize(
    ("statement", "risk"),
    [
        ("SELECT * FROM t WHERE a = 1", R),
        ("WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone", D),
        ("INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1", D),
        ("DROP INDEX idx_a", D),
        ("SET statement_timeout = '5s'", C),
        ("SHOW work_mem", R),
        ("SELECT 1; DELETE FROM t;", D),
        ("\\d+ orders", R),
        ("\\i restore_backup.sql", D),
        ("garbage ((( here", C),
        ("SELECT 'unterminated", R),
    ],
)
def test_sql(statement: str, risk: Risk) -> None:
    assert assess(statement, sql=True).risk is risk


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("JWT_SECRET", True),
        ("SENDGRID_API_KEY", True),
        ("TWILIO_ACCOUNT_SID", True),
        ("DATABASE_URL", True),
        ("stripeSecretKey", True),
        ("NEXT_PUBLIC_API_KEY", False),
        ("PWD", False),
        ("APP_NAME", False),
        ("MAINTENANCE_MODE", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    ("command", "found"),
    [
        (
            "./restore.sh backups/db_YYYY-MM-DD_HHMMSS.sql.gz",
            ("YYYY-MM-DD_HHMMSS",),
        ),
        (
            "vercel inspect <deployment-url> && echo [deployment-url]",
            ("<deployment-url>", "[deployment-url]"),
        ),
        (
            "psql $DATABASE_URL -c \"SELECT 1 FROM t WHERE id = 'ORDER_UUID'\"",
            ("$DATABASE_URL", "ORDER_UUID"),
        ),
        ("awk '{print $NF}' ${LOG_FILE:-x.log}", ("${LOG_FILE:-x.log}",)),
        ("railway variables set KEY=<nouveau_secret>", ("<nouveau_secret>",)),
        ("ls -la", ()),
    ],
)
def test_placeholders(command: str, found: tuple[str, ...]) -> None:
    assert placeholders(command) == found


@pytest.mark.parametrize(
    ("command", "opens"),
    [
        ("psql $DATABASE_URL", True),
        ("railway run -e staging psql $PG_URL", True),
        ("docker exec -it pg psql -U app", True),
        ("psql $DATABASE_URL -c 'SELECT 1'", False),
        ("psql $DATABASE_URL < dump.sql", False),
        ("ls", False),
    ],
)
def test_sql_session_openers(command: str, opens: bool) -> None:
    assert opens_sql_session(command) is opens


# ---------------------------------------------------------------------------------------------
# The seed oracle, line by line through assess (split_block is checked in test_codeblock.py)


@cache
def oracle_runs() -> tuple[dict[str, Any], ...]:
    entries: list[dict[str, Any]] = json.loads(
        (SPEC / "seed_commands.json").read_text(encoding="utf-8")
    )
    return tuple(e for e in entries if e["kind"] in ("command", "sql"))


def project_risk(entry: dict[str, Any]) -> Risk:
    # Firewall edits and deploy changes take the oracle's alternative label (`change`).
    if "alt_risk" in entry and entry.get("category") in ("firewall", "vcs-publish", "rollback"):
        return Risk(entry["alt_risk"])
    return Risk(entry["risk"])


def test_assess_agrees_with_every_seed_command() -> None:
    entries = oracle_runs()
    assert len(entries) == 210
    wrong = [
        (e["file"], e["line_no"], project_risk(e), a.risk)
        for e in entries
        if (a := assess(e["line"], sql=e["kind"] == "sql")).risk is not project_risk(e)
    ]
    assert wrong == []


# ---------------------------------------------------------------------------------------------
# Properties

SHELLISH = st.lists(
    st.sampled_from(
        [
            "rm", "-rf", "'", '"', "|", "&&", ";", "$(", ")", "`", "sudo", "docker", "exec", "-it",
            "psql", "-c", "redis-cli", "FLUSHDB", "<", ">", "<<EOF", "\\\n", "#", "ssh", "sh",
            "$X", "${", "}", "{", "[", "]", "→", "DROP", "TABLE", "\n", "kubectl", "--", "xargs",
            "<id>", "railway", "run", "echo", "$JWT_SECRET", "=", "A=1", "(", "\\", "2>&1", "EOF",
        ]
    ),
    max_size=30,
).map(" ".join)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=200), SHELLISH), sql=st.booleans())
def test_assess_never_raises(text: str, sql: bool) -> None:
    assessment = assess(text, sql=sql)
    assert isinstance(assessment.risk, Risk)
    assert isinstance(assessment.sensitive, bool)
    assert assessment.reasons
    assert all(isinstance(reason, str) and reason for reason in assessment.reasons)


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(st.text(max_size=200), SHELLISH))
def test_placeholders_never_raise(text: str) -> None:
    assert all(isinstance(found, str) for found in placeholders(text))


def test_huge_and_pathological_input() -> None:
    assert assess("rm -rf / " * 5_000).risk is Risk.DESTRUCTIVE
    assert assess("$(" * 2_000).risk is not Risk.READ
    assert assess('"' * 10_001, sql=True).reasons
