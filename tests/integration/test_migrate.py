"""MIGRATE between two standalone nodes, and between Sable and Debian's redis-server (the DUMP
payloads must be compatible both ways): replies and errors byte for byte as Redis 7.0, COPY,
REPLACE, AUTH/AUTH2, the KEYS form and its key extraction, the SELECT sent once per cached
connection, RESTORE-ASKING in cluster mode, the source's DEL propagated to its replica.

Run against real Redis (SABLE_SERVER=/usr/bin/redis-server) every case passes too.
"""
import os
import socket
import threading
import time

import pytest
import redis

from conftest import (RespError, eventually, free_port, is_real_redis, node_args,
                      wait_replica_synced)
import typed_data

REDIS_SERVER = "/usr/bin/redis-server"


def args():
    return [] if is_real_redis() else node_args()


@pytest.fixture
def src(make_server):
    return make_server(extra_args=args())


@pytest.fixture
def dst(make_server):
    return make_server(extra_args=args())


@pytest.fixture
def real_redis(make_server):
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("Debian's redis-server is not installed")
    return make_server(binary=REDIS_SERVER)


def migrate(conn, *parts):
    return conn.call("MIGRATE", *parts, timeout=10)


def cmdstat(c, name):
    """calls of one command on a node (INFO commandstats), 0 when never called."""
    stats = c.info("commandstats")
    return stats.get("cmdstat_" + name, {}).get("calls", 0)


def test_moves_a_key_with_its_ttl(src, dst):
    s, d = src.client(), dst.client()
    s.set("k", "v")
    s.pexpire("k", 100000)
    s.set("plain", "x" * 1000)
    c = src.conn()
    assert migrate(c, "127.0.0.1", dst.port, "k", 0, 5000) == "OK"
    assert migrate(c, "127.0.0.1", dst.port, "plain", 0, 5000) == "OK"
    assert s.exists("k", "plain") == 0
    assert d.get("k") == "v" and d.get("plain") == "x" * 1000
    assert 95000 < d.pttl("k") <= 100000
    assert d.pttl("plain") == -1


def test_nokey_and_argument_errors(src, dst):
    c = src.conn()
    src.client().set("k", "v")
    p = dst.port
    assert migrate(c, "127.0.0.1", p, "missing", 0, 1000) == "NOKEY"
    assert migrate(c, "127.0.0.1", p, "", 0, 1000, "KEYS", "m1", "m2") == "NOKEY"
    assert migrate(c, "127.0.0.1", p, "k", 0, 1000, "KEYS", "k") == RespError(
        "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
    assert migrate(c, "127.0.0.1", p, "k", 0, 1000, "AUTH") == RespError("ERR syntax error")
    assert migrate(c, "127.0.0.1", p, "k", 0, 1000, "AUTH2", "u") == RespError(
        "ERR syntax error")
    assert migrate(c, "127.0.0.1", p, "k", 0, 1000, "BOGUS") == RespError("ERR syntax error")
    assert migrate(c, "127.0.0.1", p, "k", "x", 1000) == RespError(
        "ERR value is not an integer or out of range")
    assert migrate(c, "127.0.0.1", p, "k", 0, "x") == RespError(
        "ERR value is not an integer or out of range")
    assert c.call("MIGRATE", "127.0.0.1", p, "k", 0) == RespError(
        "ERR wrong number of arguments for 'migrate' command")
    # Nothing moved.
    assert src.client().get("k") == "v" and dst.client().dbsize() == 0


def test_copy_replace_and_busykey(src, dst):
    s, d = src.client(), dst.client()
    s.set("k", "new")
    d.set("k", "old")
    c = src.conn()
    assert migrate(c, "127.0.0.1", dst.port, "k", 0, 5000) == RespError(
        "ERR Target instance replied with error: BUSYKEY Target key name already exists.")
    assert s.get("k") == "new" and d.get("k") == "old"
    assert migrate(c, "127.0.0.1", dst.port, "k", 0, 5000, "COPY", "REPLACE") == "OK"
    assert s.get("k") == "new" and d.get("k") == "new"
    s.set("k", "newer")
    assert migrate(c, "127.0.0.1", dst.port, "k", 0, 5000, "REPLACE") == "OK"
    assert s.exists("k") == 0 and d.get("k") == "newer"


def test_keys_form_moves_the_present_keys(src, dst):
    s, d = src.client(), dst.client()
    for i in range(20):
        s.set("key:%d" % i, i)
    d.set("key:3", "taken")
    c = src.conn()
    keys = ["key:%d" % i for i in range(20)] + ["absent"]
    # One key is refused by the target: the error is reported, the others move and go away.
    reply = migrate(c, "127.0.0.1", dst.port, "", 0, 5000, "KEYS", *keys)
    assert reply == RespError(
        "ERR Target instance replied with error: BUSYKEY Target key name already exists.")
    assert s.keys("*") == ["key:3"]
    assert d.get("key:3") == "taken" and d.get("key:19") == "19" and d.dbsize() == 20
    assert migrate(c, "127.0.0.1", dst.port, "", 0, 5000, "REPLACE", "KEYS", "key:3") == "OK"
    assert d.get("key:3") == "3" and s.dbsize() == 0


def test_getkeys_sees_both_forms(src):
    c = src.client(raw_replies=True)
    assert c.execute_command("COMMAND", "GETKEYS", "MIGRATE", "h", 1, "k", 0, 10) == ["k"]
    assert c.execute_command("COMMAND", "GETKEYS", "MIGRATE", "h", 1, "", 0, 10, "COPY",
                             "AUTH", "pw", "KEYS", "a", "b", "c") == ["a", "b", "c"]
    info = c.execute_command("COMMAND", "INFO", "MIGRATE")[0]
    assert info[0] == "migrate" and info[1] == -6
    assert "movablekeys" in info[2] and "write" in info[2]
    assert {"@keyspace", "@write", "@slow", "@dangerous"} <= set(info[6])


def test_auth_and_auth2(src, make_server):
    target = make_server(extra_args=args() + ["--requirepass", "s3cret"])
    t = target.client(password="s3cret")
    s = src.client()
    c = src.conn()
    s.set("a", 1)
    s.set("b", 2)
    s.set("c", 3)
    assert migrate(c, "127.0.0.1", target.port, "a", 0, 5000) == RespError(
        "ERR Target instance replied with error: NOAUTH Authentication required.")
    assert migrate(c, "127.0.0.1", target.port, "a", 0, 5000, "AUTH", "wrong") == RespError(
        "ERR Target instance replied with error: WRONGPASS invalid username-password pair or "
        "user is disabled.")
    assert s.get("a") == "1"
    assert migrate(c, "127.0.0.1", target.port, "a", 0, 5000, "AUTH", "s3cret") == "OK"
    assert migrate(c, "127.0.0.1", target.port, "", 0, 5000, "AUTH2", "default", "s3cret",
                   "KEYS", "b", "c") == "OK"
    assert t.mget("a", "b", "c") == ["1", "2", "3"] and s.dbsize() == 0


def test_select_once_per_cached_connection(src, dst):
    s, d = src.client(), dst.client()
    c = src.conn()
    for i in range(6):
        s.set("k%d" % i, i)
    for i in range(3):
        assert migrate(c, "127.0.0.1", dst.port, "k%d" % i, 3, 5000) == "OK"
    # One connection, one SELECT for three MIGRATEs to the same db.
    assert cmdstat(d, "select") == 1 and cmdstat(d, "restore") == 3
    assert migrate(c, "127.0.0.1", dst.port, "k3", 0, 5000) == "OK"
    assert cmdstat(d, "select") == 2
    # A db the target does not have: the error comes back, and the next MIGRATE selects again.
    assert migrate(c, "127.0.0.1", dst.port, "k4", 99, 5000) == RespError(
        "ERR Target instance replied with error: ERR DB index is out of range")
    # As in Redis, the RESTORE still ran in the db the link had selected, and the source kept
    # its key: moving it again needs REPLACE.
    assert s.get("k4") == "4"
    assert migrate(c, "127.0.0.1", dst.port, "k4", 0, 5000, "REPLACE") == "OK"
    assert cmdstat(d, "select") == 4
    assert d.mget("k3", "k4") == ["3", "4"]
    assert dst.client(db=3).mget("k0", "k1", "k2") == ["0", "1", "2"]


def test_cached_connection_closed_by_target_is_retried(src, dst):
    s, d = src.client(), dst.client()
    c = src.conn()
    s.mset({"x": 1, "y": 2})
    assert migrate(c, "127.0.0.1", dst.port, "x", 0, 5000) == "OK"
    # Drop every client connection of the target (our cached link among them), and wait until
    # the target has really closed it: the next MIGRATE must find the link closed before it
    # writes (a link that dies after the write is an error, never resent, as in Redis).
    d.client_kill_filter(_type="normal", skipme=True)
    eventually(lambda: len(d.client_list(_type="normal")) == 1, timeout=5)
    assert migrate(c, "127.0.0.1", dst.port, "y", 0, 5000) == "OK"
    assert d.get("y") == "2"


def test_io_errors(src):
    s = src.client()
    s.set("k", "v")
    c = src.conn()
    # Nothing listens there: Redis 7.0 notices on the first write.
    dead = free_port()
    assert migrate(c, "127.0.0.1", dead, "k", 0, 500) == RespError(
        "IOERR error or timeout writing to target instance")
    assert migrate(c, "no-such-host.invalid", 6379, "k", 0, 500) == RespError(
        "IOERR error or timeout connecting to the client")
    # A listener that accepts and never answers: the reply times out.
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(4)
    accepted = []
    stop = threading.Event()

    def accept():
        lsock.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(lsock.accept()[0])
            except socket.timeout:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        start = time.monotonic()
        assert migrate(c, "127.0.0.1", lsock.getsockname()[1], "k", 0, 300) == RespError(
            "IOERR error or timeout reading to target instance")
        # A timeout is not retried on a fresh connection.
        assert time.monotonic() - start < 2.0
        assert len(accepted) == 1
    finally:
        stop.set()
        t.join(2)
        for a in accepted:
            a.close()
        lsock.close()
    assert s.get("k") == "v"
    # The server is still fine.
    assert c.call("PING") == "PONG"


def test_source_delete_reaches_the_replica(make_server, dst):
    primary = make_server(extra_args=args())
    replica = make_server(extra_args=args() + ["--replicaof", "127.0.0.1", primary.port])
    p = primary.client()
    p.mset({"a": 1, "b": 2, "c": 3})
    wait_replica_synced(primary, replica)
    c = primary.conn()
    assert migrate(c, "127.0.0.1", dst.port, "", 0, 5000, "KEYS", "a", "b") == "OK"
    assert migrate(c, "127.0.0.1", dst.port, "c", 0, 5000, "COPY") == "OK"
    wait_replica_synced(primary, replica)
    r = replica.client()
    assert r.exists("a", "b") == 0 and r.get("c") == "3"
    assert dst.client().mget("a", "b", "c") == ["1", "2", "3"]


@pytest.mark.parametrize("direction", ["sable-to-redis", "redis-to-sable"])
def test_payloads_cross_to_real_redis(make_server, real_redis, direction):
    sable = make_server(extra_args=args())
    src_node, dst_node = (sable, real_redis) if direction == "sable-to-redis" else (
        real_redis, sable)
    s = src_node.client(decode_responses=False)
    values = {b"small": b"1", b"int": b"12345678", b"neg": b"-42", b"text": b"hello world",
              b"big": os.urandom(20000), b"compressible": b"abc" * 10000,
              b"empty": b"", b"bin\x00key": b"\x00\xff\x01"}
    for k, v in values.items():
        s.set(k, v)
    s.pexpire(b"text", 50000)
    c = src_node.conn()
    assert migrate(c, "127.0.0.1", dst_node.port, "", 0, 5000, "KEYS", *values) == "OK"
    d = dst_node.client(decode_responses=False)
    for k, v in values.items():
        assert d.get(k) == v, k
    assert 0 < d.pttl(b"text") <= 50000
    assert s.dbsize() == 0


@pytest.mark.parametrize("direction", ["sable-to-redis", "redis-to-sable"])
def test_collections_cross_to_real_redis(make_server, real_redis, direction):
    sable = make_server(extra_args=args())
    src_node, dst_node = (sable, real_redis) if direction == "sable-to-redis" else (
        real_redis, sable)
    s = src_node.client(decode_responses=False)
    typed_data.populate(s)
    sent = typed_data.contents(s)
    assert len(sent) == 10
    c = src_node.conn()
    assert migrate(c, "127.0.0.1", dst_node.port, "", 0, 5000, "KEYS", *sent) == "OK"
    assert s.dbsize() == 0
    assert typed_data.contents(dst_node.client(decode_responses=False)) == sent


def test_restore_asking_in_cluster_mode(make_server, dst):
    node = make_server(extra_args=args() + ["--cluster-enabled", "yes", "--cluster-port",
                                            free_port(), "--cluster-config-file", "nodes.conf"])
    c = node.client()
    try:
        c.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
    except redis.ResponseError:
        pass  # a build without slot assignment yet serves every key
    eventually(lambda: c.set("k", "v"), timeout=10)
    conn = node.conn()
    assert migrate(conn, "127.0.0.1", dst.port, "k", 0, 5000) == "OK"
    d = dst.client()
    assert d.get("k") == "v"
    assert cmdstat(d, "restore-asking") == 1 and cmdstat(d, "restore") == 0
    assert cmdstat(d, "select") == 1
