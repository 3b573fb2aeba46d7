"""Hash commands: exact replies and error texts as Redis 7.0 gives them, encodings, binary
safety, generic commands on hashes, RDB and AOF persistence, keyspace notifications and WATCH.

Run with SABLE_SERVER=/usr/bin/redis-server to check the expectations against real Redis."""
import pytest
import redis

from conftest import eventually
from test_aof import AOF_ON, wait_rewrite_done
from test_aof import restart as aof_restart
from test_rdb import restart as rdb_restart


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


def pairs(flat):
    """A flat [field, value, ...] reply as a dict (asserting no field repeats)."""
    assert len(flat) % 2 == 0, flat
    out = dict(zip(flat[0::2], flat[1::2]))
    assert len(out) == len(flat) // 2, flat
    return out


def big_hash(c, key, n=1000, prefix="field:"):
    """HSET n fields (in pipelined batches); returns the expected {field: value}."""
    expected = {"%s%d" % (prefix, i): "value-%d" % i for i in range(n)}
    items = list(expected.items())
    pipe = c.pipeline(transaction=False)
    for i in range(0, n, 100):
        args = []
        for f, v in items[i:i + 100]:
            args += [f, v]
        pipe.execute_command("HSET", key, *args)
    assert sum(pipe.execute()) == n
    return expected


def hscan_all(c, key, *opts):
    """Iterate HSCAN until the cursor is 0; return (list of flat pages, number of calls)."""
    cursor, pages, calls = "0", [], 0
    while True:
        cursor, page = c.execute_command("HSCAN", key, cursor, *opts)
        if isinstance(cursor, bytes):
            cursor = cursor.decode()
        pages.append(page)
        calls += 1
        assert calls < 10000, "HSCAN did not terminate"
        if cursor == "0":
            return pages, calls


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "value is not an integer or out of range"
NOT_FLOAT = "value is not a valid float"
HASH_NOT_INT = "hash value is not an integer"
HASH_NOT_FLOAT = "hash value is not a float"
OVERFLOW = "increment or decrement would overflow"
SYNTAX = "syntax error"


def arity(cmd):
    return "wrong number of arguments for '%s' command" % cmd


# ---------------------------------------------------------------- HSET / HGET family

def test_hset_counts_new_fields(r):
    assert r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3") == 3
    assert r.execute_command("HSET", "h", "a", "10", "d", "4") == 1  # only d is new
    assert r.execute_command("HSET", "h", "a", "11") == 0
    assert r.execute_command("HGET", "h", "a") == "11"
    assert r.execute_command("HGET", "h", "d") == "4"
    assert r.execute_command("HGET", "h", "nope") is None
    assert r.execute_command("HGET", "nokey", "a") is None
    assert r.execute_command("HLEN", "h") == 4
    # the same field twice in one call counts once; the last value wins
    assert r.execute_command("HSET", "h2", "x", "1", "x", "2") == 1
    assert r.execute_command("HGET", "h2", "x") == "2"
    assert r.execute_command("HLEN", "h2") == 1


def test_hsetnx(r):
    assert r.execute_command("HSETNX", "h", "f", "v1") == 1
    assert r.execute_command("HSETNX", "h", "f", "v2") == 0
    assert r.execute_command("HGET", "h", "f") == "v1"
    assert r.execute_command("HSETNX", "h", "g", "v3") == 1
    assert r.execute_command("HGETALL", "h") == ["f", "v1", "g", "v3"]


def test_hmset_returns_ok(r):
    assert r.execute_command("HMSET", "h", "a", "1", "b", "2") == "OK"
    assert r.execute_command("HMSET", "h", "a", "3") == "OK"
    assert r.execute_command("HGETALL", "h") == ["a", "3", "b", "2"]


def test_hmget(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("HMGET", "h", "a", "nope", "b", "a") == ["1", None, "2", "1"]
    assert r.execute_command("HMGET", "nokey", "a", "b") == [None, None]


def test_hgetall_hkeys_hvals_in_insertion_order(r):
    r.execute_command("HSET", "h", "z", "26", "a", "1", "m", "13")
    r.execute_command("HSET", "h", "a", "one")  # an update keeps the position
    assert r.execute_command("HGETALL", "h") == ["z", "26", "a", "one", "m", "13"]
    assert r.execute_command("HKEYS", "h") == ["z", "a", "m"]
    assert r.execute_command("HVALS", "h") == ["26", "one", "13"]
    assert r.execute_command("HGETALL", "nokey") == []
    assert r.execute_command("HKEYS", "nokey") == []
    assert r.execute_command("HVALS", "nokey") == []


def test_hgetall_large_hash(r):
    expected = big_hash(r, "big")
    assert r.execute_command("HLEN", "big") == 1000
    assert pairs(r.execute_command("HGETALL", "big")) == expected
    assert sorted(r.execute_command("HKEYS", "big")) == sorted(expected)
    assert sorted(r.execute_command("HVALS", "big")) == sorted(expected.values())
    assert r.execute_command("HGET", "big", "field:999") == "value-999"


def test_hdel_and_empty_hash_removed(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert r.execute_command("HDEL", "h", "a", "nope", "a") == 1
    assert r.execute_command("HDEL", "h", "nope") == 0
    assert r.execute_command("HLEN", "h") == 2
    assert r.execute_command("HDEL", "h", "b", "c") == 2
    assert r.execute_command("EXISTS", "h") == 0
    assert r.execute_command("TYPE", "h") == "none"
    assert r.execute_command("HDEL", "h", "a") == 0
    assert r.execute_command("HDEL", "nokey", "a") == 0


def test_hexists_hlen_hstrlen(r):
    r.execute_command("HSET", "h", "s", "hello", "n", "12345", "neg", "-7", "e", "")
    assert r.execute_command("HEXISTS", "h", "s") == 1
    assert r.execute_command("HEXISTS", "h", "nope") == 0
    assert r.execute_command("HEXISTS", "nokey", "s") == 0
    assert r.execute_command("HLEN", "h") == 4
    assert r.execute_command("HLEN", "nokey") == 0
    assert r.execute_command("HSTRLEN", "h", "s") == 5
    assert r.execute_command("HSTRLEN", "h", "n") == 5
    assert r.execute_command("HSTRLEN", "h", "neg") == 2
    assert r.execute_command("HSTRLEN", "h", "e") == 0
    assert r.execute_command("HSTRLEN", "h", "nope") == 0
    assert r.execute_command("HSTRLEN", "nokey", "s") == 0


# ---------------------------------------------------------------- HINCRBY / HINCRBYFLOAT

def test_hincrby(r):
    assert r.execute_command("HINCRBY", "h", "n", 5) == 5  # creates key and field
    assert r.execute_command("HINCRBY", "h", "n", -12) == -7
    assert r.execute_command("HINCRBY", "h", "n", 0) == -7
    assert r.execute_command("HGET", "h", "n") == "-7"
    r.execute_command("HSET", "h", "big", "9223372036854775806")
    assert r.execute_command("HINCRBY", "h", "big", 1) == 9223372036854775807
    assert err(r, "HINCRBY", "h", "big", 1) == OVERFLOW
    r.execute_command("HSET", "h", "small", "-9223372036854775807")
    assert r.execute_command("HINCRBY", "h", "small", -1) == -9223372036854775808
    assert err(r, "HINCRBY", "h", "small", -1) == OVERFLOW
    assert r.execute_command("HGET", "h", "small") == "-9223372036854775808"


def test_hincrby_errors(r):
    r.execute_command("HSET", "h", "s", "abc", "f", "1.5", "sp", " 1", "n", "1")
    assert err(r, "HINCRBY", "h", "s", 1) == HASH_NOT_INT
    assert err(r, "HINCRBY", "h", "f", 1) == HASH_NOT_INT
    assert err(r, "HINCRBY", "h", "sp", 1) == HASH_NOT_INT
    assert err(r, "HINCRBY", "h", "n", "x") == NOT_INT
    assert err(r, "HINCRBY", "h", "n", "1.0") == NOT_INT
    assert err(r, "HINCRBY", "h", "n", "9223372036854775808") == NOT_INT
    assert err(r, "HINCRBY", "h", "n") == arity("hincrby")
    assert r.execute_command("HGET", "h", "n") == "1"


def test_hincrbyfloat_formatting(r):
    r.execute_command("HSET", "h", "f", "10.5")
    assert r.execute_command("HINCRBYFLOAT", "h", "f", "0.1") == "10.6"
    assert r.execute_command("HGET", "h", "f") == "10.6"
    assert r.execute_command("HINCRBYFLOAT", "h", "f", "-10.6") == "0"
    assert r.execute_command("HINCRBYFLOAT", "h", "new", "3.0e3") == "3000"
    assert r.execute_command("HINCRBYFLOAT", "h", "new", "1.5") == "3001.5"
    r.execute_command("HSET", "h", "i", "5")
    assert r.execute_command("HINCRBYFLOAT", "h", "i", "2") == "7"
    assert r.execute_command("HINCRBYFLOAT", "h", "i", "-0.25") == "6.75"
    assert r.execute_command("HINCRBYFLOAT", "nokey", "x", "1.1") == "1.1"
    assert r.execute_command("HGET", "nokey", "x") == "1.1"


def test_hincrbyfloat_errors(r):
    r.execute_command("HSET", "h", "s", "abc", "f", "1.5")
    assert err(r, "HINCRBYFLOAT", "h", "s", "1") == HASH_NOT_FLOAT
    assert err(r, "HINCRBYFLOAT", "h", "f", "x") == NOT_FLOAT
    assert err(r, "HINCRBYFLOAT", "h", "f", "") == NOT_FLOAT
    assert err(r, "HINCRBYFLOAT", "h", "f", "inf") == "value is NaN or Infinity"
    assert err(r, "HINCRBYFLOAT", "h", "f", "-inf") == "value is NaN or Infinity"
    r.execute_command("HSET", "h", "huge", "1e4932")
    assert err(r, "HINCRBYFLOAT", "h", "huge", "1e4932") == \
        "increment would produce NaN or Infinity"
    assert r.execute_command("HGET", "h", "huge") == "1e4932"
    assert err(r, "HINCRBYFLOAT", "h", "f") == arity("hincrbyfloat")
    assert r.execute_command("HGET", "h", "f") == "1.5"


# ---------------------------------------------------------------- HRANDFIELD

def test_hrandfield_single(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    for _ in range(20):
        assert r.execute_command("HRANDFIELD", "h") in ("a", "b", "c")
    assert r.execute_command("HRANDFIELD", "nokey") is None


def test_hrandfield_positive_count_distinct_and_capped(r):
    data = {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
    r.execute_command("HSET", "h", *[x for kv in data.items() for x in kv])
    got = r.execute_command("HRANDFIELD", "h", 3)
    assert len(got) == 3 and len(set(got)) == 3 and set(got) <= set(data)
    assert sorted(r.execute_command("HRANDFIELD", "h", 5)) == sorted(data)
    assert sorted(r.execute_command("HRANDFIELD", "h", 100)) == sorted(data)
    withv = pairs(r.execute_command("HRANDFIELD", "h", 2, "WITHVALUES"))
    assert len(withv) == 2 and all(data[f] == v for f, v in withv.items())
    assert pairs(r.execute_command("HRANDFIELD", "h", 10, "withvalues")) == data
    assert r.execute_command("HRANDFIELD", "h", 0) == []
    assert r.execute_command("HRANDFIELD", "h", 0, "WITHVALUES") == []


def test_hrandfield_positive_count_large_hash(r):
    expected = big_hash(r, "big")
    got = r.execute_command("HRANDFIELD", "big", 100)
    assert len(got) == 100 and len(set(got)) == 100 and set(got) <= set(expected)
    got = pairs(r.execute_command("HRANDFIELD", "big", 900, "WITHVALUES"))
    assert len(got) == 900 and all(expected[f] == v for f, v in got.items())
    assert sorted(r.execute_command("HRANDFIELD", "big", 1000)) == sorted(expected)
    assert sorted(r.execute_command("HRANDFIELD", "big", 5000)) == sorted(expected)


def test_hrandfield_negative_count_may_repeat(r):
    data = {"a": "1", "b": "2", "c": "3"}
    r.execute_command("HSET", "h", *[x for kv in data.items() for x in kv])
    got = r.execute_command("HRANDFIELD", "h", -10)
    assert len(got) == 10 and set(got) <= set(data)
    got = r.execute_command("HRANDFIELD", "h", -100)
    assert len(got) == 100 and set(got) == set(data)  # all three appear in 100 draws
    got = r.execute_command("HRANDFIELD", "h", -7, "WITHVALUES")
    assert len(got) == 14
    for f, v in zip(got[0::2], got[1::2]):
        assert data[f] == v
    assert r.execute_command("HRANDFIELD", "h", -1) in (["a"], ["b"], ["c"])
    expected = big_hash(r, "big")
    got = r.execute_command("HRANDFIELD", "big", -50, "WITHVALUES")
    assert len(got) == 100
    for f, v in zip(got[0::2], got[1::2]):
        assert expected[f] == v


def test_hrandfield_missing_key_and_errors(r):
    assert r.execute_command("HRANDFIELD", "nokey", 5) == []
    assert r.execute_command("HRANDFIELD", "nokey", -5) == []
    assert r.execute_command("HRANDFIELD", "nokey", 5, "WITHVALUES") == []
    r.execute_command("HSET", "h", "a", "1")
    assert err(r, "HRANDFIELD", "h", "x") == NOT_INT
    assert err(r, "HRANDFIELD", "h", 1, "BOGUS") == SYNTAX
    assert err(r, "HRANDFIELD", "h", 1, "WITHVALUES", "x") == SYNTAX
    assert err(r, "HRANDFIELD") == arity("hrandfield")


# ---------------------------------------------------------------- HSCAN

def test_hscan_small_hash_one_call(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert r.execute_command("HSCAN", "h", 0) == ["0", ["a", "1", "b", "2", "c", "3"]]
    # a listpack hash is returned whole regardless of COUNT
    assert r.execute_command("HSCAN", "h", 0, "COUNT", 1) == ["0", ["a", "1", "b", "2", "c", "3"]]
    assert r.execute_command("HSCAN", "h", 0, "MATCH", "b*") == ["0", ["b", "2"]]
    assert r.execute_command("HSCAN", "h", 0, "MATCH", "zz*") == ["0", []]
    assert r.execute_command("HSCAN", "nokey", 0) == ["0", []]


def test_hscan_large_hash_full_iteration(r):
    expected = big_hash(r, "big")
    pages, calls = hscan_all(r, "big")
    assert calls > 1
    seen = {}
    for page in pages:
        assert len(page) % 2 == 0
        for f, v in zip(page[0::2], page[1::2]):
            seen[f] = v
    assert seen == expected


def test_hscan_count_and_match(r):
    expected = big_hash(r, "big", n=500, prefix="field:")
    expected.update(big_hash(r, "big", n=500, prefix="other:"))
    small_pages, small_calls = hscan_all(r, "big", "COUNT", 10)
    big_pages, big_calls = hscan_all(r, "big", "COUNT", 2000)
    assert small_calls > big_calls
    for pages in (small_pages, big_pages):
        assert {f: v for p in pages for f, v in zip(p[0::2], p[1::2])} == expected
    pages, _ = hscan_all(r, "big", "MATCH", "other:1?", "COUNT", 100)
    got = {f: v for p in pages for f, v in zip(p[0::2], p[1::2])}
    assert got == {"other:1%d" % i: "value-1%d" % i for i in range(10)}


def test_hscan_errors(r):
    r.execute_command("HSET", "h", "a", "1")
    assert err(r, "HSCAN", "h", "abc") == "invalid cursor"
    assert err(r, "HSCAN", "h", 0, "COUNT", 0) == SYNTAX
    assert err(r, "HSCAN", "h", 0, "COUNT", "x") == NOT_INT
    assert err(r, "HSCAN", "h", 0, "BOGUS", "x") == SYNTAX
    assert err(r, "HSCAN", "h", 0, "MATCH") == SYNTAX
    assert err(r, "HSCAN", "h") == arity("hscan")


# ---------------------------------------------------------------- arity and WRONGTYPE

ARITY_CASES = [
    ("HSET", "k", "f"),
    ("HSET", "k", "f", "v", "g"),
    ("HSET", "k"),
    ("HSETNX", "k", "f"),
    ("HMSET", "k", "f"),
    ("HMSET", "k", "f", "v", "g"),
    ("HGET", "k"),
    ("HMGET", "k"),
    ("HGETALL",),
    ("HDEL", "k"),
    ("HEXISTS", "k"),
    ("HLEN",),
    ("HKEYS",),
    ("HVALS",),
    ("HSTRLEN", "k"),
    ("HINCRBY", "k", "f"),
    ("HINCRBYFLOAT", "k", "f"),
    ("HSCAN", "k"),
]

WRONGTYPE_CASES = [
    ("HSET", "s", "f", "v"),
    ("HSETNX", "s", "f", "v"),
    ("HMSET", "s", "f", "v"),
    ("HGET", "s", "f"),
    ("HMGET", "s", "f", "g"),
    ("HGETALL", "s"),
    ("HDEL", "s", "f"),
    ("HEXISTS", "s", "f"),
    ("HLEN", "s"),
    ("HKEYS", "s"),
    ("HVALS", "s"),
    ("HSTRLEN", "s", "f"),
    ("HINCRBY", "s", "f", 1),
    ("HINCRBYFLOAT", "s", "f", "1.5"),
    ("HRANDFIELD", "s"),
    ("HRANDFIELD", "s", 2),
    ("HRANDFIELD", "s", -2, "WITHVALUES"),
    ("HSCAN", "s", 0),
]


def test_wrong_arity(r):
    for args in ARITY_CASES:
        assert err(r, *args) == arity(args[0].lower()), args
    assert r.execute_command("EXISTS", "k") == 0


def test_wrongtype_on_string_key(r):
    r.set("s", "str")
    for args in WRONGTYPE_CASES:
        assert err(r, *args) == WRONGTYPE, args
    assert r.get("s") == "str"
    assert r.execute_command("TYPE", "s") == "string"


def test_string_commands_on_hash_are_wrongtype(r):
    r.execute_command("HSET", "h", "f", "v")
    assert err(r, "GET", "h") == WRONGTYPE
    assert err(r, "INCR", "h") == WRONGTYPE
    assert r.execute_command("HGET", "h", "f") == "v"


# ---------------------------------------------------------------- TYPE / OBJECT ENCODING

def test_type_and_small_encoding(r):
    r.execute_command("HSET", "h", "a", "1")
    assert r.execute_command("TYPE", "h") == "hash"
    assert r.execute_command("OBJECT", "ENCODING", "h") == "listpack"
    # the built-in default of hash-max-listpack-entries is 512
    big_hash(r, "big", n=512)
    assert r.execute_command("OBJECT", "ENCODING", "big") == "listpack"
    r.execute_command("HSET", "big", "one-more", "v")
    assert r.execute_command("OBJECT", "ENCODING", "big") == "hashtable"


def test_encoding_converts_after_max_entries(r):
    assert r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 4) == "OK"
    assert r.execute_command("CONFIG", "GET", "hash-max-listpack-entries") == [
        "hash-max-listpack-entries", "4"]
    r.execute_command("HSET", "h", "f1", "1", "f2", "2", "f3", "3", "f4", "4")
    assert r.execute_command("OBJECT", "ENCODING", "h") == "listpack"
    r.execute_command("HSET", "h", "f5", "5")
    assert r.execute_command("OBJECT", "ENCODING", "h") == "hashtable"
    # it does not convert back when it shrinks
    r.execute_command("HDEL", "h", "f1", "f2", "f3", "f4")
    assert r.execute_command("OBJECT", "ENCODING", "h") == "hashtable"
    assert r.execute_command("HGETALL", "h") == ["f5", "5"]
    # five fields in one HSET on a new key
    r.execute_command("HSET", "h2", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
    assert r.execute_command("OBJECT", "ENCODING", "h2") == "hashtable"
    assert pairs(r.execute_command("HGETALL", "h2")) == {
        "a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}


def test_ziplist_names_are_aliases(r):
    # Redis 7 keeps the pre-7 names as aliases of the listpack directives
    assert r.execute_command("CONFIG", "SET", "hash-max-ziplist-entries", 2) == "OK"
    assert r.execute_command("CONFIG", "GET", "hash-max-listpack-entries") == [
        "hash-max-listpack-entries", "2"]
    assert r.execute_command("CONFIG", "GET", "hash-max-ziplist-entries") == [
        "hash-max-ziplist-entries", "2"]
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("OBJECT", "ENCODING", "h") == "listpack"
    r.execute_command("HSET", "h", "c", "3")
    assert r.execute_command("OBJECT", "ENCODING", "h") == "hashtable"
    assert r.execute_command("CONFIG", "SET", "hash-max-listpack-value", 3) == "OK"
    assert r.execute_command("CONFIG", "GET", "hash-max-ziplist-value") == [
        "hash-max-ziplist-value", "3"]


def test_encoding_converts_after_max_value(r):
    assert r.execute_command("CONFIG", "SET", "hash-max-listpack-value", 8) == "OK"
    r.execute_command("HSET", "h", "f", "abcdefgh")  # exactly 8 bytes: stays listpack
    assert r.execute_command("OBJECT", "ENCODING", "h") == "listpack"
    r.execute_command("HSET", "h", "g", "abcdefghi")  # 9 bytes
    assert r.execute_command("OBJECT", "ENCODING", "h") == "hashtable"
    assert r.execute_command("HGETALL", "h") in (["f", "abcdefgh", "g", "abcdefghi"],
                                                 ["g", "abcdefghi", "f", "abcdefgh"])
    # a long field name converts too
    r.execute_command("HSET", "h2", "short", "v")
    assert r.execute_command("OBJECT", "ENCODING", "h2") == "listpack"
    r.execute_command("HSET", "h2", "longfieldname", "v")
    assert r.execute_command("OBJECT", "ENCODING", "h2") == "hashtable"
    assert r.execute_command("HGET", "h2", "longfieldname") == "v"


# ---------------------------------------------------------------- binary safety

def test_binary_fields_and_values(rb):
    f1, v1 = b"f\x00\r\nx", b"v\x00\r\n\xff\xfe"
    f2, v2 = b"\x00", b"\r\n"
    f3, v3 = bytes(range(256)), b"\x00" * 300
    assert rb.execute_command("HSET", b"k\x00\r\n", f1, v1, f2, v2, f3, v3) == 3
    assert rb.execute_command("HGET", b"k\x00\r\n", f1) == v1
    assert rb.execute_command("HGET", b"k\x00\r\n", f2) == v2
    assert rb.execute_command("HGET", b"k\x00\r\n", f3) == v3
    assert rb.execute_command("HGET", b"k\x00\r\n", b"f\x00") is None
    assert rb.execute_command("HSTRLEN", b"k\x00\r\n", f1) == len(v1)
    assert rb.execute_command("HEXISTS", b"k\x00\r\n", f2) == 1
    assert pairs(rb.execute_command("HGETALL", b"k\x00\r\n")) == {f1: v1, f2: v2, f3: v3}
    assert rb.execute_command("HMGET", b"k\x00\r\n", f2, b"x", f1) == [v2, None, v1]
    assert rb.execute_command("HSETNX", b"k\x00\r\n", f2, b"other") == 0
    assert rb.execute_command("HDEL", b"k\x00\r\n", f2) == 1
    assert pairs(rb.execute_command("HGETALL", b"k\x00\r\n")) == {f1: v1, f3: v3}
    _, page = rb.execute_command("HSCAN", b"k\x00\r\n", 0, "MATCH", b"f\x00*")
    assert page == [f1, v1]


# ---------------------------------------------------------------- generic commands

def test_copy_then_modify_copy(r):
    r.execute_command("HSET", "src", "a", "1", "b", "2")
    assert r.execute_command("COPY", "src", "dst") == 1
    assert r.execute_command("COPY", "src", "dst") == 0
    assert r.execute_command("HGETALL", "dst") == ["a", "1", "b", "2"]
    r.execute_command("HSET", "dst", "a", "changed", "c", "3")
    r.execute_command("HDEL", "dst", "b")
    r.execute_command("HINCRBY", "dst", "n", 1)
    assert r.execute_command("HGETALL", "src") == ["a", "1", "b", "2"]
    assert pairs(r.execute_command("HGETALL", "dst")) == {"a": "changed", "c": "3", "n": "1"}
    # a large hash, and REPLACE
    expected = big_hash(r, "bigsrc")
    assert r.execute_command("COPY", "bigsrc", "dst", "REPLACE") == 1
    r.execute_command("HDEL", "dst", "field:0")
    assert r.execute_command("HLEN", "dst") == 999
    assert pairs(r.execute_command("HGETALL", "bigsrc")) == expected
    assert r.execute_command("OBJECT", "ENCODING", "dst") == "hashtable"


def test_rename_and_del(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("RENAME", "h", "h2") == "OK"
    assert r.execute_command("EXISTS", "h") == 0
    assert r.execute_command("HGETALL", "h2") == ["a", "1", "b", "2"]
    assert r.execute_command("TYPE", "h2") == "hash"
    assert r.execute_command("DEL", "h2") == 1
    assert r.execute_command("EXISTS", "h2") == 0
    assert r.execute_command("DEL", "h2") == 0


def test_expire_hash(r):
    r.execute_command("HSET", "h", "a", "1")
    assert r.execute_command("PEXPIRE", "h", 200) == 1
    assert 0 < r.execute_command("PTTL", "h") <= 200
    # writing to the hash keeps its TTL
    r.execute_command("HSET", "h", "b", "2")
    r.execute_command("HDEL", "h", "a")
    assert r.execute_command("PTTL", "h") > 0
    eventually(lambda: r.execute_command("EXISTS", "h") == 0, timeout=5,
               msg="hash did not expire")
    assert r.execute_command("HGET", "h", "b") is None
    assert r.execute_command("HLEN", "h") == 0


def test_scan_type_hash(r):
    for i in range(30):
        r.execute_command("HSET", "hash:%d" % i, "f", i)
        r.set("str:%d" % i, i)

    def scan_all(*opts):
        cursor, keys = "0", []
        while True:
            cursor, page = r.execute_command("SCAN", cursor, *opts)
            keys += page
            if cursor == "0":
                return keys

    got = scan_all("TYPE", "hash", "COUNT", 7)
    assert sorted(got) == sorted("hash:%d" % i for i in range(30))
    assert sorted(scan_all("TYPE", "HASH")) == sorted(got)
    assert sorted(scan_all("TYPE", "hash", "MATCH", "hash:1*")) == sorted(
        ["hash:1"] + ["hash:1%d" % i for i in range(10)])
    assert sorted(scan_all("TYPE", "string")) == sorted("str:%d" % i for i in range(30))


def test_dump_restore_small_and_large(rb):
    rb.execute_command("HSET", "small", "a", "1", "b", b"\x00\r\n", "n", "12345")
    big = big_hash(rb, "big")
    for src, dst in (("small", "small2"), ("big", "big2")):
        payload = rb.execute_command("DUMP", src)
        assert isinstance(payload, bytes) and payload
        assert rb.execute_command("RESTORE", dst, 0, payload) == b"OK"
        assert pairs(rb.execute_command("HGETALL", dst)) == pairs(
            rb.execute_command("HGETALL", src))
        assert rb.execute_command("TYPE", dst) == b"hash"
        assert rb.execute_command("PTTL", dst) == -1
        with pytest.raises(redis.ResponseError) as e:
            rb.execute_command("RESTORE", dst, 0, payload)
        assert str(e.value) == "BUSYKEY Target key name already exists."
        assert rb.execute_command("RESTORE", dst, 0, payload, "REPLACE") == b"OK"
    assert rb.execute_command("HGETALL", "small2") == [
        b"a", b"1", b"b", b"\x00\r\n", b"n", b"12345"]
    assert rb.execute_command("OBJECT", "ENCODING", "small2") == b"listpack"
    assert rb.execute_command("OBJECT", "ENCODING", "big2") == b"hashtable"
    assert {k.decode(): v.decode() for k, v in pairs(
        rb.execute_command("HGETALL", "big2")).items()} == big
    assert rb.execute_command("DUMP", "nokey") is None


# ---------------------------------------------------------------- persistence

def hash_snapshot(c, keys):
    """{key: (dict of fields, encoding, has_ttl)} through a bytes client."""
    out = {}
    for k in keys:
        out[k] = (pairs(c.execute_command("HGETALL", k)),
                  c.execute_command("OBJECT", "ENCODING", k),
                  c.execute_command("PTTL", k) > 0)
    return out


def fill_hashes(c):
    c.execute_command("HSET", "small", "a", "1", "b", "-2", "c", "3.5", "e", "")
    c.execute_command("HSET", "bin", b"f\x00\r\n", b"v\x00\r\n\xff", b"\x00", b"")
    c.execute_command("HSET", "ttl", "x", "y")
    c.execute_command("EXPIRE", "ttl", 1000)
    big_hash(c, "big")
    c.execute_command("HDEL", "big", "field:0", "field:500")
    c.execute_command("HINCRBY", "big", "counter", 41)
    c.execute_command("HINCRBYFLOAT", "big", "float", "10.5")
    c.execute_command("HINCRBYFLOAT", "big", "float", "0.1")
    return ["small", "bin", "ttl", "big"]


def test_save_and_restart_keeps_hashes(server):
    c = server.client(decode_responses=False, raw_replies=True)
    keys = fill_hashes(c)
    before = hash_snapshot(c, keys)
    assert before["small"][1] == b"listpack"
    assert before["big"][1] == b"hashtable"
    assert len(before["big"][0]) == 1000
    assert before["big"][0][b"float"] == b"10.6"
    assert c.execute_command("SAVE") == b"OK"
    c = rdb_restart(server)
    c.response_callbacks = {}
    assert c.execute_command("DBSIZE") == len(keys)
    assert hash_snapshot(c, keys) == before


def test_debug_reload_keeps_hashes(server):
    c = server.client(decode_responses=False, raw_replies=True)
    keys = fill_hashes(c)
    before = hash_snapshot(c, keys)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert hash_snapshot(c, keys) == before


def test_aof_restart_and_rewrite_keep_hashes(make_server):
    s = make_server(extra_args=AOF_ON)
    c = s.client(decode_responses=False, raw_replies=True)
    keys = fill_hashes(c)
    c.execute_command("HSETNX", "small", "nx", "1")
    c.execute_command("HMSET", "small", "m", "2", "a", "10")
    c.execute_command("HDEL", "small", "b")
    c.execute_command("HSET", "gone", "only", "1")
    c.execute_command("HDEL", "gone", "only")
    before = hash_snapshot(c, keys)
    assert before["small"][0] == {b"a": b"10", b"c": b"3.5", b"e": b"", b"nx": b"1",
                                  b"m": b"2"}
    aof_restart(s)
    c = s.client(decode_responses=False, raw_replies=True)
    assert c.execute_command("EXISTS", "gone") == 0
    assert hash_snapshot(c, keys) == before
    # rewrite the AOF, then restart from the rewritten file
    wait_rewrite_done(s.client())
    assert c.execute_command("BGREWRITEAOF") == b"Background append only file rewriting started"
    wait_rewrite_done(s.client())
    assert c.execute_command("HINCRBY", "small", "a", 5) == 15
    after = hash_snapshot(c, keys)
    aof_restart(s)
    c = s.client(decode_responses=False, raw_replies=True)
    assert c.execute_command("DBSIZE") == len(keys)
    assert hash_snapshot(c, keys) == after


# ---------------------------------------------------------------- keyspace notifications

def test_keyspace_notifications(server, r):
    assert r.execute_command("CONFIG", "SET", "notify-keyspace-events", "KEA") == "OK"
    s = server.conn()
    assert s.call("PSUBSCRIBE", "__keyevent@0__:*") == [b"psubscribe", b"__keyevent@0__:*", 1]
    ks = server.conn()
    assert ks.call("SUBSCRIBE", "__keyspace@0__:h") == [b"subscribe", b"__keyspace@0__:h", 1]

    def event(name):
        return [b"pmessage", b"__keyevent@0__:*", b"__keyevent@0__:" + name, b"h"]

    def space(name):
        return [b"message", b"__keyspace@0__:h", name]

    steps = [
        (("HSET", "h", "a", "1", "b", "2"), b"hset"),
        (("HSETNX", "h", "c", "3"), b"hset"),
        (("HMSET", "h", "d", "4"), b"hset"),
        (("HDEL", "h", "a"), b"hdel"),
        (("HINCRBY", "h", "n", 2), b"hincrby"),
        (("HINCRBYFLOAT", "h", "f", "1.5"), b"hincrbyfloat"),
    ]
    for cmd, name in steps:
        r.execute_command(*cmd)
        assert s.read() == event(name), cmd
        assert ks.read() == space(name), cmd
    # writes that change nothing emit nothing
    assert r.execute_command("HSETNX", "h", "c", "x") == 0
    assert r.execute_command("HDEL", "h", "nope") == 0
    # removing the last fields: "hdel" then "del"
    assert r.execute_command("HDEL", "h", "b", "c", "d", "n", "f") == 5
    assert s.read() == event(b"hdel")
    assert s.read() == event(b"del")
    assert ks.read() == space(b"hdel")
    assert ks.read() == space(b"del")
    assert r.execute_command("EXISTS", "h") == 0
    assert not s.has_pending(0.1)
    assert not ks.has_pending(0.0)


def test_keyspace_notifications_hash_class_only(server, r):
    assert r.execute_command("CONFIG", "SET", "notify-keyspace-events", "Kh") == "OK"
    s = server.conn()
    assert s.call("PSUBSCRIBE", "__key*@0__:*") == [b"psubscribe", b"__key*@0__:*", 1]
    r.execute_command("HSET", "h", "a", "1")
    assert s.read() == [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:h", b"hset"]
    r.execute_command("HDEL", "h", "a")  # "del" is a generic event: not sent with Kh
    assert s.read() == [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:h", b"hdel"]
    r.set("str", "v")  # string events are not sent either
    r.execute_command("HSET", "h", "b", "1")
    assert s.read() == [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:h", b"hset"]
    assert not s.has_pending(0.1)


# ---------------------------------------------------------------- WATCH

def test_watch_broken_by_hset_from_other_client(server, r):
    r.execute_command("HSET", "h", "a", "1")
    c = server.conn()
    assert c.call("WATCH", "h") == "OK"
    assert r.execute_command("HSET", "h", "a", "2") == 0
    assert c.call("MULTI") == "OK"
    assert c.call("HSET", "h", "a", "mine") == "QUEUED"
    assert c.call("EXEC") is None
    assert r.execute_command("HGET", "h", "a") == "2"


def test_watch_unmodified_hash_commits(server, r):
    r.execute_command("HSET", "h", "a", "1")
    c = server.conn()
    assert c.call("WATCH", "h") == "OK"
    assert r.execute_command("HGET", "h", "a") == "1"  # reads do not break the watch
    assert c.call("MULTI") == "OK"
    assert c.call("HINCRBY", "h", "a", 5) == "QUEUED"
    assert c.call("HGETALL", "h") == "QUEUED"
    assert c.call("EXEC") == [6, [b"a", b"6"]]


def test_watch_broken_by_hdel_and_hincrby(server, r):
    for cmd in (("HDEL", "h", "a"), ("HINCRBY", "h", "n", 1),
                ("HINCRBYFLOAT", "h", "n", "0.5")):
        r.execute_command("HSET", "h", "a", "1", "b", "2")
        c = server.conn()
        assert c.call("WATCH", "h") == "OK"
        r.execute_command(*cmd)
        assert c.call("MULTI") == "OK"
        assert c.call("HSET", "h", "z", "1") == "QUEUED"
        assert c.call("EXEC") is None, cmd
        assert r.execute_command("HEXISTS", "h", "z") == 0
        c.close()
