"""maxmemory and its policies as Redis 7.0.15 applies them: keys evicted before a command that
may grow memory, each policy touching only what it may, OOM refusals under noeviction (reads and
DEL still served), evictions sent to replicas as DEL, a replica never evicting on its own, LFU
keeping a skewed workload's hot keys, and scripts refused by their allow-oom flag.
"""
import os

import pytest

from conftest import RespError, eventually, wait_replica_synced

REDIS_SERVER = "/usr/bin/redis-server"
OOM = RespError("OOM command not allowed when used memory > 'maxmemory'.")
VALUE = "x" * 1000


def start(make_server, binary, args):
    if binary == "redis" and not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    return make_server(extra_args=args, binary=REDIS_SERVER if binary == "redis" else None)


def info(c, section):
    text = c.call("INFO", section).decode()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def fill(c, prefix, n, ttl=False):
    """Writes n 1 KB keys, pipelined 100 at a time (so client buffers stay small beside the
    data); returns the replies."""
    replies = []
    for start in range(0, n, 100):
        batch = range(start, min(n, start + 100))
        for i in batch:
            if ttl:
                c.send("SET", "%s%d" % (prefix, i), VALUE, "EX", 10000)
            else:
                c.send("SET", "%s%d" % (prefix, i), VALUE)
        replies += [c.read() for _ in batch]
    return replies


@pytest.mark.parametrize("binary", ["sable", "redis"])
def test_noeviction_refuses_writes_and_serves_reads(make_server, binary):
    s = start(make_server, binary, ["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"])
    c = s.conn()
    replies = fill(c, "k", 8000)
    assert OOM in replies, "never refused"
    first = replies.index(OOM)
    assert all(r == "OK" for r in replies[:first])
    # at the limit a write is refused (Redis's own client buffers move it by a few bytes, so
    # single writes are tried until one is)
    assert OOM in [c.call("SET", "another%d" % i, VALUE) for i in range(200)]
    assert c.call("SET", "another", VALUE) == OOM
    assert c.call("GET", "k0") == VALUE.encode()
    assert c.call("MULTI") == "OK"
    assert c.call("GET", "k0") == OOM  # queueing is refused too
    assert c.call("DISCARD") == "OK"
    # shebang scripts without allow-oom are denyoom; with it they run; plain EVAL's first
    # denyoom call is refused
    assert c.call("EVAL", "#!lua\nreturn redis.call('set', 'a', 1)", 0) == OOM
    assert c.call("EVAL", "#!lua flags=allow-oom\nreturn redis.call('get', 'k0')", 0) == \
        VALUE.encode()
    assert c.call("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k0')", 0) == \
        VALUE.encode()
    got = c.call("EVAL", "return redis.call('set', 'a', 1)", 0)
    assert isinstance(got, RespError) and str(got).startswith("OOM command not allowed")
    assert info(c, "stats")["evicted_keys"] == "0"
    # DEL frees memory, and writes work again
    c.call("DEL", *["k%d" % i for i in range(first)])
    assert c.call("SET", "another", "v") == "OK"


def test_allkeys_lru_keeps_memory_under_the_limit(make_server):
    s = make_server(extra_args=["--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru",
                                "--notify-keyspace-events", "Ee"])
    c = s.conn()
    sub = s.conn()
    sub.call("SUBSCRIBE", "__keyevent@0__:evicted")
    assert all(r == "OK" for r in fill(c, "k", 20000))
    stats = info(c, "stats")
    assert int(stats["evicted_keys"]) > 5000
    used = int(info(c, "memory")["used_memory"])
    assert used < 8 * 1024 * 1024 * 1.1, used
    # every key is either here or counted as evicted (each command, INFO too, may evict
    # before it runs, hence the slack)
    assert abs(c.call("DBSIZE") + int(stats["evicted_keys"]) - 20000) < 500
    msg = sub.read()
    assert msg[0] == b"message" and msg[1] == b"__keyevent@0__:evicted"
    # the newest keys, just written, were not the ones to go
    assert c.call("EXISTS", "k19999") == 1


def test_volatile_policies_touch_only_keys_with_ttl(make_server):
    for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
        s = make_server(extra_args=["--maxmemory", "8mb", "--maxmemory-policy", policy])
        c = s.conn()
        assert all(r == "OK" for r in fill(c, "keep", 3000))
        replies = fill(c, "ttl", 12000, ttl=True)
        assert all(r == "OK" for r in replies), policy
        assert int(info(c, "stats")["evicted_keys"]) > 0, policy
        c.send("EXISTS", *["keep%d" % i for i in range(3000)])
        assert c.read() == 3000, policy
        # only keys without a TTL left to add: nothing may go, so writes are refused
        assert OOM in fill(c, "more", 12000), policy
        s.stop()


def test_volatile_ttl_evicts_the_soonest_first(make_server):
    s = make_server(extra_args=["--maxmemory", "8mb", "--maxmemory-policy", "volatile-ttl"])
    c = s.conn()
    # keys expiring soonest go first
    for i in range(3000):
        c.send("SET", "soon%d" % i, VALUE, "EX", 1000)
    for i in range(3000):
        c.send("SET", "late%d" % i, VALUE, "EX", 100000)
    [c.read() for _ in range(6000)]
    assert all(r == "OK" for r in fill(c, "fill", 5000, ttl=True))
    c.send("EXISTS", *["late%d" % i for i in range(3000)])
    late = c.read()
    c.send("EXISTS", *["soon%d" % i for i in range(3000)])
    soon = c.read()
    assert late > soon, (late, soon)


def test_lfu_keeps_the_hot_keys(make_server):
    s = make_server(extra_args=["--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lfu"])
    c = s.conn()
    hot = ["hot%d" % i for i in range(200)]
    for k in hot:
        c.send("SET", k, VALUE)
    [c.read() for _ in hot]
    for _ in range(30):
        for k in hot:
            c.send("GET", k)
        [c.read() for _ in hot]
    assert c.call("OBJECT", "FREQ", "hot0") > 5
    assert all(r == "OK" for r in fill(c, "cold", 20000))
    c.send("EXISTS", *hot)
    kept = c.read()
    assert kept >= 190, kept
    assert int(info(c, "stats")["evicted_keys"]) > 5000


def test_evictions_reach_the_replica_which_never_evicts_itself(make_server):
    args = ["--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru"]
    primary = make_server(extra_args=args)
    replica = make_server(extra_args=args + ["--replicaof", "127.0.0.1", str(primary.port)])
    wait_replica_synced(primary, replica)
    p = primary.conn()
    # Under a loaded machine the replica's link may lag and the primary refuse a few writes
    # (what its backlog holds counts, as in Redis); what matters here is what the replica does.
    replies = fill(p, "k", 15000)
    assert replies.count("OK") > 10000
    assert int(info(p, "stats")["evicted_keys"]) > 0
    wait_replica_synced(primary, replica)
    r = replica.conn()
    eventually(lambda: r.call("DBSIZE") == p.call("DBSIZE"))
    assert info(r, "stats")["evicted_keys"] == "0"
