"""Keyspace commands: DEL/EXISTS/TYPE/RENAME/SELECT/SCAN/KEYS/OBJECT/EXPIRE..."""
import time

import pytest
import redis

from conftest import eventually


@pytest.fixture
def r(server):
    """Client without redis-py reply callbacks: replies exactly as sent."""
    return server.client(raw_replies=True)


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


NOT_INT = "value is not an integer or out of range"
DB_RANGE = "DB index is out of range"
SYNTAX = "syntax error"


def fill(r, n, prefix="key:", db_client=None):
    c = db_client or r
    for start in range(0, n, 1000):
        args = []
        for i in range(start, min(n, start + 1000)):
            args += ["%s%d" % (prefix, i), str(i)]
        c.execute_command("MSET", *args)


# ---------------------------------------------------------------- DEL / EXISTS / TYPE

def test_del_unlink(r):
    r.execute_command("MSET", "a", 1, "b", 2, "c", 3, "d", 4)
    assert r.execute_command("DEL", "a", "b", "nope", "a") == 2
    assert r.execute_command("UNLINK", "c", "nope") == 1
    assert r.execute_command("DEL", "nope") == 0
    assert r.execute_command("DBSIZE") == 1
    assert err(r, "DEL") == "wrong number of arguments for 'del' command"
    assert err(r, "UNLINK") == "wrong number of arguments for 'unlink' command"


def test_exists_counts_repeats(r):
    r.set("a", 1)
    assert r.execute_command("EXISTS", "a") == 1
    assert r.execute_command("EXISTS", "a", "a", "nope", "a") == 3
    assert r.execute_command("EXISTS", "nope") == 0


def test_type(r):
    r.set("s", "x")
    r.set("i", 10)
    assert r.execute_command("TYPE", "s") == "string"
    assert r.execute_command("TYPE", "i") == "string"
    assert r.execute_command("TYPE", "nope") == "none"


def test_touch(r):
    r.execute_command("MSET", "a", 1, "b", 2)
    assert r.execute_command("TOUCH", "a", "b", "nope", "a") == 3


# ---------------------------------------------------------------- RENAME

def test_rename(r):
    r.set("a", "1")
    assert r.execute_command("RENAME", "a", "b") == "OK"
    assert r.get("a") is None
    assert r.get("b") == "1"
    # overwrites the destination and its TTL
    r.set("c", "old", ex=100)
    assert r.execute_command("RENAME", "b", "c") == "OK"
    assert r.get("c") == "1"
    assert r.ttl("c") == -1
    # carries the source TTL
    r.set("t", "x", ex=100)
    r.execute_command("RENAME", "t", "t2")
    assert 99 <= r.ttl("t2") <= 100
    assert err(r, "RENAME", "nope", "x") == "no such key"
    # same name: OK if it exists, error if not
    assert r.execute_command("RENAME", "c", "c") == "OK"
    assert r.get("c") == "1"
    assert err(r, "RENAME", "nope", "nope") == "no such key"


def test_renamenx(r):
    r.execute_command("MSET", "a", 1, "b", 2)
    assert r.execute_command("RENAMENX", "a", "b") == 0
    assert r.get("a") == "1"
    assert r.execute_command("RENAMENX", "a", "c") == 1
    assert r.get("c") == "1"
    assert r.exists("a") == 0
    assert r.execute_command("RENAMENX", "c", "c") == 0
    assert err(r, "RENAMENX", "nope", "x") == "no such key"


# ---------------------------------------------------------------- databases

def test_select_isolates_databases(server):
    s = server.client(raw_replies=True, single_connection_client=True)
    s.set("k", "db0")
    assert s.execute_command("SELECT", 1) == "OK"
    assert s.get("k") is None
    s.set("k", "db1")
    assert s.execute_command("DBSIZE") == 1
    assert s.execute_command("SELECT", 15) == "OK"
    assert s.execute_command("DBSIZE") == 0
    s.execute_command("SELECT", 0)
    assert s.get("k") == "db0"
    assert server.client(db=1).get("k") == "db1"
    assert err(s, "SELECT", 16) == DB_RANGE
    assert err(s, "SELECT", -1) == DB_RANGE
    assert err(s, "SELECT", "abc") == NOT_INT
    # failed SELECT leaves the connection in its database
    assert s.get("k") == "db0"


def test_databases_config(make_server):
    srv = make_server(extra_args=["--databases", "4"])
    r = srv.client(raw_replies=True, single_connection_client=True)
    assert r.execute_command("SELECT", 3) == "OK"
    assert err(r, "SELECT", 4) == DB_RANGE
    assert r.execute_command("CONFIG", "GET", "databases") == ["databases", "4"]


def test_swapdb(server):
    r0 = server.client(raw_replies=True)
    r1 = server.client(raw_replies=True, db=1)
    r0.execute_command("MSET", "a", "0", "only0", "x")
    r1.execute_command("MSET", "a", "1")
    r0.expire("only0", 100)
    assert r0.execute_command("SWAPDB", 0, 1) == "OK"
    assert r0.get("a") == "1"
    assert r1.get("a") == "0"
    assert r1.get("only0") == "x"
    assert 99 <= r1.ttl("only0") <= 100
    assert r0.execute_command("DBSIZE") == 1
    assert r0.execute_command("SWAPDB", 1, 1) == "OK"
    assert err(r0, "SWAPDB", 0, 16) == DB_RANGE
    assert err(r0, "SWAPDB", "a", 0) == "invalid first DB index"
    assert err(r0, "SWAPDB", 0, "b") == "invalid second DB index"


def test_move(server):
    r0 = server.client(raw_replies=True)
    r1 = server.client(raw_replies=True, db=1)
    r0.set("k", "v", ex=100)
    assert r0.execute_command("MOVE", "k", 1) == 1
    assert r0.exists("k") == 0
    assert r1.get("k") == "v"
    assert 99 <= r1.ttl("k") <= 100
    assert r0.execute_command("MOVE", "nope", 1) == 0
    r0.set("k", "other")
    assert r0.execute_command("MOVE", "k", 1) == 0  # target exists
    assert r0.get("k") == "other"
    assert err(r0, "MOVE", "k", 0) == "source and destination objects are the same"
    assert err(r0, "MOVE", "k", 16) == DB_RANGE
    assert err(r0, "MOVE", "k", "abc") == NOT_INT


def test_copy(server):
    r = server.client(raw_replies=True)
    r2 = server.client(raw_replies=True, db=2)
    r.set("src", "v", ex=100)
    assert r.execute_command("COPY", "src", "dst") == 1
    assert r.get("dst") == "v"
    assert 99 <= r.ttl("dst") <= 100
    r.set("other", "o")
    assert r.execute_command("COPY", "src", "other") == 0
    assert r.get("other") == "o"
    assert r.execute_command("COPY", "src", "other", "REPLACE") == 1
    assert r.get("other") == "v"
    assert r.execute_command("COPY", "src", "dst", "DB", 2) == 1
    assert r2.get("dst") == "v"
    assert r.execute_command("COPY", "src", "dst", "DB", 2) == 0
    r.set("src", "new")
    assert r.execute_command("COPY", "src", "dst", "DB", 2, "REPLACE") == 1
    assert r2.get("dst") == "new"
    assert r2.ttl("dst") == -1
    assert r.execute_command("COPY", "nope", "x") == 0
    # the copy is independent of the source
    r.append("src", "!")
    assert r2.get("dst") == "new"
    assert err(r, "COPY", "src", "src") == "source and destination objects are the same"
    assert err(r, "COPY", "src", "x", "DB", 16) == DB_RANGE
    assert err(r, "COPY", "src", "x", "DB", "abc") == NOT_INT
    assert err(r, "COPY", "src", "x", "FOO") == SYNTAX


def test_dbsize_flushdb_flushall(server):
    r0 = server.client(raw_replies=True)
    r1 = server.client(raw_replies=True, db=1)
    fill(r0, 100)
    fill(r1, 50)
    assert r0.execute_command("DBSIZE") == 100
    assert r1.execute_command("DBSIZE") == 50
    assert r0.execute_command("FLUSHDB") == "OK"
    assert r0.execute_command("DBSIZE") == 0
    assert r1.execute_command("DBSIZE") == 50
    fill(r0, 10)
    assert r0.execute_command("FLUSHDB", "ASYNC") == "OK"
    assert r0.execute_command("DBSIZE") == 0
    fill(r0, 10)
    assert r0.execute_command("FLUSHDB", "SYNC") == "OK"
    assert r0.execute_command("DBSIZE") == 0
    fill(r0, 10)
    assert r0.execute_command("FLUSHALL") == "OK"
    assert r0.execute_command("DBSIZE") == 0
    assert r1.execute_command("DBSIZE") == 0
    fill(r1, 10)
    assert r0.execute_command("FLUSHALL", "ASYNC") == "OK"
    assert r1.execute_command("DBSIZE") == 0
    fill(r1, 10)
    assert r0.execute_command("FLUSHALL", "sync") == "OK"
    assert r1.execute_command("DBSIZE") == 0
    assert err(r0, "FLUSHDB", "FOO") == SYNTAX
    assert err(r0, "FLUSHALL", "FOO") == SYNTAX


# ---------------------------------------------------------------- SCAN / KEYS / RANDOMKEY

def full_scan(r, *opts):
    seen = []
    cursor = "0"
    for _ in range(100000):
        reply = r.execute_command("SCAN", cursor, *opts)
        assert isinstance(reply, list) and len(reply) == 2
        cursor, keys = reply
        seen += keys
        if cursor == "0":
            return seen
    raise AssertionError("SCAN did not finish")


def test_scan_returns_every_key_exactly_once(r):
    n = 10000
    fill(r, n)
    keys = full_scan(r)
    assert len(keys) == n
    assert set(keys) == {"key:%d" % i for i in range(n)}
    keys = full_scan(r, "COUNT", 1000)
    assert len(keys) == n
    assert set(keys) == {"key:%d" % i for i in range(n)}


def test_scan_match_count_type(r):
    fill(r, 1000)
    r.set("other", "x")
    keys = full_scan(r, "MATCH", "key:1*", "COUNT", 50)
    assert sorted(keys) == sorted(["key:1"] + ["key:1%d" % i for i in range(10)] +
                                  ["key:1%02d" % i for i in range(100)])
    assert len(keys) == 111
    assert len(full_scan(r, "TYPE", "string")) == 1001
    assert full_scan(r, "TYPE", "list") == []
    assert full_scan(r, "TYPE", "nosuchtype") == []
    assert full_scan(r, "MATCH", "oth*", "TYPE", "string") == ["other"]
    # COUNT is a hint: one call with a large count on a small db returns all
    cursor, keys = r.execute_command("SCAN", 0, "COUNT", 100000)
    assert cursor == "0"
    assert len(keys) == 1001


def test_scan_errors(r):
    assert err(r, "SCAN", "abc") == "invalid cursor"
    assert err(r, "SCAN", 0, "COUNT", 0) == SYNTAX
    assert err(r, "SCAN", 0, "COUNT", "abc") == NOT_INT
    assert err(r, "SCAN", 0, "FOO") == SYNTAX
    assert err(r, "SCAN", 0, "MATCH") == SYNTAX


def test_scan_empty_db(r):
    assert r.execute_command("SCAN", 0) == ["0", []]


def test_keys_globs(r):
    r.execute_command("MSET", "hello", 1, "hallo", 2, "hxllo", 3, "hllo", 4,
                      "heeeello", 5, "h*llo", 6, "other", 7, "h\\llo", 8)
    def keys(p):
        return sorted(r.execute_command("KEYS", p))
    assert keys("*") == sorted(["hello", "hallo", "hxllo", "hllo", "heeeello",
                                "h*llo", "other", "h\\llo"])
    assert keys("h?llo") == sorted(["hello", "hallo", "hxllo", "h*llo", "h\\llo"])
    assert keys("h*llo") == sorted(["hello", "hallo", "hxllo", "hllo", "heeeello",
                                    "h*llo", "h\\llo"])
    assert keys("h[ae]llo") == ["hallo", "hello"]
    assert keys("h[^e]llo") == sorted(["hallo", "hxllo", "h*llo", "h\\llo"])
    assert keys("h[a-b]llo") == ["hallo"]
    assert keys("h\\*llo") == ["h*llo"]
    assert keys("h\\\\llo") == ["h\\llo"]
    assert keys("nomatch*") == []
    assert keys("other") == ["other"]


def test_randomkey(r):
    assert r.execute_command("RANDOMKEY") is None
    r.set("only", 1)
    assert r.execute_command("RANDOMKEY") == "only"
    fill(r, 100)
    for _ in range(20):
        k = r.execute_command("RANDOMKEY")
        assert r.exists(k) == 1


# ---------------------------------------------------------------- OBJECT

def test_object_encoding(r):
    r.set("int", 12345)
    r.set("neg", -7)
    r.set("big", "12345678901234567890")
    r.set("emb", "abc")
    r.set("emb44", "a" * 44)
    r.set("raw45", "a" * 45)
    r.set("app", "abc")
    r.append("app", "d")
    assert r.execute_command("OBJECT", "ENCODING", "int") == "int"
    assert r.execute_command("OBJECT", "ENCODING", "neg") == "int"
    assert r.execute_command("OBJECT", "ENCODING", "big") == "embstr"
    assert r.execute_command("OBJECT", "ENCODING", "emb") == "embstr"
    assert r.execute_command("OBJECT", "ENCODING", "emb44") == "embstr"
    assert r.execute_command("OBJECT", "ENCODING", "raw45") == "raw"
    assert r.execute_command("OBJECT", "ENCODING", "app") == "raw"
    assert r.execute_command("OBJECT", "ENCODING", "nope") is None
    r.incr("ctr")
    assert r.execute_command("OBJECT", "ENCODING", "ctr") == "int"


def test_object_refcount_idletime(r):
    r.set("s", "some string value")
    assert r.execute_command("OBJECT", "REFCOUNT", "s") == 1
    assert r.execute_command("OBJECT", "REFCOUNT", "nope") is None
    # seconds, with a 1 s clock: may read 1 if a second boundary just passed
    assert r.execute_command("OBJECT", "IDLETIME", "s") in (0, 1)
    assert r.execute_command("OBJECT", "IDLETIME", "nope") is None
    # idle time grows while nobody touches the key (OBJECT itself does not touch)
    eventually(lambda: r.execute_command("OBJECT", "IDLETIME", "s") >= 2, timeout=6)
    r.get("s")  # an access resets it
    assert r.execute_command("OBJECT", "IDLETIME", "s") in (0, 1)


def test_object_freq_and_help(r):
    r.set("s", "v")
    assert err(r, "OBJECT", "FREQ", "s") == (
        "An LFU maxmemory policy is not selected, access frequency not tracked. "
        "Please note that when switching between policies at runtime LRU and LFU "
        "data will take some time to adjust.")
    r.execute_command("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    assert isinstance(r.execute_command("OBJECT", "FREQ", "s"), int)
    help_lines = r.execute_command("OBJECT", "HELP")
    assert help_lines[0] == "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    joined = "\n".join(help_lines)
    for word in ("ENCODING <key>", "FREQ <key>", "IDLETIME <key>", "REFCOUNT <key>", "HELP"):
        assert word in joined
    assert err(r, "OBJECT", "FOO", "s") == "unknown subcommand 'FOO'. Try OBJECT HELP."
    assert err(r, "OBJECT", "FREQ") == "wrong number of arguments for 'object|freq' command"


def test_object_idletime_error_under_lfu(r):
    r.set("s", "v")
    r.execute_command("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    assert err(r, "OBJECT", "IDLETIME", "s") == (
        "An LFU maxmemory policy is selected, idle time not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will "
        "take some time to adjust.")


# ---------------------------------------------------------------- EXPIRE family

def test_ttl_pttl_special_values(r):
    assert r.execute_command("TTL", "nope") == -2
    assert r.execute_command("PTTL", "nope") == -2
    r.set("k", "v")
    assert r.execute_command("TTL", "k") == -1
    assert r.execute_command("PTTL", "k") == -1
    assert r.execute_command("EXPIRETIME", "k") == -1
    assert r.execute_command("PEXPIRETIME", "k") == -1
    assert r.execute_command("EXPIRETIME", "nope") == -2
    assert r.execute_command("PEXPIRETIME", "nope") == -2


def test_expire_pexpire_at(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", 100) == 1
    assert 99 <= r.ttl("k") <= 100
    assert r.execute_command("PEXPIRE", "k", 50000) == 1
    assert 49000 <= r.pttl("k") <= 50000
    now = int(time.time())
    assert r.execute_command("EXPIREAT", "k", now + 200) == 1
    assert r.execute_command("EXPIRETIME", "k") == now + 200
    assert r.execute_command("PEXPIREAT", "k", (now + 300) * 1000 + 123) == 1
    assert r.execute_command("PEXPIRETIME", "k") == (now + 300) * 1000 + 123
    assert r.execute_command("EXPIRETIME", "k") == now + 300
    assert r.execute_command("EXPIRE", "nope", 100) == 0
    assert r.execute_command("PEXPIREAT", "nope", 1) == 0


def test_expire_non_positive_deletes(r):
    r.execute_command("MSET", "a", 1, "b", 2, "c", 3)
    assert r.execute_command("EXPIRE", "a", 0) == 1
    assert r.execute_command("PEXPIRE", "b", -100) == 1
    assert r.execute_command("EXPIREAT", "c", int(time.time()) - 10) == 1
    assert r.execute_command("DBSIZE") == 0


def test_expire_options(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", 10, "XX") == 0   # no ttl yet
    assert r.execute_command("EXPIRE", "k", 10, "GT") == 0   # no ttl = infinite
    assert r.execute_command("EXPIRE", "k", 100, "LT") == 1  # infinite > 100
    assert r.execute_command("EXPIRE", "k", 50, "NX") == 0   # has ttl
    assert r.execute_command("EXPIRE", "k", 50, "GT") == 0
    assert r.execute_command("EXPIRE", "k", 500, "GT") == 1
    assert r.execute_command("EXPIRE", "k", 1000, "LT") == 0
    assert r.execute_command("EXPIRE", "k", 200, "LT") == 1
    assert r.execute_command("EXPIRE", "k", 300, "XX") == 1
    assert 299 <= r.ttl("k") <= 300
    assert r.execute_command("PEXPIRE", "k", 10000, "lt") == 1
    assert r.execute_command("PERSIST", "k") == 1
    assert r.execute_command("EXPIRE", "k", 50, "NX") == 1
    assert r.execute_command("EXPIRE", "k", 60, "XX", "GT") == 1
    assert 59 <= r.ttl("k") <= 60


def test_expire_errors(r):
    r.set("k", "v")
    assert err(r, "EXPIRE", "k", "abc") == NOT_INT
    assert err(r, "EXPIRE", "k", 10, "NX", "XX") == \
        "NX and XX, GT or LT options at the same time are not compatible"
    assert err(r, "EXPIRE", "k", 10, "NX", "GT") == \
        "NX and XX, GT or LT options at the same time are not compatible"
    assert err(r, "EXPIRE", "k", 10, "GT", "LT") == \
        "GT and LT options at the same time are not compatible"
    assert err(r, "EXPIRE", "k", 10, "FOO") == "Unsupported option FOO"
    assert err(r, "EXPIRE", "k", 9223372036854775807) == "invalid expire time in 'expire' command"
    assert err(r, "PEXPIRE", "k", 9223372036854775807) == "invalid expire time in 'pexpire' command"
    assert err(r, "EXPIREAT", "k", 9223372036854775807) == "invalid expire time in 'expireat' command"
    assert r.ttl("k") == -1


def test_persist(r):
    r.set("k", "v", ex=100)
    assert r.execute_command("PERSIST", "k") == 1
    assert r.ttl("k") == -1
    assert r.execute_command("PERSIST", "k") == 0
    assert r.execute_command("PERSIST", "nope") == 0


def test_keys_really_expire(r):
    r.set("k", "v", px=150)
    r.set("keep", "v")
    eventually(lambda: r.get("k") is None, timeout=5)
    assert r.exists("k") == 0
    assert r.ttl("k") == -2
    assert r.get("keep") == "v"


def test_active_expiry_removes_untouched_keys(r):
    fill(r, 500, prefix="tmp:")
    r.execute_command("MSET", "keep1", 1, "keep2", 2)
    pipe = r.pipeline(transaction=False)
    for i in range(500):
        pipe.execute_command("PEXPIRE", "tmp:%d" % i, 100)
    pipe.execute()
    assert r.execute_command("DBSIZE") == 502
    # nobody reads the keys: only the active expire cycle can remove them
    eventually(lambda: r.execute_command("DBSIZE") == 2, timeout=10)
    info = r.execute_command("INFO", "keyspace")
    assert "db0:keys=2,expires=0" in info
    stats = r.execute_command("INFO", "stats")
    assert "expired_keys:500" in stats


def test_info_keyspace_counts_expires(r):
    r.set("a", 1)
    r.set("b", 2, ex=100)
    info = r.execute_command("INFO", "keyspace")
    assert "db0:keys=2,expires=1,avg_ttl=" in info
