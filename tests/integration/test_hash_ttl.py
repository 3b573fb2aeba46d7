"""Hash field expiration (Redis 7.4 HEXPIRE family, HTTL family, HPERSIST; Redis 8.0 HGETDEL,
HGETEX, HSETEX): reply codes, error texts, lazy and active expiry, propagation to the AOF and to
replicas, keyspace notifications, key commands, RDB/AOF persistence and encodings.

Debian's redis-server is 7.0 and has none of these commands, so the expectations were checked
against the Redis 7.4 / 8.0 documentation and reference source instead; the module is skipped
when SABLE_SERVER points at a real Redis. The RDB interop test still uses /usr/bin/redis-server:
an RDB without field TTLs must stay version 10, readable by Redis 7.0."""
import os
import shutil
import time

import pytest
import redis

from conftest import RespError, ServerProcess, eventually, is_real_redis, wait_replica_synced
from test_aof import AOF_ON, incr_commands, wait_rewrite_done
from test_aof import restart as aof_restart
from test_rdb import restart as rdb_restart

pytestmark = pytest.mark.skipif(is_real_redis(),
                                reason="Redis 7.0 has no hash field expiration commands")

REDIS_SERVER = "/usr/bin/redis-server"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "value is not an integer or out of range"
FIELDS_MISSING = "Mandatory argument FIELDS is missing or not at the right position"
NUMFIELDS_EXPIRE = "Parameter `numFields` should be greater than 0"
NUMFIELDS_POSITIVE = "Number of fields must be a positive integer"
NUMFIELDS_MISMATCH = "The `numfields` parameter must match the number of arguments"
NEGATIVE_TIME = "invalid expire time, must be >= 0"
# HFE_MAX_ABS_TIME_MSEC: the largest absolute field time, in ms.
MAX_ABS_MS = ((1 << 48) - 1) >> 2

NO_FIELD, NOT_MET, SET, DELETED = -2, 0, 1, 2


@pytest.fixture
def r(server):
    """Client without redis-py reply callbacks: replies exactly as sent."""
    return server.client(raw_replies=True)


def err(c, *args):
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command(*args)
    return str(e.value)


def arity(cmd):
    return "wrong number of arguments for '%s' command" % cmd


def now_ms():
    return int(time.time() * 1000)


def lazy_only(c):
    """Stop the active cycle: only commands expire fields from now on."""
    assert c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0) == "OK"


def wait_field_past(c, key, *fields):
    """Polls (bounded) until every field reads as expired (HPTTL -2): a read, no deletion."""
    n = len(fields)
    eventually(lambda: c.execute_command("HPTTL", key, "FIELDS", n, *fields) == [-2] * n,
               timeout=5, msg="fields did not expire")


def in_range(v, lo, hi):
    assert lo <= v <= hi, (v, lo, hi)


# ---------------------------------------------------------------- HEXPIRE family

def test_hexpire_family_reply_codes(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    t0 = now_ms()
    assert r.execute_command("HEXPIRE", "h", 100, "FIELDS", 2, "a", "nope") == [SET, NO_FIELD]
    assert r.execute_command("HPEXPIRE", "h", 200000, "FIELDS", 1, "b") == [SET]
    assert r.execute_command("HEXPIREAT", "h", t0 // 1000 + 300, "FIELDS", 1, "c") == [SET]
    assert r.execute_command("HPEXPIREAT", "h", t0 + 400000, "FIELDS", 1, "d") == [SET]
    t1 = now_ms()
    a, b, c, d = r.execute_command("HPEXPIRETIME", "h", "FIELDS", 4, "a", "b", "c", "d")
    in_range(a, t0 + 100000, t1 + 100000)
    in_range(b, t0 + 200000, t1 + 200000)
    assert c == (t0 // 1000 + 300) * 1000
    assert d == t0 + 400000
    # 0, or a time already past, deletes the field: 2
    assert r.execute_command("HEXPIRE", "h", 0, "FIELDS", 1, "a") == [DELETED]
    assert r.execute_command("HPEXPIREAT", "h", 1, "FIELDS", 2, "b", "a") == [DELETED, NO_FIELD]
    assert r.execute_command("HEXPIREAT", "h", t0 // 1000 - 10, "FIELDS", 1, "c") == [DELETED]
    assert r.execute_command("HGETALL", "h") == ["d", "4"]
    # deleting the last field deletes the key
    assert r.execute_command("HPEXPIRE", "h", 0, "FIELDS", 1, "d") == [DELETED]
    assert r.execute_command("EXISTS", "h") == 0
    # a field named more than once is answered once per mention
    r.execute_command("HSET", "h", "x", "1")
    assert r.execute_command("HEXPIRE", "h", 50, "FIELDS", 2, "x", "x") == [SET, SET]


def test_hexpire_conditions(r):
    r.execute_command("HSET", "h", "persistent", "1", "volatile", "2")
    assert r.execute_command("HEXPIRE", "h", 1000, "FIELDS", 1, "volatile") == [SET]
    f = ("FIELDS", 2, "persistent", "volatile")
    # NX: only fields without a TTL; XX: only fields with one
    assert r.execute_command("HEXPIRE", "h", 2000, "NX", *f) == [SET, NOT_MET]
    assert r.execute_command("HPERSIST", "h", "FIELDS", 1, "persistent") == [1]
    assert r.execute_command("HEXPIRE", "h", 2000, "XX", *f) == [NOT_MET, SET]
    assert r.execute_command("HTTL", "h", *f) == [-1, 2000]
    # GT: a field without a TTL counts as infinite, so never; LT: always for it.
    # Absolute times, so "equal" does not depend on the clock moving between calls.
    assert r.execute_command("HEXPIRE", "h", 3000, "GT", *f) == [NOT_MET, SET]
    base = int(time.time() * 1000) + 10_000_000
    assert r.execute_command("HPEXPIREAT", "h", base + 3000, "GT", *f) == [NOT_MET, SET]
    assert r.execute_command("HPEXPIREAT", "h", base + 2500, "gt", *f) == [NOT_MET, NOT_MET]
    assert r.execute_command("HPEXPIREAT", "h", base + 3000, "GT", *f) == [NOT_MET, NOT_MET]  # equal
    assert r.execute_command("HPEXPIRETIME", "h", *f) == [-1, base + 3000]
    assert r.execute_command("HPEXPIREAT", "h", base + 3000, "LT", *f) == [SET, NOT_MET]  # equal
    assert r.execute_command("HPEXPIREAT", "h", base + 2900, "lt", *f) == [SET, SET]
    assert r.execute_command("HPEXPIREAT", "h", base + 4000, "LT", *f) == [NOT_MET, NOT_MET]
    assert r.execute_command("HPEXPIRETIME", "h", *f) == [base + 2900, base + 2900]
    # the condition is judged before a past time deletes: NX on a volatile field stays 0
    r.execute_command("HSET", "h", "p2", "x")
    assert r.execute_command("HPEXPIREAT", "h", 1, "NX", "FIELDS", 4,
                             "p2", "volatile", "nope", "persistent") == [
        DELETED, NOT_MET, NO_FIELD, NOT_MET]
    assert sorted(r.execute_command("HKEYS", "h")) == ["persistent", "volatile"]


def test_hexpire_errors(r):
    r.execute_command("HSET", "h", "a", "1")
    r.execute_command("SET", "str", "x")
    assert err(r, "HEXPIRE", "str", 10, "FIELDS", 1, "a") == WRONGTYPE
    assert err(r, "HEXPIRE", "str", "bad", "FIELDX", 1, "a") == WRONGTYPE  # type is checked first
    assert err(r, "HEXPIRE", "h", 10, "FIELDS", 1) == arity("hexpire")
    assert err(r, "HPEXPIREAT", "h", 10, "FIELDS") == arity("hpexpireat")
    assert err(r, "HEXPIRE", "h", 10, "FIELDX", 1, "a") == FIELDS_MISSING
    assert err(r, "HEXPIRE", "h", 10, "a", "FIELDS", 1, "a") == FIELDS_MISSING
    # NX, XX, GT and LT exclude each other: a second one stands where FIELDS must be
    for a, b in (("NX", "XX"), ("GT", "LT"), ("XX", "GT"), ("LT", "NX")):
        assert err(r, "HEXPIRE", "h", 10, a, b, "FIELDS", 1, "a") == FIELDS_MISSING
    for n in (0, -1, "x", "1.5"):
        assert err(r, "HEXPIRE", "h", 10, "FIELDS", n, "a") == NUMFIELDS_EXPIRE
        assert err(r, "HPEXPIRE", "h", 10, "NX", "FIELDS", n, "a") == NUMFIELDS_EXPIRE
    assert err(r, "HEXPIRE", "h", 10, "FIELDS", 2, "a") == NUMFIELDS_MISMATCH
    assert err(r, "HEXPIRE", "h", 10, "FIELDS", 1, "a", "b") == NUMFIELDS_MISMATCH
    assert err(r, "HEXPIRE", "h", 10, "NX", "FIELDS", 1) == NUMFIELDS_MISMATCH
    # times
    assert err(r, "HEXPIRE", "h", -1, "FIELDS", 1, "a") == NEGATIVE_TIME
    assert err(r, "HPEXPIREAT", "h", -5, "FIELDS", 1, "a") == NEGATIVE_TIME
    assert err(r, "HEXPIRE", "h", "1.5", "FIELDS", 1, "a") == NOT_INT
    assert err(r, "HEXPIRE", "h", "ten", "FIELDS", 1, "a") == NOT_INT
    assert err(r, "HEXPIRE", "h", "99999999999999999999", "FIELDS", 1, "a") == NOT_INT
    assert err(r, "HPEXPIREAT", "h", MAX_ABS_MS + 1, "FIELDS", 1, "a") == \
        "invalid expire time in 'hpexpireat' command"
    assert err(r, "HEXPIREAT", "h", MAX_ABS_MS // 1000 + 1, "FIELDS", 1, "a") == \
        "invalid expire time in 'hexpireat' command"
    assert err(r, "HPEXPIRE", "h", MAX_ABS_MS, "FIELDS", 1, "a") == \
        "invalid expire time in 'hpexpire' command"
    assert err(r, "HEXPIRE", "h", 1 << 62, "FIELDS", 1, "a") == \
        "invalid expire time in 'hexpire' command"
    # the limit itself is accepted
    assert r.execute_command("HPEXPIREAT", "h", MAX_ABS_MS, "FIELDS", 1, "a") == [SET]
    assert r.execute_command("HPEXPIRETIME", "h", "FIELDS", 1, "a") == [MAX_ABS_MS]
    # nothing changed by the failures; errors on a missing key too (arguments come first)
    assert r.execute_command("HGET", "h", "a") == "1"
    assert err(r, "HEXPIRE", "nokey", -1, "FIELDS", 1, "a") == NEGATIVE_TIME
    assert err(r, "HEXPIRE", "nokey", 10, "FIELDS", 2, "a") == NUMFIELDS_MISMATCH


def test_hexpire_missing_key(r):
    assert r.execute_command("HEXPIRE", "nokey", 10, "FIELDS", 3, "a", "b", "c") == [-2, -2, -2]
    assert r.execute_command("HPEXPIREAT", "nokey", 1, "NX", "FIELDS", 1, "a") == [-2]
    assert r.execute_command("EXISTS", "nokey") == 0


# ---------------------------------------------------------------- HTTL family, HPERSIST

def test_httl_family_values(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    at = now_ms() + 100000
    assert r.execute_command("HPEXPIREAT", "h", at, "FIELDS", 1, "a") == [SET]
    f = ("FIELDS", 3, "a", "b", "nope")
    ttl = r.execute_command("HTTL", "h", *f)
    assert ttl[1:] == [-1, -2]
    in_range(ttl[0], 98, 100)
    pttl = r.execute_command("HPTTL", "h", *f)
    assert pttl[1:] == [-1, -2]
    in_range(pttl[0], 95000, 100000)
    assert r.execute_command("HEXPIRETIME", "h", *f) == [(at + 999) // 1000, -1, -2]
    assert r.execute_command("HPEXPIRETIME", "h", *f) == [at, -1, -2]
    # a hash without any TTL (plain listpack) and one in the table encoding
    r.execute_command("HSET", "plain", "x", "1")
    assert r.execute_command("HTTL", "plain", "FIELDS", 2, "x", "y") == [-1, -2]
    assert r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 1) == "OK"
    r.execute_command("HSET", "big", "x", "1", "y", "2")
    assert r.execute_command("OBJECT", "ENCODING", "big") == "hashtable"
    assert r.execute_command("HPEXPIREAT", "big", at, "FIELDS", 1, "y") == [SET]
    assert r.execute_command("HPEXPIRETIME", "big", "FIELDS", 3, "x", "y", "z") == [-1, at, -2]


def test_httl_errors_and_missing_key(r):
    r.execute_command("HSET", "h", "a", "1")
    r.execute_command("SET", "str", "x")
    for cmd in ("HTTL", "HPTTL", "HEXPIRETIME", "HPEXPIRETIME"):
        # a missing key answers -2 per field (Redis 7.4 GA), not nil
        assert r.execute_command(cmd, "nokey", "FIELDS", 2, "a", "b") == [-2, -2], cmd
        assert err(r, cmd, "str", "FIELDS", 1, "a") == WRONGTYPE
        assert err(r, cmd, "h", "FIELD", 1, "a") == FIELDS_MISSING
        assert err(r, cmd, "h", "a", "FIELDS", 1) == FIELDS_MISSING
        for n in (0, -3, "x"):
            assert err(r, cmd, "h", "FIELDS", n, "a") == NUMFIELDS_POSITIVE
        assert err(r, cmd, "h", "FIELDS", 2, "a") == NUMFIELDS_MISMATCH
        assert err(r, cmd, "h", "FIELDS", 1, "a", "b") == NUMFIELDS_MISMATCH
        assert err(r, cmd, "nokey", "FIELDS", 3, "a") == NUMFIELDS_MISMATCH
        assert err(r, cmd, "h", "FIELDS", 1) == arity(cmd.lower())


def test_hpersist(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert r.execute_command("HEXPIRE", "h", 100, "FIELDS", 2, "a", "b") == [SET, SET]
    assert r.execute_command("HPERSIST", "h", "FIELDS", 4, "a", "c", "nope", "a") == [1, -1, -2, -1]
    assert r.execute_command("HTTL", "h", "FIELDS", 3, "a", "b", "c") == [-1, 100, -1]
    assert r.execute_command("HPERSIST", "h", "FIELDS", 1, "b") == [1]
    assert r.execute_command("HTTL", "h", "FIELDS", 3, "a", "b", "c") == [-1, -1, -1]
    assert sorted(r.execute_command("HGETALL", "h")) == ["1", "2", "3", "a", "b", "c"]
    assert r.execute_command("HPERSIST", "nokey", "FIELDS", 2, "a", "b") == [-2, -2]
    r.execute_command("SET", "str", "x")
    assert err(r, "HPERSIST", "str", "FIELDS", 1, "a") == WRONGTYPE
    assert err(r, "HPERSIST", "h", "FIELDS", 0, "a") == NUMFIELDS_POSITIVE
    assert err(r, "HPERSIST", "h", "FIELDS", 2, "a") == NUMFIELDS_MISMATCH
    assert err(r, "HPERSIST", "h", "FIELDZ", 1, "a") == FIELDS_MISSING
    assert err(r, "HPERSIST", "h", "FIELDS", 1) == arity("hpersist")


def test_hpersist_expired_field_is_missing(r):
    lazy_only(r)
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    r.execute_command("HPEXPIRE", "h", 1, "FIELDS", 1, "a")
    wait_field_past(r, "h", "a")
    assert r.execute_command("HPERSIST", "h", "FIELDS", 2, "a", "b") == [-2, -1]
    assert r.execute_command("HGET", "h", "a") is None


# ---------------------------------------------------------------- lazy and active expiry

def test_lazy_expiry_hlen_counts_until_access(r):
    lazy_only(r)
    r.execute_command("HSET", "h", "f1", "v1", "f2", "v2", "f3", "v3")
    assert r.execute_command("HPEXPIRE", "h", 1, "FIELDS", 3, "f1", "f2", "f3") == [1, 1, 1]
    wait_field_past(r, "h", "f1", "f2", "f3")
    # the key stays, and HLEN counts expired fields not yet deleted (hashTypeLength(o, 0))
    assert r.execute_command("EXISTS", "h") == 1
    assert r.execute_command("TYPE", "h") == "hash"
    assert r.execute_command("HLEN", "h") == 3
    # walks skip them without deleting
    assert r.execute_command("HGETALL", "h") == []
    assert r.execute_command("HKEYS", "h") == []
    assert r.execute_command("HSCAN", "h", 0) == ["0", []]
    assert r.execute_command("HLEN", "h") == 3
    # touching one deletes it
    assert r.execute_command("HEXISTS", "h", "f1") == 0
    assert r.execute_command("HLEN", "h") == 2
    assert r.execute_command("HGET", "h", "f2") is None
    assert r.execute_command("HLEN", "h") == 1
    # the last one takes the key with it
    assert r.execute_command("HSTRLEN", "h", "f3") == 0
    assert r.execute_command("HLEN", "h") == 0
    assert r.execute_command("EXISTS", "h") == 0
    assert r.execute_command("TYPE", "h") == "none"


@pytest.mark.parametrize("table", [False, True], ids=["listpackex", "hashtable"])
def test_expired_fields_hidden_from_reads(r, table):
    lazy_only(r)
    if table:
        r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 2)
    r.execute_command("HSET", "h", "live", "L", "dead1", "D1", "dead2", "D2", "n", "5")
    assert r.execute_command("OBJECT", "ENCODING", "h") == ("hashtable" if table else "listpack")
    r.execute_command("HPEXPIRE", "h", 1, "FIELDS", 3, "dead1", "dead2", "n")
    r.execute_command("HEXPIRE", "h", 1000, "FIELDS", 1, "live")
    wait_field_past(r, "h", "dead1", "dead2", "n")
    assert r.execute_command("HGETALL", "h") == ["live", "L"]
    assert r.execute_command("HVALS", "h") == ["L"]
    cursor, page = r.execute_command("HSCAN", "h", 0, "COUNT", 100)
    assert page == ["live", "L"]
    assert r.execute_command("HSCAN", "h", 0, "NOVALUES")[1] == ["live"]
    assert r.execute_command("HLEN", "h") == 4
    assert r.execute_command("HMGET", "h", "dead1", "live", "nope") == [None, "L", None]
    assert r.execute_command("HLEN", "h") == 3
    # an expired counter restarts from nothing, without its old TTL
    assert r.execute_command("HINCRBY", "h", "n", 2) == 2
    assert r.execute_command("HTTL", "h", "FIELDS", 1, "n") == [-1]
    # HDEL does not look at TTLs: it removes the stored field and counts it
    assert r.execute_command("HDEL", "h", "dead2") == 1
    assert r.execute_command("HLEN", "h") == 2


def test_hrandfield_deletes_expired_fields_first(r):
    lazy_only(r)
    r.execute_command("HSET", "h", "f1", "1", "f2", "2", "f3", "3", "f4", "4", "keep", "5")
    r.execute_command("HPEXPIRE", "h", 1, "FIELDS", 4, "f1", "f2", "f3", "f4")
    wait_field_past(r, "h", "f1", "f2", "f3", "f4")
    assert r.execute_command("HLEN", "h") == 5
    for _ in range(20):
        assert r.execute_command("HRANDFIELD", "h") == "keep"
    assert r.execute_command("HLEN", "h") == 1
    assert r.execute_command("HRANDFIELD", "h", -10) == ["keep"] * 10
    assert r.execute_command("HRANDFIELD", "h", 5, "WITHVALUES") == ["keep", "5"]
    # every field expired: nil / empty, and the key is gone
    r.execute_command("HSET", "g", "a", "1", "b", "2")
    r.execute_command("HPEXPIRE", "g", 1, "FIELDS", 2, "a", "b")
    r.execute_command("HSET", "g2", "a", "1")
    r.execute_command("HPEXPIRE", "g2", 1, "FIELDS", 1, "a")
    wait_field_past(r, "g", "a", "b")
    wait_field_past(r, "g2", "a")
    assert r.execute_command("HRANDFIELD", "g") is None
    assert r.execute_command("EXISTS", "g") == 0
    assert r.execute_command("HRANDFIELD", "g2", 3) == []
    assert r.execute_command("TYPE", "g2") == "none"


def test_hscan_large_hash_skips_expired(r):
    lazy_only(r)
    pipe = r.pipeline(transaction=False)
    for i in range(600):
        pipe.execute_command("HSET", "big", "f%d" % i, "v%d" % i)
    pipe.execute()
    dead = ["f%d" % i for i in range(0, 600, 2)]
    r.execute_command("HPEXPIRE", "big", 1, "FIELDS", len(dead), *dead)
    r.execute_command("HEXPIRE", "big", 1000, "FIELDS", 1, "f1")
    wait_field_past(r, "big", *dead[:20])
    seen, cursor, calls = set(), "0", 0
    while True:
        cursor, page = r.execute_command("HSCAN", "big", cursor, "COUNT", 50)
        seen.update(page[0::2])
        calls += 1
        assert calls < 1000
        if cursor == "0":
            break
    assert seen == {"f%d" % i for i in range(1, 600, 2)}
    assert r.execute_command("HLEN", "big") == 600  # nothing deleted by the scan


@pytest.mark.parametrize("table", [False, True], ids=["listpackex", "hashtable"])
def test_active_expiry_removes_fields_then_key(r, table):
    if table:
        r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 4)
    fields = ["f%d" % i for i in range(10 if table else 3)]
    args = []
    for f in fields:
        args += [f, "v"]
    r.execute_command("HSET", "h", *args, "stay", "x")
    r.execute_command("HSET", "gone", "a", "1", "b", "2")
    r.execute_command("HPEXPIRE", "h", 50, "FIELDS", len(fields), *fields)
    r.execute_command("HPEXPIRE", "gone", 50, "FIELDS", 2, "a", "b")
    # nobody touches the hashes: only the cycle can shrink HLEN
    eventually(lambda: r.execute_command("HLEN", "h") == 1, timeout=5,
               msg="active expiry did not remove the fields")
    eventually(lambda: r.execute_command("EXISTS", "gone") == 0, timeout=5,
               msg="active expiry did not remove the emptied key")
    assert r.execute_command("HGETALL", "h") == ["stay", "x"]
    assert r.execute_command("DBSIZE") == 1


def test_active_expiry_many_hashes_and_huge_hash(r):
    pipe = r.pipeline(transaction=False)
    for i in range(200):
        pipe.execute_command("HSET", "k%d" % i, "a", "1", "b", "2")
        pipe.execute_command("HPEXPIRE", "k%d" % i, 20 + i % 50, "FIELDS", 1, "a")
    for i in range(3000):
        pipe.execute_command("HSET", "huge", "f%d" % i, "v")
    pipe.execute()
    names = ["f%d" % i for i in range(3000)]
    r.execute_command("HPEXPIRE", "huge", 30, "FIELDS", len(names), *names)
    eventually(lambda: r.execute_command("EXISTS", "huge") == 0, timeout=10,
               msg="the huge hash was not expired")

    def all_done():
        pipe = r.pipeline(transaction=False)
        for i in range(200):
            pipe.execute_command("HLEN", "k%d" % i)
        return pipe.execute() == [1] * 200
    eventually(all_done, timeout=10, msg="some hashes kept an expired field")
    assert r.execute_command("DBSIZE") == 200


def test_flushall_and_del_with_pending_field_ttls(r):
    for i in range(5):
        r.execute_command("HSET", "h%d" % i, "a", "1")
        r.execute_command("HPEXPIRE", "h%d" % i, 10000, "FIELDS", 1, "a")
    assert r.execute_command("DEL", "h0") == 1
    assert r.execute_command("FLUSHALL") == "OK"
    r.execute_command("HSET", "h1", "a", "1")
    r.execute_command("HPEXPIRE", "h1", 10000, "FIELDS", 1, "a")
    assert r.execute_command("FLUSHALL", "ASYNC") == "OK"
    # a new hash under an old name carries no stale TTL
    r.execute_command("HSET", "h2", "a", "1")
    assert r.execute_command("HTTL", "h2", "FIELDS", 1, "a") == [-1]
    assert r.execute_command("PING") == "PONG"


# ---------------------------------------------------------------- writes and TTLs

def test_hset_clears_ttl_counters_keep_it(r):
    r.execute_command("HSET", "h", "s", "1", "i", "1", "f", "1.5", "n", "x")
    r.execute_command("HEXPIRE", "h", 500, "FIELDS", 4, "s", "i", "f", "n")
    assert r.execute_command("HSET", "h", "s", "2") == 0
    assert r.execute_command("HMSET", "h", "n", "y") == "OK"
    assert r.execute_command("HINCRBY", "h", "i", 4) == 5
    assert r.execute_command("HINCRBYFLOAT", "h", "f", "1") == "2.5"
    assert r.execute_command("HSETNX", "h", "i", "99") == 0
    assert r.execute_command("HTTL", "h", "FIELDS", 4, "s", "n", "i", "f") == [-1, -1, 500, 500]
    assert r.execute_command("HMGET", "h", "s", "n", "i", "f") == ["2", "y", "5", "2.5"]
    # the set count still sees only new fields
    assert r.execute_command("HSET", "h", "i", "0", "new", "1") == 1


# ---------------------------------------------------------------- HGETDEL

def test_hgetdel(r):
    r.execute_command("HSET", "h", "f1", "Hello", "f2", "World", "f3", "!")
    assert r.execute_command("HGETDEL", "h", "FIELDS", 2, "f3", "f4") == ["!", None]
    assert r.execute_command("HGETALL", "h") == ["f1", "Hello", "f2", "World"]
    assert r.execute_command("HGETDEL", "h", "FIELDS", 3, "f1", "f1", "f2") == [
        "Hello", None, "World"]
    assert r.execute_command("EXISTS", "h") == 0
    assert r.execute_command("HGETDEL", "nokey", "FIELDS", 2, "a", "b") == [None, None]
    # an expired field reads as missing
    lazy_only(r)
    r.execute_command("HSET", "e", "a", "1", "b", "2")
    r.execute_command("HPEXPIRE", "e", 1, "FIELDS", 1, "a")
    wait_field_past(r, "e", "a")
    assert r.execute_command("HGETDEL", "e", "FIELDS", 2, "a", "b") == [None, "2"]
    assert r.execute_command("EXISTS", "e") == 0


def test_hgetdel_errors(r):
    r.execute_command("HSET", "h", "a", "1")
    r.execute_command("SET", "str", "x")
    assert err(r, "HGETDEL", "str", "FIELDS", 1, "a") == WRONGTYPE
    assert err(r, "HGETDEL", "str", "FIELDX", 0, "a") == WRONGTYPE
    assert err(r, "HGETDEL", "h", "FIELDX", 1, "a") == FIELDS_MISSING
    for n in (0, -1, "y"):
        assert err(r, "HGETDEL", "h", "FIELDS", n, "a") == NUMFIELDS_POSITIVE
    assert err(r, "HGETDEL", "h", "FIELDS", 2, "a") == NUMFIELDS_MISMATCH
    assert err(r, "HGETDEL", "h", "FIELDS", 1, "a", "b") == NUMFIELDS_MISMATCH
    assert err(r, "HGETDEL", "h", "FIELDS", 1) == arity("hgetdel")
    assert r.execute_command("HGET", "h", "a") == "1"


# ---------------------------------------------------------------- HGETEX

def test_hgetex_options(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    # no option: HMGET, TTLs untouched
    assert r.execute_command("HGETEX", "h", "FIELDS", 2, "a", "nope") == ["1", None]
    assert r.execute_command("HTTL", "h", "FIELDS", 1, "a") == [-1]
    t0 = now_ms()
    assert r.execute_command("HGETEX", "h", "EX", 100, "FIELDS", 2, "a", "nope") == ["1", None]
    assert r.execute_command("HGETEX", "h", "px", 200000, "FIELDS", 1, "b") == ["2"]
    t1 = now_ms()
    assert r.execute_command("HGETEX", "h", "EXAT", t0 // 1000 + 300, "FIELDS", 1, "c") == ["3"]
    a, b, c = r.execute_command("HPEXPIRETIME", "h", "FIELDS", 3, "a", "b", "c")
    in_range(a, t0 + 100000, t1 + 100000)
    in_range(b, t0 + 200000, t1 + 200000)
    assert c == (t0 // 1000 + 300) * 1000
    assert r.execute_command("HGETEX", "h", "PXAT", t0 + 400000, "FIELDS", 2, "a", "b") == [
        "1", "2"]
    assert r.execute_command("HPEXPIRETIME", "h", "FIELDS", 2, "a", "b") == [t0 + 400000] * 2
    assert r.execute_command("HGETEX", "h", "PERSIST", "FIELDS", 3, "a", "c", "x") == [
        "1", "3", None]
    assert r.execute_command("HTTL", "h", "FIELDS", 3, "a", "b", "c") == [-1, 400, -1]
    assert r.execute_command("HGETEX", "nokey", "EX", 10, "FIELDS", 2, "a", "b") == [None, None]
    assert r.execute_command("EXISTS", "nokey") == 0


def test_hgetex_zero_or_past_time_deletes(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert r.execute_command("HGETEX", "h", "EX", 0, "FIELDS", 1, "a") == ["1"]
    assert r.execute_command("HGETEX", "h", "PXAT", 1, "FIELDS", 2, "b", "x") == ["2", None]
    assert r.execute_command("HGETALL", "h") == ["c", "3"]
    assert r.execute_command("HGETEX", "h", "EXAT", 1, "FIELDS", 1, "c") == ["3"]
    assert r.execute_command("EXISTS", "h") == 0


def test_hgetex_errors(r):
    r.execute_command("HSET", "h", "a", "1")
    r.execute_command("SET", "str", "x")
    assert err(r, "HGETEX", "str", "FIELDS", 1, "a") == WRONGTYPE
    assert err(r, "HGETEX", "h", "FIELDX", 1, "a") == FIELDS_MISSING
    assert err(r, "HGETEX", "h", "KEEPTTL", "FIELDS", 1, "a") == FIELDS_MISSING
    # EX, PX, EXAT, PXAT and PERSIST exclude each other
    assert err(r, "HGETEX", "h", "EX", 10, "PERSIST", "FIELDS", 1, "a") == FIELDS_MISSING
    assert err(r, "HGETEX", "h", "PERSIST", "EX", 10, "FIELDS", 1, "a") == FIELDS_MISSING
    assert err(r, "HGETEX", "h", "EX", 10, "PX", 10, "FIELDS", 1, "a") == FIELDS_MISSING
    for n in (0, -2, "z"):
        assert err(r, "HGETEX", "h", "FIELDS", n, "a") == NUMFIELDS_POSITIVE
        assert err(r, "HGETEX", "h", "PERSIST", "FIELDS", n, "a") == NUMFIELDS_POSITIVE
    assert err(r, "HGETEX", "h", "EX", 10, "FIELDS", 2, "a") == NUMFIELDS_MISMATCH
    assert err(r, "HGETEX", "h", "FIELDS", 1, "a", "b") == NUMFIELDS_MISMATCH
    assert err(r, "HGETEX", "h", "EX", -1, "FIELDS", 1, "a") == NEGATIVE_TIME
    assert err(r, "HGETEX", "h", "PXAT", "soon", "FIELDS", 1, "a") == NOT_INT
    assert err(r, "HGETEX", "h", "EX", "FIELDS", 1, "a") == NOT_INT
    assert err(r, "HGETEX", "h", "EXAT", MAX_ABS_MS // 1000 + 1, "FIELDS", 1, "a") == \
        "invalid expire time in 'hgetex' command"
    assert err(r, "HGETEX", "h", "FIELDS", 1) == arity("hgetex")
    assert r.execute_command("HTTL", "h", "FIELDS", 1, "a") == [-1]


# ---------------------------------------------------------------- HSETEX

def test_hsetex_fnx_fxx(r):
    # FXX on a missing key: nothing created
    assert r.execute_command("HSETEX", "h", "FXX", "FIELDS", 1, "a", "1") == 0
    assert r.execute_command("EXISTS", "h") == 0
    assert r.execute_command("HSETEX", "h", "FNX", "FIELDS", 2, "a", "1", "b", "2") == 1
    # FNX: refused when any field exists; FXX: refused unless all exist
    assert r.execute_command("HSETEX", "h", "FNX", "FIELDS", 2, "c", "3", "a", "x") == 0
    assert r.execute_command("HSETEX", "h", "FXX", "FIELDS", 2, "a", "x", "c", "3") == 0
    assert r.execute_command("HGETALL", "h") == ["a", "1", "b", "2"]
    assert r.execute_command("HSETEX", "h", "fxx", "EX", 100, "FIELDS", 2, "a", "A", "b", "B") == 1
    assert r.execute_command("HSETEX", "h", "fnx", "FIELDS", 1, "c", "C") == 1
    assert sorted(r.execute_command("HGETALL", "h")) == ["A", "B", "C", "a", "b", "c"]
    assert r.execute_command("HTTL", "h", "FIELDS", 3, "a", "b", "c") == [100, 100, -1]
    # an expired field counts as absent for FNX/FXX
    lazy_only(r)
    r.execute_command("HPEXPIRE", "h", 1, "FIELDS", 1, "c")
    wait_field_past(r, "h", "c")
    assert r.execute_command("HSETEX", "h", "FXX", "FIELDS", 1, "c", "again") == 0
    assert r.execute_command("HSETEX", "h", "FNX", "FIELDS", 1, "c", "again") == 1
    assert r.execute_command("HMGET", "h", "c") == ["again"]
    assert r.execute_command("HTTL", "h", "FIELDS", 1, "c") == [-1]


def test_hsetex_time_options_and_keepttl(r):
    t0 = now_ms()
    assert r.execute_command("HSETEX", "h", "EX", 100, "FIELDS", 1, "ex", "1") == 1
    assert r.execute_command("HSETEX", "h", "PX", 200000, "FIELDS", 1, "px", "2") == 1
    t1 = now_ms()
    assert r.execute_command("HSETEX", "h", "EXAT", t0 // 1000 + 300, "FIELDS", 1, "exat", "3") == 1
    assert r.execute_command("HSETEX", "h", "PXAT", t0 + 400000, "FIELDS", 2,
                             "pxat", "4", "pxat2", "5") == 1
    ex, px, exat, pxat, pxat2 = r.execute_command(
        "HPEXPIRETIME", "h", "FIELDS", 5, "ex", "px", "exat", "pxat", "pxat2")
    in_range(ex, t0 + 100000, t1 + 100000)
    in_range(px, t0 + 200000, t1 + 200000)
    assert exat == (t0 // 1000 + 300) * 1000
    assert pxat == pxat2 == t0 + 400000
    # without an option an overwrite drops the TTL; KEEPTTL keeps it
    assert r.execute_command("HSETEX", "h", "FIELDS", 1, "ex", "one") == 1
    assert r.execute_command("HSETEX", "h", "KEEPTTL", "FIELDS", 2, "px", "two", "new", "n") == 1
    assert r.execute_command("HPEXPIRETIME", "h", "FIELDS", 3, "ex", "px", "new") == [-1, px, -1]
    assert r.execute_command("HMGET", "h", "ex", "px", "new") == ["one", "two", "n"]
    # a new time replaces the old one; options may come in either order
    assert r.execute_command("HSETEX", "h", "PX", 5000, "FXX", "FIELDS", 1, "pxat", "x") == 1
    in_range(r.execute_command("HPTTL", "h", "FIELDS", 1, "pxat")[0], 4000, 5000)
    assert r.execute_command("OBJECT", "ENCODING", "h") == "listpackex"


def test_hsetex_past_time_deletes(r):
    r.execute_command("HSET", "h", "keep", "1", "a", "old")
    assert r.execute_command("HSETEX", "h", "EX", 0, "FIELDS", 2, "a", "x", "b", "y") == 1
    assert r.execute_command("HGETALL", "h") == ["keep", "1"]
    assert r.execute_command("HSETEX", "h", "PXAT", 1, "FIELDS", 1, "keep", "z") == 1
    assert r.execute_command("EXISTS", "h") == 0
    # on a missing key nothing is left behind
    assert r.execute_command("HSETEX", "new", "EXAT", 1, "FIELDS", 1, "a", "b") == 1
    assert r.execute_command("EXISTS", "new") == 0


def test_hsetex_errors(r):
    r.execute_command("SET", "str", "x")
    one = ("FIELDS", 1, "a", "1")
    assert err(r, "HSETEX", "str", *one) == WRONGTYPE
    assert err(r, "HSETEX", "str", "FNX", "FXX", *one) == \
        "Only one of FXX or FNX arguments can be specified"  # arguments before the type
    assert err(r, "HSETEX", "h", "FXX", "FNX", *one) == \
        "Only one of FXX or FNX arguments can be specified"
    exclusive = "Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"
    assert err(r, "HSETEX", "h", "EX", 10, "PX", 10, *one) == exclusive
    assert err(r, "HSETEX", "h", "KEEPTTL", "EXAT", 10, *one) == exclusive
    assert err(r, "HSETEX", "h", "PXAT", 10, "KEEPTTL", *one) == exclusive
    assert err(r, "HSETEX", "h", "EX", 10, "EX", 10, *one) == exclusive
    for n in (0, -1, "q"):
        assert err(r, "HSETEX", "h", "FIELDS", n, "a", "1") == "invalid number of fields"
    assert err(r, "HSETEX", "h", "FIELDS", 2, "a", "1") == arity("hsetex")
    assert err(r, "HSETEX", "h", "FIELDS", 1, "a", "1", "b") == arity("hsetex")
    assert err(r, "HSETEX", "h", "FIELDS", 1, "a") == arity("hsetex")
    assert err(r, "HSETEX", "h", "EX", 10, "FIELDS", 1) == arity("hsetex")
    assert err(r, "HSETEX", "h", "BOGUS", *one) == "unknown argument: BOGUS"
    assert err(r, "HSETEX", "h", "EX", -3, *one) == NEGATIVE_TIME
    assert err(r, "HSETEX", "h", "EX", "FIELDS", 1, "a", "1") == NOT_INT
    assert err(r, "HSETEX", "h", "PX", MAX_ABS_MS, *one) == \
        "invalid expire time in 'hsetex' command"
    assert r.execute_command("EXISTS", "h") == 0


# ---------------------------------------------------------------- encodings

def test_object_encoding(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("OBJECT", "ENCODING", "h") == "listpack"
    r.execute_command("HEXPIRE", "h", 100, "FIELDS", 1, "a")
    assert r.execute_command("OBJECT", "ENCODING", "h") == "listpackex"
    # past hash-max-listpack-value (64): the table, with the TTL kept
    r.execute_command("HSET", "h", "long", "x" * 100)
    assert r.execute_command("OBJECT", "ENCODING", "h") == "hashtable"
    assert r.execute_command("HTTL", "h", "FIELDS", 2, "a", "long") == [100, -1]
    # past hash-max-listpack-entries
    r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 3)
    r.execute_command("HSETEX", "g", "EX", 50, "FIELDS", 3, "a", "1", "b", "2", "c", "3")
    assert r.execute_command("OBJECT", "ENCODING", "g") == "listpackex"
    r.execute_command("HSET", "g", "d", "4")
    assert r.execute_command("OBJECT", "ENCODING", "g") == "hashtable"
    assert r.execute_command("HTTL", "g", "FIELDS", 4, "a", "b", "c", "d") == [50, 50, 50, -1]
    # Sable turns listpackex back into listpack once no field has a TTL (Redis keeps
    # listpackex); the RDB writer then needs no RDB 12 for it.
    r.execute_command("HSET", "p", "a", "1")
    r.execute_command("HEXPIRE", "p", 100, "FIELDS", 1, "a")
    r.execute_command("HPERSIST", "p", "FIELDS", 1, "a")
    assert r.execute_command("OBJECT", "ENCODING", "p") == "listpack"


# ---------------------------------------------------------------- key commands

def test_rename_copy_move_swapdb_keep_field_ttls(server, r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    at = now_ms() + 500000
    r.execute_command("HPEXPIREAT", "h", at, "FIELDS", 1, "a")
    assert r.execute_command("RENAME", "h", "h2") == "OK"
    assert r.execute_command("HPEXPIRETIME", "h2", "FIELDS", 2, "a", "b") == [at, -1]
    assert r.execute_command("COPY", "h2", "h3") == 1
    assert r.execute_command("HPEXPIRETIME", "h3", "FIELDS", 2, "a", "b") == [at, -1]
    # the copy is independent
    r.execute_command("HPERSIST", "h3", "FIELDS", 1, "a")
    assert r.execute_command("HPEXPIRETIME", "h2", "FIELDS", 1, "a") == [at]
    assert r.execute_command("MOVE", "h2", 5) == 1
    c5 = server.client(raw_replies=True, db=5)
    assert c5.execute_command("HPEXPIRETIME", "h2", "FIELDS", 1, "a") == [at]
    # the active cycle follows a renamed, copied, moved or swapped hash
    for key in ("r", "c"):
        r.execute_command("HSET", key, "x", "1", "y", "2")
    r.execute_command("HPEXPIRE", "r", 60, "FIELDS", 1, "x")
    r.execute_command("HPEXPIRE", "c", 60, "FIELDS", 1, "x")
    r.execute_command("RENAME", "r", "r2")
    r.execute_command("COPY", "c", "c2")
    r.execute_command("HSET", "m", "x", "1")
    r.execute_command("HPEXPIRE", "m", 60, "FIELDS", 1, "x")
    r.execute_command("MOVE", "m", 5)
    r.execute_command("HSET", "s", "x", "1")
    r.execute_command("HPEXPIRE", "s", 60, "FIELDS", 1, "x")
    assert r.execute_command("SWAPDB", 0, 7) == "OK"
    c7 = server.client(raw_replies=True, db=7)
    eventually(lambda: [c7.execute_command("HLEN", k) for k in ("r2", "c", "c2")] == [1, 1, 1]
               and c5.execute_command("EXISTS", "m") == 0
               and c7.execute_command("EXISTS", "s") == 0,
               timeout=5, msg="the active cycle lost track of a hash")


def test_dump_restore_keeps_field_ttls(server):
    rb = server.client(decode_responses=False, raw_replies=True)
    at = now_ms() + 600000
    rb.execute_command("HSET", "small", "a", "1", "b", b"\x00\xff")
    rb.execute_command("HPEXPIREAT", "small", at, "FIELDS", 1, "b")
    rb.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 8)
    for i in range(20):
        rb.execute_command("HSET", "big", "f%d" % i, "v%d" % i)
    rb.execute_command("HPEXPIREAT", "big", at, "FIELDS", 2, "f3", "f7")
    rb.execute_command("HPEXPIREAT", "big", at + 5, "FIELDS", 1, "f9")
    rb.execute_command("HSET", "plain", "a", "1")
    for key, enc in ((b"small", b"listpackex"), (b"big", b"hashtable")):
        payload = rb.execute_command("DUMP", key)
        # the 2-byte RDB version before the CRC: 12 for a hash with field TTLs
        assert payload[-10:-8] == b"\x0c\x00", key
        assert rb.execute_command("RESTORE", key + b"2", 0, payload) == b"OK"
        assert rb.execute_command("OBJECT", "ENCODING", key + b"2") == enc
        assert sorted(rb.execute_command("HGETALL", key + b"2")) == sorted(
            rb.execute_command("HGETALL", key))
    assert rb.execute_command("HPEXPIRETIME", "small2", "FIELDS", 2, "a", "b") == [-1, at]
    assert rb.execute_command("HPEXPIRETIME", "big2", "FIELDS", 4, "f3", "f7", "f9", "f0") == [
        at, at, at + 5, -1]
    assert rb.execute_command("DUMP", "plain")[-10:-8] == b"\x0a\x00"
    # a restored hash is expired by the active cycle like any other
    rb.execute_command("HSET", "soon", "a", "1", "b", "2")
    rb.execute_command("HPEXPIRE", "soon", 100000, "FIELDS", 1, "a")
    payload = rb.execute_command("DUMP", "soon")
    rb.execute_command("DEL", "soon")
    rb.execute_command("HSET", "soon", "x", "y")
    assert rb.execute_command("RESTORE", "soon", 0, payload, "REPLACE") == b"OK"
    rb.execute_command("HPEXPIRE", "soon", 50, "FIELDS", 1, "a")
    eventually(lambda: rb.execute_command("HLEN", "soon") == 1, timeout=5)


# ---------------------------------------------------------------- persistence

def ttl_snapshot(c, keys):
    """{key: sorted [(field, value, pexpiretime)]} plus encodings."""
    out = {}
    for k in keys:
        flat = c.execute_command("HGETALL", k)
        fields = flat[0::2]
        times = c.execute_command("HPEXPIRETIME", k, "FIELDS", len(fields), *fields)
        out[k] = (sorted(zip(fields, flat[1::2], times)),
                  c.execute_command("OBJECT", "ENCODING", k))
    return out


def fill_ttl_hashes(c, at):
    c.execute_command("HSET", "lpx", "a", "1", "b", "2", "c", "3")
    c.execute_command("HPEXPIREAT", "lpx", at, "FIELDS", 1, "b")
    c.execute_command("HPEXPIREAT", "lpx", at + 1000, "FIELDS", 1, "a")
    c.execute_command("HSET", "plain", "x", "1")
    pipe = c.pipeline(transaction=False)
    for i in range(600):  # past hash-max-listpack-entries (512)
        pipe.execute_command("HSET", "ht", "f%d" % i, "v%d" % i)
    pipe.execute()
    names = ["f%d" % i for i in range(0, 600, 3)]
    c.execute_command("HPEXPIREAT", "ht", at, "FIELDS", len(names), *names)
    c.execute_command("HPEXPIREAT", "ht", at + 7, "FIELDS", 1, "f1")
    c.execute_command("HSET", "both", "k", "v")
    c.execute_command("HPEXPIREAT", "both", at, "FIELDS", 1, "k")
    c.execute_command("EXPIRE", "both", 100000)
    return ["lpx", "plain", "ht", "both"]


def test_debug_reload_keeps_field_ttls(server):
    c = server.client(raw_replies=True)
    keys = fill_ttl_hashes(c, now_ms() + 900000)
    before = ttl_snapshot(c, keys)
    assert before["lpx"][1] == "listpackex" and before["ht"][1] == "hashtable"
    assert c.execute_command("DEBUG", "RELOAD") == "OK"
    assert ttl_snapshot(c, keys) == before
    in_range(c.execute_command("TTL", "both"), 99000, 100000)


def rdb_header(s):
    with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
        return f.read(9)


def test_save_restart_keeps_field_ttls_and_drops_expired(server):
    c = server.client(raw_replies=True)
    keys = fill_ttl_hashes(c, now_ms() + 900000)
    r2 = "short"
    c.execute_command("HSET", r2, "gone", "1", "stays", "2")
    deadline = now_ms() + 300
    c.execute_command("HPEXPIREAT", r2, deadline, "FIELDS", 1, "gone")
    c.execute_command("HSET", "allgone", "a", "1")
    c.execute_command("HPEXPIREAT", "allgone", deadline, "FIELDS", 1, "a")
    before = ttl_snapshot(c, keys)
    assert c.execute_command("SAVE") == "OK"
    assert rdb_header(server) == b"REDIS0012"
    server.stop()
    eventually(lambda: now_ms() > deadline + 10, timeout=5)
    server.start()
    c = server.client(raw_replies=True)
    assert ttl_snapshot(c, keys) == before
    # fields whose time passed while the server was down are not loaded (primary)
    assert c.execute_command("HLEN", r2) == 1
    assert c.execute_command("HGETALL", r2) == ["stays", "2"]
    assert c.execute_command("EXISTS", "allgone") == 0


def test_rdb_without_field_ttls_is_version_10_and_loads_in_redis_7(server):
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    c = server.client(raw_replies=True)
    c.execute_command("HSET", "h", "a", "1", "b", "2")
    c.execute_command("HEXPIRE", "h", 100, "FIELDS", 2, "a", "b")
    c.execute_command("HPERSIST", "h", "FIELDS", 2, "a", "b")  # TTLs gone again
    c.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 2)
    c.execute_command("HSET", "t", "x", "1", "y", "2", "z", "3")
    c.execute_command("HEXPIRE", "t", 100, "FIELDS", 1, "x")
    c.execute_command("HGETEX", "t", "PERSIST", "FIELDS", 1, "x")
    c.execute_command("SET", "s", "v")
    payload = server.client(decode_responses=False).dump("h")
    assert payload[-10:-8] == b"\x0a\x00"
    assert c.execute_command("SAVE") == "OK"
    assert rdb_header(server) == b"REDIS0010"
    old = ServerProcess(binary=REDIS_SERVER, start=False)
    try:
        shutil.copy(os.path.join(server.dir, "dump.rdb"), os.path.join(old.dir, "dump.rdb"))
        old.start()
        o = old.client(raw_replies=True)
        assert o.execute_command("DBSIZE") == 3
        assert sorted(o.execute_command("HGETALL", "h")) == ["1", "2", "a", "b"]
        assert sorted(o.execute_command("HKEYS", "t")) == ["x", "y", "z"]
        # a DUMP payload of a hash without TTLs restores in Redis 7.0 as well
        ob = old.client(decode_responses=False)
        assert ob.restore("h_restored", 0, payload) == b"OK"
        assert sorted(ob.hkeys("h_restored")) == [b"a", b"b"]
    finally:
        old.cleanup()
    # one field TTL anywhere needs RDB 12
    c.execute_command("HEXPIRE", "t", 100, "FIELDS", 1, "y")
    assert c.execute_command("SAVE") == "OK"
    assert rdb_header(server) == b"REDIS0012"


def aof_hash_commands(s):
    return [cmd for cmd in incr_commands(s) if cmd[0].upper() not in ("SELECT", "MULTI", "EXEC")]


def test_aof_records_absolute_times_and_field_deletions(make_server):
    s = make_server(extra_args=AOF_ON)
    c = s.client(raw_replies=True)
    lazy_only(c)
    c.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    c.execute_command("HEXPIRE", "h", 100, "FIELDS", 2, "a", "nope")
    c.execute_command("HPEXPIRE", "h", 5000, "NX", "FIELDS", 2, "a", "b")  # a: condition not met
    c.execute_command("HPEXPIRE", "h", 0, "FIELDS", 1, "d")
    c.execute_command("HSETEX", "h", "EX", 200, "FIELDS", 1, "e", "5")
    c.execute_command("HSETEX", "h", "PXAT", 4102444800000, "FIELDS", 1, "f", "6")
    c.execute_command("HGETEX", "h", "PERSIST", "FIELDS", 1, "e")
    c.execute_command("HGETEX", "h", "EX", 300, "FIELDS", 1, "c")
    c.execute_command("HPERSIST", "h", "FIELDS", 1, "c")
    c.execute_command("HGETDEL", "h", "FIELDS", 2, "f", "zz")
    c.execute_command("HSET", "lazy", "x", "1", "y", "2")
    c.execute_command("HPEXPIRE", "lazy", 1, "FIELDS", 1, "x")
    wait_field_past(c, "lazy", "x")
    assert c.execute_command("HGET", "lazy", "x") is None
    times = c.execute_command("HPEXPIRETIME", "h", "FIELDS", 2, "a", "b")
    expected = [
        ["HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"],
        ["HPEXPIREAT", "h", str(times[0]), "FIELDS", "1", "a"],
        ["HPEXPIREAT", "h", str(times[1]), "NX", "FIELDS", "1", "b"],
        ["HDEL", "h", "d"],
    ]

    def check():
        cmds = aof_hash_commands(s)
        assert cmds[:4] == expected
        rest = cmds[4:]
        assert rest[0][:3] == ["HSETEX", "h", "PXAT"] and rest[0][4:] == ["FIELDS", "1", "e", "5"]
        assert rest[1] == ["HSETEX", "h", "PXAT", "4102444800000", "FIELDS", "1", "f", "6"]
        assert rest[2] == ["HPERSIST", "h", "FIELDS", "1", "e"]
        assert rest[3][:2] == ["HPEXPIREAT", "h"] and rest[3][3:] == ["FIELDS", "1", "c"]
        assert rest[4] == ["HPERSIST", "h", "FIELDS", "1", "c"]
        assert rest[5] == ["HDEL", "h", "f", "zz"]
        assert rest[6:] == [["HSET", "lazy", "x", "1", "y", "2"],
                            ["HPEXPIREAT", "lazy", rest[7][2], "FIELDS", "1", "x"],
                            ["HDEL", "lazy", "x"]]
        return True
    eventually(check, timeout=5)
    # the active cycle's deletions are HDELs too
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 1)
    c.execute_command("HSET", "act", "p", "1", "q", "2")
    c.execute_command("HPEXPIRE", "act", 20, "FIELDS", 2, "p", "q")
    eventually(lambda: c.execute_command("EXISTS", "act") == 0, timeout=5)
    eventually(lambda: sorted(map(tuple, aof_hash_commands(s)[-2:])) == [
        ("HDEL", "act", "p"), ("HDEL", "act", "q")], timeout=5)


def test_aof_restart_and_rewrite_keep_field_ttls(make_server):
    s = make_server(extra_args=AOF_ON)
    c = s.client(raw_replies=True)
    keys = fill_ttl_hashes(c, now_ms() + 900000)
    c.execute_command("HSETEX", "lpx", "KEEPTTL", "FIELDS", 1, "a", "changed")
    c.execute_command("HINCRBYFLOAT", "lpx", "a2", "1.5")
    c.execute_command("HEXPIRE", "lpx", 800, "FIELDS", 1, "a2")
    c.execute_command("HINCRBYFLOAT", "lpx", "a2", "1")
    before = ttl_snapshot(c, keys)
    assert dict((f, (v, t)) for f, v, t in before["lpx"][0])["a2"][0] == "2.5"
    aof_restart(s)
    c = s.client(raw_replies=True)
    assert ttl_snapshot(c, keys) == before
    wait_rewrite_done(s.client())
    assert c.execute_command("BGREWRITEAOF") == "Background append only file rewriting started"
    wait_rewrite_done(s.client())
    aof_restart(s)
    c = s.client(raw_replies=True)
    assert ttl_snapshot(c, keys) == before


def test_aof_load_of_fields_expired_meanwhile(make_server):
    s = make_server(extra_args=AOF_ON)
    c = s.client(raw_replies=True)
    c.execute_command("HSET", "h", "a", "1", "b", "2")
    deadline = now_ms() + 300
    c.execute_command("HPEXPIREAT", "h", deadline, "FIELDS", 1, "a")
    s.stop()
    eventually(lambda: now_ms() > deadline + 10, timeout=5)
    aof_restart(s)
    c = s.client(raw_replies=True)
    assert c.execute_command("HGETALL", "h") == ["b", "2"]
    eventually(lambda: c.execute_command("HLEN", "h") == 1, timeout=5)


# ---------------------------------------------------------------- replication

def test_replica_follows_field_ttls_and_field_deletions(make_server):
    primary = make_server()
    p = primary.client(raw_replies=True)
    p.execute_command("HSET", "before", "a", "1", "b", "2")
    at = now_ms() + 700000
    p.execute_command("HPEXPIREAT", "before", at, "FIELDS", 1, "a")
    replica = make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port)])
    wait_replica_synced(primary, replica)
    rc = replica.client(raw_replies=True)
    # through the full sync (RDB 12) ...
    assert rc.execute_command("HPEXPIRETIME", "before", "FIELDS", 2, "a", "b") == [at, -1]
    # ... and through the stream, with the primary's absolute times
    p.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    p.execute_command("HEXPIRE", "h", 1000, "FIELDS", 1, "a")
    p.execute_command("HSETEX", "h", "EX", 2000, "FIELDS", 1, "d", "4")
    p.execute_command("HGETEX", "h", "PX", 3000000, "FIELDS", 1, "b")
    wait_replica_synced(primary, replica)
    f = ("FIELDS", 4, "a", "b", "c", "d")
    assert rc.execute_command("HPEXPIRETIME", "h", *f) == p.execute_command("HPEXPIRETIME", "h", *f)
    # a replica hides an expired field but waits for its primary's HDEL
    lazy_only(p)
    p.execute_command("HPEXPIRE", "h", 1, "FIELDS", 1, "c")
    wait_replica_synced(primary, replica)
    wait_field_past(rc, "h", "c")
    assert rc.execute_command("HGET", "h", "c") is None
    assert sorted(rc.execute_command("HGETALL", "h")[0::2]) == ["a", "b", "d"]
    assert rc.execute_command("HLEN", "h") == 4
    assert set(rc.execute_command("HRANDFIELD", "h", -30)) == {"a", "b", "d"}
    assert sorted(rc.execute_command("HSCAN", "h", 0)[1][0::2]) == ["a", "b", "d"]
    assert rc.execute_command("HLEN", "h") == 4  # still nothing deleted on the replica
    assert p.execute_command("HGET", "h", "c") is None  # the primary deletes: HDEL downstream
    wait_replica_synced(primary, replica)
    assert rc.execute_command("HLEN", "h") == 3
    # the primary's active cycle removes fields and then the key on the replica too
    p.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 1)
    p.execute_command("HPEXPIRE", "h", 30, "FIELDS", 1, "b")
    eventually(lambda: rc.execute_command("HLEN", "h") == 2, timeout=5)
    p.execute_command("HPEXPIRE", "h", 30, "FIELDS", 2, "a", "d")
    eventually(lambda: rc.execute_command("EXISTS", "h") == 0, timeout=5)
    assert p.execute_command("EXISTS", "h") == 0
    # HGETDEL reaches the replica as HDEL; a past HSETEX time as HDEL of the set fields
    p.execute_command("HSET", "g", "x", "1", "y", "2")
    p.execute_command("HGETDEL", "g", "FIELDS", 1, "x")
    p.execute_command("HSETEX", "g", "PXAT", 1, "FIELDS", 1, "z", "3")
    wait_replica_synced(primary, replica)
    assert rc.execute_command("HGETALL", "g") == ["y", "2"]


# ---------------------------------------------------------------- notifications, MULTI

def test_keyspace_notifications(server, r):
    assert r.execute_command("CONFIG", "SET", "notify-keyspace-events", "KEA") == "OK"
    s = server.conn()
    assert s.call("PSUBSCRIBE", "__keyevent@0__:*") == [b"psubscribe", b"__keyevent@0__:*", 1]

    def events(n):
        got = []
        for _ in range(n):
            msg = s.read()
            assert msg[0] == b"pmessage", msg
            got.append((msg[2].decode().split(":", 1)[1], msg[3].decode()))
        return got

    lazy_only(r)
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert events(1) == [("hset", "h")]
    r.execute_command("HEXPIRE", "h", 100, "FIELDS", 2, "a", "b")
    assert events(1) == [("hexpire", "h")]
    r.execute_command("HPERSIST", "h", "FIELDS", 1, "a")
    assert events(1) == [("hpersist", "h")]
    # nothing changed: no event
    r.execute_command("HPERSIST", "h", "FIELDS", 2, "a", "nope")
    r.execute_command("HEXPIRE", "h", 100, "NX", "FIELDS", 1, "b")
    r.execute_command("HEXPIRE", "h", 0, "FIELDS", 1, "c")  # deleted now: hdel
    assert events(1) == [("hdel", "h")]
    r.execute_command("HGETEX", "h", "PERSIST", "FIELDS", 1, "b")
    assert events(1) == [("hpersist", "h")]
    r.execute_command("HGETEX", "h", "EX", 50, "FIELDS", 1, "b")
    assert events(1) == [("hexpire", "h")]
    r.execute_command("HSETEX", "h", "PX", 100000, "FIELDS", 1, "d", "4")
    assert events(2) == [("hset", "h"), ("hexpire", "h")]
    r.execute_command("HGETDEL", "h", "FIELDS", 1, "d")
    assert events(1) == [("hdel", "h")]
    # a lazy expiry: hexpired, then del with the last field
    r.execute_command("HPEXPIRE", "h", 1, "FIELDS", 2, "a", "b")
    assert events(1) == [("hexpire", "h")]
    wait_field_past(r, "h", "a", "b")
    assert r.execute_command("HMGET", "h", "a", "b") == [None, None]
    assert events(2) == [("hexpired", "h"), ("del", "h")]
    # the active cycle: hexpired for the hash, del when it empties
    r.execute_command("HSET", "x", "f", "1", "g", "2")
    r.execute_command("HSET", "y", "f", "1")
    assert events(2) == [("hset", "x"), ("hset", "y")]
    r.execute_command("HPEXPIRE", "x", 20, "FIELDS", 1, "f")
    r.execute_command("HPEXPIRE", "y", 20, "FIELDS", 1, "f")
    assert events(2) == [("hexpire", "x"), ("hexpire", "y")]
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 1)
    got = [events(1)[0] for _ in range(3)]
    assert sorted(got) == [("del", "y"), ("hexpired", "x"), ("hexpired", "y")]
    assert got.index(("hexpired", "y")) < got.index(("del", "y"))
    assert r.execute_command("HGETALL", "x") == ["g", "2"]
    assert not s.has_pending(0.2)


def test_multi_exec(server, r):
    c = server.conn()
    assert c.call("MULTI") == "OK"
    for cmd in (("HSET", "h", "a", "1", "b", "2"),
                ("HEXPIRE", "h", 100, "FIELDS", 2, "a", "nope"),
                ("HTTL", "h", "FIELDS", 2, "a", "b"),
                ("HPERSIST", "h", "FIELDS", 1, "a"),
                ("HGETEX", "h", "PX", 5000, "FIELDS", 1, "b"),
                ("HSETEX", "h", "FNX", "EX", 10, "FIELDS", 1, "c", "3"),
                ("HGETDEL", "h", "FIELDS", 1, "c"),
                ("HEXPIRE", "h", 10, "FIELDS", 0, "a")):
        assert c.call(*cmd) == "QUEUED"
    reply = c.call("EXEC")
    assert reply[:7] == [2, [1, -2], [100, -1], [1], [b"2"], 1, [b"3"]]
    assert reply[7] == RespError("ERR " + NUMFIELDS_EXPIRE)
    in_range(r.execute_command("HPTTL", "h", "FIELDS", 1, "b")[0], 4000, 5000)
    # WATCH is broken by a field TTL change from another client
    assert c.call("WATCH", "h") == "OK"
    r.execute_command("HEXPIRE", "h", 50, "FIELDS", 1, "a")
    assert c.call("MULTI") == "OK"
    assert c.call("HSET", "h", "z", "1") == "QUEUED"
    assert c.call("EXEC") is None
