"""Redis through `redis-cli`: the command after the options decides (`GET` reads, `FLUSHALL`…)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from astreinte.domain.commands.arguments import positionals, words
from astreinte.domain.commands.secrets import exposure, is_literal, leak
from astreinte.domain.commands.shell import Simple
from astreinte.domain.commands.tool import entries
from astreinte.domain.commands.verdict import CHANGE, DESTRUCTIVE, READ, Args, Context, Verdict

_VALUES: Final = frozenset(
    words("""-h -p -s -a -u -n -r -i -d --user --pass --cacert --cert --key --tls-ciphers --pattern
    --count --rdb --functions-rdb --eval --memkeys-samples --sni --cacertdir""")
)
_MEASURES: Final = frozenset(
    words("""--scan --bigkeys --memkeys --hotkeys --stat --latency --latency-history --version
    --help""")
)

_COMMANDS: Final[Mapping[str, Verdict]] = {
    **entries(
        READ,
        """PING|INFO|GET|MGET|LLEN|LRANGE|LINDEX|HGET|HGETALL|HLEN|HKEYS|HVALS|HMGET|HEXISTS|
        SCARD|SMEMBERS|SISMEMBER|ZCARD|ZRANGE|ZSCORE|ZCOUNT|ZRANGEBYSCORE|ZREVRANGE|TTL|PTTL|
        TYPE|EXISTS|DBSIZE|MEMORY USAGE|MEMORY STATS|MEMORY DOCTOR|CONFIG GET|CLIENT LIST|
        CLIENT INFO|SLOWLOG GET|SLOWLOG LEN|MONITOR|XLEN|XINFO|XRANGE|XREVRANGE|XPENDING|STRLEN|
        OBJECT|LASTSAVE|TIME|ROLE|CLUSTER INFO|CLUSTER NODES|LATENCY|COMMAND|SCAN|SSCAN|HSCAN|
        ZSCAN|RANDOMKEY|ECHO|SELECT|PUBSUB|SUBSCRIBE|PSUBSCRIBE|DUMP|GETRANGE|BITCOUNT|PFCOUNT|
        GEOPOS|GEODIST|SRANDMEMBER|LPOS|ACL WHOAMI|ACL CAT|MODULE LIST|FUNCTION LIST|QUIT""",
        "only reads",
    ),
    "KEYS": Verdict(
        READ,
        "KEYS only reads, but it scans the whole keyspace and blocks Redis on large databases",
        note=True,
    ),
    **entries(
        CHANGE,
        """SET|SETEX|PSETEX|SETNX|MSET|APPEND|INCR|INCRBY|DECR|DECRBY|INCRBYFLOAT|EXPIRE|PEXPIRE|
        EXPIREAT|PERSIST|LPUSH|RPUSH|LINSERT|LSET|HSET|HMSET|HSETNX|HINCRBY|SADD|SMOVE|ZADD|
        ZINCRBY|XADD|XGROUP|XACK|XCLAIM|PUBLISH|RENAME|RENAMENX|COPY|MOVE|CONFIG SET|
        CONFIG REWRITE|CONFIG RESETSTAT|MEMORY PURGE|BGSAVE|SAVE|BGREWRITEAOF|CLIENT PAUSE|
        CLIENT UNPAUSE|CLIENT SETNAME|CLIENT NO-EVICT|SLOWLOG RESET|LATENCY RESET|SCRIPT FLUSH|
        SCRIPT LOAD|FUNCTION LOAD|REPLICAOF|SLAVEOF|FAILOVER|CLUSTER FAILOVER|RESTORE|PFADD|
        GEOADD|SETRANGE|SETBIT|EVAL|EVALSHA|FCALL|MODULE LOAD|ACL SETUSER|WAIT""",
        "writes to Redis",
    ),
    "MEMORY PURGE": Verdict(
        CHANGE, "MEMORY PURGE asks the allocator to release memory (no data lost)"
    ),
    "CONFIG SET": Verdict(CHANGE, "CONFIG SET changes the running Redis configuration"),
    "FLUSHDB": Verdict(DESTRUCTIVE, "FLUSHDB deletes every key of the Redis database"),
    "FLUSHALL": Verdict(DESTRUCTIVE, "FLUSHALL deletes every key of every Redis database"),
    "DEL": Verdict(DESTRUCTIVE, "DEL deletes keys"),
    "UNLINK": Verdict(DESTRUCTIVE, "UNLINK deletes keys"),
    **entries(
        DESTRUCTIVE,
        """GETDEL|LPOP|RPOP|BLPOP|BRPOP|LMPOP|LTRIM|LREM|SPOP|SREM|HDEL|ZREM|ZPOPMIN|ZPOPMAX|
        ZREMRANGEBYSCORE|ZREMRANGEBYRANK|ZREMRANGEBYLEX|XDEL|XTRIM|SWAPDB|MIGRATE|SHUTDOWN|
        CLIENT KILL|DEBUG|CLUSTER RESET|ACL DELUSER|FUNCTION FLUSH|FUNCTION DELETE|RPOPLPUSH|
        LMOVE|BLMOVE|SMOVE|GETEX""",
        "removes data or connections",
    ),
}


def judge_redis(cmd: Simple, args: Args, _ctx: Context) -> list[Verdict]:
    verdicts = _password_notes(args)
    found = positionals(args, _VALUES)
    if not found:
        return [*verdicts, _without_command(cmd, frozenset(args))]
    command = found[0].upper()
    pair = f"{command} {found[1].upper()}" if len(found) > 1 else command
    verdict = _COMMANDS.get(pair) or _COMMANDS.get(command)
    if verdict is None:
        verdict = Verdict(CHANGE, f"Redis {command}: unknown command, treated as a change")
    if pair == "CONFIG GET" and len(found) > 2 and re.search(r"(?i)pass|auth|\*", found[2]):
        verdict = exposure("CONFIG GET prints the Redis password")
    if pair == "CONFIG SET" and len(found) > 2 and re.search(r"(?i)pass|auth", found[2]):
        verdict = Verdict(CHANGE, "CONFIG SET changes the Redis password", sensitive=True)
    if command == "AUTH" and len(found) > 1:
        verdict = (
            leak("AUTH passes the password on the command line")
            if is_literal(found[-1])
            else Verdict(READ, "AUTH authenticates")
        )
    return [*verdicts, verdict]


def _password_notes(args: Args) -> list[Verdict]:
    notes: list[Verdict] = []
    for index, arg in enumerate(args[:-1]):
        if arg not in ("-a", "--pass"):
            continue
        if is_literal(args[index + 1]):
            notes.append(leak("redis-cli -a passes a literal password"))
        else:
            why = "redis-cli -a puts the password in the process list (prefer REDISCLI_AUTH)"
            notes.append(Verdict(READ, why, note=True))
    return notes


def _without_command(cmd: Simple, flags: frozenset[str]) -> Verdict:
    """`redis-cli` with options only: a snapshot, a pipe, a script, a scan or a session."""
    if "--rdb" in flags:
        return Verdict(READ, "redis-cli --rdb downloads a snapshot (the server is only read)")
    if "--pipe" in flags or cmd.stdin is not None:
        return Verdict(CHANGE, "redis-cli --pipe sends the commands read from stdin")
    if "--eval" in flags:
        return Verdict(CHANGE, "redis-cli --eval runs a Lua script (not analysed)")
    if flags & _MEASURES:
        return Verdict(READ, "redis-cli only scans or measures")
    return Verdict(READ, "redis-cli opens an interactive session")
