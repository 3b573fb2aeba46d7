"""String commands: exact replies and error texts as Redis 7.0 gives them."""
import time

import pytest
import redis

from conftest import eventually


@pytest.fixture
def r(server):
    """Client without redis-py reply callbacks: replies exactly as sent."""
    return server.client(raw_replies=True)


def err(r, *args):
    """Run a command that must fail; return the error text as redis-py shows it."""
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


SYNTAX = "syntax error"
NOT_INT = "value is not an integer or out of range"
NOT_FLOAT = "value is not a valid float"
OVERFLOW = "increment or decrement would overflow"
TOO_BIG = "string exceeds maximum allowed size (proto-max-bulk-len)"


# ---------------------------------------------------------------- GET / SET

def test_get_set_basic(r):
    assert r.get("nope") is None
    assert r.execute_command("SET", "k", "v") == "OK"
    assert r.get("k") == "v"
    assert r.set("k", "v2") == "OK"
    assert r.get("k") == "v2"
    assert r.ttl("k") == -1


def test_set_ex_px(r):
    assert r.execute_command("SET", "k", "v", "EX", 100) == "OK"
    assert 99 <= r.ttl("k") <= 100
    assert r.execute_command("SET", "k", "v", "PX", 100000) == "OK"
    assert 99000 <= r.pttl("k") <= 100000
    # plain SET clears the TTL
    r.set("k", "v")
    assert r.ttl("k") == -1


def test_set_exat_pxat(r):
    now = int(time.time())
    assert r.execute_command("SET", "k", "v", "EXAT", now + 100) == "OK"
    assert 98 <= r.ttl("k") <= 100
    assert r.execute_command("EXPIRETIME", "k") == now + 100
    assert r.execute_command("SET", "k", "v", "PXAT", (now + 200) * 1000) == "OK"
    assert r.execute_command("PEXPIRETIME", "k") == (now + 200) * 1000
    # a time in the past deletes the key
    assert r.execute_command("SET", "k", "v", "EXAT", now - 10) == "OK"
    assert r.exists("k") == 0


def test_set_nx_xx(r):
    assert r.execute_command("SET", "k", "v", "XX") is None
    assert r.exists("k") == 0
    assert r.execute_command("SET", "k", "v", "NX") == "OK"
    assert r.execute_command("SET", "k", "w", "NX") is None
    assert r.get("k") == "v"
    assert r.execute_command("SET", "k", "w", "XX") == "OK"
    assert r.get("k") == "w"


def test_set_keepttl(r):
    r.set("k", "v", ex=100)
    assert r.execute_command("SET", "k", "v2", "KEEPTTL") == "OK"
    assert 99 <= r.ttl("k") <= 100
    assert r.get("k") == "v2"
    r.set("k", "v3")
    assert r.ttl("k") == -1


def test_set_get_option(r):
    assert r.execute_command("SET", "k", "v1", "GET") is None
    assert r.execute_command("SET", "k", "v2", "GET") == "v1"
    assert r.get("k") == "v2"
    # NX + GET allowed since 7.0: returns the old value, does not set
    assert r.execute_command("SET", "k", "v3", "NX", "GET") == "v2"
    assert r.get("k") == "v2"
    assert r.execute_command("SET", "new", "x", "NX", "GET") is None
    assert r.get("new") == "x"
    assert r.execute_command("SET", "nope", "x", "XX", "GET") is None
    assert r.exists("nope") == 0
    assert r.execute_command("SET", "k", "v4", "XX", "GET", "EX", 50) == "v2"
    assert 49 <= r.ttl("k") <= 50


def test_set_options_case_insensitive(r):
    assert r.execute_command("set", "k", "v", "ex", 10, "nx") == "OK"
    assert r.execute_command("SeT", "k", "v", "Xx", "pX", 10000) == "OK"


@pytest.mark.parametrize("args,msg", [
    (["NX", "XX"], SYNTAX),
    (["EX", 10, "PX", 100], SYNTAX),
    (["EX", 10, "EXAT", 99999999999], SYNTAX),
    (["PX", 10, "PXAT", 99999999999], SYNTAX),
    (["KEEPTTL", "EX", 1], SYNTAX),
    (["EX", 1, "KEEPTTL"], SYNTAX),
    (["FOO"], SYNTAX),
    (["EX"], SYNTAX),
    (["EX", "abc"], NOT_INT),
    (["EX", "1.5"], NOT_INT),
    (["EX", 0], "invalid expire time in 'set' command"),
    (["EX", -1], "invalid expire time in 'set' command"),
    (["PX", 0], "invalid expire time in 'set' command"),
    (["EXAT", 0], "invalid expire time in 'set' command"),
    (["PXAT", -5], "invalid expire time in 'set' command"),
    (["EX", 9223372036854775807], "invalid expire time in 'set' command"),
    (["PX", 9223372036854775807], "invalid expire time in 'set' command"),
])
def test_set_bad_option_combinations(r, args, msg):
    r.set("k", "orig")
    assert err(r, "SET", "k", "v", *args) == msg
    assert r.get("k") == "orig"


def test_setnx(r):
    assert r.execute_command("SETNX", "k", "a") == 1
    assert r.execute_command("SETNX", "k", "b") == 0
    assert r.get("k") == "a"
    assert err(r, "SETNX", "k") == "wrong number of arguments for 'setnx' command"


def test_setex_psetex(r):
    assert r.execute_command("SETEX", "k", 100, "v") == "OK"
    assert r.get("k") == "v"
    assert 99 <= r.ttl("k") <= 100
    assert r.execute_command("PSETEX", "p", 100000, "v") == "OK"
    assert 99000 <= r.pttl("p") <= 100000
    assert err(r, "SETEX", "k", 0, "v") == "invalid expire time in 'setex' command"
    assert err(r, "SETEX", "k", -3, "v") == "invalid expire time in 'setex' command"
    assert err(r, "PSETEX", "k", -1, "v") == "invalid expire time in 'psetex' command"
    assert err(r, "SETEX", "k", "abc", "v") == NOT_INT
    assert err(r, "SETEX", "k", 10) == "wrong number of arguments for 'setex' command"


# ---------------------------------------------------------------- multi-key

def test_mget_mset(r):
    assert r.execute_command("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert r.mget("a", "b", "nope", "c") == ["1", "2", None, "3"]
    assert r.execute_command("MSET", "a", "x", "a", "y") == "OK"
    assert r.get("a") == "y"
    assert err(r, "MSET", "a", "1", "b") == "wrong number of arguments for 'mset' command"
    assert err(r, "MSET") == "wrong number of arguments for 'mset' command"
    assert err(r, "MGET") == "wrong number of arguments for 'mget' command"


def test_mset_clears_ttl(r):
    r.set("a", "1", ex=100)
    r.mset({"a": "2"})
    assert r.ttl("a") == -1


def test_msetnx(r):
    assert r.execute_command("MSETNX", "a", "1", "b", "2") == 1
    assert r.execute_command("MSETNX", "b", "x", "c", "3") == 0
    assert r.get("b") == "2"
    assert r.exists("c") == 0
    assert err(r, "MSETNX", "a") == "wrong number of arguments for 'msetnx' command"
    assert err(r, "MSETNX", "a", "1", "b") == "wrong number of arguments for 'msetnx' command"


def test_getset(r):
    assert r.getset("k", "a") is None
    assert r.getset("k", "b") == "a"
    r.expire("k", 100)
    assert r.getset("k", "c") == "b"
    assert r.ttl("k") == -1


def test_getdel(r):
    r.set("k", "v")
    assert r.execute_command("GETDEL", "k") == "v"
    assert r.exists("k") == 0
    assert r.execute_command("GETDEL", "k") is None


def test_getex(r):
    assert r.execute_command("GETEX", "nope", "EX", 10) is None
    r.set("k", "v")
    assert r.execute_command("GETEX", "k") == "v"
    assert r.ttl("k") == -1
    assert r.execute_command("GETEX", "k", "EX", 100) == "v"
    assert 99 <= r.ttl("k") <= 100
    assert r.execute_command("GETEX", "k", "PX", 50000) == "v"
    assert 49000 <= r.pttl("k") <= 50000
    now = int(time.time())
    assert r.execute_command("GETEX", "k", "EXAT", now + 300) == "v"
    assert r.execute_command("EXPIRETIME", "k") == now + 300
    assert r.execute_command("GETEX", "k", "PXAT", (now + 400) * 1000) == "v"
    assert r.execute_command("PEXPIRETIME", "k") == (now + 400) * 1000
    assert r.execute_command("GETEX", "k", "PERSIST") == "v"
    assert r.ttl("k") == -1
    # a past time deletes the key, after returning it
    assert r.execute_command("GETEX", "k", "EXAT", now - 5) == "v"
    assert r.exists("k") == 0


@pytest.mark.parametrize("args,msg", [
    (["PERSIST", "EX", 1], SYNTAX),
    (["EX", 1, "PX", 1000], SYNTAX),
    (["FOO"], SYNTAX),
    (["EX"], SYNTAX),
    (["EX", 0], "invalid expire time in 'getex' command"),
    (["PX", -1], "invalid expire time in 'getex' command"),
    (["EXAT", 9223372036854775807], "invalid expire time in 'getex' command"),
    (["EX", "x"], NOT_INT),
])
def test_getex_errors(r, args, msg):
    r.set("k", "v")
    assert err(r, "GETEX", "k", *args) == msg
    assert r.ttl("k") == -1


# ---------------------------------------------------------------- string editing

def test_append_strlen(r):
    assert r.append("k", "Hello") == 5
    assert r.append("k", " World") == 11
    assert r.get("k") == "Hello World"
    assert r.strlen("k") == 11
    assert r.strlen("nope") == 0
    r.set("n", 12)
    assert r.append("n", 3) == 3
    assert r.get("n") == "123"
    assert r.incr("n") == 124


def test_getrange_substr(r):
    r.set("k", "This is a string")
    assert r.getrange("k", 0, 3) == "This"
    assert r.getrange("k", -3, -1) == "ing"
    assert r.getrange("k", 0, -1) == "This is a string"
    assert r.getrange("k", 10, 100) == "string"
    assert r.getrange("k", 5, 3) == ""
    assert r.getrange("k", -100, 3) == "This"
    assert r.getrange("k", 100, 200) == ""
    assert r.getrange("nope", 0, -1) == ""
    assert r.execute_command("SUBSTR", "k", 0, 3) == "This"
    assert r.execute_command("SUBSTR", "k", -6, -1) == "string"
    assert err(r, "GETRANGE", "k", "a", "b") == NOT_INT
    r.set("i", 12345)
    assert r.getrange("i", 1, 2) == "23"


def test_setrange(r):
    r.set("k", "Hello World")
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == "Hello Redis"
    assert r.setrange("pad", 5, "x") == 6
    assert r.get("pad") == "\x00\x00\x00\x00\x00x"
    # empty value on a missing key does not create it
    assert r.setrange("nope", 10, "") == 0
    assert r.exists("nope") == 0
    assert r.setrange("k", 100, "") == 11
    assert r.strlen("k") == 11
    assert err(r, "SETRANGE", "k", -1, "x") == "offset is out of range"
    assert err(r, "SETRANGE", "k", "abc", "x") == NOT_INT
    assert err(r, "SETRANGE", "k", 536870912, "x") == TOO_BIG
    assert err(r, "SETRANGE", "k", 536870911, "xy") == TOO_BIG
    # the size check only matters when something is written
    assert r.setrange("k", 536870911, "") == 11


# ---------------------------------------------------------------- counters

def test_incr_decr(r):
    assert r.incr("c") == 1
    assert r.incr("c") == 2
    assert r.decr("c") == 1
    assert r.incrby("c", 10) == 11
    assert r.decrby("c", 20) == -9
    assert r.incrby("c", -1) == -10
    assert r.get("c") == "-10"
    r.set("c", "  ")
    assert err(r, "INCR", "c") == NOT_INT


def test_incr_keeps_ttl(r):
    r.set("c", 5, ex=100)
    assert r.incr("c") == 6
    assert 99 <= r.ttl("c") <= 100


@pytest.mark.parametrize("value", ["abc", "1.5", " 1", "1 ", "0x10", "01", "+1",
                                   "9223372036854775808", "-9223372036854775809", ""])
def test_incr_not_an_integer(r, value):
    r.set("c", value)
    assert err(r, "INCR", "c") == NOT_INT
    assert r.get("c") == value


def test_incr_overflow(r):
    r.set("max", "9223372036854775807")
    assert err(r, "INCR", "max") == OVERFLOW
    assert err(r, "INCRBY", "max", 1) == OVERFLOW
    assert r.decr("max") == 9223372036854775806
    r.set("min", "-9223372036854775808")
    assert err(r, "DECR", "min") == OVERFLOW
    assert err(r, "INCRBY", "min", -1) == OVERFLOW
    assert err(r, "DECRBY", "min", 1) == OVERFLOW
    assert err(r, "DECRBY", "x", "-9223372036854775808") == "decrement would overflow"
    assert err(r, "INCRBY", "x", "abc") == NOT_INT
    assert err(r, "INCRBY", "x", "9223372036854775808") == NOT_INT
    assert r.get("max") == "9223372036854775806"
    assert r.get("min") == "-9223372036854775808"


def test_incrbyfloat(r):
    r.set("f", "10.5")
    assert r.execute_command("INCRBYFLOAT", "f", "0.1") == "10.6"
    assert r.get("f") == "10.6"
    r.set("e", "5.0e3")
    assert r.execute_command("INCRBYFLOAT", "e", "200") == "5200"
    assert r.execute_command("INCRBYFLOAT", "e", "-5200") == "0"
    assert r.execute_command("INCRBYFLOAT", "new", "3.0e3") == "3000"
    r.set("i", 3)
    assert r.execute_command("INCRBYFLOAT", "i", "1.5") == "4.5"
    assert r.execute_command("INCRBYFLOAT", "i", "-4.5") == "0"
    r.set("s", "1.10")
    assert r.execute_command("INCRBYFLOAT", "s", 0) == "1.1"


def test_incrbyfloat_long_double_precision(r):
    # Redis computes in long double and prints with %.17Lg
    r.set("f", "10.6")
    assert r.execute_command("INCRBYFLOAT", "f", "5.0e3") == "5010.60000000000000009"


def test_incrbyfloat_errors(r):
    r.set("f", "1")
    assert err(r, "INCRBYFLOAT", "f", "inf") == "increment would produce NaN or Infinity"
    assert err(r, "INCRBYFLOAT", "f", "-inf") == "increment would produce NaN or Infinity"
    assert err(r, "INCRBYFLOAT", "f", "abc") == NOT_FLOAT
    assert err(r, "INCRBYFLOAT", "f", "nan") == NOT_FLOAT
    r.set("s", "abc")
    assert err(r, "INCRBYFLOAT", "s", "1") == NOT_FLOAT
    assert r.get("f") == "1"


def test_incrbyfloat_keeps_ttl(r):
    r.set("f", "1", ex=100)
    assert r.execute_command("INCRBYFLOAT", "f", "0.5") == "1.5"
    assert 99 <= r.ttl("f") <= 100


# ---------------------------------------------------------------- LCS

def test_lcs_plain_and_len(r):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    assert r.execute_command("LCS", "key1", "key2") == "mytext"
    assert r.execute_command("LCS", "key1", "key2", "LEN") == 6
    assert r.execute_command("LCS", "key1", "nope") == ""
    assert r.execute_command("LCS", "nope1", "nope2", "LEN") == 0


def test_lcs_idx(r):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    assert r.execute_command("LCS", "key1", "key2", "IDX") == [
        "matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], "len", 6]
    assert r.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", 4) == [
        "matches", [[[4, 7], [5, 8]]], "len", 6]
    assert r.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", 4,
                             "WITHMATCHLEN") == [
        "matches", [[[4, 7], [5, 8], 4]], "len", 6]
    assert r.execute_command("LCS", "key1", "key2", "IDX", "WITHMATCHLEN") == [
        "matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], "len", 6]
    assert r.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", -1) == [
        "matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], "len", 6]


def test_lcs_errors(r):
    r.mset({"a": "abc", "b": "abd"})
    assert err(r, "LCS", "a", "b", "LEN", "IDX") == \
        "If you want both the length and indexes, please just use IDX."
    assert err(r, "LCS", "a", "b", "FOO") == SYNTAX
    assert err(r, "LCS", "a", "b", "MINMATCHLEN") == SYNTAX
    assert err(r, "LCS", "a", "b", "MINMATCHLEN", "x") == NOT_INT
    assert err(r, "LCS", "a") == "wrong number of arguments for 'lcs' command"


# ---------------------------------------------------------------- expiry + strings

def test_set_px_really_expires(r):
    r.set("k", "v", px=100)
    eventually(lambda: r.get("k") is None, timeout=5)
    assert r.exists("k") == 0


def test_large_value_roundtrip(server):
    r = server.client(decode_responses=False)
    big = bytes(range(256)) * 4096 * 4  # 4 MiB
    assert r.set(b"big", big) is True
    assert r.get(b"big") == big
    assert r.strlen(b"big") == len(big)
    assert r.getrange(b"big", 256, 511) == bytes(range(256))
