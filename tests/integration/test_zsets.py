"""Sorted-set commands: replies byte for byte as Redis 7.0.15 gives them (RESP2 and RESP3),
large sets past the listpack limits driven by random operations side by side with Redis,
DEBUG DIGEST-VALUE, DUMP/RESTORE and RDB files exchanged with a real Redis, DEBUG RELOAD and
AOF rewrite. Expected values are also asserted directly, so a missing feature fails even
without the reference.

Run with SABLE_SERVER=/usr/bin/redis-server to check the expectations against real Redis."""
import os
import random
import shutil

import pytest

from conftest import RespConn
from test_aof import AOF_ON, aof_dir, manifest_files, parse_commands, wait_rewrite_done
from test_rdb import restart as rdb_restart

REDIS_SERVER = "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(not os.path.exists(REDIS_SERVER),
                                 reason="Debian's redis-server is not installed")


class WireConn(RespConn):
    """A RespConn that hands back the exact bytes of each reply."""

    def __init__(self, sock):
        super().__init__(sock)
        self.seen = b""

    def _fill(self, deadline):
        before = len(self.buf)
        super()._fill(deadline)
        self.seen += self.buf[before:]

    def wire(self, *parts, timeout=5.0):
        self.seen = self.buf
        self.send(*[str(p) for p in parts])
        self.read(timeout)
        return self.seen[:len(self.seen) - len(self.buf)]


def transcript(server, commands, resp3=False):
    c = WireConn(server.raw())
    if resp3:
        c.call("HELLO", "3")
    return [c.wire(*cmd) for cmd in commands]


SCRIPT = [
    ("ZADD", "z", 1, "a", 2, "b", 3, "c", 0.1, "d", "inf", "e", "-inf", "f"),
    ("ZRANGE", "z", 0, -1, "WITHSCORES"), ("ZSCORE", "z", "d"), ("ZSCORE", "z", "nope"),
    ("ZRANGEBYSCORE", "z", "(1", 3, "WITHSCORES"), ("ZREVRANGEBYSCORE", "z", "+inf", "(1",
                                                    "LIMIT", 1, 2),
    ("ZRANGE", "z", 3, 1, "BYSCORE", "REV", "WITHSCORES"), ("ZRANGE", "z", 0, 9, "BYSCORE",
                                                            "LIMIT", -1, 2),
    ("ZREVRANGE", "z", 0, 1, "WITHSCORES"), ("ZRANGE", "z", -2, -1),
    ("ZADD", "l", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e"),
    ("ZRANGEBYLEX", "l", "[b", "(e"), ("ZREVRANGEBYLEX", "l", "+", "[c", "LIMIT", 0, 2),
    ("ZLEXCOUNT", "l", "-", "+"), ("ZCOUNT", "z", "-inf", "+inf"), ("ZCOUNT", "z", "(0", "(3"),
    ("ZRANK", "z", "c"), ("ZREVRANK", "z", "c"), ("ZRANK", "z", "nope"),
    ("ZINCRBY", "z", 1.5, "a"), ("ZADD", "z", "GT", "CH", 0, "a", 10, "b"),
    ("ZADD", "z", "INCR", 1, "zz"), ("ZADD", "z", "XX", "INCR", 1, "nosuch"),
    ("ZADD", "z", "NX", 5, "a", 6, "new"), ("ZADD", "z", "LT", "CH", 100, "a", -1, "c"),
    ("ZPOPMIN", "z", 2), ("ZPOPMAX", "z"), ("ZPOPMIN", "z", 0), ("ZPOPMIN", "nokey"),
    ("ZMPOP", 2, "nosuch", "z", "MAX", "COUNT", 2), ("ZMPOP", 1, "nosuch", "MIN"),
    ("ZUNIONSTORE", "u", 2, "z", "l", "WEIGHTS", 2, 1, "AGGREGATE", "MAX"),
    ("ZRANGE", "u", 0, -1, "WITHSCORES"), ("ZINTER", 2, "z", "u", "WITHSCORES"),
    ("ZUNION", 2, "z", "l", "AGGREGATE", "MIN", "WITHSCORES"), ("ZDIFF", 2, "u", "z"),
    ("ZINTERSTORE", "i", 2, "u", "l"), ("ZDIFFSTORE", "d", 2, "u", "z"),
    ("ZINTERCARD", 2, "u", "l", "LIMIT", 2), ("ZINTERCARD", 1, "u"),
    ("ZREMRANGEBYSCORE", "u", 0, 0), ("ZREMRANGEBYRANK", "u", 0, 0),
    ("ZREMRANGEBYLEX", "l", "-", "(c"), ("ZRANGE", "l", 0, -1),
    ("ZRANGESTORE", "dst", "u", 0, -1, "BYSCORE", "LIMIT", 0, 1),
    ("ZRANGE", "dst", 0, -1, "WITHSCORES"), ("ZRANGESTORE", "dst", "nokey", 0, -1),
    ("EXISTS", "dst"), ("ZMSCORE", "z", "a", "nosuch"), ("ZMSCORE", "nokey", "a"),
    ("ZCARD", "z"), ("ZCARD", "nokey"), ("ZREM", "z", "a", "nosuch"), ("OBJECT", "ENCODING", "z"),
    ("ZADD", "big", 1, "x" * 65), ("OBJECT", "ENCODING", "big"), ("TYPE", "big"),
    ("ZADD", "n", 0.1, "x", 1e300, "y", -0.0, "z0", 1.7976931348623157e308, "m"),
    ("ZRANGE", "n", 0, -1, "WITHSCORES"), ("ZSCAN", "n", 0),
    # plain sets as inputs: every member scores 1
    ("SADD", "s", "c", "d", "q"), ("SADD", "si", 1, 2, 3),
    ("ZUNION", 2, "l", "s", "WEIGHTS", 1, 3, "WITHSCORES"), ("ZINTER", 2, "s", "l", "WITHSCORES"),
    ("ZDIFF", 2, "s", "l", "WITHSCORES"), ("ZUNIONSTORE", "fromset", 2, "si", "s"),
    ("ZRANGE", "fromset", 0, -1, "WITHSCORES"), ("ZINTERCARD", 2, "s", "l"),
    ("ZDIFFSTORE", "sd", 2, "si", "s"), ("TYPE", "sd"), ("ZUNION", 2, "s", "str"),
    # errors
    ("SET", "str", "v"), ("ZADD", "str", 1, "a"), ("ZRANGE", "str", 0, 1), ("ZADD", "z", "nan", "x"),
    ("ZADD", "z", 1), ("ZADD", "z", "NX", "XX", 1, "a"), ("ZADD", "z", "GT", "LT", 1, "a"),
    ("ZADD", "z", "GT", "NX", 1, "a"), ("ZADD", "z", "INCR", 1, "a", 2, "b"),
    ("ZINCRBY", "z", "nan", "a"), ("ZINCRBY", "z", "x", "a"),
    ("ZADD", "inf", "inf", "a"), ("ZINCRBY", "inf", "-inf", "a"),
    ("ZRANGE", "z", 0, -1, "BYLEX", "WITHSCORES"), ("ZRANGE", "z", "[a", "[c", "LIMIT", 0, 1),
    ("ZRANGE", "z", "x", 1), ("ZRANGEBYSCORE", "z", "x", 1), ("ZRANGEBYLEX", "l", "a", "+"),
    ("ZRANGEBYLEX", "l", "-", "+", "LIMIT", 1), ("ZRANGESTORE", "d", "z", 0, -1, "WITHSCORES"),
    ("ZUNIONSTORE", "d", 0, "z"), ("ZUNION", 0, "z"), ("ZUNION", 3, "z"),
    ("ZINTER", 1, "z", "WEIGHTS", "x"), ("ZDIFF", 1, "z", "AGGREGATE", "SUM"),
    ("ZINTERCARD", 0, "z"), ("ZINTERCARD", 1, "z", "LIMIT", -1), ("ZPOPMIN", "z", -1),
    ("ZPOPMIN", "z", "x"), ("ZMPOP", 0, "z", "MIN"), ("ZMPOP", 1, "z", "UP"),
    ("ZMPOP", 1, "z", "MIN", "COUNT", 0), ("ZRANDMEMBER", "nokey"), ("ZRANDMEMBER", "nokey", 3),
    ("ZRANDMEMBER", "z", 0), ("ZRANDMEMBER", "z", 1, "x"), ("ZCOUNT", "z", "(", 1),
    ("ZREMRANGEBYRANK", "z", "a", 1), ("ZSCAN", "z", "x"),
]


def test_replies_match_redis(server, make_server):
    got2 = transcript(server, SCRIPT)
    server.client().flushall()
    got3 = transcript(server, SCRIPT, resp3=True)
    replies = dict(zip((" ".join(str(a) for a in c) for c in SCRIPT), got2))
    # Direct checks of what a missing feature would get wrong.
    assert replies["ZRANGE z 0 -1 WITHSCORES"] == (
        b"*12\r\n$1\r\nf\r\n$4\r\n-inf\r\n$1\r\nd\r\n$19\r\n0.10000000000000001\r\n"
        b"$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
        b"$1\r\ne\r\n$3\r\ninf\r\n")
    assert replies["ZRANGEBYLEX l [b (e"] == b"*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"
    assert replies["ZADD z NX XX 1 a"] == (
        b"-ERR XX and NX options at the same time are not compatible\r\n")
    assert replies["ZINCRBY inf -inf a"] == b"-ERR resulting score is not a number (NaN)\r\n"
    assert replies["OBJECT ENCODING big"] == b"$8\r\nskiplist\r\n"
    assert replies["ZINTER 2 s l WITHSCORES"].startswith(b"*4\r\n$1\r\nc\r\n$1\r\n1\r\n")
    assert replies["ZUNIONSTORE fromset 2 si s"] == b":6\r\n"
    assert replies["TYPE sd"] == b"+zset\r\n"
    if not os.path.exists(REDIS_SERVER) or server.binary == REDIS_SERVER:
        return
    ref = make_server(binary=REDIS_SERVER)
    want2 = transcript(ref, SCRIPT)
    ref.client().flushall()
    want3 = transcript(ref, SCRIPT, resp3=True)
    for cmd, g, w in zip(SCRIPT, got2, want2):
        if cmd[:2] == ("ZSCAN", "n"):
            continue  # member order of a scan is the table's
        assert g == w, "RESP2 reply to %r differs:\nsable %r\nredis %r" % (cmd, g, w)
    for cmd, g, w in zip(SCRIPT, got3, want3):
        if cmd[:2] == ("ZSCAN", "n"):
            continue
        assert g == w, "RESP3 reply to %r differs:\nsable %r\nredis %r" % (cmd, g, w)


def random_ops(rng, n):
    """A deterministic mix of writes and reads over a few keys growing past 128 members."""
    ops = []
    for _ in range(n):
        k = "k%d" % rng.randrange(3)
        m = "m%d" % rng.randrange(400)
        s = rng.choice([rng.randrange(-50, 50), rng.randrange(100) / 8, "inf", "-inf"])
        roll = rng.random()
        if roll < 0.45:
            ops.append(("ZADD", k, s, m, rng.randrange(100), "m%d" % rng.randrange(400)))
        elif roll < 0.5:
            ops.append(("ZINCRBY", k, rng.randrange(-3, 4), m))
        elif roll < 0.6:
            ops.append(("ZREM", k, m))
        elif roll < 0.65:
            ops.append(("ZREMRANGEBYSCORE", k, rng.randrange(-50, 0), "(%d" % rng.randrange(-50, 0)))
        elif roll < 0.7:
            ops.append(("ZPOPMIN", k, rng.randrange(3)))
        elif roll < 0.75:
            ops.append(("ZRANK", k, m))
        elif roll < 0.8:
            a = rng.randrange(-30, 30)
            ops.append(("ZRANGE", k, a, a + rng.randrange(40), "WITHSCORES"))
        elif roll < 0.85:
            ops.append(("ZRANGE", k, "+inf", rng.randrange(-20, 20), "BYSCORE", "REV", "LIMIT",
                        rng.randrange(5), rng.randrange(-1, 10), "WITHSCORES"))
        elif roll < 0.9:
            ops.append(("ZCOUNT", k, "(%d" % rng.randrange(-20, 20), rng.randrange(-20, 50)))
        elif roll < 0.95:
            ops.append(("ZUNIONSTORE", "u", 2, k, "k0", "WEIGHTS", 1, 2))
        else:
            ops.append(("ZREVRANK", k, m))
    ops += [("ZRANGE", k, 0, -1, "WITHSCORES") for k in ("k0", "k1", "k2", "u")]
    ops += [("OBJECT", "ENCODING", "k0"), ("ZCARD", "k0"), ("ZRANGE", "u", 0, -1)]
    return ops


@needs_redis
def test_random_operations_match_redis(server, make_server):
    ops = random_ops(random.Random(7), 4000)
    got = transcript(server, ops)
    ref = make_server(binary=REDIS_SERVER)
    want = transcript(ref, ops)
    for cmd, g, w in zip(ops, got, want):
        assert g == w, "reply to %r differs:\nsable %r\nredis %r" % (cmd, g, w)
    c, rc = server.client(decode_responses=False), ref.client(decode_responses=False)
    for k in ("k0", "k1", "k2", "u"):
        assert c.execute_command("DEBUG", "DIGEST-VALUE", k) == \
            rc.execute_command("DEBUG", "DIGEST-VALUE", k)


def fill(c):
    c.zadd("small", {"a": 1, "b": 2.5, "c": -3, "12": 0.1})
    c.zadd("large", {"member:%d" % i: (i * 7919) % 1000 / 3 for i in range(3000)})
    c.zadd("lex", {"x%d" % i: 0 for i in range(50)})


@needs_redis
def test_dump_restore_and_rdb_across_real_redis(server, make_server):
    ref = make_server(binary=REDIS_SERVER)
    c, rc = server.client(decode_responses=False), ref.client(decode_responses=False)
    fill(c)
    fill(rc)
    for k in (b"small", b"large", b"lex"):
        ours, theirs = c.dump(k), rc.dump(k)
        if k != b"large":
            assert ours == theirs, k  # listpack payloads byte for byte
        # Each side restores the other's payload under the same name.
        assert c.restore(b"copy-" + k, 0, theirs) == b"OK"
        assert rc.restore(b"copy-" + k, 0, ours) == b"OK"
        full = c.zrange(k, 0, -1, withscores=True)
        assert c.zrange(b"copy-" + k, 0, -1, withscores=True) == full
        assert rc.zrange(b"copy-" + k, 0, -1, withscores=True) == full
    assert c.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")
    # Their RDB file loads here, and ours there.
    rc.save()
    server.stop()
    shutil.copy(os.path.join(ref.dir, "dump.rdb"), os.path.join(server.dir, "dump.rdb"))
    server.start()
    c = server.client(decode_responses=False)
    assert c.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")
    assert c.object("encoding", "large") == b"skiplist"
    c.save()
    ref.stop()
    shutil.copy(os.path.join(server.dir, "dump.rdb"), os.path.join(ref.dir, "dump.rdb"))
    ref.start()
    rc = ref.client(decode_responses=False)
    assert c.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")


def test_reload_restart_and_corrupt_payloads(server):
    c = server.client(decode_responses=False)
    fill(c)
    digest = c.execute_command("DEBUG", "DIGEST")
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert c.execute_command("DEBUG", "DIGEST") == digest
    c.save()
    c = rdb_restart(server)
    assert c.execute_command("DEBUG", "DIGEST") == digest
    assert c.zscore("large", "member:5") == (5 * 7919) % 1000 / 3
    payload = c.dump("small")
    body = payload[:-10]
    # The same member twice is refused, as is a blob cut short.
    assert c.restore("dup", 0, c.dump("small")) == b"OK"
    for bad in (body[:6] + payload[-10:], payload[:-1] + bytes([payload[-1] ^ 1])):
        with pytest.raises(Exception):
            c.restore("bad", 0, bad)
    assert c.exists("bad") == 0


def test_aof_rewrite_writes_zadd_batches_of_64(make_server):
    s = make_server(extra_args=AOF_ON + ["--aof-use-rdb-preamble", "no"])
    c = s.client(raw_replies=True)
    c.execute_command("ZADD", "z", *[x for i in range(130) for x in (i, "m%03d" % i)])
    c.execute_command("ZADD", "f", 0.1, "a")
    wait_rewrite_done(s.client())
    c.execute_command("BGREWRITEAOF")
    wait_rewrite_done(s.client())
    base = manifest_files(s, "b")[-1]
    with open(os.path.join(aof_dir(s), base), "rb") as f:
        cmds = [cmd for cmd in parse_commands(f.read()) if cmd[0] != "SELECT"]
    by_key = {}
    for cmd in cmds:
        by_key.setdefault(cmd[1], []).append(cmd)
    assert [(len(cmd) - 2) // 2 for cmd in by_key["z"]] == [64, 64, 2]
    assert by_key["f"] == [["ZADD", "f", "0.10000000000000001", "a"]]
    s.stop()
    s.start()
    assert s.client().zrange("z", 0, 2, withscores=True) == [("m000", 0), ("m001", 1),
                                                              ("m002", 2)]


def test_zset_listpack_thresholds_and_ziplist_aliases(server):
    r = server.client(raw_replies=True)
    assert r.execute_command("CONFIG", "GET", "zset-max-listpack-entries") == [
        "zset-max-listpack-entries", "128"]
    assert r.execute_command("CONFIG", "GET", "zset-max-ziplist-value") == [
        "zset-max-ziplist-value", "64"]
    assert r.execute_command("CONFIG", "SET", "zset-max-ziplist-entries", 2) == "OK"
    assert r.execute_command("CONFIG", "GET", "zset-max-listpack-entries") == [
        "zset-max-listpack-entries", "2"]
    r.execute_command("ZADD", "z", 1, "a", 2, "b")
    assert r.execute_command("OBJECT", "ENCODING", "z") == "listpack"
    r.execute_command("ZADD", "z", 3, "c")
    assert r.execute_command("OBJECT", "ENCODING", "z") == "skiplist"
    assert r.execute_command("CONFIG", "SET", "zset-max-ziplist-value", 4) == "OK"
    assert r.execute_command("CONFIG", "GET", "zset-max-listpack-value") == [
        "zset-max-listpack-value", "4"]
    r.execute_command("ZADD", "y", 1, "abcd")
    assert r.execute_command("OBJECT", "ENCODING", "y") == "listpack"
    r.execute_command("ZADD", "y", 2, "abcde")
    assert r.execute_command("OBJECT", "ENCODING", "y") == "skiplist"
    assert r.execute_command("ZRANGE", "y", 0, -1, "WITHSCORES") == ["abcd", "1", "abcde", "2"]


def test_scan_type_zset(server):
    r = server.client(raw_replies=True)
    for i in range(30):
        r.execute_command("ZADD", "z:%d" % i, i, "m")
        r.execute_command("SADD", "s:%d" % i, "m")
    r.execute_command("ZADD", "big", *[x for i in range(200) for x in (i, "m%d" % i)])
    keys, cursor = set(), "0"
    while True:
        cursor, page = r.execute_command("SCAN", cursor, "TYPE", "zset", "COUNT", 7)
        keys |= set(page)
        if cursor == "0":
            break
    assert keys == {"z:%d" % i for i in range(30)} | {"big"}
