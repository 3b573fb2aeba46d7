"""List commands: exact replies and error texts as Redis 7.0.15 gives them, null reply forms in
RESP2 and RESP3, binary safety, long lists and the quicklist settings, generic commands on lists,
DEBUG DIGEST-VALUE, DUMP/RESTORE (also with a real Redis 7.0 and hand-made older payloads), RDB
and AOF persistence, keyspace notifications and WATCH.

Run with SABLE_SERVER=/usr/bin/redis-server to check the expectations against real Redis."""
import os
import random
import struct

import pytest
import redis

from conftest import RespConn, eventually
from test_aof import AOF_ON, aof_dir, manifest_files, parse_commands, wait_rewrite_done
from test_aof import restart as aof_restart
from test_rdb import restart as rdb_restart

REDIS_SERVER = "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(not os.path.exists(REDIS_SERVER),
                                 reason="Debian's redis-server is not installed")


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


class WireConn(RespConn):
    """A RespConn that also hands back the exact bytes of each reply."""

    def __init__(self, sock):
        super().__init__(sock)
        self.seen = b""

    def _fill(self, deadline):
        before = len(self.buf)
        super()._fill(deadline)
        self.seen += self.buf[before:]

    def next_wire(self, timeout=5.0):
        """The exact bytes of the next reply."""
        self.seen = self.buf
        self.read(timeout)
        return self.seen[:len(self.seen) - len(self.buf)]

    def wire(self, *parts, timeout=5.0):
        """Send a command; return the exact bytes of its reply."""
        assert not self.buf, "unread reply bytes: %r" % self.buf
        self.send(*parts)
        return self.next_wire(timeout)


def wire_conn(server, resp3=False):
    c = WireConn(server.raw())
    if resp3:
        c.call("HELLO", "3")
    return c


def rpush_many(c, key, values, batch=500):
    """RPUSH values in pipelined batches; returns the list of values pushed."""
    values = list(values)
    pipe = c.pipeline(transaction=False)
    for i in range(0, len(values), batch):
        pipe.execute_command("RPUSH", key, *values[i:i + batch])
    pipe.execute()
    return values


def debug_object_fields(c, key):
    """DEBUG OBJECT's reply as a dict of its key:value fields (str)."""
    raw = c.execute_command("DEBUG", "OBJECT", key)
    if isinstance(raw, bytes):
        raw = raw.decode()
    return dict(f.split(":", 1) for f in raw.split() if ":" in f)


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "value is not an integer or out of range"
OUT_OF_RANGE = "value is out of range, must be positive"
SYNTAX = "syntax error"
RANK_ZERO = ("RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
             "or use negative to start from the end of the list")


def arity(cmd):
    return "wrong number of arguments for '%s' command" % cmd


# ---------------------------------------------------------------- push

def test_lpush_rpush_order_and_lengths(r):
    assert r.execute_command("LPUSH", "l", "a", "b", "c") == 3
    assert r.execute_command("RPUSH", "l", "d", "e") == 5
    assert r.execute_command("LRANGE", "l", 0, -1) == ["c", "b", "a", "d", "e"]
    assert r.execute_command("RPUSH", "l", "a") == 6  # duplicates are kept
    assert r.execute_command("LLEN", "l") == 6
    assert r.execute_command("TYPE", "l") == "list"
    assert r.execute_command("RPUSH", "r", "x") == 1
    assert r.execute_command("LPUSH", "r", "") == 2  # the empty string is an element
    assert r.execute_command("LRANGE", "r", 0, -1) == ["", "x"]


def test_pushx_only_on_existing_lists(r):
    assert r.execute_command("LPUSHX", "nokey", "a") == 0
    assert r.execute_command("RPUSHX", "nokey", "a", "b") == 0
    assert r.execute_command("EXISTS", "nokey") == 0
    r.execute_command("RPUSH", "l", "m")
    assert r.execute_command("LPUSHX", "l", "b", "a") == 3
    assert r.execute_command("RPUSHX", "l", "y", "z") == 5
    assert r.execute_command("LRANGE", "l", 0, -1) == ["a", "b", "m", "y", "z"]


# ---------------------------------------------------------------- pop

def test_lpop_rpop_single_and_count(r):
    r.execute_command("RPUSH", "l", "a", "b", "c", "d", "e", "f")
    assert r.execute_command("LPOP", "l") == "a"
    assert r.execute_command("RPOP", "l") == "f"
    assert r.execute_command("LPOP", "l", 2) == ["b", "c"]
    assert r.execute_command("RPOP", "l", 1) == ["e"]
    assert r.execute_command("LPOP", "l", 0) == []
    assert r.execute_command("RPOP", "l", 0) == []
    assert r.execute_command("LLEN", "l") == 1
    assert r.execute_command("RPOP", "l", 100) == ["d"]  # more than there is: all of it
    assert r.execute_command("EXISTS", "l") == 0  # emptied: the key is gone
    assert r.execute_command("LPOP", "l") is None
    assert r.execute_command("LPOP", "l", 3) is None
    assert r.execute_command("RPOP", "l", 0) is None
    r.execute_command("RPUSH", "l", "x", "y")
    assert r.execute_command("RPOP", "l", 9223372036854775807) == ["y", "x"]
    assert r.execute_command("EXISTS", "l") == 0


def test_pop_count_errors(r):
    r.execute_command("RPUSH", "l", "a")
    assert err(r, "LPOP", "l", -1) == OUT_OF_RANGE
    assert err(r, "RPOP", "l", -5) == OUT_OF_RANGE
    assert err(r, "LPOP", "l", "x") == OUT_OF_RANGE
    assert err(r, "LPOP", "nokey", -1) == OUT_OF_RANGE
    assert err(r, "LPOP", "l", 1, 2) == arity("lpop")
    assert err(r, "RPOP", "l", 1, 2) == arity("rpop")
    assert r.execute_command("LRANGE", "l", 0, -1) == ["a"]


def test_null_and_empty_reply_bytes_resp2(server):
    c = wire_conn(server)
    assert c.wire("RPUSH", "l", "a") == b":1\r\n"
    assert c.wire("LPOP", "nokey") == b"$-1\r\n"
    assert c.wire("RPOP", "nokey") == b"$-1\r\n"
    assert c.wire("LPOP", "nokey", 2) == b"*-1\r\n"
    assert c.wire("LPOP", "nokey", 0) == b"*-1\r\n"
    assert c.wire("LPOP", "l", 0) == b"*0\r\n"
    assert c.wire("LINDEX", "l", 5) == b"$-1\r\n"
    assert c.wire("LINDEX", "nokey", 0) == b"$-1\r\n"
    assert c.wire("LPOS", "l", "zz") == b"$-1\r\n"
    assert c.wire("LPOS", "nokey", "a") == b"$-1\r\n"
    assert c.wire("LPOS", "nokey", "a", "COUNT", 1) == b"*0\r\n"
    assert c.wire("LRANGE", "nokey", 0, -1) == b"*0\r\n"
    assert c.wire("LMOVE", "nokey", "d", "LEFT", "LEFT") == b"$-1\r\n"
    assert c.wire("RPOPLPUSH", "nokey", "d") == b"$-1\r\n"
    assert c.wire("LMPOP", 1, "nokey", "LEFT") == b"*-1\r\n"
    assert c.wire("LPOP", "l", 1) == b"*1\r\n$1\r\na\r\n"
    assert c.wire("LMPOP", 1, "nokey", "LEFT", "COUNT", 3) == b"*-1\r\n"


def test_null_reply_bytes_resp3(server):
    c = wire_conn(server, resp3=True)
    c.call("RPUSH", "l", "a")
    for cmd in (("LPOP", "nokey"), ("LPOP", "nokey", 2), ("RPOP", "nokey", 0),
                ("LINDEX", "l", 9), ("LPOS", "l", "zz"), ("LMOVE", "nokey", "d", "LEFT", "LEFT"),
                ("RPOPLPUSH", "nokey", "d"), ("LMPOP", 1, "nokey", "RIGHT")):
        assert c.wire(*cmd) == b"_\r\n", cmd
    assert c.wire("LPOP", "l", 0) == b"*0\r\n"
    assert c.wire("LMPOP", 1, "l", "LEFT") == b"*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n"


# ---------------------------------------------------------------- read commands

def test_llen(r):
    assert r.execute_command("LLEN", "nokey") == 0
    r.execute_command("RPUSH", "l", "a", "b", "c")
    assert r.execute_command("LLEN", "l") == 3
    r.execute_command("LPOP", "l")
    assert r.execute_command("LLEN", "l") == 2


def test_lrange_indexes(r):
    r.execute_command("RPUSH", "l", "a", "b", "c", "d", "e")
    assert r.execute_command("LRANGE", "l", 0, -1) == ["a", "b", "c", "d", "e"]
    assert r.execute_command("LRANGE", "l", 1, 3) == ["b", "c", "d"]
    assert r.execute_command("LRANGE", "l", -2, -1) == ["d", "e"]
    assert r.execute_command("LRANGE", "l", 1, -1) == ["b", "c", "d", "e"]
    assert r.execute_command("LRANGE", "l", -100, 100) == ["a", "b", "c", "d", "e"]
    assert r.execute_command("LRANGE", "l", -100, 1) == ["a", "b"]
    assert r.execute_command("LRANGE", "l", 2, 2) == ["c"]
    assert r.execute_command("LRANGE", "l", 3, 1) == []
    assert r.execute_command("LRANGE", "l", 5, 10) == []
    assert r.execute_command("LRANGE", "l", -1, -2) == []
    assert r.execute_command("LRANGE", "l", 0, -6) == []
    assert r.execute_command("LRANGE", "l", -9223372036854775808, 9223372036854775807) == [
        "a", "b", "c", "d", "e"]
    assert r.execute_command("LRANGE", "l", 9223372036854775807, -9223372036854775808) == []
    assert r.execute_command("LRANGE", "nokey", 0, -1) == []
    assert err(r, "LRANGE", "l", "x", 1) == NOT_INT
    assert err(r, "LRANGE", "l", 0, "1.5") == NOT_INT
    assert err(r, "LRANGE", "l", 0, "9223372036854775808") == NOT_INT


def test_lindex(r):
    r.execute_command("RPUSH", "l", "a", "b", "c", "d", "e")
    assert r.execute_command("LINDEX", "l", 0) == "a"
    assert r.execute_command("LINDEX", "l", 4) == "e"
    assert r.execute_command("LINDEX", "l", -1) == "e"
    assert r.execute_command("LINDEX", "l", -5) == "a"
    assert r.execute_command("LINDEX", "l", 5) is None
    assert r.execute_command("LINDEX", "l", -6) is None
    assert r.execute_command("LINDEX", "l", 9223372036854775807) is None
    assert r.execute_command("LINDEX", "l", -9223372036854775808) is None
    assert r.execute_command("LINDEX", "nokey", 0) is None
    assert err(r, "LINDEX", "l", "x") == NOT_INT
    assert err(r, "LINDEX", "l", "9223372036854775808") == NOT_INT


# ---------------------------------------------------------------- LSET / LINSERT / LREM / LTRIM

def test_lset(r):
    r.execute_command("RPUSH", "l", "a", "b", "c", "d", "e")
    assert r.execute_command("LSET", "l", 0, "A") == "OK"
    assert r.execute_command("LSET", "l", -1, "E") == "OK"
    assert r.execute_command("LSET", "l", 2, "a much longer element than before " * 4) == "OK"
    assert r.execute_command("LSET", "l", 1, "") == "OK"
    assert r.execute_command("LRANGE", "l", 0, -1) == [
        "A", "", "a much longer element than before " * 4, "d", "E"]
    assert err(r, "LSET", "l", 5, "x") == "index out of range"
    assert err(r, "LSET", "l", -6, "x") == "index out of range"
    assert err(r, "LSET", "l", 9223372036854775807, "x") == "index out of range"
    assert err(r, "LSET", "l", -9223372036854775808, "x") == "index out of range"
    assert err(r, "LSET", "nokey", 0, "x") == "no such key"
    assert err(r, "LSET", "l", "x", "v") == NOT_INT
    assert r.execute_command("EXISTS", "nokey") == 0
    assert r.execute_command("LLEN", "l") == 5


def test_linsert(r):
    r.execute_command("RPUSH", "l", "a", "b", "c", "d", "e")
    assert r.execute_command("LINSERT", "l", "BEFORE", "c", "X") == 6
    assert r.execute_command("LINSERT", "l", "AFTER", "c", "Y") == 7
    assert r.execute_command("LINSERT", "l", "after", "e", "Z") == 8
    assert r.execute_command("LINSERT", "l", "before", "a", "0") == 9
    assert r.execute_command("LRANGE", "l", 0, -1) == [
        "0", "a", "b", "X", "c", "Y", "d", "e", "Z"]
    r.execute_command("RPUSH", "l", "a")
    assert r.execute_command("LINSERT", "l", "AFTER", "a", "first-a-only") == 11
    assert r.execute_command("LRANGE", "l", 0, 2) == ["0", "a", "first-a-only"]
    assert r.execute_command("LINSERT", "l", "BEFORE", "nope", "X") == -1
    assert r.execute_command("LINSERT", "nokey", "BEFORE", "a", "b") == 0
    assert r.execute_command("EXISTS", "nokey") == 0
    assert err(r, "LINSERT", "l", "MIDDLE", "a", "b") == SYNTAX
    assert err(r, "LINSERT", "nokey", "MIDDLE", "a", "b") == SYNTAX
    assert err(r, "LINSERT", "l", "BEFORE", "a") == arity("linsert")
    assert r.execute_command("LLEN", "l") == 11


def test_lrem(r):
    r.execute_command("RPUSH", "l", "a", "b", "a", "c", "a", "b", "a")
    assert r.execute_command("LREM", "l", 2, "a") == 2  # from the head
    assert r.execute_command("LRANGE", "l", 0, -1) == ["b", "c", "a", "b", "a"]
    assert r.execute_command("LREM", "l", -1, "a") == 1  # from the tail
    assert r.execute_command("LRANGE", "l", 0, -1) == ["b", "c", "a", "b"]
    assert r.execute_command("LREM", "l", 0, "b") == 2  # all
    assert r.execute_command("LRANGE", "l", 0, -1) == ["c", "a"]
    assert r.execute_command("LREM", "l", 0, "zz") == 0
    assert r.execute_command("LREM", "l", 100, "c") == 1
    assert r.execute_command("LREM", "nokey", 0, "a") == 0
    assert err(r, "LREM", "l", "x", "a") == NOT_INT
    assert r.execute_command("LREM", "l", -9223372036854775808, "a") == 1
    assert r.execute_command("EXISTS", "l") == 0
    r.execute_command("RPUSH", "m", "x", "y", "x", "y", "x")
    assert r.execute_command("LREM", "m", -2, "x") == 2
    assert r.execute_command("LRANGE", "m", 0, -1) == ["x", "y", "y"]


def test_ltrim(r):
    r.execute_command("RPUSH", "l", "a", "b", "c", "d", "e", "f")
    assert r.execute_command("LTRIM", "l", 1, -2) == "OK"
    assert r.execute_command("LRANGE", "l", 0, -1) == ["b", "c", "d", "e"]
    assert r.execute_command("LTRIM", "l", -100, 100) == "OK"
    assert r.execute_command("LRANGE", "l", 0, -1) == ["b", "c", "d", "e"]
    assert r.execute_command("LTRIM", "l", -3, -2) == "OK"
    assert r.execute_command("LRANGE", "l", 0, -1) == ["c", "d"]
    assert r.execute_command("LTRIM", "l", 1, 0) == "OK"  # empty range: the key goes
    assert r.execute_command("EXISTS", "l") == 0
    assert r.execute_command("LTRIM", "nokey", 0, 1) == "OK"
    assert r.execute_command("EXISTS", "nokey") == 0
    r.execute_command("RPUSH", "l", "a", "b", "c")
    assert r.execute_command("LTRIM", "l", 10, 20) == "OK"
    assert r.execute_command("EXISTS", "l") == 0
    r.execute_command("RPUSH", "l", "a", "b", "c")
    assert r.execute_command("LTRIM", "l", -9223372036854775808, 9223372036854775807) == "OK"
    assert r.execute_command("LRANGE", "l", 0, -1) == ["a", "b", "c"]
    assert r.execute_command("LTRIM", "l", 0, 0) == "OK"
    assert r.execute_command("LRANGE", "l", 0, -1) == ["a"]
    assert err(r, "LTRIM", "l", "x", 1) == NOT_INT
    assert err(r, "LTRIM", "l", 0) == arity("ltrim")


# ---------------------------------------------------------------- LPOS

def test_lpos_rank_count_maxlen(r):
    r.execute_command("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert r.execute_command("LPOS", "l", "c") == 2
    assert r.execute_command("LPOS", "l", "a") == 0
    assert r.execute_command("LPOS", "l", "c", "RANK", 1) == 2
    assert r.execute_command("LPOS", "l", "c", "RANK", 2) == 6
    assert r.execute_command("LPOS", "l", "c", "RANK", 3) == 7
    assert r.execute_command("LPOS", "l", "c", "RANK", 4) is None
    assert r.execute_command("LPOS", "l", "c", "RANK", -1) == 7
    assert r.execute_command("LPOS", "l", "c", "RANK", -3) == 2
    assert r.execute_command("LPOS", "l", "c", "RANK", -4) is None
    assert r.execute_command("LPOS", "l", "c", "COUNT", 0) == [2, 6, 7]  # 0 = all matches
    assert r.execute_command("LPOS", "l", "c", "COUNT", 2) == [2, 6]
    assert r.execute_command("LPOS", "l", "c", "COUNT", 9223372036854775807) == [2, 6, 7]
    assert r.execute_command("LPOS", "l", "c", "COUNT", 0, "RANK", -1) == [7, 6, 2]
    assert r.execute_command("LPOS", "l", "c", "COUNT", 0, "RANK", 2) == [6, 7]
    assert r.execute_command("LPOS", "l", "c", "COUNT", 2, "RANK", -2) == [6, 2]
    assert r.execute_command("LPOS", "l", "c", "COUNT", 0, "MAXLEN", 3) == [2]
    assert r.execute_command("LPOS", "l", "c", "COUNT", 0, "MAXLEN", 2) == []
    assert r.execute_command("LPOS", "l", "c", "MAXLEN", 2) is None
    assert r.execute_command("LPOS", "l", "c", "MAXLEN", 0) == 2  # 0 = no limit
    assert r.execute_command("LPOS", "l", "c", "RANK", -1, "MAXLEN", 2) == 7  # from the tail
    assert r.execute_command("LPOS", "l", "c", "RANK", -1, "MAXLEN", 1) == 7
    assert r.execute_command("LPOS", "l", "1", "RANK", -1, "MAXLEN", 4) is None
    assert r.execute_command("LPOS", "l", "c", "rank", 1, "count", 1, "maxlen", 0) == [2]
    assert r.execute_command("LPOS", "l", "zz") is None
    assert r.execute_command("LPOS", "l", "zz", "COUNT", 0) == []
    assert r.execute_command("LPOS", "nokey", "a") is None
    assert r.execute_command("LPOS", "nokey", "a", "COUNT", 0) == []


def test_lpos_errors(r):
    r.execute_command("RPUSH", "l", "a", "b")
    assert err(r, "LPOS", "l", "a", "RANK", 0) == RANK_ZERO
    assert err(r, "LPOS", "nokey", "a", "RANK", 0) == RANK_ZERO
    assert err(r, "LPOS", "l", "a", "COUNT", -1) == "COUNT can't be negative"
    assert err(r, "LPOS", "l", "a", "COUNT", "x") == "COUNT can't be negative"
    assert err(r, "LPOS", "l", "a", "MAXLEN", -1) == "MAXLEN can't be negative"
    assert err(r, "LPOS", "l", "a", "RANK", "x") == NOT_INT
    assert err(r, "LPOS", "l", "a", "RANK") == SYNTAX
    assert err(r, "LPOS", "l", "a", "FOO", 1) == SYNTAX
    assert err(r, "LPOS", "l") == arity("lpos")


# ---------------------------------------------------------------- LMOVE / RPOPLPUSH

def test_lmove_all_directions(r):
    r.execute_command("RPUSH", "s", "a", "b", "c", "d")
    r.execute_command("RPUSH", "d", "x")
    assert r.execute_command("LMOVE", "s", "d", "LEFT", "LEFT") == "a"
    assert r.execute_command("LRANGE", "d", 0, -1) == ["a", "x"]
    assert r.execute_command("LMOVE", "s", "d", "LEFT", "RIGHT") == "b"
    assert r.execute_command("LRANGE", "d", 0, -1) == ["a", "x", "b"]
    assert r.execute_command("LMOVE", "s", "d", "RIGHT", "LEFT") == "d"
    assert r.execute_command("LRANGE", "d", 0, -1) == ["d", "a", "x", "b"]
    assert r.execute_command("LMOVE", "s", "d", "right", "right") == "c"
    assert r.execute_command("LRANGE", "d", 0, -1) == ["d", "a", "x", "b", "c"]
    assert r.execute_command("EXISTS", "s") == 0  # the emptied source is gone
    # a missing destination is created
    r.execute_command("RPUSH", "s", "only")
    assert r.execute_command("LMOVE", "s", "new", "LEFT", "RIGHT") == "only"
    assert r.execute_command("LRANGE", "new", 0, -1) == ["only"]
    assert r.execute_command("TYPE", "new") == "list"
    assert r.execute_command("EXISTS", "s") == 0
    assert r.execute_command("LMOVE", "nokey", "d", "LEFT", "LEFT") is None
    assert r.execute_command("LLEN", "d") == 5


def test_lmove_same_key_rotates(r):
    r.execute_command("RPUSH", "s", "1", "2", "3")
    assert r.execute_command("LMOVE", "s", "s", "LEFT", "RIGHT") == "1"
    assert r.execute_command("LRANGE", "s", 0, -1) == ["2", "3", "1"]
    assert r.execute_command("LMOVE", "s", "s", "RIGHT", "LEFT") == "1"
    assert r.execute_command("LRANGE", "s", 0, -1) == ["1", "2", "3"]
    assert r.execute_command("LMOVE", "s", "s", "LEFT", "LEFT") == "1"
    assert r.execute_command("LMOVE", "s", "s", "RIGHT", "RIGHT") == "3"
    assert r.execute_command("LRANGE", "s", 0, -1) == ["1", "2", "3"]
    r.execute_command("RPUSH", "one", "x")
    assert r.execute_command("LMOVE", "one", "one", "LEFT", "RIGHT") == "x"
    assert r.execute_command("LRANGE", "one", 0, -1) == ["x"]
    assert r.execute_command("RPOPLPUSH", "s", "s") == "3"
    assert r.execute_command("LRANGE", "s", 0, -1) == ["3", "1", "2"]


def test_rpoplpush(r):
    r.execute_command("RPUSH", "s", "a", "b", "c")
    assert r.execute_command("RPOPLPUSH", "s", "d") == "c"
    assert r.execute_command("RPOPLPUSH", "s", "d") == "b"
    assert r.execute_command("LRANGE", "d", 0, -1) == ["b", "c"]
    assert r.execute_command("RPOPLPUSH", "s", "d") == "a"
    assert r.execute_command("EXISTS", "s") == 0
    assert r.execute_command("LRANGE", "d", 0, -1) == ["a", "b", "c"]
    assert r.execute_command("RPOPLPUSH", "nokey", "d") is None
    assert err(r, "RPOPLPUSH", "s") == arity("rpoplpush")


def test_lmove_errors_and_wrongtype(r):
    r.execute_command("RPUSH", "s", "a", "b")
    r.set("str", "v")
    assert err(r, "LMOVE", "s", "d", "UP", "LEFT") == SYNTAX
    assert err(r, "LMOVE", "s", "d", "LEFT", "DOWN") == SYNTAX
    assert err(r, "LMOVE", "nokey", "d", "UP", "LEFT") == SYNTAX
    assert err(r, "LMOVE", "s", "d", "LEFT") == arity("lmove")
    assert err(r, "LMOVE", "s", "str", "LEFT", "LEFT") == WRONGTYPE
    assert err(r, "LMOVE", "str", "s", "LEFT", "LEFT") == WRONGTYPE
    assert err(r, "RPOPLPUSH", "s", "str") == WRONGTYPE
    assert err(r, "RPOPLPUSH", "str", "s") == WRONGTYPE
    # nothing moved on the errors
    assert r.execute_command("LRANGE", "s", 0, -1) == ["a", "b"]
    assert r.get("str") == "v"
    # a missing source answers nil before the destination's type is looked at
    assert r.execute_command("LMOVE", "nokey", "str", "LEFT", "LEFT") is None
    assert r.execute_command("RPOPLPUSH", "nokey", "str") is None


# ---------------------------------------------------------------- LMPOP

def test_lmpop(r):
    r.execute_command("RPUSH", "l", "a", "b", "c", "d", "e")
    assert r.execute_command("LMPOP", 1, "l", "LEFT") == ["l", ["a"]]
    assert r.execute_command("LMPOP", 1, "l", "RIGHT") == ["l", ["e"]]
    assert r.execute_command("LMPOP", 1, "l", "left", "COUNT", 2) == ["l", ["b", "c"]]
    assert r.execute_command("LMPOP", 1, "l", "RIGHT", "count", 100) == ["l", ["d"]]
    assert r.execute_command("EXISTS", "l") == 0
    assert r.execute_command("LMPOP", 1, "l", "LEFT") is None
    # the first non-empty key in argument order wins
    r.execute_command("RPUSH", "k2", "x", "y", "z")
    r.execute_command("RPUSH", "k3", "q")
    assert r.execute_command("LMPOP", 3, "k1", "k2", "k3", "RIGHT", "COUNT", 2) == [
        "k2", ["z", "y"]]
    assert r.execute_command("LMPOP", 3, "k1", "k2", "k3", "LEFT", "COUNT", 5) == ["k2", ["x"]]
    assert r.execute_command("LMPOP", 3, "k1", "k2", "k3", "LEFT", "COUNT", 5) == ["k3", ["q"]]
    assert r.execute_command("LMPOP", 3, "k1", "k2", "k3", "LEFT") is None
    # a non-list key before the first non-empty list is an error; after it, it is not looked at
    r.set("str", "v")
    r.execute_command("RPUSH", "l", "a")
    assert err(r, "LMPOP", 2, "str", "l", "LEFT") == WRONGTYPE
    assert err(r, "LMPOP", 2, "nokey", "str", "LEFT") == WRONGTYPE
    assert r.execute_command("LMPOP", 2, "l", "str", "LEFT") == ["l", ["a"]]


def test_lmpop_errors(r):
    r.execute_command("RPUSH", "l", "a")
    assert err(r, "LMPOP", 0, "l", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", -1, "l", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", "x", "l", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", 2, "l", "LEFT") == SYNTAX  # numkeys past the arguments
    assert err(r, "LMPOP", 99999999999, "l", "LEFT") == SYNTAX
    assert err(r, "LMPOP", 1, "l", "UP") == SYNTAX
    assert err(r, "LMPOP", 1, "l", "LEFT", "COUNT", 0) == "count should be greater than 0"
    assert err(r, "LMPOP", 1, "l", "LEFT", "COUNT", -1) == "count should be greater than 0"
    assert err(r, "LMPOP", 1, "l", "LEFT", "COUNT", "x") == "count should be greater than 0"
    assert err(r, "LMPOP", 1, "l", "LEFT", "COUNT") == SYNTAX
    assert err(r, "LMPOP", 1, "l", "LEFT", "COUNT", 1, "COUNT", 2) == SYNTAX
    assert err(r, "LMPOP", 1, "l", "LEFT", "FOO", 1) == SYNTAX
    assert err(r, "LMPOP", 1, "l") == arity("lmpop")
    assert err(r, "LMPOP", 1) == arity("lmpop")
    assert r.execute_command("LRANGE", "l", 0, -1) == ["a"]


# ---------------------------------------------------------------- arity and WRONGTYPE

ARITY_CASES = [
    ("LPUSH", "k"), ("RPUSH", "k"), ("LPUSHX", "k"), ("RPUSHX", "k"), ("LPUSHX",),
    ("LPOP",), ("RPOP",), ("LPOP", "k", 1, 2), ("LLEN",), ("LLEN", "a", "b"),
    ("LRANGE", "k", 0), ("LINDEX", "k"), ("LSET", "k", 0), ("LINSERT", "k", "BEFORE", "a"),
    ("LREM", "k", 0), ("LTRIM", "k", 0), ("LPOS", "k"), ("LMOVE", "a", "b", "LEFT"),
    ("RPOPLPUSH", "a"), ("LMPOP", 1, "k"), ("LMPOP",),
]

WRONGTYPE_CASES = [
    ("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"),
    ("LPOP", "s"), ("RPOP", "s"), ("LPOP", "s", 0), ("RPOP", "s", 2), ("LLEN", "s"),
    ("LRANGE", "s", 0, -1), ("LINDEX", "s", 0), ("LSET", "s", 0, "a"),
    ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", 0, "a"), ("LTRIM", "s", 0, 1),
    ("LPOS", "s", "a"), ("LPOS", "s", "a", "COUNT", 0), ("LMOVE", "s", "d", "LEFT", "LEFT"),
    ("RPOPLPUSH", "s", "d"), ("LMPOP", 1, "s", "LEFT"),
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
    assert r.execute_command("EXISTS", "d") == 0


def test_other_types_commands_on_list_are_wrongtype(r):
    r.execute_command("RPUSH", "l", "a")
    assert err(r, "GET", "l") == WRONGTYPE
    assert err(r, "INCR", "l") == WRONGTYPE
    assert err(r, "APPEND", "l", "x") == WRONGTYPE
    assert err(r, "HSET", "l", "f", "v") == WRONGTYPE
    assert err(r, "HGET", "l", "f") == WRONGTYPE
    assert r.execute_command("LRANGE", "l", 0, -1) == ["a"]
    r.execute_command("HSET", "h", "f", "v")
    assert err(r, "LPUSH", "h", "x") == WRONGTYPE
    assert err(r, "LLEN", "h") == WRONGTYPE
    assert r.execute_command("SET", "l", "now a string") == "OK"  # SET overwrites any type
    assert r.execute_command("TYPE", "l") == "string"


# ---------------------------------------------------------------- binary safety

def test_binary_safe_elements(rb):
    k = b"k\x00\r\n"
    e1, e2, e3, e4 = b"a\x00b", b"\r\n", bytes(range(256)), b"\x00" * 300
    assert rb.execute_command("RPUSH", k, e1, e2, e3, e4) == 4
    assert rb.execute_command("LRANGE", k, 0, -1) == [e1, e2, e3, e4]
    assert rb.execute_command("LINDEX", k, 1) == e2
    assert rb.execute_command("LPOS", k, e3) == 2
    assert rb.execute_command("LPOS", k, b"a\x00") is None
    assert rb.execute_command("LINSERT", k, b"AFTER", e2, b"\xff\xfe") == 5
    assert rb.execute_command("LSET", k, 0, b"\x00\r\n\x00") == b"OK"
    assert rb.execute_command("LREM", k, 0, e4) == 1
    assert rb.execute_command("LRANGE", k, 0, -1) == [b"\x00\r\n\x00", e2, b"\xff\xfe", e3]
    assert rb.execute_command("LMOVE", k, b"d\x00", b"LEFT", b"RIGHT") == b"\x00\r\n\x00"
    assert rb.execute_command("RPOP", k) == e3
    assert rb.execute_command("LPOP", k, 5) == [e2, b"\xff\xfe"]
    assert rb.execute_command("LRANGE", b"d\x00", 0, -1) == [b"\x00\r\n\x00"]
    # integers-looking elements keep their exact bytes
    nums = [b"0", b"-1", b"007", b"9223372036854775807", b"-9223372036854775808",
            b"9223372036854775808", b"1.5", b" 1", b"+1", b"-0"]
    rb.execute_command("RPUSH", b"nums", *nums)
    assert rb.execute_command("LRANGE", b"nums", 0, -1) == nums
    assert rb.execute_command("LPOS", b"nums", b"007") == 2
    assert rb.execute_command("LPOS", b"nums", b"7") is None


# ---------------------------------------------------------------- long lists

def test_big_list_10k(r):
    model = rpush_many(r, "big", ("element-%05d-" % i + "x" * (i % 100) for i in range(10000)))
    assert r.execute_command("LLEN", "big") == 10000
    assert r.execute_command("OBJECT", "ENCODING", "big") == "quicklist"
    assert r.execute_command("LRANGE", "big", 0, -1) == model
    assert r.execute_command("LRANGE", "big", 4990, 5009) == model[4990:5010]
    assert r.execute_command("LRANGE", "big", -20, -1) == model[-20:]
    for i in (0, 1, 777, 5000, 9998, 9999, -1, -5000, -10000):
        assert r.execute_command("LINDEX", "big", i) == model[i], i
    assert r.execute_command("LSET", "big", 5000, "middle-" + "m" * 200) == "OK"
    model[5000] = "middle-" + "m" * 200
    assert r.execute_command("LINSERT", "big", "BEFORE", model[7000], "inserted") == 10001
    model.insert(7000, "inserted")
    assert r.execute_command("LPOS", "big", "inserted") == 7000
    assert r.execute_command("LPOS", "big", model[9000], "RANK", -1) == 9000
    assert r.execute_command("LREM", "big", 0, model[3]) == 1
    del model[3]
    assert r.execute_command("LPOP", "big", 3) == model[:3]
    assert r.execute_command("RPOP", "big", 3) == model[-1:-4:-1]
    model = model[3:-3]
    assert r.execute_command("LRANGE", "big", 0, -1) == model
    assert r.execute_command("LTRIM", "big", 1000, -1001) == "OK"
    model = model[1000:-1000]
    assert r.execute_command("LLEN", "big") == len(model)
    assert r.execute_command("LRANGE", "big", 0, -1) == model


def test_big_elements(rb):
    elems = [os.urandom(n) for n in (65, 100, 255, 256, 4000, 16384, 70000, 300000)]
    rb.execute_command("RPUSH", "l", *elems)
    rb.execute_command("LPUSH", "l", b"small")
    assert rb.execute_command("LRANGE", "l", 0, -1) == [b"small"] + elems
    assert rb.execute_command("LINDEX", "l", 7) == elems[6]
    assert rb.execute_command("LSET", "l", 0, b"z" * 100000) == b"OK"
    assert rb.execute_command("LINSERT", "l", b"BEFORE", elems[7], b"tiny") == 10
    assert rb.execute_command("LRANGE", "l", -2, -1) == [b"tiny", elems[7]]
    assert rb.execute_command("LPOS", "l", elems[5]) == 6
    assert rb.execute_command("LMOVE", "l", "d", "RIGHT", "LEFT") == elems[7]
    assert rb.execute_command("LPOP", "d") == elems[7]


def test_type_and_encoding(r):
    r.execute_command("RPUSH", "small", "a")
    assert r.execute_command("TYPE", "small") == "list"
    # Redis 7.0 reports every list as a quicklist, however small or large
    assert r.execute_command("OBJECT", "ENCODING", "small") == "quicklist"
    rpush_many(r, "big", ("v" * 100 for _ in range(2000)))
    assert r.execute_command("OBJECT", "ENCODING", "big") == "quicklist"
    assert r.execute_command("TYPE", "big") == "list"


def test_list_max_listpack_size_config_and_alias(r):
    assert r.execute_command("CONFIG", "GET", "list-max-listpack-size") == [
        "list-max-listpack-size", "-2"]
    assert r.execute_command("CONFIG", "GET", "list-max-ziplist-size") == [
        "list-max-ziplist-size", "-2"]
    assert r.execute_command("CONFIG", "GET", "list-compress-depth") == [
        "list-compress-depth", "0"]
    assert r.execute_command("CONFIG", "SET", "list-max-ziplist-size", 5) == "OK"
    assert r.execute_command("CONFIG", "GET", "list-max-listpack-size") == [
        "list-max-listpack-size", "5"]
    assert r.execute_command("CONFIG", "SET", "list-max-listpack-size", -3) == "OK"
    assert r.execute_command("CONFIG", "GET", "list-max-ziplist-size") == [
        "list-max-ziplist-size", "-3"]
    assert r.execute_command("CONFIG", "SET", "list-compress-depth", 2) == "OK"
    assert r.execute_command("CONFIG", "GET", "list-compress-depth") == [
        "list-compress-depth", "2"]
    assert err(r, "CONFIG", "SET", "list-max-listpack-size", "x") == (
        "CONFIG SET failed (possibly related to argument 'list-max-listpack-size') - "
        "argument couldn't be parsed into an integer")
    assert err(r, "CONFIG", "SET", "list-compress-depth", -1) == (
        "CONFIG SET failed (possibly related to argument 'list-compress-depth') - "
        "argument must be between 0 and 2147483647 inclusive")


def test_list_node_fill_seen_in_debug_object(r):
    """With a positive list-max-listpack-size a quicklist node holds that many entries; the
    setting is taken when the list is created (DEBUG OBJECT's ql_* fields, as Redis 7.0)."""
    r.execute_command("RPUSH", "old", "a")
    assert r.execute_command("CONFIG", "SET", "list-max-listpack-size", 5) == "OK"
    r.execute_command("RPUSH", "l", *range(12))
    f = debug_object_fields(r, "l")
    assert f["encoding"] == "quicklist"
    assert (f["ql_nodes"], f["ql_listpack_max"], f["ql_compressed"]) == ("3", "5", "0")
    assert f["ql_avg_node"] == "4.00"
    r.execute_command("RPUSH", "l", "t1", "t2", "t3")  # tail node 2 -> 5 entries
    assert debug_object_fields(r, "l")["ql_nodes"] == "3"
    r.execute_command("RPUSH", "l", "t4")
    assert debug_object_fields(r, "l")["ql_nodes"] == "4"
    r.execute_command("LPUSH", "l", "h1")  # head node full: a new one
    assert debug_object_fields(r, "l")["ql_nodes"] == "5"
    assert r.execute_command("LRANGE", "l", 0, -1) == (
        ["h1"] + [str(i) for i in range(12)] + ["t1", "t2", "t3", "t4"])
    # a list made earlier keeps its own fill
    assert debug_object_fields(r, "old")["ql_listpack_max"] == "-2"
    for fill in (0, 1):
        r.execute_command("CONFIG", "SET", "list-max-listpack-size", fill)
        r.execute_command("RPUSH", "one-per-node-%d" % fill, *range(5))
        f = debug_object_fields(r, "one-per-node-%d" % fill)
        assert (f["ql_nodes"], f["ql_listpack_max"]) == ("5", str(fill))
    r.execute_command("CONFIG", "SET", "list-compress-depth", 1)
    r.execute_command("RPUSH", "c", *range(20))
    assert debug_object_fields(r, "c")["ql_compressed"] == "1"


@pytest.mark.parametrize("fill,depth", [(4, 1), (3, 2), (-2, 1), (-1, 1)])
def test_compressed_lists_read_back(server, fill, depth):
    """With list-compress-depth every inner node is LZF-compressed; reads and edits in the
    middle, DEBUG RELOAD and DUMP/RESTORE still see the same elements."""
    r = server.client(raw_replies=True)
    r.execute_command("CONFIG", "SET", "list-max-listpack-size", fill)
    r.execute_command("CONFIG", "SET", "list-compress-depth", depth)
    model = rpush_many(r, "l", ("item %d " % i + "abcdefgh" * (i % 20) for i in range(3000)))
    assert r.execute_command("LRANGE", "l", 0, -1) == model
    for i in (0, 1, 2, 3, 4, 5, 1500, 2997, 2999, -3):
        assert r.execute_command("LINDEX", "l", i) == model[i], i
    assert r.execute_command("LSET", "l", 1500, "replaced " * 30) == "OK"
    model[1500] = "replaced " * 30
    assert r.execute_command("LINSERT", "l", "AFTER", model[1000], "ins") == 3001
    model.insert(1001, "ins")
    assert r.execute_command("LREM", "l", 0, model[2000]) == 1
    del model[2000]
    assert r.execute_command("LPOS", "l", "ins") == 1001
    assert r.execute_command("LRANGE", "l", 990, 1010) == model[990:1011]
    assert r.execute_command("LRANGE", "l", 0, -1) == model
    r.execute_command("LTRIM", "l", 7, -8)
    model = model[7:-7]
    assert r.execute_command("LRANGE", "l", 0, -1) == model
    assert r.execute_command("DEBUG", "RELOAD") == "OK"
    assert r.execute_command("LRANGE", "l", 0, -1) == model
    rb = server.client(decode_responses=False, raw_replies=True)
    assert rb.execute_command("RESTORE", "copy", 0, rb.execute_command("DUMP", "l")) == b"OK"
    assert r.execute_command("LRANGE", "copy", 0, -1) == model
    assert r.execute_command("LPOP", "copy", 10) == model[:10]


def test_random_operations_match_a_model(r):
    """A seeded random mix of every list write on small nodes, checked against a Python list."""
    r.execute_command("CONFIG", "SET", "list-max-listpack-size", 4)
    r.execute_command("CONFIG", "SET", "list-compress-depth", 1)
    rnd = random.Random(7)
    model = []

    def value():
        return rnd.choice(["a", "b", "c", "", "12", "-7", "x" * rnd.randint(1, 90)])

    for step in range(1500):
        op = rnd.randrange(10)
        if op == 0:
            vals = [value() for _ in range(rnd.randint(1, 5))]
            r.execute_command("LPUSH", "l", *vals)
            model[:0] = reversed(vals)
        elif op == 1:
            vals = [value() for _ in range(rnd.randint(1, 5))]
            r.execute_command("RPUSH", "l", *vals)
            model.extend(vals)
        elif op == 2:
            n, existed = rnd.randint(0, 3), bool(model)
            got = r.execute_command("LPOP", "l", n)
            want, model = model[:n], model[n:]
            assert got == (want if existed else None), step
        elif op == 3:
            got = r.execute_command("RPOP", "l")
            assert got == (model.pop() if model else None), step
        elif op == 4 and model:
            i = rnd.randrange(-len(model), len(model))
            v = value()
            assert r.execute_command("LSET", "l", i, v) == "OK"
            model[i] = v
        elif op == 5:
            pivot, v, where = value(), value(), rnd.choice(["BEFORE", "AFTER"])
            got = r.execute_command("LINSERT", "l", where, pivot, v)
            if not model:
                assert got == 0, step
            elif pivot not in model:
                assert got == -1, step
            else:
                model.insert(model.index(pivot) + (where == "AFTER"), v)
                assert got == len(model), step
        elif op == 6:
            v, count = value(), rnd.randint(-2, 2)
            got = r.execute_command("LREM", "l", count, v)
            idx = [i for i, e in enumerate(model) if e == v]
            if count < 0:
                idx = idx[::-1]
            if count:
                idx = idx[:abs(count)]
            for i in sorted(idx, reverse=True):
                del model[i]
            assert got == len(idx), step
        elif op == 7 and len(model) > 30:
            start, stop = rnd.randint(0, 3), -rnd.randint(1, 4)
            r.execute_command("LTRIM", "l", start, stop)
            model = model[start:len(model) + stop + 1]
        elif op == 8:
            where_from, where_to = rnd.choice(["LEFT", "RIGHT"]), rnd.choice(["LEFT", "RIGHT"])
            got = r.execute_command("LMOVE", "l", "l", where_from, where_to)
            if model:
                e = model.pop(0 if where_from == "LEFT" else -1)
                if where_to == "LEFT":
                    model.insert(0, e)
                else:
                    model.append(e)
                assert got == e, step
            else:
                assert got is None, step
        elif op == 9 and model:
            i = rnd.randrange(len(model))
            assert r.execute_command("LINDEX", "l", i) == model[i], step
        if step % 50 == 0:
            assert r.execute_command("LRANGE", "l", 0, -1) == model, step
    assert r.execute_command("LRANGE", "l", 0, -1) == model
    assert r.execute_command("LLEN", "l") == len(model)


# ---------------------------------------------------------------- generic commands

def test_scan_type_list(r):
    for i in range(30):
        r.execute_command("RPUSH", "list:%d" % i, i)
        r.set("str:%d" % i, i)
        r.execute_command("HSET", "hash:%d" % i, "f", i)

    def scan_all(*opts):
        cursor, keys = "0", []
        while True:
            cursor, page = r.execute_command("SCAN", cursor, *opts)
            keys += page
            if cursor == "0":
                return keys

    got = scan_all("TYPE", "list", "COUNT", 7)
    assert sorted(got) == sorted("list:%d" % i for i in range(30))
    assert sorted(scan_all("TYPE", "LIST")) == sorted(got)
    assert sorted(scan_all("TYPE", "list", "MATCH", "list:2*")) == sorted(
        ["list:2"] + ["list:2%d" % i for i in range(10)])


def test_copy_rename_move(r):
    r.execute_command("RPUSH", "src", "a", "b", "c")
    assert r.execute_command("COPY", "src", "dst") == 1
    assert r.execute_command("COPY", "src", "dst") == 0
    r.execute_command("RPUSH", "dst", "d")
    r.execute_command("LSET", "dst", 0, "A")
    assert r.execute_command("LRANGE", "src", 0, -1) == ["a", "b", "c"]  # a deep copy
    assert r.execute_command("LRANGE", "dst", 0, -1) == ["A", "b", "c", "d"]
    big = rpush_many(r, "bigsrc", ("e%d" % i for i in range(5000)))
    assert r.execute_command("COPY", "bigsrc", "dst", "REPLACE") == 1
    r.execute_command("LPOP", "dst", 100)
    assert r.execute_command("LRANGE", "bigsrc", 0, -1) == big
    assert r.execute_command("LLEN", "dst") == 4900
    assert r.execute_command("COPY", "src", "other", "DB", 2) == 1
    assert r.execute_command("RENAME", "src", "moved") == "OK"
    assert r.execute_command("EXISTS", "src") == 0
    assert r.execute_command("LRANGE", "moved", 0, -1) == ["a", "b", "c"]
    assert r.execute_command("TYPE", "moved") == "list"
    assert r.execute_command("MOVE", "moved", 1) == 1
    assert r.execute_command("EXISTS", "moved") == 0
    assert r.execute_command("SELECT", 1) == "OK"
    assert r.execute_command("LRANGE", "moved", 0, -1) == ["a", "b", "c"]
    assert r.execute_command("SELECT", 2) == "OK"
    assert r.execute_command("LRANGE", "other", 0, -1) == ["a", "b", "c"]
    assert r.execute_command("SELECT", 0) == "OK"
    assert r.execute_command("DEL", "dst", "bigsrc") == 2


def test_expire_list(r):
    r.execute_command("RPUSH", "l", "a")
    assert r.execute_command("PEXPIRE", "l", 200) == 1
    r.execute_command("RPUSH", "l", "b")
    r.execute_command("LPOP", "l")
    assert r.execute_command("PTTL", "l") > 0  # writes keep the TTL
    eventually(lambda: r.execute_command("EXISTS", "l") == 0, timeout=5,
               msg="list did not expire")
    assert r.execute_command("LLEN", "l") == 0
    assert r.execute_command("LPUSH", "l", "x") == 1  # a fresh key without a TTL
    assert r.execute_command("PTTL", "l") == -1


# ---------------------------------------------------------------- DEBUG DIGEST-VALUE

# Hex digests taken from Redis 7.0.15 for the same lists (DEBUG DIGEST-VALUE mixes each
# element, in order, into the key's digest).
DIGESTS = {
    "l1": "8bf72d812571eea9b927f3c11beb0c4165a6ff89",
    "l2": "b99232b1810b1676ee6b4c735c55857357d5b474",
    "l3": "c39aefe462524214990f55b0720cc7605feaa05a",
    "big": "a16f7f2c4bd301485b95b32f4603742e08b8b6ec",
    "ints": "6fe2276625b24b9451420d71160567417c4400b4",
}
DB_DIGEST = "9674928c9eb304841d6f7f0bfedac3c7d930aac1"


def fill_digest_lists(c):
    c.execute_command("RPUSH", "l1", "a", "b", "c")
    c.execute_command("RPUSH", "l2", "1", "-2", "300000", "hello", "")
    c.execute_command("RPUSH", "l3", b"\x00\r\n", b"x" * 100)
    rpush_many(c, "big", ("e%d" % i for i in range(1000)))
    c.execute_command("RPUSH", "ints", *[str(i) for i in range(-50, 50)])


def test_debug_digest_value_matches_redis(server):
    c = server.client(decode_responses=True, raw_replies=True)
    fill_digest_lists(c)
    keys = list(DIGESTS)
    assert c.execute_command("DEBUG", "DIGEST-VALUE", *keys, "nokey") == [
        DIGESTS[k] for k in keys] + ["0" * 40]
    assert c.execute_command("DEBUG", "DIGEST") == DB_DIGEST
    # the digest depends on the elements and their order, not on how the nodes are laid out
    c.execute_command("CONFIG", "SET", "list-max-listpack-size", 3)
    c.execute_command("CONFIG", "SET", "list-compress-depth", 1)
    rpush_many(c, "big2", ("e%d" % i for i in range(1000)))
    assert c.execute_command("DEBUG", "DIGEST-VALUE", "big2") == [DIGESTS["big"]]
    c.execute_command("RPUSH", "x", "a", "b")
    c.execute_command("LPUSH", "x", "z")
    c.execute_command("LREM", "x", 0, "a")
    c.execute_command("RPUSH", "y", "z", "b")
    expected = "90c3b0ebf7f8d21f8fb9ca6f90d5df3ae152e969"
    assert c.execute_command("DEBUG", "DIGEST-VALUE", "x", "y") == [expected, expected]
    c.execute_command("RPUSH", "rev", "c", "b", "a")
    assert c.execute_command("DEBUG", "DIGEST-VALUE", "rev") == [
        "ab68e07de85d09ef55234146f46ee46a318beead"]


# ---------------------------------------------------------------- DUMP / RESTORE

CRC64_TABLE = []
for _i in range(256):
    _crc = _i
    for _ in range(8):
        _crc = (_crc >> 1) ^ 0x95AC9329AC4BC9B5 if _crc & 1 else _crc >> 1
    CRC64_TABLE.append(_crc)


def crc64(data):
    """Redis's CRC-64 (Jones polynomial, reflected), as DUMP payloads carry it."""
    crc = 0
    for b in data:
        crc = CRC64_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def sealed(body, rdb_version=10):
    """A DUMP payload: body, RDB version (2 bytes LE), CRC-64 of both (8 bytes LE)."""
    data = body + struct.pack("<H", rdb_version)
    return data + struct.pack("<Q", crc64(data))


def ziplist(*entries):
    """A ziplist of short strings (Redis <= 6.2's node format)."""
    body, prev = b"", 0
    for e in entries:
        assert len(e) < 64
        entry = bytes([prev, len(e)]) + e
        body += entry
        prev = len(entry)
    return struct.pack("<IIH", 10 + len(body) + 1, 10 + len(body) - prev, len(entries)) + \
        body + b"\xff"


# DUMP of RPUSH l "a" and of RPUSH l 0 1 2 on Redis 7.0.15: type 18 (quicklist of listpacks).
REDIS_DUMP_A = bytes.fromhex("1201020a0a0000000100816102ff0a0009b9edf594ded995")
REDIS_DUMP_012 = bytes.fromhex("1201020d0d0000000300000101010201ff0a0066a372cd97ab5223")


def test_dump_restore_roundtrip(rb):
    rb.execute_command("RPUSH", "small", "a", b"\x00\r\n", "12345", "-1", "")
    big = rpush_many(rb, "big", (b"e%d" % i + b"y" * (i % 70) for i in range(10000)))
    for src, dst in (("small", "small2"), ("big", "big2")):
        payload = rb.execute_command("DUMP", src)
        assert isinstance(payload, bytes) and payload
        assert rb.execute_command("RESTORE", dst, 0, payload) == b"OK"
        assert rb.execute_command("LRANGE", dst, 0, -1) == rb.execute_command(
            "LRANGE", src, 0, -1)
        assert rb.execute_command("TYPE", dst) == b"list"
        assert rb.execute_command("OBJECT", "ENCODING", dst) == b"quicklist"
        with pytest.raises(redis.ResponseError) as e:
            rb.execute_command("RESTORE", dst, 0, payload)
        assert str(e.value) == "BUSYKEY Target key name already exists."
        assert rb.execute_command("RESTORE", dst, 0, payload, "REPLACE") == b"OK"
    assert rb.execute_command("LRANGE", "small2", 0, -1) == [
        b"a", b"\x00\r\n", b"12345", b"-1", b""]
    assert rb.execute_command("LRANGE", "big2", 0, -1) == big
    assert rb.execute_command("RESTORE", "ttl", 5000, rb.execute_command("DUMP", "small")) == \
        b"OK"
    assert 0 < rb.execute_command("PTTL", "ttl") <= 5000


def test_dump_small_list_bytes_as_redis(rb):
    rb.execute_command("RPUSH", "a", "a")
    rb.execute_command("RPUSH", "n", 0, 1, 2)
    assert rb.execute_command("DUMP", "a") == REDIS_DUMP_A
    assert rb.execute_command("DUMP", "n") == REDIS_DUMP_012
    assert rb.execute_command("RESTORE", "a2", 0, REDIS_DUMP_A) == b"OK"
    assert rb.execute_command("LRANGE", "a2", 0, -1) == [b"a"]
    assert rb.execute_command("RESTORE", "n2", 0, REDIS_DUMP_012) == b"OK"
    assert rb.execute_command("LRANGE", "n2", 0, -1) == [b"0", b"1", b"2"]


def test_restore_older_list_encodings(rb):
    """Payloads in the list types older Redis versions wrote (RDB version 9) still load."""
    zl = ziplist(b"a", b"bc")
    cases = [
        # type 1: a plain list of strings
        (bytes([1, 3, 1]) + b"a" + b"\x02bc" + b"\x00", [b"a", b"bc", b""]),
        # type 10: one ziplist
        (bytes([10, len(zl)]) + zl, [b"a", b"bc"]),
        # type 14: a quicklist of ziplists
        (bytes([14, 1, len(zl)]) + zl, [b"a", b"bc"]),
        (bytes([14, 2, len(zl)]) + zl + bytes([len(zl)]) + zl, [b"a", b"bc", b"a", b"bc"]),
    ]
    for i, (body, want) in enumerate(cases):
        assert rb.execute_command("RESTORE", "k%d" % i, 0, sealed(body, 9)) == b"OK", i
        assert rb.execute_command("LRANGE", "k%d" % i, 0, -1) == want, i
        assert rb.execute_command("OBJECT", "ENCODING", "k%d" % i) == b"quicklist"
    # type 18 with a PLAIN node (container 1): one element stored as-is
    assert rb.execute_command("RESTORE", "plain", 0, sealed(bytes([18, 1, 1, 3]) + b"abc")) == \
        b"OK"
    assert rb.execute_command("LRANGE", "plain", 0, -1) == [b"abc"]


def test_restore_corrupt_payloads_refused(server, rb):
    conn = server.conn()
    rb.execute_command("RPUSH", "l", "a", "b", "1", "-5", "70000")
    payload = rb.execute_command("DUMP", "l")
    body = payload[:-10]
    bad_data = [
        b"\xc8" + body[1:],  # unknown type
        body[:5],  # truncated
        body[:4] + bytes([body[4] + 1]) + body[5:],  # listpack total-bytes header off by one
        body[:-1] + b"\x00",  # listpack without its 0xff terminator
        bytes([18, 0]),  # a list with no nodes: an empty key
        body[:2] + b"\x03" + body[3:],  # unknown container kind
        bytes([14, 1, 18]) + ziplist(b"a", b"bc")[:-1] + b"\x00",  # broken ziplist
    ]
    for i, bad in enumerate(bad_data):
        assert str(conn.call("RESTORE", "t", 0, sealed(bad))) == "ERR Bad data format", i
    wrong = "ERR DUMP payload version or checksum are wrong"
    assert str(conn.call("RESTORE", "t", 0, payload[:-1] + bytes([payload[-1] ^ 1]))) == wrong
    assert str(conn.call("RESTORE", "t", 0, sealed(body, 13))) == wrong  # newer RDB version
    assert str(conn.call("RESTORE", "t", 0, b"\x00\x01")) == wrong
    assert str(conn.call("RESTORE", "t", 0, b"")) == wrong
    assert rb.execute_command("EXISTS", "t") == 0
    assert rb.execute_command("RESTORE", "t", 0, sealed(body)) == b"OK"  # resealed: fine
    assert rb.execute_command("LRANGE", "t", 0, -1) == [b"a", b"b", b"1", b"-5", b"70000"]


@needs_redis
def test_dump_restore_across_real_redis(server, make_server):
    real = make_server(binary=REDIS_SERVER)
    rc = real.client(decode_responses=False, raw_replies=True)
    c = server.client(decode_responses=False, raw_replies=True)
    lists = {
        "small": [b"a", b"12", b"-300000", b"", b"\x00\r\n"],
        "big": [b"e%d-" % i + b"q" * (i % 100) for i in range(10000)],
        "bin": [os.urandom(n) for n in (1, 70, 3000, 70000)],
        "ints": [b"%d" % i for i in range(-600, 600)],
    }
    for k, v in lists.items():
        rpush_many(rc, k, v)
        rpush_many(c, k, v)
    for conf in ((-2, 0), (4, 1)):
        for server_client in (rc, c):
            server_client.execute_command("CONFIG", "SET", "list-max-listpack-size", conf[0])
            server_client.execute_command("CONFIG", "SET", "list-compress-depth", conf[1])
        name = "cfg%d" % conf[0]
        lists[name] = [b"compressible %d " % i + b"z" * 60 for i in range(2000)]
        rpush_many(rc, name, lists[name])
        rpush_many(c, name, lists[name])
    for k, v in lists.items():
        assert c.execute_command("RESTORE", "from-redis-" + k, 0, rc.execute_command(
            "DUMP", k)) == b"OK", k
        assert c.execute_command("LRANGE", "from-redis-" + k, 0, -1) == v, k
        assert rc.execute_command("RESTORE", "from-sable-" + k, 0, c.execute_command(
            "DUMP", k)) == b"OK", k
        assert rc.execute_command("LRANGE", "from-sable-" + k, 0, -1) == v, k
        assert c.execute_command("DEBUG", "DIGEST-VALUE", k) == rc.execute_command(
            "DEBUG", "DIGEST-VALUE", k), k
    assert c.execute_command("DUMP", "small") == rc.execute_command("DUMP", "small")


# ---------------------------------------------------------------- persistence

def list_snapshot(c, keys):
    """{key: (elements, type, has_ttl)} through a bytes client."""
    return {k: (c.execute_command("LRANGE", k, 0, -1), c.execute_command("TYPE", k),
                c.execute_command("PTTL", k) > 0) for k in keys}


def fill_lists(c):
    c.execute_command("RPUSH", "small", "a", "-2", "3.5", "", "9223372036854775807")
    c.execute_command("RPUSH", "bin", b"\x00\r\n", b"\xff" * 70)
    c.execute_command("RPUSH", "ttl", "x")
    c.execute_command("EXPIRE", "ttl", 1000)
    rpush_many(c, "big", (b"element %d " % i + b"w" * (i % 90) for i in range(3000)))
    c.execute_command("LSET", "big", 1500, "changed")
    c.execute_command("LINSERT", "big", "BEFORE", "changed", "before-changed")
    c.execute_command("LREM", "big", 1, b"element 7 " + b"w" * 7)
    c.execute_command("LTRIM", "big", 2, -3)
    c.execute_command("CONFIG", "SET", "list-compress-depth", 1)
    c.execute_command("CONFIG", "SET", "list-max-listpack-size", 8)
    rpush_many(c, "compressed", (b"c%d " % i + b"v" * 50 for i in range(500)))
    c.execute_command("CONFIG", "SET", "list-compress-depth", 0)
    c.execute_command("CONFIG", "SET", "list-max-listpack-size", -2)
    return ["small", "bin", "ttl", "big", "compressed"]


def test_save_and_restart_keeps_lists(server):
    c = server.client(decode_responses=False, raw_replies=True)
    keys = fill_lists(c)
    before = list_snapshot(c, keys)
    digest = c.execute_command("DEBUG", "DIGEST")
    assert len(before["big"][0]) == 2996
    assert c.execute_command("SAVE") == b"OK"
    c = rdb_restart(server)
    c.response_callbacks = {}
    assert c.execute_command("DBSIZE") == len(keys)
    assert list_snapshot(c, keys) == before
    assert c.execute_command("DEBUG", "DIGEST") == digest


def test_debug_reload_keeps_lists(server):
    c = server.client(decode_responses=False, raw_replies=True)
    keys = fill_lists(c)
    before = list_snapshot(c, keys)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert list_snapshot(c, keys) == before
    assert c.execute_command("OBJECT", "ENCODING", "small") == b"quicklist"


@needs_redis
def test_rdb_exchanged_with_real_redis(server, make_server):
    c = server.client(decode_responses=False, raw_replies=True)
    keys = fill_lists(c)
    before = list_snapshot(c, keys)
    c.execute_command("SAVE")
    real = make_server(binary=REDIS_SERVER, start=False)
    with open(os.path.join(server.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    with open(os.path.join(real.dir, "dump.rdb"), "wb") as f:
        f.write(data)
    real.start()
    rc = real.client(decode_responses=False, raw_replies=True)
    assert list_snapshot(rc, keys) == before
    assert rc.execute_command("DEBUG", "DIGEST") == c.execute_command("DEBUG", "DIGEST")
    rc.execute_command("RPUSH", "from-redis", "r1", "r2")
    rc.execute_command("SAVE")
    server.stop()
    with open(os.path.join(real.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    with open(os.path.join(server.dir, "dump.rdb"), "wb") as f:
        f.write(data)
    server.start()
    c = server.client(decode_responses=False, raw_replies=True)
    assert list_snapshot(c, keys) == before
    assert c.execute_command("LRANGE", "from-redis", 0, -1) == [b"r1", b"r2"]


def test_aof_restart_and_rewrite_keep_lists(make_server):
    s = make_server(extra_args=AOF_ON)
    c = s.client(decode_responses=False, raw_replies=True)
    keys = fill_lists(c)
    c.execute_command("LPUSH", "small", "head")
    c.execute_command("RPOP", "small")
    c.execute_command("LMOVE", "small", "moved", "LEFT", "RIGHT")
    c.execute_command("RPOPLPUSH", "small", "moved")
    c.execute_command("LMPOP", 1, "small", "RIGHT", "COUNT", 1)
    c.execute_command("LPUSHX", "small", "px")
    c.execute_command("RPUSH", "gone", "only")
    c.execute_command("LPOP", "gone")
    keys.append("moved")
    before = list_snapshot(c, keys)
    assert before["small"][0] == [b"px", b"a", b"-2"]
    assert before["moved"][0] == [b"", b"head"]
    aof_restart(s)
    c = s.client(decode_responses=False, raw_replies=True)
    assert c.execute_command("EXISTS", "gone") == 0
    assert list_snapshot(c, keys) == before
    wait_rewrite_done(s.client())
    assert c.execute_command("BGREWRITEAOF") == b"Background append only file rewriting started"
    wait_rewrite_done(s.client())
    assert c.execute_command("RPUSH", "small", "after") == 4
    after = list_snapshot(c, keys)
    aof_restart(s)
    c = s.client(decode_responses=False, raw_replies=True)
    assert c.execute_command("DBSIZE") == len(keys)
    assert list_snapshot(c, keys) == after


def test_aof_rewrite_writes_rpush_batches_of_64(make_server):
    s = make_server(extra_args=AOF_ON + ["--aof-use-rdb-preamble", "no"])
    c = s.client(raw_replies=True)
    c.execute_command("RPUSH", "l", *range(130))
    c.execute_command("RPUSH", "s", "a")
    wait_rewrite_done(s.client())
    c.execute_command("BGREWRITEAOF")
    wait_rewrite_done(s.client())
    base = manifest_files(s, "b")[-1]
    with open(os.path.join(aof_dir(s), base), "rb") as f:
        cmds = [cmd for cmd in parse_commands(f.read()) if cmd[0] != "SELECT"]
    by_key = {}
    for cmd in cmds:
        by_key.setdefault(cmd[1], []).append(cmd)
    assert [len(cmd) - 2 for cmd in by_key["l"]] == [64, 64, 2]
    assert all(cmd[0] == "RPUSH" for cmd in by_key["l"])
    assert [e for cmd in by_key["l"] for e in cmd[2:]] == [str(i) for i in range(130)]
    assert by_key["s"] == [["RPUSH", "s", "a"]]


# ---------------------------------------------------------------- keyspace notifications

def test_keyspace_notifications(server, r):
    assert r.execute_command("CONFIG", "SET", "notify-keyspace-events", "KEA") == "OK"
    s = server.conn()
    assert s.call("PSUBSCRIBE", "__keyevent@0__:*") == [b"psubscribe", b"__keyevent@0__:*", 1]
    ks = server.conn()
    assert ks.call("SUBSCRIBE", "__keyspace@0__:l") == [b"subscribe", b"__keyspace@0__:l", 1]

    def events(n):
        out = []
        for _ in range(n):
            m = s.read()
            assert m[:2] == [b"pmessage", b"__keyevent@0__:*"], m
            out.append((m[2].split(b":", 1)[1].decode(), m[3].decode()))
        return out

    steps = [
        (("LPUSH", "l", "a", "b", "c"), [("lpush", "l")]),
        (("RPUSH", "l", "d", "e"), [("rpush", "l")]),
        (("LPUSHX", "l", "z"), [("lpush", "l")]),
        (("RPUSHX", "l", "y"), [("rpush", "l")]),
        (("LPOP", "l"), [("lpop", "l")]),
        (("RPOP", "l"), [("rpop", "l")]),
        (("LPOP", "l", 2), [("lpop", "l")]),
        (("LINSERT", "l", "BEFORE", "a", "X"), [("linsert", "l")]),
        (("LSET", "l", 0, "Q"), [("lset", "l")]),
        (("LREM", "l", 0, "Q"), [("lrem", "l")]),
        (("LTRIM", "l", 0, -1), [("ltrim", "l")]),  # fired even when nothing is trimmed
        (("LMPOP", 1, "l", "RIGHT"), [("rpop", "l")]),
        (("RPUSH", "s", "1", "2"), [("rpush", "s")]),
        # LMOVE: the push on the destination first, then the pop on the source
        (("LMOVE", "s", "l", "LEFT", "RIGHT"), [("rpush", "l"), ("lpop", "s")]),
        (("RPOPLPUSH", "s", "l"), [("lpush", "l"), ("rpop", "s"), ("del", "s")]),
        (("LMOVE", "l", "l", "LEFT", "LEFT"), [("lpush", "l"), ("lpop", "l")]),
        (("LTRIM", "l", 5, 10), [("ltrim", "l"), ("del", "l")]),
        (("RPUSH", "l", "a", "b"), [("rpush", "l")]),
        (("RPOP", "l", 5), [("rpop", "l"), ("del", "l")]),
    ]
    for cmd, want in steps:
        r.execute_command(*cmd)
        assert events(len(want)) == want, cmd
    # commands that change nothing fire nothing
    r.execute_command("RPUSH", "l", "a")
    assert events(1) == [("rpush", "l")]
    for cmd in (("LPUSHX", "nokey", "a"), ("LPOP", "l", 0), ("LPOP", "nokey"),
                ("LINSERT", "l", "BEFORE", "nope", "x"), ("LINSERT", "nokey", "BEFORE", "a", "b"),
                ("LREM", "l", 0, "nope"), ("LMOVE", "nokey", "l", "LEFT", "LEFT"),
                ("LMPOP", 1, "nokey", "LEFT"), ("LRANGE", "l", 0, -1)):
        r.execute_command(*cmd)
    assert not s.has_pending(0.1)
    # the keyspace channel of l saw the same events for l, in order
    seen = []
    while ks.has_pending(0.05):
        m = ks.read()
        assert m[:2] == [b"message", b"__keyspace@0__:l"], m
        seen.append(m[2].decode())
    assert seen == ["lpush", "rpush", "lpush", "rpush", "lpop", "rpop", "lpop", "linsert", "lset",
                    "lrem", "ltrim", "rpop", "rpush", "lpush", "lpush", "lpop", "ltrim", "del",
                    "rpush", "rpop", "del", "rpush"]


def test_keyspace_notifications_list_class_only(server, r):
    assert r.execute_command("CONFIG", "SET", "notify-keyspace-events", "Kl") == "OK"
    s = server.conn()
    assert s.call("PSUBSCRIBE", "__key*@0__:*") == [b"psubscribe", b"__key*@0__:*", 1]
    r.execute_command("RPUSH", "l", "a")
    assert s.read() == [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:l", b"rpush"]
    r.execute_command("LPOP", "l")  # "del" is a generic event: not sent with Kl
    assert s.read() == [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:l", b"lpop"]
    r.execute_command("HSET", "h", "f", "v")  # hash events are not sent either
    r.execute_command("LPUSH", "l", "b")
    assert s.read() == [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:l", b"lpush"]
    assert not s.has_pending(0.1)


# ---------------------------------------------------------------- WATCH

def test_watch_broken_by_lpush_from_other_client(server, r):
    r.execute_command("RPUSH", "l", "a")
    c = server.conn()
    assert c.call("WATCH", "l") == "OK"
    assert r.execute_command("LPUSH", "l", "b") == 2
    assert c.call("MULTI") == "OK"
    assert c.call("RPUSH", "l", "mine") == "QUEUED"
    assert c.call("EXEC") is None
    assert r.execute_command("LRANGE", "l", 0, -1) == ["b", "a"]


def test_watch_on_missing_key_broken_by_lpush(server, r):
    c = server.conn()
    assert c.call("WATCH", "l") == "OK"
    r.execute_command("LPUSH", "l", "x")
    assert c.call("MULTI") == "OK"
    assert c.call("LPOP", "l") == "QUEUED"
    assert c.call("EXEC") is None
    assert r.execute_command("LRANGE", "l", 0, -1) == ["x"]


def test_watch_and_list_writes(server, r):
    """Which list commands touch a watched key: writes that change it (LTRIM always), not
    reads nor writes that change nothing."""
    breaking = [("LPUSHX", "l", "q"), ("LTRIM", "l", 0, -1), ("LSET", "l", 0, "a"),
                ("LMOVE", "l", "l", "LEFT", "RIGHT"), ("LMPOP", 1, "l", "LEFT"),
                ("RPOPLPUSH", "l", "other"), ("LREM", "l", 0, "a"), ("RPOP", "l"),
                ("LINSERT", "l", "AFTER", "a", "x"), ("DEL", "l")]
    keeping = [("LPOP", "l", 0), ("LREM", "l", 0, "nope"), ("LINSERT", "l", "BEFORE", "nope", "x"),
               ("LPOS", "l", "a"), ("LRANGE", "l", 0, -1), ("LINDEX", "l", 0), ("LLEN", "l"),
               ("RPOPLPUSH", "nokey", "l"), ("LMOVE", "nokey", "l", "LEFT", "LEFT")]
    for cmd, broken in [(c, True) for c in breaking] + [(c, False) for c in keeping]:
        r.execute_command("DEL", "l", "other")
        r.execute_command("RPUSH", "l", "a", "b")
        w = server.conn()
        assert w.call("WATCH", "l") == "OK"
        r.execute_command(*cmd)
        assert w.call("MULTI") == "OK"
        assert w.call("PING") == "QUEUED"
        assert (w.call("EXEC") is None) == broken, cmd
        w.close()
