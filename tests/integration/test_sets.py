"""Set commands: exact replies and error texts as Redis 7.0.15 gives them (RESP2 and RESP3 bytes),
encodings and their conversions, SPOP/SRANDMEMBER uniqueness and distributions, the set algebra
and its STORE forms, SSCAN, generic commands on sets, DEBUG DIGEST-VALUE, DUMP/RESTORE (byte for
byte with Redis for intsets, hand-made and corrupt payloads, across a real Redis), RDB and AOF
persistence (also RDB files exchanged with a real Redis 7.0), propagation of SPOP and the
others to the AOF and to replicas, keyspace notifications and WATCH.

Run with SABLE_SERVER=/usr/bin/redis-server to check the expectations against real Redis. Redis
7.0 has no listpack sets (7.2's encoding, which Sable follows): there small string sets report
"hashtable", which `enc()` maps."""
import collections
import os
import struct

import pytest
import redis

from conftest import is_real_redis, wait_replica_synced
from test_aof import AOF_ON, aof_dir, incr_commands, manifest_files, parse_commands
from test_aof import restart as aof_restart
from test_aof import wait_rewrite_done
from test_lists import crc64, sealed, wire_conn
from test_rdb import restart as rdb_restart

REDIS_SERVER = "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(not os.path.exists(REDIS_SERVER),
                                 reason="Debian's redis-server is not installed")
REAL = is_real_redis()
sable_only = pytest.mark.skipif(REAL, reason="Sable's own encodings (Redis 7.2's listpack sets)")


def enc(name):
    """The encoding Sable reports as the server under test reports it."""
    return "hashtable" if REAL and name == "listpack" else name


@pytest.fixture
def r(server):
    """Client without redis-py reply callbacks: replies exactly as sent."""
    return server.client(raw_replies=True)


@pytest.fixture
def rb(server):
    """Bytes client without reply callbacks (binary data, DUMP payloads)."""
    return server.client(decode_responses=False, raw_replies=True)


def err(r, *args):
    """Run a command that must fail; return the error text as redis-py shows it."""
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def sadd_many(c, key, members, batch=500):
    """SADD members in pipelined batches; returns them as a set."""
    members = list(members)
    pipe = c.pipeline(transaction=False)
    for i in range(0, len(members), batch):
        pipe.execute_command("SADD", key, *members[i:i + batch])
    pipe.execute()
    return set(members)


def members(c, key):
    """SMEMBERS as a Python set (asserting no member repeats)."""
    got = c.execute_command("SMEMBERS", key)
    assert len(got) == len(set(got)), got
    return set(got)


def encoding(c, key):
    e = c.execute_command("OBJECT", "ENCODING", key)
    return e.decode() if isinstance(e, bytes) else e


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "value is not an integer or out of range"
OUT_OF_RANGE = "value is out of range, must be positive"
SYNTAX = "syntax error"


def arity(cmd):
    return "wrong number of arguments for '%s' command" % cmd


# ---------------------------------------------------------------- SADD / SREM / lookups

def test_sadd_srem_scard(r):
    assert r.execute_command("SADD", "s", "a", "b", "c") == 3
    assert r.execute_command("SADD", "s", "a", "d", "d") == 1  # only d is new, once
    assert r.execute_command("SCARD", "s") == 4
    assert r.execute_command("SCARD", "nokey") == 0
    assert r.execute_command("SREM", "s", "a", "nope", "a") == 1
    assert r.execute_command("SREM", "nokey", "a") == 0
    assert members(r, "s") == {"b", "c", "d"}
    assert r.execute_command("SREM", "s", "b", "c", "d", "e") == 3
    assert r.execute_command("EXISTS", "s") == 0  # the key goes with its last member


def test_sismember_smismember(r):
    r.execute_command("SADD", "s", "a", "1", "")
    assert r.execute_command("SISMEMBER", "s", "a") == 1
    assert r.execute_command("SISMEMBER", "s", "") == 1
    assert r.execute_command("SISMEMBER", "s", "b") == 0
    assert r.execute_command("SISMEMBER", "nokey", "a") == 0
    assert r.execute_command("SMISMEMBER", "s", "a", "b", "1", "01") == [1, 0, 1, 0]
    assert r.execute_command("SMISMEMBER", "nokey", "a", "b") == [0, 0]


def test_intset_members_sorted_and_canonical(r):
    assert r.execute_command("SADD", "s", 5, -3, 100, 0, 7, 5) == 5
    assert r.execute_command("SMEMBERS", "s") == ["-3", "0", "5", "7", "100"]
    assert encoding(r, "s") == "intset"
    # "07", "+7" and " 7" are strings, not the integer 7
    assert r.execute_command("SISMEMBER", "s", "07") == 0
    assert r.execute_command("SADD", "s", "07", "+7") == 2
    assert encoding(r, "s") == enc("listpack")
    assert members(r, "s") == {"-3", "0", "5", "7", "100", "07", "+7"}
    assert r.execute_command("SISMEMBER", "s", "7") == 1


def test_int64_limits(r):
    lo, hi = "-9223372036854775808", "9223372036854775807"
    assert r.execute_command("SADD", "s", hi, lo, 0) == 3
    assert r.execute_command("SMEMBERS", "s") == [lo, "0", hi]
    assert encoding(r, "s") == "intset"
    assert r.execute_command("SADD", "s", "9223372036854775808") == 1  # past int64: a string
    assert encoding(r, "s") == enc("listpack")
    assert r.execute_command("SISMEMBER", "s", hi) == 1


def test_binary_members(rb):
    bins = [b"\x00", b"\r\n", b"\xff\xfe", b"", b"a\x00b", b"x" * 100]
    assert rb.execute_command("SADD", "s", *bins) == len(bins)
    assert members(rb, "s") == set(bins)
    for m in bins:
        assert rb.execute_command("SISMEMBER", "s", m) == 1
    assert rb.execute_command("SREM", "s", b"a\x00b") == 1
    assert rb.execute_command("SISMEMBER", "s", b"a") == 0
    assert rb.execute_command("SCARD", "s") == len(bins) - 1


# ---------------------------------------------------------------- reply bytes

def test_reply_bytes_resp2(server):
    c = wire_conn(server)
    assert c.wire("SMEMBERS", "nokey") == b"*0\r\n"
    assert c.wire("SPOP", "nokey") == b"$-1\r\n"
    assert c.wire("SPOP", "nokey", 3) == b"*0\r\n"
    assert c.wire("SRANDMEMBER", "nokey") == b"$-1\r\n"
    assert c.wire("SRANDMEMBER", "nokey", 3) == b"*0\r\n"
    assert c.wire("SINTER", "nokey") == b"*0\r\n"
    assert c.wire("SSCAN", "nokey", 0) == b"*2\r\n$1\r\n0\r\n*0\r\n"
    assert c.wire("SADD", "s", 3, 1, 2) == b":3\r\n"
    assert c.wire("SMEMBERS", "s") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert c.wire("SRANDMEMBER", "s", 5) == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert c.wire("SUNION", "s", "nokey") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert c.wire("SSCAN", "s", 0) == b"*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert c.wire("SMISMEMBER", "s", 1, 5) == b"*2\r\n:1\r\n:0\r\n"
    assert c.wire("SPOP", "s", 0) == b"*0\r\n"


def test_reply_bytes_resp3(server):
    c = wire_conn(server, resp3=True)
    assert c.wire("SMEMBERS", "nokey") == b"~0\r\n"
    assert c.wire("SPOP", "nokey") == b"_\r\n"
    assert c.wire("SPOP", "nokey", 3) == b"~0\r\n"
    assert c.wire("SRANDMEMBER", "nokey") == b"_\r\n"
    assert c.wire("SRANDMEMBER", "nokey", 3) == b"*0\r\n"
    assert c.wire("SINTER", "nokey") == b"~0\r\n"
    assert c.wire("SADD", "s", 3, 1, 2) == b":3\r\n"
    assert c.wire("SMEMBERS", "s") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert c.wire("SINTER", "s", "s") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert c.wire("SDIFF", "s", "nokey") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    # SRANDMEMBER's count form is an array (members may repeat), SPOP's a set
    assert c.wire("SRANDMEMBER", "s", 5) == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert c.wire("SRANDMEMBER", "s", -2).startswith(b"*2\r\n")
    assert c.wire("SPOP", "s", 1).startswith(b"~1\r\n")
    assert c.wire("SPOP", "s", 5).startswith(b"~2\r\n")
    assert c.wire("EXISTS", "s") == b":0\r\n"


# ---------------------------------------------------------------- SPOP

def test_spop_single(r):
    r.execute_command("SADD", "s", "a", "b", "c")
    popped = [r.execute_command("SPOP", "s") for _ in range(3)]
    assert sorted(popped) == ["a", "b", "c"]
    assert r.execute_command("EXISTS", "s") == 0
    assert r.execute_command("SPOP", "s") is None


@pytest.mark.parametrize("kind", ["intset", "listpack", "hashtable"])
@pytest.mark.parametrize("count", [1, 5, 40, 45, 49, 50, 80])
def test_spop_count_distinct_and_removed(r, kind, count):
    if kind == "intset":
        all_members = {str(i) for i in range(50)}
    elif kind == "listpack":
        all_members = {"m%d" % i for i in range(50)}
    else:
        all_members = {"member-%d" % i + "x" * 70 for i in range(50)}
    sadd_many(r, "s", all_members)
    assert encoding(r, "s") == enc(kind)
    popped = r.execute_command("SPOP", "s", count)
    assert len(popped) == min(count, 50)
    assert len(set(popped)) == len(popped)
    assert set(popped) <= all_members
    left = members(r, "s") if count < 50 else set()
    assert left | set(popped) == all_members
    assert not left & set(popped)
    assert r.execute_command("SCARD", "s") == 50 - len(popped)
    assert r.execute_command("EXISTS", "s") == (1 if count < 50 else 0)
    if 0 < count < 50:
        assert encoding(r, "s") in (enc(kind), enc("listpack"))


def test_spop_distribution(r):
    """Every member of a 10-member set comes out about as often (SPOP single and counted)."""
    for kind, base in (("intset", [str(i) for i in range(10)]),
                       ("hashtable", ["member-%d-" % i + "y" * 70 for i in range(10)])):
        seen = collections.Counter()
        pipe = r.pipeline(transaction=False)
        for _ in range(400):
            pipe.execute_command("SADD", "s", *base)
            pipe.execute_command("SPOP", "s")
            pipe.execute_command("SPOP", "s", 3)
            pipe.execute_command("DEL", "s")
        replies = pipe.execute()
        for i in range(0, len(replies), 4):
            seen[replies[i + 1]] += 1
            assert len(set(replies[i + 2])) == 3
            seen.update(replies[i + 2])
        assert set(seen) == set(base), kind
        # 1600 picks over 10 members: 160 expected each; far outside binomial noise is a bug
        assert all(100 < n < 230 for n in seen.values()), (kind, seen)


def test_spop_errors(r):
    r.execute_command("SADD", "s", "a")
    assert err(r, "SPOP", "s", -1) == OUT_OF_RANGE
    assert err(r, "SPOP", "s", "abc") == OUT_OF_RANGE
    assert err(r, "SPOP", "nokey", -1) == OUT_OF_RANGE  # the count is checked first
    assert err(r, "SPOP", "s", 1, 2) == SYNTAX
    assert err(r, "SPOP") == arity("spop")
    assert r.execute_command("SPOP", "s", 0) == []
    assert r.execute_command("SCARD", "s") == 1


# ---------------------------------------------------------------- SRANDMEMBER

def test_srandmember(r):
    r.execute_command("SADD", "s", *range(10))
    everything = {str(i) for i in range(10)}
    assert r.execute_command("SRANDMEMBER", "s") in everything
    for count in (1, 3, 9):
        got = r.execute_command("SRANDMEMBER", "s", count)
        assert len(got) == count and len(set(got)) == count and set(got) <= everything
    assert r.execute_command("SRANDMEMBER", "s", 10) == sorted(everything, key=int)
    assert r.execute_command("SRANDMEMBER", "s", 100) == sorted(everything, key=int)
    assert r.execute_command("SRANDMEMBER", "s", 0) == []
    got = r.execute_command("SRANDMEMBER", "s", -30)
    assert len(got) == 30 and set(got) <= everything
    assert len(set(got)) < 30  # 30 picks among 10 members repeat
    assert r.execute_command("SCARD", "s") == 10  # nothing is removed


def test_srandmember_large_set_and_distribution(r):
    big = sadd_many(r, "big", ("e%d" % i for i in range(1000)))
    for count in (5, 200, 400, 999):  # both sampling strategies (count * 3 vs the size)
        got = r.execute_command("SRANDMEMBER", "big", count)
        assert len(got) == count and len(set(got)) == count and set(got) <= big
    r.execute_command("SADD", "small", *"abcde")
    seen = collections.Counter(r.execute_command("SRANDMEMBER", "small", -5000))
    assert set(seen) == set("abcde")
    assert all(800 < n < 1200 for n in seen.values()), seen
    seen = collections.Counter()
    for _ in range(500):
        seen.update(r.execute_command("SRANDMEMBER", "small", 2))
    assert all(140 < n < 260 for n in seen.values()), seen


def test_srandmember_errors(r):
    r.execute_command("SADD", "s", "a")
    assert err(r, "SRANDMEMBER", "s", "abc") == NOT_INT
    assert err(r, "SRANDMEMBER", "s", "9223372036854775808") == NOT_INT
    assert err(r, "SRANDMEMBER", "s", "-9223372036854775808") == (
        "value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807")
    assert err(r, "SRANDMEMBER", "s", 1, 2) == SYNTAX
    assert err(r, "SRANDMEMBER", "nokey", "x") == NOT_INT
    assert r.execute_command("SRANDMEMBER", "nokey", 5) == []
    assert r.execute_command("SRANDMEMBER", "nokey") is None


# ---------------------------------------------------------------- SMOVE

def test_smove(r):
    r.execute_command("SADD", "src", "a", "b")
    r.execute_command("SADD", "dst", "b", "c")
    assert r.execute_command("SMOVE", "src", "dst", "a") == 1
    assert members(r, "src") == {"b"}
    assert members(r, "dst") == {"a", "b", "c"}
    assert r.execute_command("SMOVE", "src", "dst", "b") == 1  # already in dst: only removed
    assert r.execute_command("EXISTS", "src") == 0
    assert members(r, "dst") == {"a", "b", "c"}
    assert r.execute_command("SMOVE", "dst", "new", "c") == 1
    assert members(r, "new") == {"c"}
    assert encoding(r, "new") == enc("listpack")
    assert r.execute_command("SMOVE", "dst", "new", "zzz") == 0
    assert r.execute_command("SMOVE", "nokey", "new", "c") == 0
    # same source and destination: a membership test
    assert r.execute_command("SMOVE", "dst", "dst", "a") == 1
    assert r.execute_command("SMOVE", "dst", "dst", "q") == 0
    assert members(r, "dst") == {"a", "b"}
    r.execute_command("SADD", "ints", 1, 2)
    assert r.execute_command("SMOVE", "ints", "nums", 2) == 1
    assert encoding(r, "nums") == "intset"


def test_smove_wrongtype(r):
    r.execute_command("SET", "str", "x")
    r.execute_command("SADD", "s", "a")
    assert err(r, "SMOVE", "s", "str", "a") == WRONGTYPE
    assert err(r, "SMOVE", "str", "s", "a") == WRONGTYPE
    assert r.execute_command("SMOVE", "nokey", "str", "a") == 0  # no source: no type check
    assert members(r, "s") == {"a"}


# ---------------------------------------------------------------- algebra

def test_sinter_sunion_sdiff(r):
    r.execute_command("SADD", "a", 1, 2, 3, 4, "x")
    r.execute_command("SADD", "b", 2, 3, 5, "x", "y")
    r.execute_command("SADD", "c", 3, "x", "z")
    assert set(r.execute_command("SINTER", "a", "b")) == {"2", "3", "x"}
    assert set(r.execute_command("SINTER", "a", "b", "c")) == {"3", "x"}
    assert set(r.execute_command("SINTER", "a")) == {"1", "2", "3", "4", "x"}
    assert set(r.execute_command("SINTER", "a", "a")) == {"1", "2", "3", "4", "x"}
    assert r.execute_command("SINTER", "a", "nokey") == []
    assert set(r.execute_command("SUNION", "a", "b", "nokey", "c")) == {
        "1", "2", "3", "4", "5", "x", "y", "z"}
    assert r.execute_command("SUNION", "nokey") == []
    assert set(r.execute_command("SDIFF", "a", "b")) == {"1", "4"}
    assert set(r.execute_command("SDIFF", "a", "b", "c")) == {"1", "4"}
    assert set(r.execute_command("SDIFF", "a", "nokey")) == {"1", "2", "3", "4", "x"}
    assert r.execute_command("SDIFF", "nokey", "a") == []
    assert r.execute_command("SDIFF", "a", "c", "a") == []  # the first set again: empty
    assert r.execute_command("SINTERCARD", 2, "a", "b") == 3
    assert r.execute_command("SINTERCARD", 3, "a", "b", "c") == 2
    assert r.execute_command("SINTERCARD", 2, "a", "b", "LIMIT", 2) == 2
    assert r.execute_command("SINTERCARD", 2, "a", "b", "LIMIT", 0) == 3
    assert r.execute_command("SINTERCARD", 2, "a", "b", "LIMIT", 1, "limit", 5) == 3
    assert r.execute_command("SINTERCARD", 2, "a", "nokey") == 0
    # all integers: the results are intsets, so their order is Redis's (ascending)
    r.execute_command("SADD", "i1", 9, 3, 7, 1)
    r.execute_command("SADD", "i2", 8, 7, 3, 2)
    assert r.execute_command("SUNION", "i1", "i2") == ["1", "2", "3", "7", "8", "9"]
    assert r.execute_command("SDIFF", "i1", "i2") == ["1", "9"]
    assert r.execute_command("SINTER", "i1", "i2") == ["3", "7"]


def test_large_algebra(r):
    a = sadd_many(r, "a", ("m%d" % i for i in range(0, 3000)))
    b = sadd_many(r, "b", ("m%d" % i for i in range(0, 3000, 2)))
    c = sadd_many(r, "c", ("m%d" % i for i in range(0, 3000, 3)))
    assert members(r, "a") == a
    assert set(r.execute_command("SINTER", "a", "b", "c")) == a & b & c
    assert set(r.execute_command("SUNION", "b", "c")) == b | c
    assert set(r.execute_command("SDIFF", "a", "b", "c")) == a - b - c
    assert set(r.execute_command("SDIFF", "c", "a")) == set()  # algorithm 2 empties early
    assert set(r.execute_command("SDIFF", "b", "c")) == b - c
    assert r.execute_command("SINTERCARD", 3, "a", "b", "c") == len(a & b & c)
    assert r.execute_command("SINTERCARD", 3, "a", "b", "c", "LIMIT", 10) == 10


def test_store_forms(r):
    r.execute_command("SADD", "a", 1, 2, 3, "x")
    r.execute_command("SADD", "b", 2, 3, 4)
    assert r.execute_command("SINTERSTORE", "dst", "a", "b") == 2
    assert r.execute_command("SMEMBERS", "dst") == ["2", "3"]
    assert encoding(r, "dst") == "intset"
    assert r.execute_command("SUNIONSTORE", "dst", "a", "b") == 5
    assert members(r, "dst") == {"1", "2", "3", "4", "x"}
    assert encoding(r, "dst") == enc("listpack")
    assert r.execute_command("SDIFFSTORE", "dst", "a", "b") == 2
    assert members(r, "dst") == {"1", "x"}
    # the destination may be a source
    assert r.execute_command("SUNIONSTORE", "a", "a", "b") == 5
    assert members(r, "a") == {"1", "2", "3", "4", "x"}
    # any old value and its TTL are replaced
    r.execute_command("SET", "str", "v", "EX", 100)
    assert r.execute_command("SINTERSTORE", "str", "a", "b") == 3
    assert r.execute_command("TYPE", "str") == "set"
    assert r.execute_command("TTL", "str") == -1
    # an empty result deletes the destination
    for cmd in (("SINTERSTORE", "dst", "a", "nokey"), ("SDIFFSTORE", "dst", "a", "a"),
                ("SUNIONSTORE", "dst", "nokey"), ("SINTERSTORE", "dst", "a", "empty")):
        r.execute_command("SADD", "dst", "old")
        assert r.execute_command(*cmd) == 0, cmd
        assert r.execute_command("EXISTS", "dst") == 0, cmd
    assert r.execute_command("SINTERSTORE", "dst", "nokey") == 0
    assert r.execute_command("SDIFFSTORE", "str", "nokey", "a") == 0
    assert r.execute_command("EXISTS", "str") == 0


def test_store_result_encodings(r):
    sadd_many(r, "ints", range(600))
    sadd_many(r, "few", range(10))
    assert encoding(r, "ints") == "hashtable"  # 600 > set-max-intset-entries
    assert r.execute_command("SINTERSTORE", "d", "ints", "few") == 10
    assert encoding(r, "d") == "intset"
    assert r.execute_command("SDIFFSTORE", "d", "few", "ints") == 0
    assert r.execute_command("SUNIONSTORE", "d", "few", "ints") == 600
    assert encoding(r, "d") == "hashtable"
    sadd_many(r, "strs", ("s%d" % i for i in range(100)))
    assert r.execute_command("SUNIONSTORE", "d", "strs", "few") == 110
    assert encoding(r, "d") == enc("listpack")
    # SDIFF picks Redis's algorithm by the work each takes. Against several small sets it adds
    # the whole first set and removes the others: the result went through 200 members, so it is
    # a table though it holds two. Against one big set it adds only what survives.
    first = ["s%d" % i for i in range(200)]
    r.execute_command("SADD", "first", *first)
    for j in range(3):
        r.execute_command("SADD", "o%d" % j, *first[66 * j:66 * (j + 1)])
    assert r.execute_command("SDIFFSTORE", "d", "first", "o0", "o1", "o2") == 2
    assert members(r, "d") == {"s198", "s199"}
    assert encoding(r, "d") == "hashtable"
    r.execute_command("SADD", "most", *first[:198])
    assert r.execute_command("SDIFFSTORE", "d", "first", "most") == 2
    assert members(r, "d") == {"s198", "s199"}
    assert encoding(r, "d") == enc("listpack")


def test_algebra_errors(r):
    r.execute_command("SET", "str", "x")
    r.execute_command("SADD", "s", "a")
    for cmd in (("SINTER", "s", "str"), ("SINTER", "nokey", "str"), ("SUNION", "str", "s"),
                ("SDIFF", "s", "str"), ("SDIFF", "nokey", "str"), ("SINTERCARD", 2, "s", "str"),
                ("SINTERSTORE", "d", "s", "str"), ("SUNIONSTORE", "d", "str"),
                ("SDIFFSTORE", "d", "s", "str")):
        assert err(r, *cmd) == WRONGTYPE, cmd
    assert r.execute_command("EXISTS", "d") == 0
    assert err(r, "SINTERCARD", 0, "s") == "numkeys should be greater than 0"
    assert err(r, "SINTERCARD", -1, "s") == "numkeys should be greater than 0"
    assert err(r, "SINTERCARD", "x", "s") == "numkeys should be greater than 0"
    assert err(r, "SINTERCARD", 2, "s") == "Number of keys can't be greater than number of args"
    assert err(r, "SINTERCARD", 1, "s", "LIMIT", -1) == "LIMIT can't be negative"
    assert err(r, "SINTERCARD", 1, "s", "LIMIT", "x") == "LIMIT can't be negative"
    assert err(r, "SINTERCARD", 1, "s", "LIMIT") == SYNTAX
    assert err(r, "SINTERCARD", 1, "s", "FOO") == SYNTAX
    assert err(r, "SINTERCARD", 1) == arity("sintercard")
    assert err(r, "SINTERSTORE", "d") == arity("sinterstore")
    assert err(r, "SUNION") == arity("sunion")


def test_command_getkeys(r):
    assert r.execute_command("COMMAND", "GETKEYS", "SINTERCARD", 2, "a", "b", "LIMIT", 1) == [
        "a", "b"]
    assert r.execute_command("COMMAND", "GETKEYS", "SINTERSTORE", "d", "a", "b") == [
        "d", "a", "b"]
    assert r.execute_command("COMMAND", "GETKEYS", "SMOVE", "a", "b", "m") == ["a", "b"]


# ---------------------------------------------------------------- SSCAN

def sscan_all(c, key, *opts):
    cursor, seen, calls = "0", [], 0
    while True:
        cursor, page = c.execute_command("SSCAN", key, cursor, *opts)
        if isinstance(cursor, bytes):
            cursor = cursor.decode()
        seen += page
        calls += 1
        assert calls < 10000
        if cursor == "0":
            return seen, calls


def test_sscan(r):
    r.execute_command("SADD", "small", 3, 1, 2)
    assert r.execute_command("SSCAN", "small", 0) == ["0", ["1", "2", "3"]]
    assert r.execute_command("SSCAN", "small", 0, "COUNT", 1) == ["0", ["1", "2", "3"]]
    assert r.execute_command("SSCAN", "small", 0, "MATCH", "[12]") == ["0", ["1", "2"]]
    r.execute_command("SADD", "lp", "apple", "banana", "avocado")
    cursor, page = r.execute_command("SSCAN", "lp", 0, "MATCH", "a*")
    assert cursor == "0" and sorted(page) == ["apple", "avocado"]
    big = sadd_many(r, "big", ("k%d" % i for i in range(2000)))
    seen, calls = sscan_all(r, "big")
    assert set(seen) == big and calls > 10
    seen, calls2 = sscan_all(r, "big", "COUNT", 500)
    assert set(seen) == big and calls2 < calls
    seen, _ = sscan_all(r, "big", "MATCH", "k1*", "COUNT", 100)
    assert set(seen) == {m for m in big if m.startswith("k1")}
    assert r.execute_command("SSCAN", "nokey", 0) == ["0", []]


def test_sscan_errors(r):
    r.execute_command("SADD", "s", "a")
    r.execute_command("SET", "str", "x")
    assert err(r, "SSCAN", "s", "x") == "invalid cursor"
    assert err(r, "SSCAN", "s", 0, "COUNT", 0) == SYNTAX
    assert err(r, "SSCAN", "s", 0, "COUNT", "x") == NOT_INT
    assert err(r, "SSCAN", "s", 0, "NOVALUES") == SYNTAX
    assert err(r, "SSCAN", "s", 0, "MATCH") == SYNTAX
    assert err(r, "SSCAN", "str", 0) == WRONGTYPE
    # options are read after the lookup, as Redis does
    assert err(r, "SSCAN", "str", 0, "COUNT", 0) == WRONGTYPE
    assert r.execute_command("SSCAN", "nokey", 0, "COUNT", 0) == ["0", []]


# ---------------------------------------------------------------- arity / types

def test_wrong_arity(r):
    for cmd, args in (("sadd", ["s"]), ("srem", ["s"]), ("sismember", ["s"]),
                      ("smismember", ["s"]), ("scard", []), ("smembers", []),
                      ("smove", ["a", "b"]), ("spop", []), ("srandmember", []),
                      ("sscan", ["s"]), ("sdiffstore", ["d"]), ("sunionstore", ["d"])):
        assert err(r, cmd, *args) == arity(cmd), cmd


def test_wrongtype(r):
    r.execute_command("SET", "str", "x")
    for cmd in (("SADD", "str", "a"), ("SREM", "str", "a"), ("SISMEMBER", "str", "a"),
                ("SMISMEMBER", "str", "a"), ("SCARD", "str"), ("SMEMBERS", "str"),
                ("SPOP", "str"), ("SPOP", "str", 2), ("SRANDMEMBER", "str"),
                ("SRANDMEMBER", "str", 2)):
        assert err(r, *cmd) == WRONGTYPE, cmd
    r.execute_command("SADD", "s", "a")
    for cmd in (("GET", "s"), ("LPUSH", "s", "a"), ("HSET", "s", "f", "v"), ("INCR", "s"),
                ("APPEND", "s", "x")):
        assert err(r, *cmd) == WRONGTYPE, cmd


def test_type_and_encodings(r):
    r.execute_command("SADD", "i", 1, 2, 3)
    r.execute_command("SADD", "l", "a")
    assert r.execute_command("TYPE", "i") == "set"
    assert r.execute_command("TYPE", "l") == "set"
    assert encoding(r, "i") == "intset"
    assert encoding(r, "l") == enc("listpack")
    sadd_many(r, "i", range(4, 513))
    assert encoding(r, "i") == "intset"  # 512 members: still an intset
    r.execute_command("SADD", "i", 513)
    assert encoding(r, "i") == "hashtable"
    r.execute_command("SREM", "i", *range(3, 514))
    assert encoding(r, "i") == "hashtable"  # never back
    r.execute_command("SADD", "long", "x" * 65)
    assert encoding(r, "long") == "hashtable"
    r.execute_command("SADD", "int_then_long", 1)
    r.execute_command("SADD", "int_then_long", "y" * 65)
    assert encoding(r, "int_then_long") == "hashtable"


@sable_only
def test_listpack_conversions_and_config(r):
    assert r.execute_command("CONFIG", "GET", "set-max-listpack-entries") == [
        "set-max-listpack-entries", "128"]
    assert r.execute_command("CONFIG", "GET", "set-max-listpack-value") == [
        "set-max-listpack-value", "64"]
    assert r.execute_command("CONFIG", "GET", "set-max-intset-entries") == [
        "set-max-intset-entries", "512"]
    sadd_many(r, "lp", ("m%d" % i for i in range(128)))
    assert encoding(r, "lp") == "listpack"
    r.execute_command("SADD", "lp", "one-more")
    assert encoding(r, "lp") == "hashtable"
    # an intset taking a string: a listpack while it fits one
    sadd_many(r, "is", range(127))
    r.execute_command("SADD", "is", "s")
    assert encoding(r, "is") == "listpack"
    sadd_many(r, "is2", range(128))
    r.execute_command("SADD", "is2", "s")
    assert encoding(r, "is2") == "hashtable"
    # a new set sized by its SADD: 129 strings in one call go straight to the table
    r.execute_command("SADD", "direct", *["d%d" % i for i in range(129)])
    assert encoding(r, "direct") == "hashtable"
    assert r.execute_command("CONFIG", "SET", "set-max-listpack-entries", 2) == "OK"
    assert r.execute_command("CONFIG", "SET", "set-max-listpack-value", 3) == "OK"
    r.execute_command("SADD", "x", "a", "b")
    assert encoding(r, "x") == "listpack"
    r.execute_command("SADD", "x", "c")
    assert encoding(r, "x") == "hashtable"
    r.execute_command("SADD", "y", "abcd")
    assert encoding(r, "y") == "hashtable"
    assert r.execute_command("CONFIG", "SET", "set-max-intset-entries", 2) == "OK"
    r.execute_command("SADD", "z", 1, 2)
    assert encoding(r, "z") == "intset"
    r.execute_command("SADD", "z", 3)
    assert encoding(r, "z") == "hashtable"
    assert r.execute_command("SMEMBERS", "z") != []


@pytest.mark.parametrize("kind", ["intset", "listpack", "hashtable"])
def test_random_operations_match_a_model(r, kind):
    import random
    rnd = random.Random({"intset": 1, "listpack": 2, "hashtable": 3}[kind])
    pool = {"intset": [str(i) for i in range(-40, 40)],
            "listpack": [str(i) for i in range(20)] + ["s%d" % i for i in range(20)],
            "hashtable": ["v%d" % i + "z" * 70 for i in range(60)]}[kind]
    model = set()
    for step in range(600):
        op = rnd.random()
        if op < 0.5:
            ms = rnd.sample(pool, rnd.randint(1, 4))
            assert r.execute_command("SADD", "s", *ms) == len(set(ms) - model)
            model |= set(ms)
        elif op < 0.8:
            ms = rnd.sample(pool, rnd.randint(1, 4))
            assert r.execute_command("SREM", "s", *ms) == len(set(ms) & model)
            model -= set(ms)
        elif op < 0.9:
            got = r.execute_command("SPOP", "s", rnd.randint(0, 5))
            assert set(got) <= model
            model -= set(got)
        else:
            m = rnd.choice(pool)
            assert r.execute_command("SISMEMBER", "s", m) == (1 if m in model else 0)
        assert r.execute_command("SCARD", "s") == len(model), step
    assert members(r, "s") == model


# ---------------------------------------------------------------- generic commands

def test_copy_rename_move_expire(r):
    for name, vals in (("i", [1, 2, 3]), ("l", ["a", 1]), ("h", ["x" * 70, "b"])):
        r.execute_command("SADD", name, *vals)
        assert r.execute_command("COPY", name, name + "2") == 1
        assert members(r, name + "2") == {str(v) for v in vals}
        assert encoding(r, name + "2") == encoding(r, name)
        r.execute_command("SADD", name + "2", "new")  # the copy is independent
        assert r.execute_command("SISMEMBER", name, "new") == 0
    assert r.execute_command("RENAME", "i", "i3") == "OK"
    assert members(r, "i3") == {"1", "2", "3"}
    assert r.execute_command("MOVE", "i3", 1) == 1
    assert r.execute_command("EXISTS", "i3") == 0
    r.execute_command("SELECT", 1)
    assert members(r, "i3") == {"1", "2", "3"}
    r.execute_command("SELECT", 0)
    assert r.execute_command("EXPIRE", "l", 100) == 1
    assert 0 < r.execute_command("TTL", "l") <= 100
    r.execute_command("SADD", "l", "z")  # writes keep the TTL
    assert r.execute_command("TTL", "l") > 0
    r.execute_command("PEXPIRE", "h", 1)
    from conftest import eventually
    eventually(lambda: r.execute_command("EXISTS", "h") == 0)
    assert r.execute_command("SMEMBERS", "h") == []
    keys = set()
    cursor = "0"
    while True:
        cursor, page = r.execute_command("SCAN", cursor, "TYPE", "set")
        keys |= set(page)
        if cursor == "0":
            break
    assert keys == {"i2", "l", "l2", "h2"}


DIGESTS = {  # DEBUG DIGEST-VALUE on Redis 7.0.15
    "a": "2a462a3f51a1db89738ebbeef0c47ce1bbc85246",     # SADD a 1 2 3
    "w": "73cc54dc6651996c874ff7e3d6ccca8af7b95183",     # SADD w 1 70000
    "n": "833df59bc812e24634081bcd15010aa2ea0b79b5",     # SADD n -5 9223372036854775807
    "str": "344e2dce84032272e136053b2083009290148e5e",   # SADD str a
    "d1": "c1c3c7d2576a2b431d7257e334e6e5862fb961d2",    # SADD d1 a b c 1 2 3
}


def test_debug_digest_value_matches_redis(r):
    r.execute_command("SADD", "a", 1, 2, 3)
    r.execute_command("SADD", "w", 1, 70000)
    r.execute_command("SADD", "n", -5, "9223372036854775807")
    r.execute_command("SADD", "str", "a")
    r.execute_command("SADD", "d1", "a", "b", "c", 1, 2, 3)
    keys = list(DIGESTS)
    assert r.execute_command("DEBUG", "DIGEST-VALUE", *keys) == [DIGESTS[k] for k in keys]
    # the digest depends on the members only, not on order or encoding
    r.execute_command("SADD", "d2", 3, 2, 1, "c", "b", "a")
    big = ["x" * 70] + ["a", "b", "c", "1", "2", "3"]
    r.execute_command("SADD", "d3", *big)
    r.execute_command("SREM", "d3", "x" * 70)
    assert encoding(r, "d3") == "hashtable"
    assert r.execute_command("DEBUG", "DIGEST-VALUE", "d2", "d3") == [DIGESTS["d1"]] * 2


# ---------------------------------------------------------------- DUMP / RESTORE

# DUMP on Redis 7.0.15 of SADD a 1 2 3 / SADD w 1 70000 / SADD n -5 9223372036854775807 (LZF) /
# SADD up 100000 1 then SREM up 100000 (the intset keeps its 4-byte width) / SADD str a.
REDIS_DUMPS = {
    "a": b"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00\n\x00\xa5\x02\\\xe2mnM\x1b",
    "w": b"\x0b\x10\x04\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00p\x11\x01\x00\n\x00'5Cn\xfdfV\xc4",
    "n": b"\x0b\xc3\x11\x18\x04\x08\x00\x00\x00\x02 \x03\x01\xfb\xff\xe0\x03\x00\x01\xff\x7f\n\x00"
         b"~\x93\xaco\xa8\x8d\xa0Q",
    "up": b"\x0b\x0c\x04\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\n\x00\xcaY\xbf\x87v-&5",
    "str": b"\x02\x01\x01a\n\x00b\x96\xe9~D\xd2\x1am",
}


def test_dump_bytes_as_redis(rb):
    rb.execute_command("SADD", "a", 1, 2, 3)
    rb.execute_command("SADD", "w", 1, 70000)
    rb.execute_command("SADD", "n", -5, "9223372036854775807")
    rb.execute_command("SADD", "up", 100000, 1)
    rb.execute_command("SREM", "up", 100000)
    rb.execute_command("SADD", "str", "a")
    for k, want in REDIS_DUMPS.items():
        assert rb.execute_command("DUMP", k) == want, k
        assert rb.execute_command("RESTORE", k + "2", 0, want) == b"OK"
        assert members(rb, k + "2") == members(rb, k)
        assert rb.execute_command("DUMP", k + "2") == want, k  # the width survives
    assert rb.execute_command("DUMP", "nokey") is None


def test_dump_restore_roundtrip(rb):
    rb.execute_command("SADD", "i", *range(-300, 200))
    rb.execute_command("SADD", "l", "a", b"\x00\r\n", "12", "")
    sadd_many(rb, "h", (b"e%d" % i + b"y" * (i % 90) for i in range(5000)))
    for k in ("i", "l", "h"):
        payload = rb.execute_command("DUMP", k)
        assert rb.execute_command("RESTORE", k + "2", 0, payload) == b"OK"
        assert members(rb, k + "2") == members(rb, k)
        assert encoding(rb, k + "2") == encoding(rb, k)
        with pytest.raises(redis.ResponseError) as e:
            rb.execute_command("RESTORE", k + "2", 0, payload)
        assert str(e.value) == "BUSYKEY Target key name already exists."
        assert rb.execute_command("RESTORE", k + "2", 0, payload, "REPLACE") == b"OK"
    assert rb.execute_command("RESTORE", "ttl", 5000, rb.execute_command("DUMP", "l")) == b"OK"
    assert 0 < rb.execute_command("PTTL", "ttl") <= 5000


def intset_blob(width, values):
    fmt = {2: "<h", 4: "<i", 8: "<q"}[width]
    return struct.pack("<II", width, len(values)) + b"".join(struct.pack(fmt, v) for v in values)


def rdb_string(b):
    assert len(b) < 64
    return bytes([len(b)]) + b


def listpack(*entries):
    """A listpack of short strings."""
    body = b""
    for e in entries:
        assert len(e) < 64
        body += bytes([0x80 | len(e)]) + e + bytes([len(e) + 1])
    return struct.pack("<IH", 6 + len(body) + 1, len(entries)) + body + b"\xff"


def test_restore_intset_and_plain_payloads(rb):
    cases = [
        (bytes([11]) + rdb_string(intset_blob(2, [-2, 5, 9])), [b"-2", b"5", b"9"], "intset"),
        (bytes([11]) + rdb_string(intset_blob(8, [1, 2])), [b"1", b"2"], "intset"),
        (bytes([2, 3]) + rdb_string(b"a") + rdb_string(b"bb") + rdb_string(b""),
         None, enc("listpack")),
        (bytes([2, 2, 0xc0, 5, 0xc1, 0x39, 0x30]), [b"5", b"12345"], "intset"),  # int-encoded
    ]
    for i, (body, want, kind) in enumerate(cases):
        k = "k%d" % i
        assert rb.execute_command("RESTORE", k, 0, sealed(body)) == b"OK", i
        if want is not None:
            assert rb.execute_command("SMEMBERS", k) == want, i
        assert encoding(rb, k) == kind, i
    assert members(rb, "k2") == {b"a", b"bb", b""}
    # an intset blob of width 8 keeps its width when dumped again
    assert rb.execute_command("DUMP", "k1") == sealed(bytes([11]) + rdb_string(
        intset_blob(8, [1, 2])))


@sable_only
def test_restore_listpack_set_type_20(rb):
    lp = listpack(b"a", b"b", b"c")
    assert rb.execute_command("RESTORE", "lp", 0, sealed(bytes([20]) + rdb_string(lp), 11)) == \
        b"OK"
    assert members(rb, "lp") == {b"a", b"b", b"c"}
    assert encoding(rb, "lp") == "listpack"
    dup = listpack(b"a", b"b", b"a")
    with pytest.raises(redis.ResponseError) as e:
        rb.execute_command("RESTORE", "bad", 0, sealed(bytes([20]) + rdb_string(dup), 11))
    assert str(e.value) == "Bad data format"


def test_restore_corrupt_payloads_refused(server, rb):
    # Redis checks an intset's order only with sanitize-dump-payload yes; Sable always does
    # (see below), so the list is checked under "yes" for both.
    rb.execute_command("CONFIG", "SET", "sanitize-dump-payload", "yes")
    conn = server.conn()
    bad = [
        bytes([11]) + rdb_string(intset_blob(2, [5, 3])),        # unsorted
        bytes([11]) + rdb_string(intset_blob(2, [3, 3])),        # duplicate
        bytes([11]) + rdb_string(intset_blob(2, [])),            # empty
        bytes([11]) + rdb_string(intset_blob(2, [1, 2])[:-1]),   # length does not match
        bytes([11]) + rdb_string(struct.pack("<II", 3, 1) + b"\x01\x00\x00"),  # bad width
        bytes([11]) + rdb_string(b"\x02\x00"),                   # shorter than its header
        bytes([2, 0]),                                           # an empty set
        bytes([2, 2]) + rdb_string(b"a") + rdb_string(b"a"),     # duplicate member
        bytes([2, 2, 0xc0, 5, 0xc0, 5]),                         # duplicate integer
        bytes([2, 3]) + rdb_string(b"a") + rdb_string(b"b"),     # truncated
    ]
    for i, body in enumerate(bad):
        assert str(conn.call("RESTORE", "t", 0, sealed(body))) == "ERR Bad data format", i
    assert rb.execute_command("EXISTS", "t") == 0


@sable_only
def test_restore_never_trusts_an_intset(server, rb):
    rb.execute_command("CONFIG", "SET", "sanitize-dump-payload", "no")
    conn = server.conn()
    for values in ([5, 3], [3, 3], [1, 9, 4]):
        body = bytes([11]) + rdb_string(intset_blob(2, values))
        assert str(conn.call("RESTORE", "t", 0, sealed(body))) == "ERR Bad data format", values
    assert rb.execute_command("EXISTS", "t") == 0


@needs_redis
def test_dump_restore_across_real_redis(server, make_server):
    real = make_server(binary=REDIS_SERVER)
    rc = real.client(decode_responses=False, raw_replies=True)
    c = server.client(decode_responses=False, raw_replies=True)
    sets = {
        "ints": [b"%d" % i for i in range(-250, 250)],
        "wide": [b"1", b"5000000000", b"-7"],
        "small": [b"a", b"12", b"", b"\x00\r\n"],
        "big": [b"e%d-" % i + b"q" * (i % 100) for i in range(3000)],
        "manyints": [b"%d" % i for i in range(2000)],
    }
    for k, v in sets.items():
        sadd_many(rc, k, v)
        sadd_many(c, k, v)
    for k, v in sets.items():
        assert c.execute_command("RESTORE", "from-redis-" + k, 0, rc.execute_command(
            "DUMP", k)) == b"OK", k
        assert members(c, "from-redis-" + k) == set(v), k
        assert rc.execute_command("RESTORE", "from-sable-" + k, 0, c.execute_command(
            "DUMP", k)) == b"OK", k
        assert members(rc, "from-sable-" + k) == set(v), k
        assert c.execute_command("DEBUG", "DIGEST-VALUE", k) == rc.execute_command(
            "DEBUG", "DIGEST-VALUE", k), k
    for k in ("ints", "wide"):
        assert c.execute_command("DUMP", k) == rc.execute_command("DUMP", k), k
        assert encoding(c, "from-redis-" + k) == "intset"


# ---------------------------------------------------------------- persistence

def set_snapshot(c, keys, as70=False):
    """{key: (members, encoding, has_ttl)} through a bytes client; with as70 the encoding as
    Redis 7.0 would name it (no listpack sets)."""
    def name(k):
        e = encoding(c, k)
        return "hashtable" if as70 and e == "listpack" else e
    return {k: (members(c, k), name(k), c.execute_command("PTTL", k) > 0) for k in keys}


def fill_sets(c):
    c.execute_command("SADD", "ints", *range(-100, 100))
    c.execute_command("SADD", "wide", 1, 4000000000)
    c.execute_command("SREM", "wide", 4000000000)
    c.execute_command("SADD", "small", "a", "-2", "3.5", "", "9223372036854775807")
    c.execute_command("SADD", "bin", b"\x00\r\n", b"\xff" * 70)
    c.execute_command("SADD", "ttl", "x")
    c.execute_command("EXPIRE", "ttl", 1000)
    sadd_many(c, "big", (b"member %d " % i + b"w" * (i % 90) for i in range(3000)))
    c.execute_command("SREM", "big", b"member 7 " + b"w" * 7)
    sadd_many(c, "bigints", range(1000))
    return ["ints", "wide", "small", "bin", "ttl", "big", "bigints"]


def test_save_and_restart_keeps_sets(server):
    c = server.client(decode_responses=False, raw_replies=True)
    keys = fill_sets(c)
    before = set_snapshot(c, keys)
    digest = c.execute_command("DEBUG", "DIGEST")
    wide = c.execute_command("DUMP", "wide")
    assert before["ints"][1] == "intset" and before["big"][1] == "hashtable"
    assert c.execute_command("SAVE") == b"OK"
    c = rdb_restart(server)
    c.response_callbacks = {}
    assert c.execute_command("DBSIZE") == len(keys)
    assert set_snapshot(c, keys) == before
    assert c.execute_command("DEBUG", "DIGEST") == digest
    assert c.execute_command("DUMP", "wide") == wide  # the intset width survives the file


def test_debug_reload_keeps_sets(server):
    c = server.client(decode_responses=False, raw_replies=True)
    keys = fill_sets(c)
    before = set_snapshot(c, keys)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert set_snapshot(c, keys) == before


@needs_redis
def test_rdb_exchanged_with_real_redis(server, make_server):
    c = server.client(decode_responses=False, raw_replies=True)
    keys = fill_sets(c)
    before = set_snapshot(c, keys)
    before70 = set_snapshot(c, keys, as70=True)
    c.execute_command("SAVE")
    real = make_server(binary=REDIS_SERVER, start=False)
    with open(os.path.join(server.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    with open(os.path.join(real.dir, "dump.rdb"), "wb") as f:
        f.write(data)
    real.start()
    rc = real.client(decode_responses=False, raw_replies=True)
    assert set_snapshot(rc, keys, as70=True) == before70
    assert rc.execute_command("DEBUG", "DIGEST") == c.execute_command("DEBUG", "DIGEST")
    rc.execute_command("SADD", "from-redis", "r1", "r2", 3)
    rc.execute_command("SADD", "from-redis-ints", 3, 1, 2)
    rc.execute_command("SAVE")
    digest = rc.execute_command("DEBUG", "DIGEST")
    server.stop()
    with open(os.path.join(real.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    with open(os.path.join(server.dir, "dump.rdb"), "wb") as f:
        f.write(data)
    server.start()
    c = server.client(decode_responses=False, raw_replies=True)
    assert set_snapshot(c, keys) == before
    assert members(c, "from-redis") == {b"r1", b"r2", b"3"}
    assert c.execute_command("SMEMBERS", "from-redis-ints") == [b"1", b"2", b"3"]
    assert c.execute_command("DEBUG", "DIGEST") == digest


def test_aof_restart_and_rewrite_keep_sets(make_server):
    s = make_server(extra_args=AOF_ON)
    c = s.client(decode_responses=False, raw_replies=True)
    keys = fill_sets(c)
    c.execute_command("SADD", "small", "new")
    c.execute_command("SREM", "small", "a")
    c.execute_command("SPOP", "ints", 180)  # the few that stay move to a new intset
    c.execute_command("SPOP", "ints")
    c.execute_command("SPOP", "bigints", 10)
    c.execute_command("SMOVE", "small", "moved", "new")
    c.execute_command("SINTERSTORE", "inter", "bigints", "bigints")
    c.execute_command("SUNIONSTORE", "union", "small", "bin")
    c.execute_command("SDIFFSTORE", "diff", "bigints", "ints")
    c.execute_command("SADD", "gone", "only")
    c.execute_command("SPOP", "gone", 5)
    keys += ["moved", "inter", "union", "diff"]
    before = set_snapshot(c, keys)
    assert len(before["ints"][0]) == 19
    aof_restart(s)
    c = s.client(decode_responses=False, raw_replies=True)
    assert c.execute_command("EXISTS", "gone") == 0
    assert set_snapshot(c, keys) == before
    wait_rewrite_done(s.client())
    assert c.execute_command("BGREWRITEAOF") == b"Background append only file rewriting started"
    wait_rewrite_done(s.client())
    assert c.execute_command("SADD", "small", "after") == 1
    after = set_snapshot(c, keys)
    aof_restart(s)
    c = s.client(decode_responses=False, raw_replies=True)
    assert c.execute_command("DBSIZE") == len(keys)
    assert set_snapshot(c, keys) == after


def test_aof_rewrite_writes_sadd_batches_of_64(make_server):
    s = make_server(extra_args=AOF_ON + ["--aof-use-rdb-preamble", "no"])
    c = s.client(raw_replies=True)
    c.execute_command("SADD", "i", *range(130))
    c.execute_command("SADD", "one", "a")
    wait_rewrite_done(s.client())
    c.execute_command("BGREWRITEAOF")
    wait_rewrite_done(s.client())
    base = manifest_files(s, "b")[-1]
    with open(os.path.join(aof_dir(s), base), "rb") as f:
        cmds = [cmd for cmd in parse_commands(f.read()) if cmd[0] != "SELECT"]
    by_key = {}
    for cmd in cmds:
        by_key.setdefault(cmd[1], []).append(cmd)
    assert [len(cmd) - 2 for cmd in by_key["i"]] == [64, 64, 2]
    assert all(cmd[0] == "SADD" for cmd in by_key["i"])
    assert [e for cmd in by_key["i"] for e in cmd[2:]] == [str(i) for i in range(130)]
    assert by_key["one"] == [["SADD", "one", "a"]]


def test_propagation_in_aof(make_server):
    """What reaches the AOF (and replicas): SPOP as SREMs (in MULTI/EXEC when several) or a DEL
    when the whole set goes; writes that change nothing are not propagated."""
    s = make_server(extra_args=AOF_ON)
    c = s.client(raw_replies=True)
    c.execute_command("SADD", "s", *range(1, 11))
    one = c.execute_command("SPOP", "s")
    two = c.execute_command("SPOP", "s", 2)
    rest = c.execute_command("SPOP", "s", 7)  # 7 of 7: the whole set
    steps = [("SADD", "t", "a"), ("SPOP", "t"), ("SADD", "d", 1, 2), ("SADD", "d", 1),
             ("SREM", "d", 5), ("SPOP", "d", 0), ("SMOVE", "d", "d", 1), ("SMOVE", "d", "e", 5),
             ("SINTERSTORE", "dst", "d", "nokey"), ("SINTERSTORE", "dst", "d"),
             ("SUNIONSTORE", "dst", "nokey"), ("SDIFFSTORE", "x", "d", "d"),
             ("SMOVE", "d", "e", 1), ("SREM", "d", 2, 3)]
    for cmd in steps:
        c.execute_command(*cmd)
    cmds = [cmd for cmd in incr_commands(s) if cmd[0] != "SELECT"]
    want = [["SADD", "s"] + [str(i) for i in range(1, 11)],
            ["SREM", "s", one],
            ["MULTI"], ["SREM", "s", two[0]], ["SREM", "s", two[1]], ["EXEC"],
            ["DEL", "s"],
            ["SADD", "t", "a"], ["SREM", "t", "a"],
            ["SADD", "d", "1", "2"],
            ["SINTERSTORE", "dst", "d"],
            ["SUNIONSTORE", "dst", "nokey"],
            ["SMOVE", "d", "e", "1"],
            ["SREM", "d", "2", "3"]]
    assert cmds == want
    assert len(rest) == 7


def test_spop_propagation_reaches_replica(make_server):
    primary = make_server()
    replica = make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port)])
    wait_replica_synced(primary, replica)
    p = primary.client(decode_responses=False, raw_replies=True)
    sadd_many(p, "h", (b"m%d" % i + b"v" * 70 for i in range(2000)))
    sadd_many(p, "i", range(300))
    p.execute_command("SADD", "l", "a", "b", "c", 1)
    p.execute_command("SPOP", "h", 10)       # picked one by one
    p.execute_command("SPOP", "h", 1900)     # the few left move to a new set
    p.execute_command("SPOP", "i", 290)
    p.execute_command("SPOP", "l")
    p.execute_command("SPOP", "i", 1000)     # the whole set: DEL
    p.execute_command("SMOVE", "l", "moved", "a")
    p.execute_command("SINTERSTORE", "inter", "h", "h")
    wait_replica_synced(primary, replica)
    rc = replica.client(decode_responses=False, raw_replies=True)
    assert rc.execute_command("DEBUG", "DIGEST") == p.execute_command("DEBUG", "DIGEST")
    assert rc.execute_command("SCARD", "h") == 90
    assert rc.execute_command("EXISTS", "i") == 0
    assert members(rc, "inter") == members(p, "h")


@needs_redis
def test_real_redis_replica_follows_set_writes(server, make_server):
    replica = make_server(binary=REDIS_SERVER,
                          extra_args=["--replicaof", "127.0.0.1", str(server.port)])
    p = server.client(decode_responses=False, raw_replies=True)
    sadd_many(p, "ints", range(400))
    sadd_many(p, "strs", (b"s%d" % i for i in range(300)))
    p.execute_command("SADD", "lp", "x", "y", 1)
    p.execute_command("SAVE")
    wait_replica_synced(server, replica)
    p.execute_command("SPOP", "ints", 3)
    p.execute_command("SPOP", "strs", 290)
    p.execute_command("SMOVE", "lp", "ints", 1)
    p.execute_command("SDIFFSTORE", "d", "ints", "lp")
    wait_replica_synced(server, replica)
    rc = replica.client(decode_responses=False, raw_replies=True)
    assert rc.execute_command("DEBUG", "DIGEST") == p.execute_command("DEBUG", "DIGEST")


# ---------------------------------------------------------------- keyspace notifications

def test_keyspace_notifications(server, r):
    assert r.execute_command("CONFIG", "SET", "notify-keyspace-events", "KEA") == "OK"
    s = server.conn()
    assert s.call("PSUBSCRIBE", "__keyevent@0__:*") == [b"psubscribe", b"__keyevent@0__:*", 1]

    def events(n):
        out = []
        for _ in range(n):
            m = s.read()
            assert m[:2] == [b"pmessage", b"__keyevent@0__:*"], m
            out.append((m[2].split(b":", 1)[1].decode(), m[3].decode()))
        return out

    steps = [
        (("SADD", "s", "a", "b", "c", "d"), [("sadd", "s")]),
        (("SREM", "s", "a"), [("srem", "s")]),
        (("SPOP", "s"), [("spop", "s")]),
        (("SADD", "t", "x"), [("sadd", "t")]),
        (("SMOVE", "t", "s", "x"), [("srem", "t"), ("del", "t"), ("sadd", "s")]),
        (("SADD", "t", "y"), [("sadd", "t")]),
        (("SINTERSTORE", "i", "s", "s"), [("sinterstore", "i")]),
        (("SUNIONSTORE", "u", "s", "t"), [("sunionstore", "u")]),
        (("SDIFFSTORE", "d", "s", "t"), [("sdiffstore", "d")]),
        (("SINTERSTORE", "d", "s", "nokey"), [("del", "d")]),
        (("SUNIONSTORE", "u", "nokey"), [("del", "u")]),
        (("SDIFFSTORE", "i", "s", "s"), [("del", "i")]),
        (("SPOP", "s", 1), [("spop", "s")]),
        (("SPOP", "s", 10), [("spop", "s"), ("del", "s")]),
        (("SREM", "t", "y"), [("srem", "t"), ("del", "t")]),
        (("SADD", "v", "1", "2"), [("sadd", "v")]),
        (("SPOP", "v"), [("spop", "v")]),
        (("SPOP", "v"), [("spop", "v"), ("del", "v")]),
    ]
    for cmd, want in steps:
        r.execute_command(*cmd)
        assert events(len(want)) == want, cmd
    r.execute_command("SADD", "w", "a")
    assert events(1) == [("sadd", "w")]
    # writes that change nothing fire nothing
    for cmd in (("SADD", "w", "a"), ("SREM", "w", "zz"), ("SREM", "nokey", "a"),
                ("SPOP", "w", 0), ("SPOP", "nokey"), ("SMOVE", "w", "w", "a"),
                ("SMOVE", "w", "q", "zz"), ("SINTERSTORE", "x", "nokey"),
                ("SMEMBERS", "w"), ("SRANDMEMBER", "w", 2)):
        r.execute_command(*cmd)
    assert not s.has_pending(0.1)


def test_keyspace_notifications_set_class_only(server, r):
    assert r.execute_command("CONFIG", "SET", "notify-keyspace-events", "Ks") == "OK"
    s = server.conn()
    assert s.call("PSUBSCRIBE", "__key*@0__:*") == [b"psubscribe", b"__key*@0__:*", 1]
    r.execute_command("SADD", "s", "a")
    assert s.read() == [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:s", b"sadd"]
    r.execute_command("SREM", "s", "a")  # "del" is generic: not sent with Ks
    assert s.read() == [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:s", b"srem"]
    r.execute_command("LPUSH", "l", "x")
    r.execute_command("SADD", "s", "b")
    assert s.read() == [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:s", b"sadd"]
    assert not s.has_pending(0.1)


# ---------------------------------------------------------------- WATCH

def test_watch_and_set_writes(server, r):
    """Which set commands touch a watched key: writes that change it, not reads nor writes
    that change nothing."""
    breaking = [("SADD", "s", "q"), ("SREM", "s", "a"), ("SPOP", "s"), ("SPOP", "s", 1),
                ("SPOP", "s", 5), ("SMOVE", "s", "o", "a"), ("SMOVE", "o", "s", "z"),
                ("SINTERSTORE", "s", "s", "o"), ("SUNIONSTORE", "s", "o"),
                ("SDIFFSTORE", "s", "s", "s"), ("DEL", "s")]
    keeping = [("SADD", "s", "a"), ("SREM", "s", "nope"), ("SPOP", "s", 0),
               ("SMOVE", "s", "s", "a"), ("SMOVE", "s", "o", "nope"), ("SMEMBERS", "s"),
               ("SISMEMBER", "s", "a"), ("SRANDMEMBER", "s", 2), ("SCARD", "s"),
               ("SINTERSTORE", "o2", "s", "o"), ("SSCAN", "s", 0)]
    for cmd, broken in [(c, True) for c in breaking] + [(c, False) for c in keeping]:
        r.execute_command("DEL", "s", "o", "o2")
        r.execute_command("SADD", "s", "a", "b")
        r.execute_command("SADD", "o", "z", "b")
        w = server.conn()
        assert w.call("WATCH", "s") == "OK"
        r.execute_command(*cmd)
        assert w.call("MULTI") == "OK"
        assert w.call("PING") == "QUEUED"
        assert (w.call("EXEC") is None) == broken, cmd
        w.close()


def test_watch_on_missing_key_broken_by_sadd(server, r):
    c = server.conn()
    assert c.call("WATCH", "s") == "OK"
    r.execute_command("SADD", "s", "x")
    assert c.call("MULTI") == "OK"
    assert c.call("SPOP", "s") == "QUEUED"
    assert c.call("EXEC") is None
    assert r.execute_command("SMEMBERS", "s") == ["x"]


def test_multi_exec_with_spop(server, r):
    r.execute_command("SADD", "s", 1, 2, 3)
    c = server.conn()
    assert c.call("MULTI") == "OK"
    assert c.call("SPOP", "s", 2) == "QUEUED"
    assert c.call("SCARD", "s") == "QUEUED"
    got = c.call("EXEC")
    assert len(got[0]) == 2 and got[1] == 1
