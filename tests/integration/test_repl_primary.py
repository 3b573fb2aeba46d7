"""Sable as a replication primary, followed by a real Redis 7.0 replica.

The replica is Debian's /usr/bin/redis-server started with --replicaof: it
speaks the handshake, loads the RDB we send (from disk or diskless with the
EOF-marker framing) and then applies our command stream, so comparing its
keyspace with ours checks the whole path byte for byte.
"""
import os
import time

import pytest
import redis

import socket

from conftest import eventually, recv_until, wait_closed
from conftest import wait_replica_synced as wait_in_sync
import typed_data

REDIS_SERVER = "/usr/bin/redis-server"

pytestmark = pytest.mark.skipif(not os.path.exists(REDIS_SERVER),
                                reason="needs Debian's redis-server as the replica")


def start_primary(make_server, diskless=True, extra=()):
    return make_server(extra_args=["--repl-diskless-sync", "yes" if diskless else "no",
                                   "--repl-diskless-sync-delay", "0", *extra])


def start_replica(make_server, primary):
    return make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port)],
                       binary=REDIS_SERVER)


def populate(primary):
    expected = {}
    for db in range(16):
        c = primary.client(db=db, decode_responses=False)
        for i in range(20):
            key = b"key:%d:%d" % (db, i)
            value = b"value-%d-%d" % (db, i)
            c.set(key, value)
            expected[(db, key)] = value
        binary = bytes(range(256)) * 3
        c.set(b"bin\x00\xff\r\n", binary)
        expected[(db, b"bin\x00\xff\r\n")] = binary
        c.set(b"big", b"x" * 100000)
        expected[(db, b"big")] = b"x" * 100000
        c.set(b"ttl", b"t", ex=1000)
        expected[(db, b"ttl")] = b"t"
        c.set(b"int", 12345)
        expected[(db, b"int")] = b"12345"
    return expected


def compare(primary, replica, expected):
    for db in range(16):
        p = primary.client(db=db, decode_responses=False)
        r = replica.client(db=db, decode_responses=False)
        assert sorted(r.keys("*")) == sorted(p.keys("*"))
        for (kdb, key), value in expected.items():
            if kdb != db:
                continue
            assert r.get(key) == value, (db, key)
        ttl = r.pttl(b"ttl")
        assert 990000 < ttl <= 1000000


@pytest.mark.parametrize("diskless", [True, False], ids=["diskless", "disk"])
def test_full_sync_then_stream(make_server, diskless):
    primary = start_primary(make_server, diskless)
    expected = populate(primary)
    replica = start_replica(make_server, primary)
    wait_in_sync(primary, replica)
    compare(primary, replica, expected)
    p = primary.client()
    assert p.info("stats")["sync_full"] == 1
    target = "replicas sockets" if diskless else "disk"
    assert "Starting BGSAVE for SYNC with target: " + target in primary.output()

    # The stream: writes in several dbs (SELECT), a transaction, expirations as DEL.
    p3 = primary.client(db=3)
    p3.set("after", "sync")
    primary.client(db=7).incrby("counter", 5)
    pipe = p3.pipeline(transaction=True)
    pipe.set("tx1", "a")
    pipe.set("tx2", "b")
    pipe.execute()
    p3.set("short", "lived", px=50)
    wait_in_sync(primary, replica)
    r3 = replica.client(db=3)
    assert r3.get("after") == "sync"
    assert replica.client(db=7).get("counter") == "5"
    assert r3.mget("tx1", "tx2") == ["a", "b"]
    size_with_short = r3.dbsize()
    # The primary expires the key and propagates a DEL; a replica never expires on its own.
    eventually(lambda: p3.exists("short") == 0 and r3.dbsize() == size_with_short - 1,
               timeout=10)

    # PUBLISH reaches subscribers of the replica.
    sub = replica.client().pubsub()
    sub.subscribe("news")
    eventually(lambda: sub.get_message(timeout=0.1) is not None)
    assert p.publish("news", "hello") == 0
    msg = eventually(lambda: sub.get_message(timeout=0.2))
    assert msg["type"] == "message" and msg["data"] == "hello"
    sub.close()


@pytest.mark.parametrize("diskless", [True, False], ids=["diskless", "disk"])
def test_collections_reach_a_redis_replica(make_server, diskless):
    # Every collection type in each encoding through the full sync, then commands whose
    # propagation differs from what was called (SPOP as SREM, BLPOP as LPOP, LMOVE, ZMPOP).
    primary = start_primary(make_server, diskless)
    p = primary.client(decode_responses=False)
    typed_data.populate(p)
    replica = start_replica(make_server, primary)
    typed_data.check_replication(primary, replica, wait_in_sync)


def test_partial_resync_after_client_kill(make_server):
    primary = start_primary(make_server)
    p = primary.client()
    p.set("a", "1")
    replica = start_replica(make_server, primary)
    wait_in_sync(primary, replica)
    replid = p.info("replication")["master_replid"]
    assert replica.client().info("replication")["master_replid"] == replid

    assert p.execute_command("CLIENT", "KILL", "TYPE", "replica") == 1
    p.set("b", "2")  # written while the replica is away: it comes from the backlog
    eventually(lambda: p.info("stats")["sync_partial_ok"] == 1, timeout=15)
    wait_in_sync(primary, replica)
    stats = p.info("stats")
    assert stats["sync_full"] == 1
    assert stats["sync_partial_err"] == 0
    assert replica.client().get("b") == "2"
    p.set("c", "3")
    wait_in_sync(primary, replica)
    assert replica.client().get("c") == "3"


def test_wait_and_min_replicas(make_server):
    primary = start_primary(make_server)
    p = primary.client()
    p.set("k", "v")
    start = time.monotonic()
    assert p.execute_command("WAIT", 1, 100) == 0
    assert time.monotonic() - start >= 0.09
    assert p.execute_command("WAIT", 0, 0) == 0

    replica = start_replica(make_server, primary)
    wait_in_sync(primary, replica)
    p.set("k2", "v2")
    assert p.execute_command("WAIT", 1, 5000) == 1
    assert p.execute_command("WAIT", 2, 200) == 1

    p.config_set("min-replicas-to-write", 1)
    p.config_set("min-replicas-max-lag", 10)
    assert p.set("k3", "v3") is True
    assert p.info("replication")["min_slaves_good_slaves"] == 1
    replica.stop()
    with pytest.raises(redis.ResponseError) as e:
        eventually(lambda: p.set("k4", "v4") and False, timeout=10)
    assert str(e.value) == "NOREPLICAS Not enough good replicas to write."
    assert p.get("k4") is None
    p.config_set("min-replicas-to-write", 0)
    assert p.set("k4", "v4") is True


def test_info_role_and_client_list(make_server):
    primary = start_primary(make_server)
    p = primary.client()
    info = p.info("replication")
    assert info["role"] == "master"
    assert info["connected_slaves"] == 0
    assert info["master_repl_offset"] == 0
    assert info["repl_backlog_active"] == 0
    assert "master_replid2:" + "0" * 40 + "\r\n" in primary.cli("INFO", "replication")
    assert info["second_repl_offset"] == -1
    assert p.execute_command("ROLE") == ["master", 0, []]

    replica = start_replica(make_server, primary)
    wait_in_sync(primary, replica)
    info = p.info("replication")
    assert info["connected_slaves"] == 1
    slave = info["slave0"]
    assert slave["ip"] == "127.0.0.1"
    assert slave["port"] == replica.port
    assert slave["state"] == "online"
    assert info["repl_backlog_active"] == 1
    assert info["repl_backlog_first_byte_offset"] == 1
    assert info["repl_backlog_histlen"] == info["master_repl_offset"]
    assert len(info["master_replid"]) == 40
    assert info["master_failover_state"] == "no-failover"
    # The replica's ACKs (every second) carry the offset INFO and ROLE report.
    p.set("x", "y")
    offset = p.info("replication")["master_repl_offset"]

    def acked():
        role = p.execute_command("ROLE")
        return role[2] and int(role[2][0][2]) == offset and role

    role = eventually(acked, timeout=5)
    assert role[0] == "master" and role[1] == offset
    assert role[2][0][:2] == ["127.0.0.1", str(replica.port)]
    eventually(lambda: p.info("replication")["slave0"]["offset"] == offset)

    replicas = [c for c in p.client_list() if "S" in c["flags"]]
    assert len(replicas) == 1
    listed = p.execute_command("CLIENT", "LIST", "TYPE", "replica")
    assert len(listed.strip().splitlines()) == 1 and "flags=S" in listed


def test_replconf_and_psync_replies(server):
    c = server.conn()
    assert c.call("REPLCONF", "listening-port", "1234") == "OK"
    assert c.call("REPLCONF", "capa", "eof", "capa", "psync2") == "OK"
    assert "syntax error" in str(c.call("REPLCONF", "listening-port"))
    err = c.call("REPLCONF", "nope", "x")
    assert "Unrecognized REPLCONF option: nope" in str(err)
    # An ACK from a client that is not a replica gets no reply at all.
    c.send("REPLCONF", "ACK", "10")
    assert c.call("PING") == "PONG"
    # Old-style SYNC to a disk snapshot: "$<len>\r\n" then an RDB.
    s = server.conn()
    s.send("SYNC")
    buf = b""
    deadline = time.monotonic() + 10
    while not (buf.lstrip(b"\n").startswith(b"$") and b"\r\n" in buf.lstrip(b"\n")):
        assert time.monotonic() < deadline
        s.sock.settimeout(1)
        try:
            buf += s.sock.recv(65536)
        except OSError:
            pass
    body = buf.lstrip(b"\n")
    n = int(body[1:body.index(b"\r\n")])
    data = body[body.index(b"\r\n") + 2:]
    while len(data) < n:
        data += s.sock.recv(65536)
    assert data[:9] == b"REDIS0010"


def test_diskless_transfer_shared_by_waiting_replicas(make_server):
    # A long delay that repl-diskless-sync-max-replicas cuts short once both replicas wait.
    primary = make_server(extra_args=["--repl-diskless-sync", "yes",
                                      "--repl-diskless-sync-delay", "60",
                                      "--repl-diskless-sync-max-replicas", "2"])
    p = primary.client()
    p.set("shared", "snapshot")
    first = start_replica(make_server, primary)
    eventually(lambda: p.info("replication").get("slave0", {}).get("state") == "wait_bgsave")
    assert first.client().info("replication")["master_link_status"] == "down"
    second = start_replica(make_server, primary)
    wait_in_sync(primary, first)
    wait_in_sync(primary, second)
    assert primary.output().count("Starting BGSAVE for SYNC") == 1
    assert p.info("stats")["sync_full"] == 2
    assert first.client().get("shared") == second.client().get("shared") == "snapshot"
    p.set("both", "1")
    assert p.execute_command("WAIT", 2, 5000) == 2


def test_redis_cli_rdb(server, tmp_path):
    r = server.client()
    r.set("k", "v")
    out = tmp_path / "dump.rdb"
    server.cli("--rdb", str(out))
    data = out.read_bytes()
    assert data.startswith(b"REDIS0010")
    assert b"k" in data and b"v" in data
    # The rdb-only link is closed after the transfer; no replica stays attached.
    eventually(lambda: r.info("replication")["connected_slaves"] == 0)


def read_more(sock, buf, pred, timeout=10):
    deadline = time.monotonic() + timeout
    while not pred(buf):
        left = deadline - time.monotonic()
        assert left > 0, "timed out; got %r" % buf[-300:]
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except OSError:
            continue
        assert chunk, "connection closed; got %r" % buf[-300:]
        buf += chunk
    return buf


def test_protocol_bytes_seen_by_a_hand_made_replica(make_server):
    """Diskless framing, stream after ACK starting with SELECT, PING, GETACK for WAIT, and the
    repl-timeout drop, observed on a raw socket."""
    primary = start_primary(make_server, extra=["--repl-ping-replica-period", "1",
                                                "--repl-timeout", "2"])
    p = primary.client()
    p.set("before", "1")
    link = primary.conn()
    assert link.call("REPLCONF", "listening-port", "4242") == "OK"
    assert link.call("REPLCONF", "capa", "eof", "capa", "psync2") == "OK"
    link.send("PSYNC", "?", "-1")
    sock = link.sock
    buf = read_more(sock, b"", lambda b: b.lstrip(b"\n").count(b"\r\n") >= 2)
    buf = buf.lstrip(b"\n")
    line, rest = buf.split(b"\r\n", 1)
    fields = line.split()
    assert fields[0] == b"+FULLRESYNC" and len(fields[1]) == 40
    offset = int(fields[2])
    assert rest.startswith(b"$EOF:")
    mark, rdb = rest[5:].split(b"\r\n", 1)
    assert len(mark) == 40
    rdb = read_more(sock, rdb, lambda b: b.endswith(mark))
    assert rdb.startswith(b"REDIS0010") and b"before" in rdb
    assert p.info("replication")["slave0"]["port"] == 4242

    # Nothing follows the RDB before the first ACK (the replica could not tell it apart).
    p.client_setname("writer")
    p5 = primary.client(db=5)
    p5.set("x", "1")
    sock.settimeout(0.3)
    with pytest.raises(OSError):
        sock.recv(100)
    raw_ack = b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%d\r\n"
    sock.sendall(raw_ack % (len(str(offset)), offset))
    stream = read_more(sock, b"", lambda b: b"SET\r\n$1\r\nx\r\n$1\r\n1\r\n" in b)
    assert stream.startswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n5\r\n") or \
        stream.startswith(b"*1\r\n$4\r\nping\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n5\r\n")
    stream = read_more(sock, stream, lambda b: b.count(b"*1\r\n$4\r\nping\r\n") >= 1)

    # WAIT asks for ACKs with REPLCONF GETACK * and returns once ours arrives.
    waiter = primary.conn()
    waiter.call("SELECT", "5")
    waiter.call("SET", "y", "2")
    waiter.send("WAIT", "1", "10000")
    stream = read_more(sock, stream, lambda b: b"GETACK\r\n$1\r\n*\r\n" in b)
    assert p.info("clients")["blocked_clients"] == 1
    total = p.info("replication")["master_repl_offset"]
    sock.sendall(raw_ack % (len(str(total)), total))
    assert waiter.read(timeout=5) == 1
    role = p.execute_command("ROLE")
    assert role[2] == [["127.0.0.1", "4242", str(total)]]

    # Silent for longer than repl-timeout: dropped.
    eventually(lambda: p.info("replication")["connected_slaves"] == 0, timeout=10)
    assert "Disconnecting timedout replica" in primary.output()


def test_wait_asks_a_replica_that_resumes_for_its_offset(make_server):
    """A replica that comes back with PSYNC while a client sits in WAIT gets a GETACK right
    after the backlog, so WAIT sees the catch-up without waiting for the next periodic ACK
    (after a failover, the repointed replica is what WAIT needs)."""
    primary = start_primary(make_server)
    p = primary.client()
    first = primary.conn()
    first.send("PSYNC", "?", "-1")
    buf = read_more(first.sock, b"", lambda b: b.lstrip(b"\n").count(b"\r\n") >= 1)
    fields = buf.lstrip(b"\n").split(b"\r\n", 1)[0].split()
    assert fields[0] == b"+FULLRESYNC"
    replid, offset = fields[1].decode(), int(fields[2])
    first.close()
    eventually(lambda: p.info("replication")["connected_slaves"] == 0)

    waiter = primary.conn()
    waiter.call("SET", "during", "1")
    waiter.send("WAIT", "1", "0")
    eventually(lambda: p.info("clients")["blocked_clients"] == 1)

    link = primary.conn()
    assert link.call("REPLCONF", "capa", "eof", "capa", "psync2") == "OK"
    link.send("PSYNC", replid, offset + 1)
    stream = read_more(link.sock, b"", lambda b: b"GETACK\r\n$1\r\n*\r\n" in b, timeout=5)
    assert stream.startswith(b"+CONTINUE " + replid.encode())
    assert b"during" in stream
    total = p.info("replication")["master_repl_offset"]
    raw_ack = b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%d\r\n"
    link.sock.sendall(raw_ack % (len(str(total)), total))
    assert waiter.read(timeout=5) == 1


def test_disk_sync_larger_than_replica_output_limit(make_server):
    # The RDB file is fed to the socket a window at a time: it never counts against the
    # replica class of client-output-buffer-limit (Redis sends it beside the reply buffer too).
    primary = start_primary(make_server, diskless=False,
                            extra=["--client-output-buffer-limit", "replica 2mb 1mb 10"])
    p = primary.client()
    value = "v" * 1000
    pipe = p.pipeline(transaction=False)
    for i in range(20000):
        pipe.set("key:%d" % i, value)
    pipe.execute()
    replica = start_replica(make_server, primary)
    wait_in_sync(primary, replica, timeout=60)
    r = replica.client()
    assert r.dbsize() == 20000
    assert r.get("key:19999") == value
    assert p.info("stats")["sync_full"] == 1


def test_stream_held_during_full_sync_obeys_replica_output_limit(make_server):
    # A disk-based sync kept slow by rdb-key-save-delay: the writes made meanwhile are owed to
    # the waiting replica and count against the replica class's hard limit.
    srv = make_server(extra_args=["--repl-diskless-sync", "no", "--rdb-key-save-delay", "3000000",
                                  "--client-output-buffer-limit", "replica 1mb 0 0"])
    r = srv.client()
    r.set("seed", "x")
    fake = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    fake.sendall(b"*3\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n")
    assert recv_until(fake, lambda b: b.endswith(b"\r\n")) == b"+OK\r\n"
    fake.sendall(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
    assert recv_until(fake, lambda b: b.endswith(b"\r\n")).startswith(b"+FULLRESYNC")
    eventually(lambda: r.info("replication")["connected_slaves"] == 1, timeout=5)
    big = "v" * 65536
    for i in range(40):  # 2.5 MB of stream while the snapshot is still being written
        r.set("k%d" % i, big)
    wait_closed(fake, timeout=10)  # raises unless the primary drops the replica
    eventually(lambda: "overcoming of output buffer limits" in srv.output(), timeout=5)
    assert r.ping() is True
