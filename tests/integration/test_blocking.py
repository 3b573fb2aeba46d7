"""Blocking list and sorted-set pops: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
BZPOPMAX, BZMPOP. Reply shapes (immediate, served, timed out) in RESP2 and RESP3, argument
errors, the order blocked clients are served in, which commands wake them (as Redis 7.0.15
does), MULTI/EXEC, disconnects, CLIENT UNBLOCK, INFO/CLIENT LIST, keyspace events, and what
reaches the AOF and a replica when a blocked client is served.

Every wait is bounded: a test waits for INFO's blocked_clients to reach the count it needs
before it pushes. Run with SABLE_SERVER=/usr/bin/redis-server to check against real Redis."""
import os
import time

import pytest

from conftest import eventually, wait_replica_synced
from test_aof import AOF_ON, incr_commands
from test_lists import WireConn

REDIS_SERVER = "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(not os.path.exists(REDIS_SERVER),
                                 reason="Debian's redis-server is not installed")

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_FLOAT = "ERR timeout is not a float or out of range"
NEGATIVE = "ERR timeout is negative"
UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"


@pytest.fixture
def r(server):
    """Client without redis-py reply callbacks: replies exactly as sent."""
    return server.client(raw_replies=True)


def blocked_clients(r):
    info = r.execute_command("INFO", "clients")
    if isinstance(info, bytes):
        info = info.decode()
    return int(info.split("blocked_clients:", 1)[1].split()[0])


def wait_blocked(r, n, timeout=5.0):
    eventually(lambda: blocked_clients(r) == n, timeout=timeout,
               msg="blocked_clients never reached %d" % n)


def conn(server, db=0, resp3=False):
    c = WireConn(server.raw())
    if db:
        assert c.call("SELECT", db) == "OK"
    if resp3:
        c.call("HELLO", "3")
    return c


def block(server, r, *cmd, db=0, resp3=False):
    """Send a blocking command on a new connection; return once the server counts one more
    blocked client."""
    before = blocked_clients(r)
    c = conn(server, db=db, resp3=resp3)
    c.send(*cmd)
    wait_blocked(r, before + 1)
    return c


def still_blocked(c, r, n=1):
    """c got no reply within a short bounded window and the server still counts n blocked."""
    return not c.has_pending(0.2) and blocked_clients(r) == n


def err_text(reply):
    return str(reply)


# ---------------------------------------------------------------- immediate replies

def test_blpop_brpop_take_from_first_non_empty_key(server, r):
    r.execute_command("RPUSH", "l2", "a", "b", "c")
    r.execute_command("RPUSH", "l3", "z")
    c = conn(server)
    assert c.wire("BLPOP", "nokey", "l2", "l3", 0) == b"*2\r\n$2\r\nl2\r\n$1\r\na\r\n"
    assert c.wire("BRPOP", "nokey", "l2", "l3", 1) == b"*2\r\n$2\r\nl2\r\n$1\r\nc\r\n"
    assert c.wire("BRPOP", "l3", "l2", 0) == b"*2\r\n$2\r\nl3\r\n$1\r\nz\r\n"
    assert r.execute_command("EXISTS", "l3") == 0  # emptied by the pop
    assert c.wire("BLPOP", "l2", "l2", 0) == b"*2\r\n$2\r\nl2\r\n$1\r\nb\r\n"
    assert r.execute_command("EXISTS", "l2") == 0
    r.execute_command("RPUSH", "s", "1", "2", "3")
    assert c.wire("BLMOVE", "s", "d", "LEFT", "RIGHT", 0) == b"$1\r\n1\r\n"
    assert c.wire("BRPOPLPUSH", "s", "d", 0) == b"$1\r\n3\r\n"
    assert r.execute_command("LRANGE", "d", 0, -1) == ["3", "1"]
    r.execute_command("RPUSH", "m", "a", "b", "c")
    assert c.wire("BLMPOP", 0, 2, "nokey", "m", "RIGHT", "COUNT", 2) == (
        b"*2\r\n$1\r\nm\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n")
    assert c.wire("BLMPOP", "0.5", 1, "m", "LEFT", "COUNT", 10) == (
        b"*2\r\n$1\r\nm\r\n*1\r\n$1\r\na\r\n")
    assert blocked_clients(r) == 0


def test_bzpop_immediate_reply_shapes(server, r):
    r.execute_command("ZADD", "z", 1, "a", "2.5", "b", 3, "c", 4, "d")
    c = conn(server)
    assert c.wire("BZPOPMIN", "nokey", "z", 0) == b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert c.wire("BZPOPMAX", "z", 0) == b"*3\r\n$1\r\nz\r\n$1\r\nd\r\n$1\r\n4\r\n"
    assert c.wire("BZMPOP", 0, 1, "z", "MIN") == (
        b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n")
    r.execute_command("ZADD", "z", 1, "a")
    assert c.wire("BZMPOP", "0.1", 2, "nokey", "z", "MAX", "COUNT", 5) == (
        b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n")
    assert r.execute_command("EXISTS", "z") == 0
    r3 = conn(server, resp3=True)
    r.execute_command("ZADD", "z", 1, "a", "2.5", "b", 3, "c")
    assert r3.wire("BZPOPMIN", "z", 0) == b"*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n"
    assert r3.wire("BZMPOP", 0, 1, "z", "MIN", "COUNT", 2) == (
        b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,3\r\n")


# ---------------------------------------------------------------- timeouts

LIST_BLOCKERS = [
    ("BLPOP", "k1", "k2", "0.1"),
    ("BRPOP", "k1", "0.1"),
    ("BLMOVE", "k1", "d", "LEFT", "RIGHT", "0.1"),
    ("BRPOPLPUSH", "k1", "d", "0.1"),
    ("BLMPOP", "0.1", 2, "k1", "k2", "LEFT"),
]
ZSET_BLOCKERS = [
    ("BZPOPMIN", "k1", "k2", "0.1"),
    ("BZPOPMAX", "k1", "0.1"),
    ("BZMPOP", "0.1", 1, "k1", "MIN", "COUNT", 2),
]


@pytest.mark.parametrize("cmd", LIST_BLOCKERS + ZSET_BLOCKERS, ids=lambda c: c[0])
def test_timeout_replies_null_array(server, r, cmd):
    """A fractional timeout: after at least 0.1 s the reply is a null array (*-1 in RESP2,
    even for BLMOVE/BRPOPLPUSH) and RESP3's null; nothing is created."""
    c = conn(server)
    start = time.monotonic()
    assert c.wire(*cmd, timeout=5) == b"*-1\r\n"
    assert time.monotonic() - start >= 0.09
    c3 = conn(server, resp3=True)
    assert c3.wire(*cmd, timeout=5) == b"_\r\n"
    assert blocked_clients(r) == 0
    assert r.execute_command("DBSIZE") == 0


@pytest.mark.parametrize("cmd", [
    ("BLPOP", "k", "{}"), ("BRPOP", "k", "{}"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "{}"),
    ("BRPOPLPUSH", "k", "d", "{}"), ("BLMPOP", "{}", 1, "k", "LEFT"), ("BZPOPMIN", "k", "{}"),
    ("BZPOPMAX", "k", "{}"), ("BZMPOP", "{}", 1, "k", "MAX"),
], ids=lambda c: c[0])
def test_timeout_argument_errors(server, cmd):
    c = conn(server)

    def with_timeout(t):
        return [t if a == "{}" else a for a in cmd]

    for bad in ("x", "", "nan", " 1", "1s"):
        assert err_text(c.call(*with_timeout(bad))) == NOT_FLOAT, bad
    for neg in ("-1", "-0.1", "-100"):
        assert err_text(c.call(*with_timeout(neg))) == NEGATIVE, neg


def test_blocking_syntax_and_arity_errors(server):
    c = conn(server)
    cases = [
        (("BLMOVE", "a", "b", "LEFT", "UP", 0), "ERR syntax error"),
        (("BLMOVE", "a", "b", "MIDDLE", "LEFT", 0), "ERR syntax error"),
        (("BLMPOP", 0, 0, "a", "LEFT"), "ERR numkeys should be greater than 0"),
        (("BLMPOP", 0, -1, "a", "LEFT"), "ERR numkeys should be greater than 0"),
        (("BLMPOP", 0, "x", "a", "LEFT"), "ERR numkeys should be greater than 0"),
        (("BLMPOP", 0, 2, "a", "LEFT"), "ERR syntax error"),
        (("BLMPOP", 0, 1, "a", "UP"), "ERR syntax error"),
        (("BLMPOP", 0, 1, "a", "LEFT", "COUNT", 0), "ERR count should be greater than 0"),
        (("BLMPOP", 0, 1, "a", "LEFT", "COUNT", -1), "ERR count should be greater than 0"),
        (("BLMPOP", 0, 1, "a", "LEFT", "COUNT", "x"), "ERR count should be greater than 0"),
        (("BLMPOP", 0, 1, "a", "LEFT", "COUNT"), "ERR syntax error"),
        (("BLMPOP", 0, 1, "a", "LEFT", "COUNT", 1, "COUNT", 2), "ERR syntax error"),
        (("BLMPOP", 0, 1, "a", "LEFT", "FOO", 1), "ERR syntax error"),
        (("BZMPOP", 0, 1, "a", "UP"), "ERR syntax error"),
        (("BZMPOP", 0, 0, "a", "MIN"), "ERR numkeys should be greater than 0"),
        (("BZMPOP", 0, 1, "a", "MIN", "COUNT", 0), "ERR count should be greater than 0"),
    ]
    for cmd, want in cases:
        assert err_text(c.call(*cmd)) == want, cmd
    for cmd in (("BLPOP", "a"), ("BLPOP",), ("BRPOP", "a"), ("BRPOPLPUSH", "a", "b"),
                ("BLMOVE", "a", "b", "LEFT", "LEFT"), ("BLMPOP", 0, 1), ("BLMPOP", 0, 1, "a"),
                ("BZPOPMIN", "a"), ("BZPOPMAX", "a"), ("BZMPOP", 0, 1)):
        assert err_text(c.call(*cmd)) == (
            "ERR wrong number of arguments for '%s' command" % cmd[0].lower()), cmd


def test_wrongtype_instead_of_blocking(server, r):
    r.set("s", "v")
    r.execute_command("RPUSH", "lst", "a", "b", "c")
    c = conn(server)
    for cmd in (("BLPOP", "s", 0), ("BLPOP", "nokey", "s", 0), ("BRPOP", "s", 0),
                ("BLMOVE", "s", "d", "LEFT", "LEFT", 0), ("BRPOPLPUSH", "s", "d", 0),
                ("BLMPOP", 0, 2, "nokey", "s", "LEFT"), ("BLMOVE", "lst", "s", "LEFT", "LEFT", 0),
                ("BRPOPLPUSH", "lst", "s", 0)):
        assert err_text(c.call(*cmd)) == WRONGTYPE, cmd
    # keys after the first non-empty list are not looked at
    assert c.call("BLPOP", "lst", "s", 0) == [b"lst", b"a"]
    assert c.call("BLMPOP", 0, 2, "lst", "s", "LEFT") == [b"lst", [b"b"]]
    assert r.execute_command("LRANGE", "lst", 0, -1) == ["c"]
    assert blocked_clients(r) == 0


def test_bzpop_wrongtype_instead_of_blocking(server, r):
    r.set("s", "v")
    r.execute_command("RPUSH", "l", "a")
    c = conn(server)
    for cmd in (("BZPOPMIN", "s", 0), ("BZPOPMAX", "nokey", "s", 0),
                ("BZMPOP", 0, 2, "nokey", "s", "MIN"), ("BZPOPMIN", "l", 0)):
        assert err_text(c.call(*cmd)) == WRONGTYPE, cmd
    assert err_text(c.call("BLPOP", "l", 0)) != WRONGTYPE
    assert blocked_clients(r) == 0


# ---------------------------------------------------------------- served after a push

def test_served_in_the_order_clients_blocked(server, r):
    clients = [block(server, r, "BLPOP", "k", 0) for _ in range(3)]
    assert blocked_clients(r) == 3
    assert r.execute_command("RPUSH", "k", "a", "b", "c") == 3
    assert [c.read() for c in clients] == [[b"k", b"a"], [b"k", b"b"], [b"k", b"c"]]
    assert r.execute_command("EXISTS", "k") == 0
    wait_blocked(r, 0)
    # the same with BRPOP, and more elements than clients: the rest stays
    clients = [block(server, r, "BRPOP", "k", 0) for _ in range(3)]
    assert r.execute_command("RPUSH", "k", "a", "b", "c", "d") == 4
    assert [c.read() for c in clients] == [[b"k", b"d"], [b"k", b"c"], [b"k", b"b"]]
    assert r.execute_command("LRANGE", "k", 0, -1) == ["a"]


def test_fewer_elements_than_clients(server, r):
    clients = [block(server, r, "BLPOP", "k", 0) for _ in range(3)]
    r.execute_command("RPUSH", "k", "only")
    assert clients[0].read() == [b"k", b"only"]
    assert still_blocked(clients[1], r, 2) and not clients[2].has_pending(0.0)
    r.execute_command("RPUSH", "k", "second")
    assert clients[1].read() == [b"k", b"second"]
    assert still_blocked(clients[2], r, 1)


def test_client_blocked_on_several_keys(server, r):
    first = block(server, r, "BLPOP", "k1", "k2", 0)
    second = block(server, r, "BLPOP", "k2", 0)
    r.execute_command("RPUSH", "k2", "x")
    assert first.read() == [b"k2", b"x"]  # blocked first: served first, whichever key
    assert still_blocked(second, r, 1)
    r.execute_command("RPUSH", "k1", "y")  # nobody waits on k1 any more
    assert r.execute_command("LRANGE", "k1", 0, -1) == ["y"]
    r.execute_command("RPUSH", "k2", "z")
    assert second.read() == [b"k2", b"z"]
    wait_blocked(r, 0)


def test_whole_variadic_push_runs_before_serving(server, r):
    c = block(server, r, "BLPOP", "k", 0)
    assert r.execute_command("LPUSH", "k", "a", "b", "c") == 3
    assert c.read() == [b"k", b"c"]
    assert r.execute_command("LRANGE", "k", 0, -1) == ["b", "a"]


def test_blmpop_count_served_in_order(server, r):
    clients = [block(server, r, "BLMPOP", 0, 2, "other", "k", "LEFT", "COUNT", 2)
               for _ in range(3)]
    r.execute_command("RPUSH", "k", 1, 2, 3, 4, 5)
    assert [c.read() for c in clients] == [
        [b"k", [b"1", b"2"]], [b"k", [b"3", b"4"]], [b"k", [b"5"]]]
    assert r.execute_command("EXISTS", "k") == 0


def test_served_reply_bytes(server, r):
    cases = [
        (("BLPOP", "nokey", "k", 0), ("RPUSH", "k", "v"), b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n"),
        (("BRPOP", "k", 0), ("RPUSH", "k", "a", "b"), b"*2\r\n$1\r\nk\r\n$1\r\nb\r\n"),
        (("BLMOVE", "k", "d", "LEFT", "RIGHT", 0), ("RPUSH", "k", "m"), b"$1\r\nm\r\n"),
        (("BRPOPLPUSH", "k", "d", 0), ("RPUSH", "k", "n"), b"$1\r\nn\r\n"),
        (("BLMPOP", 0, 1, "k", "RIGHT", "COUNT", 2), ("RPUSH", "k", "p", "q", "r"),
         b"*2\r\n$1\r\nk\r\n*2\r\n$1\r\nr\r\n$1\r\nq\r\n"),
    ]
    for blocking, push, want in cases:
        r.execute_command("DEL", "k")
        c = block(server, r, *blocking)
        r.execute_command(*push)
        assert c.next_wire() == want, blocking
        wait_blocked(r, 0)
    assert r.execute_command("LRANGE", "d", 0, -1) == ["n", "m"]
    # RESP3 shapes are the same arrays
    r.execute_command("DEL", "k")
    c = block(server, r, "BLPOP", "k", 0, resp3=True)
    r.execute_command("RPUSH", "k", "v")
    assert c.next_wire() == b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n"


def test_bzpop_served_reply_bytes_and_order(server, r):
    clients = [block(server, r, "BZPOPMIN", "z", 0) for _ in range(2)]
    r.execute_command("ZADD", "z", 3, "c", 1, "a", 2, "b")
    assert clients[0].next_wire() == b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert clients[1].next_wire() == b"*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n"
    assert r.execute_command("ZRANGE", "z", 0, -1) == ["c"]
    r.execute_command("DEL", "z")
    c = block(server, r, "BZPOPMAX", "y", "z", 0)
    r.execute_command("ZADD", "z", 1, "a", "2.5", "b")
    assert c.next_wire() == b"*3\r\n$1\r\nz\r\n$1\r\nb\r\n$3\r\n2.5\r\n"
    r.execute_command("DEL", "z")
    c = block(server, r, "BZMPOP", 0, 2, "y", "z", "MAX", "COUNT", 5)
    r.execute_command("ZADD", "z", 1, "a", 2, "b")
    assert c.next_wire() == (
        b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n")
    c = block(server, r, "BZPOPMIN", "z", 0, resp3=True)
    r.execute_command("ZINCRBY", "z", "1.5", "m")
    assert c.next_wire() == b"*3\r\n$1\r\nz\r\n$1\r\nm\r\n,1.5\r\n"
    assert r.execute_command("EXISTS", "z") == 0


def test_pipelined_commands_wait_behind_a_blocked_one(server, r):
    c = conn(server)
    c.send("BLPOP", "k", 0)
    c.send("PING")
    wait_blocked(r, 1)
    assert still_blocked(c, r)
    r.execute_command("RPUSH", "k", "v")
    assert c.read() == [b"k", b"v"]
    assert c.read() == "PONG"


def test_zero_timeout_served_later(server, r):
    c = block(server, r, "BLPOP", "k", 0)
    assert still_blocked(c, r)
    eventually(lambda: still_blocked(c, r), timeout=5)
    assert still_blocked(c, r)
    r.execute_command("RPUSH", "k", "late")
    assert c.read() == [b"k", b"late"]
    wait_blocked(r, 0)


def test_served_within_a_finite_timeout(server, r):
    c = block(server, r, "BRPOP", "k", 10)
    r.execute_command("RPUSH", "k", "in-time")
    assert c.read(timeout=5) == [b"k", b"in-time"]
    wait_blocked(r, 0)
    # served: the timeout does not fire a second reply later
    assert c.call("PING") == "PONG"


def test_blocked_in_another_db(server, r):
    c = block(server, r, "BLPOP", "k", 0, db=1)
    r.execute_command("RPUSH", "k", "db0")
    assert still_blocked(c, r)
    c1 = server.client(db=1, raw_replies=True)
    c1.execute_command("RPUSH", "k", "db1")
    assert c.read() == [b"k", b"db1"]
    assert r.execute_command("LRANGE", "k", 0, -1) == ["db0"]


def test_blmove_to_wrong_type_destination_when_served(server, r):
    c = block(server, r, "BLMOVE", "k", "d", "LEFT", "RIGHT", 0)
    r.set("d", "str")
    assert r.execute_command("RPUSH", "k", "a", "b") == 2
    assert err_text(c.read()) == WRONGTYPE
    assert r.execute_command("LRANGE", "k", 0, -1) == ["a", "b"]  # nothing was taken
    assert r.get("d") == "str"
    wait_blocked(r, 0)


def test_blmove_served_wakes_client_blocked_on_destination(server, r):
    mover = block(server, r, "BLMOVE", "k", "d", "LEFT", "RIGHT", 0)
    waiter = block(server, r, "BLPOP", "d", 0)
    assert r.execute_command("RPUSH", "k", "chain") == 1
    assert mover.read() == b"chain"
    assert waiter.read() == [b"d", b"chain"]
    assert r.execute_command("EXISTS", "k", "d") == 0
    wait_blocked(r, 0)
    # BRPOPLPUSH chains the same way, through two hops
    a = block(server, r, "BRPOPLPUSH", "x", "y", 0)
    b = block(server, r, "BRPOPLPUSH", "y", "z", 0)
    c = block(server, r, "BLPOP", "z", 0)
    r.execute_command("RPUSH", "x", "hop")
    assert (a.read(), b.read(), c.read()) == (b"hop", b"hop", [b"z", b"hop"])
    assert r.execute_command("EXISTS", "x", "y", "z") == 0


def test_blmove_same_key_while_blocked(server, r):
    c = block(server, r, "BLMOVE", "k", "k", "RIGHT", "LEFT", 0)
    r.execute_command("RPUSH", "k", "a", "b")
    assert c.read() == b"b"
    assert r.execute_command("LRANGE", "k", 0, -1) == ["b", "a"]


# ---------------------------------------------------------------- what wakes a blocked client

WAKERS = {
    "rpush": ([], [("RPUSH", "k", "x")], b"x"),
    "lpush": ([], [("LPUSH", "k", "y", "x")], b"x"),
    "lmove": ([("RPUSH", "src", "x")], [("LMOVE", "src", "k", "LEFT", "RIGHT")], b"x"),
    "rpoplpush": ([("RPUSH", "src", "x")], [("RPOPLPUSH", "src", "k")], b"x"),
    "rename": ([("RPUSH", "src", "x")], [("RENAME", "src", "k")], b"x"),
    "renamenx": ([("RPUSH", "src", "x")], [("RENAMENX", "src", "k")], b"x"),
    "copy": ([("RPUSH", "src", "x")], [("COPY", "src", "k")], b"x"),
    "move": ([("SELECT", 1), ("RPUSH", "k", "x"), ("SELECT", 0)],
             [("SELECT", 1), ("MOVE", "k", 0), ("SELECT", 0)], b"x"),
    "swapdb": ([("SELECT", 1), ("RPUSH", "k", "x"), ("SELECT", 0)], [("SWAPDB", 0, 1)], b"x"),
    "multi": ([], [("MULTI",), ("RPUSH", "k", "x"), ("EXEC",)], b"x"),
    "multi-del-push": ([], [("MULTI",), ("RPUSH", "k", "a"), ("DEL", "k"), ("RPUSH", "k", "x"),
                            ("EXEC",)], b"x"),
    "flushall-then-push": ([], [("FLUSHALL",), ("RPUSH", "k", "x")], b"x"),
}


@pytest.mark.parametrize("name", list(WAKERS))
def test_woken_by(server, r, name):
    setup, wake, element = WAKERS[name]
    c = conn(server)
    for cmd in setup:
        c.call(*cmd)
    b = block(server, r, "BLPOP", "k", 0)
    for cmd in wake:
        reply = c.call(*cmd)
        assert not isinstance(reply, Exception), (cmd, reply)
    assert b.read() == [b"k", element]
    wait_blocked(r, 0)


def test_woken_by_restore(server, r):
    rb = server.client(decode_responses=False, raw_replies=True)
    rb.execute_command("RPUSH", "tmp", "r1", "r2")
    payload = rb.execute_command("DUMP", "tmp")
    b = block(server, r, "BLPOP", "k", 0)
    assert rb.execute_command("RESTORE", "k", 0, payload) == b"OK"
    assert b.read() == [b"k", b"r1"]
    assert r.execute_command("LRANGE", "k", 0, -1) == ["r2"]


def test_multi_exec_serves_after_exec(server, r):
    b = block(server, r, "BRPOP", "k", 0)
    tx = conn(server)
    assert tx.call("MULTI") == "OK"
    assert tx.call("RPUSH", "k", "x", "y") == "QUEUED"
    assert tx.call("SET", "in", "tx") == "QUEUED"
    assert still_blocked(b, r)  # queued, not run
    assert tx.call("EXEC") == [2, "OK"]
    assert b.read() == [b"k", b"y"]
    assert r.execute_command("LRANGE", "k", 0, -1) == ["x"]


def test_multi_that_leaves_the_key_empty_does_not_serve(server, r):
    b = block(server, r, "BLPOP", "k", 0)
    tx = conn(server)
    tx.call("MULTI")
    tx.call("RPUSH", "k", "a")
    tx.call("LPOP", "k")
    assert tx.call("EXEC") == [1, b"a"]
    assert still_blocked(b, r)
    r.execute_command("RPUSH", "k", "later")
    assert b.read() == [b"k", b"later"]


NOT_WAKING = {
    "linsert-missing": [("LINSERT", "k", "BEFORE", "a", "b")],
    "lpushx-missing": [("LPUSHX", "k", "a")],
    "rpushx-missing": [("RPUSHX", "k", "a")],
    "lmove-missing-source": [("LMOVE", "nokey", "k", "LEFT", "LEFT")],
    "other-db": [("SELECT", 2), ("RPUSH", "k", "a"), ("SELECT", 0)],
    "string": [("SET", "k", "v")],
    "rename-string": [("SET", "src", "v"), ("RENAME", "src", "k")],
    "hash": [("HSET", "k", "f", "v")],
}


@pytest.mark.parametrize("name", list(NOT_WAKING))
def test_not_woken_by(server, r, name):
    """Commands that leave no list at the key do not serve the client; it stays blocked (in
    Redis 7.0 even when the key becomes another type) until a list appears there."""
    b = block(server, r, "BLPOP", "k", 0)
    c = conn(server)
    for cmd in NOT_WAKING[name]:
        c.call(*cmd)
    assert still_blocked(b, r)
    r.execute_command("DEL", "k")
    r.execute_command("RPUSH", "k", "finally")
    assert b.read() == [b"k", b"finally"]
    wait_blocked(r, 0)


def test_zset_blockers_and_list_pushes_do_not_mix(server, r):
    zb = block(server, r, "BZPOPMIN", "k", 0)
    r.execute_command("RPUSH", "k", "a")  # a list at the key: not what BZPOPMIN waits for
    assert still_blocked(zb, r)
    r.execute_command("DEL", "k")
    lb = block(server, r, "BLPOP", "j", 0)
    r.execute_command("ZADD", "j", 1, "m")
    assert still_blocked(lb, r, 2)
    r.execute_command("ZADD", "k", 1, "m")
    assert zb.read() == [b"k", b"m", b"1"]
    r.execute_command("DEL", "j")
    r.execute_command("RPUSH", "j", "x")
    assert lb.read() == [b"j", b"x"]


@pytest.mark.parametrize("wake", [
    [("ZADD", "k", 1, "a")], [("ZINCRBY", "k", 1, "a")],
    [("ZADD", "src", 1, "a"), ("RENAME", "src", "k")],
    [("ZADD", "src", 1, "a"), ("ZUNIONSTORE", "k", 1, "src")],
], ids=["zadd", "zincrby", "rename", "zunionstore"])
def test_bzpop_woken_by(server, r, wake):
    b = block(server, r, "BZPOPMIN", "k", 0)
    for cmd in wake:
        r.execute_command(*cmd)
    assert b.read() == [b"k", b"a", b"1"]
    wait_blocked(r, 0)


# ---------------------------------------------------------------- MULTI, disconnects, UNBLOCK

def test_blocking_commands_inside_multi_do_not_block(server, r):
    c = conn(server)
    assert c.call("MULTI") == "OK"
    for cmd in (("BLPOP", "nokey", 0), ("BRPOP", "nokey", 0),
                ("BLMOVE", "nokey", "d", "LEFT", "LEFT", 0), ("BRPOPLPUSH", "nokey", "d", 0),
                ("BLMPOP", 0, 1, "nokey", "LEFT"), ("BZPOPMIN", "nokey", 0),
                ("BZPOPMAX", "nokey", 0), ("BZMPOP", 0, 1, "nokey", "MIN")):
        assert c.call(*cmd) == "QUEUED"
    # null arrays, except BLMOVE and BRPOPLPUSH's null bulk string
    assert c.wire("EXEC") == (b"*8\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n*-1\r\n")
    assert blocked_clients(r) == 0
    r.execute_command("RPUSH", "l", "a", "b", "c")
    assert c.call("MULTI") == "OK"
    c.call("BLPOP", "l", 0)
    c.call("BLMOVE", "l", "d", "RIGHT", "LEFT", 0)
    c.call("BLMPOP", 0, 1, "l", "LEFT", "COUNT", 5)
    assert c.call("EXEC") == [[b"l", b"a"], b"c", [b"l", [b"b"]]]


def test_blocked_client_that_disconnects_leaves_nothing(server, r):
    b = block(server, r, "BLPOP", "k", 0)
    b2 = block(server, r, "BLMOVE", "k", "d", "LEFT", "LEFT", 0)
    b.close()
    b2.close()
    wait_blocked(r, 0)
    assert r.execute_command("RPUSH", "k", "kept") == 1
    assert r.execute_command("LRANGE", "k", 0, -1) == ["kept"]
    assert r.execute_command("EXISTS", "d") == 0
    assert r.execute_command("INFO", "clients").count("connected_clients:1") == 1


def test_blocked_client_killed(server, r):
    block(server, r, "BRPOP", "k", 0)
    assert r.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") == 1
    wait_blocked(r, 0)
    r.execute_command("RPUSH", "k", "kept")
    assert r.execute_command("LRANGE", "k", 0, -1) == ["kept"]


UNBLOCKABLE = [
    ("BLPOP", "k", 0), ("BRPOP", "k", 0), ("BLMOVE", "k", "d", "LEFT", "LEFT", 0),
    ("BRPOPLPUSH", "k", "d", 0), ("BLMPOP", 0, 1, "k", "LEFT"),
]


@pytest.mark.parametrize("cmd", UNBLOCKABLE, ids=lambda c: c[0])
def test_client_unblock(server, r, cmd):
    for reason, want in (((), b"*-1\r\n"), (("TIMEOUT",), b"*-1\r\n"),
                         (("ERROR",), b"-" + UNBLOCKED.encode() + b"\r\n")):
        c = conn(server)
        cid = c.call("CLIENT", "ID")
        c.send(*cmd)
        wait_blocked(r, 1)
        assert r.execute_command("CLIENT", "UNBLOCK", cid, *reason) == 1
        assert c.next_wire() == want, reason
        assert blocked_clients(r) == 0
        assert c.call("PING") == "PONG"  # the connection goes on
    r.execute_command("RPUSH", "k", "stays")
    assert r.execute_command("LRANGE", "k", 0, -1) == ["stays"]


def test_client_unblock_zset_blockers(server, r):
    for cmd in (("BZPOPMIN", "z", 0), ("BZPOPMAX", "z", 0), ("BZMPOP", 0, 1, "z", "MIN")):
        c = conn(server)
        cid = c.call("CLIENT", "ID")
        c.send(*cmd)
        wait_blocked(r, 1)
        assert r.execute_command("CLIENT", "UNBLOCK", cid, "ERROR") == 1
        assert err_text(c.read()) == UNBLOCKED
        assert blocked_clients(r) == 0


def test_client_unblock_of_a_client_that_is_not_blocked(server, r):
    c = conn(server)
    cid = c.call("CLIENT", "ID")
    assert r.execute_command("CLIENT", "UNBLOCK", cid) == 0
    assert r.execute_command("CLIENT", "UNBLOCK", cid, "ERROR") == 0
    assert r.execute_command("CLIENT", "UNBLOCK", 999999) == 0
    assert c.call("PING") == "PONG"
    wc = conn(server)
    assert err_text(wc.call("CLIENT", "UNBLOCK", cid, "FOO")) == (
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    assert err_text(wc.call("CLIENT", "UNBLOCK", "x")) == (
        "ERR value is not an integer or out of range")
    assert err_text(wc.call("CLIENT", "UNBLOCK")) == (
        "ERR wrong number of arguments for 'client|unblock' command")


# ---------------------------------------------------------------- INFO and CLIENT LIST

def test_blocked_clients_in_info_and_client_list(server, r):
    assert blocked_clients(r) == 0
    a = block(server, r, "BLPOP", "k", 0)
    b = block(server, r, "BRPOP", "k", "k2", 5)
    assert blocked_clients(r) == 2
    lines = r.execute_command("CLIENT", "LIST").splitlines()
    flags = sorted((dict(f.split("=", 1) for f in line.split())["cmd"],
                    dict(f.split("=", 1) for f in line.split())["flags"]) for line in lines)
    assert flags == [("blpop", "b"), ("brpop", "b"), ("client|list", "N")]
    r.execute_command("RPUSH", "k", "1")
    assert a.read() == [b"k", b"1"]
    wait_blocked(r, 1)
    r.execute_command("RPUSH", "k2", "2")
    assert b.read() == [b"k2", b"2"]
    wait_blocked(r, 0)
    c = conn(server)
    assert c.wire("BLPOP", "k", "0.05") == b"*-1\r\n"
    assert blocked_clients(r) == 0


# ---------------------------------------------------------------- keyspace events

def test_keyspace_events_when_served(server, r):
    r.execute_command("CONFIG", "SET", "notify-keyspace-events", "KEA")
    s = server.conn()
    s.call("PSUBSCRIBE", "__keyevent@0__:*")

    def events():
        out = []
        while s.has_pending(0.1):
            m = s.read()
            out.append((m[2].split(b":", 1)[1].decode(), m[3].decode()))
        return out

    b = block(server, r, "BLPOP", "k", 0)
    r.execute_command("RPUSH", "k", "a")
    assert b.read() == [b"k", b"a"]
    assert events() == [("rpush", "k"), ("lpop", "k"), ("del", "k")]
    b = block(server, r, "BLMOVE", "k", "d", "LEFT", "RIGHT", 0)
    r.execute_command("RPUSH", "k", "a", "b")
    assert b.read() == b"a"
    assert events() == [("rpush", "k"), ("rpush", "d"), ("lpop", "k")]
    r.execute_command("DEL", "k", "d")
    assert events() == [("del", "k"), ("del", "d")]
    b = block(server, r, "BLMPOP", 0, 1, "k", "RIGHT", "COUNT", 3)
    r.execute_command("RPUSH", "k", "a", "b")
    assert b.read() == [b"k", [b"b", b"a"]]
    assert events() == [("rpush", "k"), ("rpop", "k"), ("del", "k")]
    assert conn(server).call("BLPOP", "k", "0.05") is None  # a timeout fires nothing
    assert events() == []


# ---------------------------------------------------------------- propagation

def _upper_directions(cmds):
    """Command names and LEFT/RIGHT upper-cased (Redis writes a served BLMOVE's directions in
    lower case, an immediate one's as the client sent them)."""
    out = []
    for cmd in cmds:
        out.append([a.upper() if i == 0 or a.lower() in ("left", "right") else a
                    for i, a in enumerate(cmd)])
    return out


def _after_marker(cmds, marker):
    i = cmds.index(["SET", "marker", marker])
    return cmds[i + 1:]


def test_aof_holds_the_pops_not_the_blocking_commands(make_server):
    s = make_server(extra_args=AOF_ON + ["--appendfsync", "always"])
    r = s.client(raw_replies=True)
    r.execute_command("SET", "marker", "0")

    def served(blocking, push):
        b = block(s, r, *blocking)
        r.execute_command(*push)
        b.read()
        wait_blocked(r, 0)

    served(("BLPOP", "k", 0), ("RPUSH", "k", "a", "b"))
    r.execute_command("DEL", "k")
    served(("BRPOP", "k2", "k", 0), ("RPUSH", "k2", "x"))
    served(("BLMOVE", "k", "d", "RIGHT", "LEFT", 0), ("RPUSH", "k", "m"))
    served(("BRPOPLPUSH", "k", "d", 0), ("RPUSH", "k", "n"))
    served(("BLMPOP", 0, 1, "k", "LEFT", "COUNT", 2), ("RPUSH", "k", "p", "q", "r"))
    r.execute_command("DEL", "k")
    b = block(s, r, "BRPOP", "k", 0)
    tx = s.conn()
    tx.call("MULTI")
    tx.call("RPUSH", "k", "x")
    tx.call("SET", "in", "tx")
    tx.call("EXEC")
    b.read()
    # a transaction with a single write is propagated without MULTI/EXEC
    b = block(s, r, "BLPOP", "k", 0)
    tx.call("MULTI")
    tx.call("RPUSH", "k", "z")
    tx.call("GET", "in")
    tx.call("EXEC")
    b.read()
    assert conn(s).call("BLPOP", "nokey", "0.05") is None  # timed out: nothing written
    r.execute_command("SET", "marker", "1")
    r.execute_command("RPUSH", "k", 1, 2, 3, 4, 5, 6)
    c = conn(s)
    c.call("BLPOP", "k", 0)
    c.call("BRPOP", "k", 0)
    c.call("BLMOVE", "k", "d", "LEFT", "RIGHT", 0)
    c.call("BRPOPLPUSH", "k", "d", 0)
    c.call("BLMPOP", 0, 1, "k", "RIGHT", "COUNT", 5)
    c.call("LMPOP", 1, "d", "LEFT")
    r.execute_command("SET", "marker", "2")
    cmds = _upper_directions(incr_commands(s))
    head = _after_marker(cmds, "0")
    assert head[:head.index(["SET", "marker", "1"])] == [
        ["RPUSH", "k", "a", "b"], ["LPOP", "k"], ["DEL", "k"],
        ["RPUSH", "k2", "x"], ["RPOP", "k2"],
        ["RPUSH", "k", "m"], ["LMOVE", "k", "d", "RIGHT", "LEFT"],
        ["RPUSH", "k", "n"], ["RPOPLPUSH", "k", "d"],
        ["RPUSH", "k", "p", "q", "r"], ["LPOP", "k", "2"], ["DEL", "k"],
        ["MULTI"], ["RPUSH", "k", "x"], ["SET", "in", "tx"], ["EXEC"], ["RPOP", "k"],
        ["RPUSH", "k", "z"], ["LPOP", "k"]]
    tail = _after_marker(cmds, "1")
    assert tail == [
        ["RPUSH", "k", "1", "2", "3", "4", "5", "6"], ["LPOP", "k"], ["RPOP", "k"],
        ["LMOVE", "k", "d", "LEFT", "RIGHT"], ["RPOPLPUSH", "k", "d"], ["RPOP", "k", "2"],
        ["LPOP", "d", "1"], ["SET", "marker", "2"]]
    assert not any(cmd[0].startswith("B") for cmd in cmds)


def test_aof_holds_zpops_for_bzpop(make_server):
    s = make_server(extra_args=AOF_ON + ["--appendfsync", "always"])
    r = s.client(raw_replies=True)
    r.execute_command("SET", "marker", "0")
    for blocking in (("BZPOPMIN", "z", 0), ("BZMPOP", 0, 1, "z", "MAX", "COUNT", 5)):
        b = block(s, r, *blocking)
        r.execute_command("ZADD", "z", 1, "a", 2, "b")
        b.read()
        r.execute_command("DEL", "z")
    r.execute_command("ZADD", "z", 1, "a", 2, "b", 3, "c")
    c = conn(s)
    c.call("BZPOPMIN", "z", 0)
    c.call("BZMPOP", 0, 1, "z", "MAX")
    r.execute_command("SET", "marker", "1")
    cmds = _after_marker(_upper_directions(incr_commands(s)), "0")
    assert cmds == [
        ["ZADD", "z", "1", "a", "2", "b"], ["ZPOPMIN", "z"], ["DEL", "z"],
        ["ZADD", "z", "1", "a", "2", "b"], ["ZPOPMAX", "z", "2"],
        ["ZADD", "z", "1", "a", "2", "b", "3", "c"], ["ZPOPMIN", "z"], ["ZPOPMAX", "z", "1"],
        ["SET", "marker", "1"]]


@needs_redis
def test_replica_applies_served_pops(make_server):
    primary = make_server(extra_args=["--repl-diskless-sync", "yes",
                                      "--repl-diskless-sync-delay", "0"])
    r = primary.client(raw_replies=True)
    r.execute_command("RPUSH", "seed", "s")
    replica = make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port)],
                          binary=REDIS_SERVER)
    wait_replica_synced(primary, replica)

    clients = [block(primary, r, "BLPOP", "k", 0) for _ in range(2)]
    r.execute_command("RPUSH", "k", "a", "b", "c")
    assert [c.read() for c in clients] == [[b"k", b"a"], [b"k", b"b"]]
    b = block(primary, r, "BLMOVE", "m", "dst", "RIGHT", "LEFT", 0)
    r.execute_command("RPUSH", "m", "1", "2", "3")
    assert b.read() == b"3"
    b = block(primary, r, "BRPOPLPUSH", "n", "dst", 0)
    r.execute_command("RPUSH", "n", "x", "y")
    assert b.read() == b"y"
    b = block(primary, r, "BLMPOP", 0, 2, "none", "p", "LEFT", "COUNT", 2)
    r.execute_command("RPUSH", "p", "p1", "p2", "p3")
    assert b.read() == [b"p", [b"p1", b"p2"]]
    b = block(primary, r, "BLPOP", "gone", 0)
    r.execute_command("RPUSH", "gone", "only")
    assert b.read() == [b"gone", b"only"]
    b = block(primary, r, "BRPOP", "t", 0)
    tx = primary.conn()
    tx.call("MULTI")
    tx.call("RPUSH", "t", "t1", "t2")
    tx.call("EXEC")
    assert b.read() == [b"t", b"t2"]
    assert conn(primary).call("BLPOP", "seed2", "0.05") is None

    wait_replica_synced(primary, replica)
    rr = replica.client(raw_replies=True)
    want = {"k": ["c"], "m": ["1", "2"], "dst": ["y", "3"], "n": ["x"], "p": ["p3"],
            "t": ["t1"], "seed": ["s"]}
    for key, elements in want.items():
        assert r.execute_command("LRANGE", key, 0, -1) == elements, key
        assert rr.execute_command("LRANGE", key, 0, -1) == elements, key
    assert rr.execute_command("EXISTS", "gone") == 0
    assert sorted(rr.execute_command("KEYS", "*")) == sorted(want)
    assert rr.execute_command("DEBUG", "DIGEST") == r.execute_command("DEBUG", "DIGEST")
