"""Sable as a replica of a real Redis 7.0 primary (/usr/bin/redis-server).

Covers the full sync (disk-based and diskless), the live stream, partial resync after the
link drops, READONLY, MASTERDOWN, ROLE/INFO fields, REPLICAOF NO ONE and a chained Redis
replica of the Sable replica. Every wait is a bounded poll.
"""
import os

import pytest

from conftest import RespError, ServerProcess, eventually
import typed_data

REDIS = "/usr/bin/redis-server"

pytestmark = pytest.mark.skipif(not os.path.exists(REDIS), reason="needs /usr/bin/redis-server")


def info(client, section="replication"):
    return client.info(section)


def start_primary(diskless="no"):
    return ServerProcess(binary=REDIS, extra_args=["--repl-diskless-sync", diskless,
                                                   "--repl-diskless-sync-delay", "0"])


def start_replica(primary, *extra):
    return ServerProcess(extra_args=["--replicaof", "127.0.0.1", str(primary.port)] +
                         list(extra))


def wait_synced(primary, replica, timeout=20.0):
    """Link up and the replica has applied everything the primary has sent."""
    p = primary.client()
    r = replica.client()

    def synced():
        ri = info(r)
        if ri.get("master_link_status") != "up":
            return False
        return ri["slave_repl_offset"] == info(p)["master_repl_offset"]

    eventually(synced, timeout=timeout, msg="replica did not catch up")


def snapshot(server, dbs=(0, 1, 5)):
    """{db: {key: (value, has_ttl)}} for string keys, read with binary-safe clients."""
    out = {}
    for db in dbs:
        c = server.client(decode_responses=False, db=db)
        keys = {}
        for k in c.scan_iter(count=1000):
            keys[k] = (c.get(k), c.pttl(k) > 0)
        out[db] = keys
    return out


def fill(c_by_db):
    c0 = c_by_db(0)
    for i in range(200):
        c0.set("k:%d" % i, "v%d" % i)
    c0.set("bin", bytes(range(256)) * 4)
    c0.set("big", b"x" * 200000 + b"\x00\r\n")
    c0.set("ttl", "t", ex=1000)
    c0.set("pttl", "t", px=900000)
    c1 = c_by_db(1)
    c1.set("one", "1")
    c1.set("int", 12345)
    c5 = c_by_db(5)
    c5.set(b"\xff\xfe\x00key", b"\x00\x01")


@pytest.fixture(params=["no", "yes"], ids=["disk", "diskless"])
def pair(request):
    primary = start_primary(request.param)
    try:
        fill(lambda db: primary.client(decode_responses=False, db=db))
        replica = start_replica(primary)
    except BaseException:
        primary.cleanup()
        raise
    yield primary, replica
    replica.cleanup()
    primary.cleanup()


@pytest.fixture
def primary():
    p = start_primary("no")
    yield p
    p.cleanup()


def test_full_sync_then_stream(pair):
    primary, replica = pair
    wait_synced(primary, replica)
    assert snapshot(replica) == snapshot(primary)
    assert replica.client().ttl("ttl") > 900

    p = primary.client()
    p.set("s1", "a")
    p.expire("k:1", 5000)
    p.delete("k:2", "k:3")
    p2 = primary.client(db=2)
    p2.set("in2", "x")
    tx = p.pipeline(transaction=True)
    tx.set("tx1", "1")
    tx.incr("tx2")
    tx.execute()
    p.incrbyfloat("f", "1.5")
    p.incrbyfloat("f", "0.25")
    wait_synced(primary, replica)
    r = replica.client()
    assert r.get("s1") == "a"
    assert 4000 < r.ttl("k:1") <= 5000
    assert r.exists("k:2", "k:3") == 0
    assert replica.client(db=2).get("in2") == "x"
    assert r.get("tx1") == "1" and r.get("tx2") == "1"
    assert r.get("f") == "1.75"
    assert snapshot(replica, dbs=(0, 1, 2, 5)) == snapshot(primary, dbs=(0, 1, 2, 5))


def test_collections_from_a_redis_primary(primary):
    # Every collection type in each encoding from Redis's RDB, then Redis's command stream.
    p = primary.client(decode_responses=False)
    typed_data.populate(p)
    replica = start_replica(primary)
    try:
        typed_data.check_replication(primary, replica, wait_synced)
    finally:
        replica.cleanup()


def test_readonly_role_and_info(pair):
    primary, replica = pair
    wait_synced(primary, replica)
    r = replica.client()
    assert replica.conn().call("SET", "x", "1") == \
        RespError("READONLY You can't write against a read only replica.")
    role = r.execute_command("ROLE")
    assert role[0] == "slave" and role[1] == "127.0.0.1" and int(role[2]) == primary.port
    assert role[3] == "connected"
    assert int(role[4]) == info(primary.client())["master_repl_offset"]
    ri = info(r)
    assert ri["role"] == "slave"
    assert ri["master_host"] == "127.0.0.1" and ri["master_port"] == primary.port
    assert ri["master_sync_in_progress"] == 0
    assert ri["slave_read_only"] == 1 and ri["slave_priority"] == 100
    assert ri["replica_announced"] == 1 and ri["connected_slaves"] == 0
    assert ri["slave_read_repl_offset"] == ri["slave_repl_offset"]
    assert "master_link_down_since_seconds" not in ri
    pi = info(primary.client())
    assert pi["connected_slaves"] == 1 and pi["slave0"]["port"] == replica.port
    masters = r.client_list(_type="master")
    assert len(masters) == 1 and "M" in masters[0]["flags"]
    assert r.execute_command("REPLICAOF", "127.0.0.1", primary.port) == \
        "OK Already connected to specified master"


def test_partial_resync_after_master_client_kill(primary):
    p = primary.client()
    p.set("a", "1")
    replica = start_replica(primary)
    try:
        wait_synced(primary, replica)
        assert info(p, "stats")["sync_partial_ok"] == 0
        assert replica.client().client_kill_filter(_type="master") == 1
        p.set("b", "2")
        eventually(lambda: info(p, "stats")["sync_partial_ok"] == 1, timeout=10)
        wait_synced(primary, replica)
        assert replica.client().mget("a", "b") == ["1", "2"]
        assert info(p, "stats")["sync_full"] == 1
    finally:
        replica.cleanup()


def test_replica_restart_continues_from_sync_snapshot(primary):
    """The full sync's snapshot stays as dump.rdb with repl-id/repl-offset: a restarted replica
    (no save points) continues partially from there, as Redis 7.0's does."""
    p = primary.client()
    p.set("a", "1")
    replica = start_replica(primary)
    try:
        wait_synced(primary, replica)
        replica.stop()
        p.set("b", "2")
        replica.start()
        wait_synced(primary, replica)
        assert replica.client().mget("a", "b") == ["1", "2"]
        assert info(p, "stats")["sync_full"] == 1
        assert info(p, "stats")["sync_partial_ok"] == 1
    finally:
        replica.cleanup()


def test_replicaof_no_one_keeps_data_and_accepts_writes(primary):
    p = primary.client()
    p.set("a", "1")
    replica = start_replica(primary)
    try:
        wait_synced(primary, replica)
        r = replica.client()
        old_id = info(r)["master_replid"]
        assert r.execute_command("REPLICAOF", "NO", "ONE") == "OK"
        ri = info(r)
        assert ri["role"] == "master"
        assert ri["master_replid2"] == old_id
        assert ri["second_repl_offset"] == ri["master_repl_offset"] + 1
        assert r.get("a") == "1"
        assert r.set("b", "2")
        assert r.execute_command("ROLE")[0] == "master"
        # And back: following the primary again syncs.
        assert r.execute_command("REPLICAOF", "127.0.0.1", primary.port) == "OK"
        wait_synced(primary, replica)
        assert r.get("a") == "1"
    finally:
        replica.cleanup()


def test_masterdown_with_serve_stale_data_no(primary):
    primary.client().set("a", "1")
    replica = start_replica(primary, "--replica-serve-stale-data", "no", "--repl-timeout", "60")
    try:
        wait_synced(primary, replica)
        r = replica.client()
        assert r.get("a") == "1"
        primary.stop()
        eventually(lambda: info(r)["master_link_status"] == "down", timeout=10)
        assert replica.conn().call("GET", "a") == RespError(
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
        ri = info(r)  # INFO is allowed on a stale replica
        assert ri["master_link_down_since_seconds"] >= 0
        assert r.execute_command("ROLE")[3] in ("connect", "connecting")
        r.config_set("replica-serve-stale-data", "yes")
        assert r.get("a") == "1"
        primary.start()
        eventually(lambda: info(r)["master_link_status"] == "up", timeout=15)
    finally:
        replica.cleanup()


def test_replica_does_not_expire_keys(primary):
    p = primary.client()
    p.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    p.set("gone", "v", px=300)
    replica = start_replica(primary)
    try:
        wait_synced(primary, replica)
        r = replica.client()
        # Logically expired on the replica: reads miss, but the key stays for the DEL.
        eventually(lambda: r.get("gone") is None, timeout=5)
        assert r.dbsize() == 1
        assert p.get("gone") is None  # the primary expires it lazily and sends DEL
        eventually(lambda: r.dbsize() == 0, timeout=5)
    finally:
        replica.cleanup()


def test_chained_redis_replica_of_sable_replica(primary):
    p = primary.client()
    p.set("a", "1")
    p.set("bin", bytes(range(256)))
    mid = start_replica(primary)
    leaf = ServerProcess(binary=REDIS, extra_args=["--replicaof", "127.0.0.1", str(mid.port)])
    try:
        wait_synced(primary, mid)
        lc = leaf.client()
        eventually(lambda: info(lc)["master_link_status"] == "up", timeout=20)
        p.set("b", "2")
        p.incrbyfloat("f", "2.5")
        wait_synced(primary, mid)
        eventually(lambda: info(lc)["slave_repl_offset"] == info(p)["master_repl_offset"],
                   timeout=10)
        assert lc.mget("a", "b", "f") == ["1", "2", "2.5"]
        assert leaf.client(decode_responses=False).get("bin") == bytes(range(256))
        # The chain shares one history: same replid and offset everywhere.
        assert info(lc)["master_replid"] == info(p)["master_replid"]
    finally:
        leaf.cleanup()
        mid.cleanup()


def test_wait_counts_replica_acks(primary):
    replica = start_replica(primary)
    try:
        wait_synced(primary, replica)
        p = primary.client()
        p.set("w", "1")
        # WAIT makes the primary send REPLCONF GETACK; the replica answers with its offset.
        assert p.execute_command("WAIT", 1, 5000) == 1
        eventually(lambda: info(p)["slave0"]["offset"] == info(p)["master_repl_offset"],
                   timeout=5)
    finally:
        replica.cleanup()


def test_masterauth():
    primary = ServerProcess(binary=REDIS, extra_args=["--requirepass", "s3cret"])
    replica = None
    try:
        primary.client(password="s3cret").set("a", "1")
        replica = start_replica(primary, "--masterauth", "s3cret")
        r = replica.client()
        eventually(lambda: info(r)["master_link_status"] == "up", timeout=20)
        assert r.get("a") == "1"
    finally:
        if replica is not None:
            replica.cleanup()
        primary.cleanup()


def test_repl_timeout_drops_silent_link_and_continues():
    primary = ServerProcess(binary=REDIS, extra_args=["--repl-ping-replica-period", "1",
                                                     "--repl-diskless-sync-delay", "0"])
    replica = None
    try:
        primary.client().set("a", "1")
        replica = start_replica(primary, "--repl-timeout", "2")
        wait_synced(primary, replica)
        r = replica.client()
        # The primary goes silent (blocked) for longer than the replica's repl-timeout.
        primary.raw().sendall(b"DEBUG SLEEP 5\r\n")
        eventually(lambda: info(r)["master_link_status"] == "down", timeout=10)
        assert "MASTER timeout" in replica.output()
        p = primary.client()
        eventually(lambda: info(p, "stats")["sync_partial_ok"] >= 1, timeout=15)
        p.set("b", "2")
        wait_synced(primary, replica)
        assert r.get("b") == "2"
    finally:
        if replica is not None:
            replica.cleanup()
        primary.cleanup()


def test_applied_stream_reaches_the_aof(primary):
    replica = start_replica(primary, "--appendonly", "yes")
    try:
        wait_synced(primary, replica)
        primary.client().set("aof-key", "aof-value")
        wait_synced(primary, replica)
        aof_dir = os.path.join(replica.dir, "appendonlydir")

        def logged():
            for name in os.listdir(aof_dir):
                with open(os.path.join(aof_dir, name), "rb") as f:
                    if b"aof-value" in f.read():
                        return True
            return False

        eventually(logged, timeout=10)
    finally:
        replica.cleanup()


def test_announced_address(primary):
    replica = start_replica(primary, "--replica-announce-ip", "10.1.2.3",
                            "--replica-announce-port", "7777")
    try:
        wait_synced(primary, replica)
        slave0 = info(primary.client())["slave0"]
        assert slave0["ip"] == "10.1.2.3" and slave0["port"] == 7777
    finally:
        replica.cleanup()


def resp(*parts):
    out = b"*%d\r\n" % len(parts)
    for p in parts:
        p = p.encode() if isinstance(p, str) else p
        out += b"$%d\r\n%s\r\n" % (len(p), p)
    return out


def test_protocol_against_a_hand_made_primary():
    """Exact handshake bytes, the $EOF: transfer, offsets around a MULTI split across reads,
    GETACK, and PSYNC continuation with a changed replid, seen from a scripted primary."""
    import socket

    from conftest import free_port, recv_until

    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", free_port()))
    lst.listen(4)
    lst.settimeout(10)
    fake_port = lst.getsockname()[1]
    replica = ServerProcess(extra_args=["--replicaof", "127.0.0.1", str(fake_port)])
    try:
        conn, _ = lst.accept()
        got = recv_until(conn, lambda b: b == resp("PING"))
        conn.sendall(b"+PONG\r\n")
        handshake = resp("REPLCONF", "listening-port", str(replica.port)) + \
            resp("REPLCONF", "capa", "eof", "capa", "psync2")
        got = recv_until(conn, lambda b: len(b) >= len(handshake))
        assert got == handshake
        conn.sendall(b"+OK\r\n+OK\r\n")
        got = recv_until(conn, lambda b: b.endswith(b"-1\r\n"))
        assert got == resp("PSYNC", "?", "-1")
        id1, id2, mark = "a" * 40, "b" * 40, b"m" * 40
        rdb = b"REDIS0010\xff" + b"\x00" * 8  # empty, checksum off
        conn.sendall(b"+FULLRESYNC %s 100\r\n\n$EOF:%s\r\n" % (id1.encode(), mark) + rdb + mark)
        got = recv_until(conn, lambda b: b.endswith(b"\r\n") and b"ACK" in b)
        assert got.startswith(resp("REPLCONF", "ACK", "100"))

        r = replica.client()
        select, multi, set_a = resp("SELECT", "0"), resp("MULTI"), resp("SET", "a", "1")
        conn.sendall(select + multi + set_a)
        head = 100 + len(select)
        total = head + len(multi) + len(set_a)
        eventually(lambda: info(r)["slave_read_repl_offset"] == total)
        # The open transaction is neither applied nor counted in the processed offset.
        assert info(r)["slave_repl_offset"] == head and r.get("a") is None
        exec_ = resp("EXEC")
        conn.sendall(exec_)
        eventually(lambda: r.get("a") == "1")
        total += len(exec_)
        assert info(r)["slave_repl_offset"] == total
        conn.sendall(resp("REPLCONF", "GETACK", "*"))
        ack = resp("REPLCONF", "ACK", str(total))
        recv_until(conn, lambda b: ack in b)
        total += len(resp("REPLCONF", "GETACK", "*"))
        eventually(lambda: info(r)["slave_repl_offset"] == total)

        # The link drops; the replica comes back asking to continue after what it applied.
        conn.close()
        conn, _ = lst.accept()
        recv_until(conn, lambda b: b == resp("PING"))
        conn.sendall(b"+PONG\r\n")
        recv_until(conn, lambda b: len(b) >= len(handshake))
        conn.sendall(b"+OK\r\n+OK\r\n")
        psync = resp("PSYNC", id1, str(total + 1))
        got = recv_until(conn, lambda b: len(b) >= len(psync))
        assert got == psync
        conn.sendall(b"+CONTINUE %s\r\n" % id2.encode() + resp("SET", "b", "2"))
        eventually(lambda: r.get("b") == "2")
        ri = info(r)
        assert ri["master_replid"] == id2 and ri["master_replid2"] == id1
        assert ri["second_repl_offset"] == total + 1
        assert ri["master_link_status"] == "up"
        conn.close()
    finally:
        lst.close()
        replica.cleanup()


def sync_files(server):
    """RDB files in the server's dir: temp files of a transfer and the dump file."""
    return sorted(f for f in os.listdir(server.dir) if f.endswith(".rdb"))


@pytest.mark.parametrize("load", ["swapdb", "on-empty-db", "disabled"])
@pytest.mark.parametrize("diskless", ["no", "yes"], ids=["disk", "diskless"])
def test_diskless_load(diskless, load):
    """repl-diskless-load: the same dataset, and no RDB file written by the sync."""
    primary = start_primary(diskless)
    replica = None
    try:
        fill(lambda db: primary.client(decode_responses=False, db=db))
        replica = start_replica(primary, "--repl-diskless-load", load)
        wait_synced(primary, replica)
        assert snapshot(replica) == snapshot(primary)
        if load == "disabled":
            assert sync_files(replica) == ["dump.rdb"]
        else:
            assert sync_files(replica) == []
        primary.client().set("after", "1")
        wait_synced(primary, replica)
        assert replica.client().get("after") == "1"
    finally:
        if replica is not None:
            replica.cleanup()
        primary.cleanup()


def test_on_empty_db_with_data_loads_via_disk(primary):
    primary.client().set("p", "1")
    replica = ServerProcess(extra_args=["--repl-diskless-load", "on-empty-db"])
    try:
        replica.client().set("mine", "x")
        replica.client().replicaof("127.0.0.1", primary.port)
        wait_synced(primary, replica)
        r = replica.client()
        assert r.get("p") == "1" and r.get("mine") is None
        assert sync_files(replica) == ["dump.rdb"]
    finally:
        replica.cleanup()


def test_swapdb_failed_transfer_keeps_old_data():
    """A corrupt or cut payload leaves the loaded dataset intact; the replica retries."""
    import socket

    from conftest import free_port, recv_until

    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", free_port()))
    lst.listen(4)
    lst.settimeout(10)
    fake_port = lst.getsockname()[1]
    replica = ServerProcess(extra_args=["--replicaof", "127.0.0.1", str(fake_port),
                                        "--repl-diskless-load", "swapdb"])
    # db 0 holding k=v, checksum off.
    good = b"REDIS0010\xfe\x00\x00\x01k\x01v\xff" + b"\x00" * 8
    conns = []

    def handshake():
        conn, _ = lst.accept()
        conns.append(conn)
        recv_until(conn, lambda b: b == resp("PING"))
        conn.sendall(b"+PONG\r\n")
        recv_until(conn, lambda b: b.endswith(b"psync2\r\n"))
        conn.sendall(b"+OK\r\n+OK\r\n")
        recv_until(conn, lambda b: b.endswith(b"\r\n") and b"PSYNC" in b and
                   b.count(b"\r\n") >= 5)
        return conn

    try:
        conn = handshake()
        mark = b"m" * 40
        conn.sendall(b"+FULLRESYNC %s 0\r\n$EOF:%s\r\n" % (b"a" * 40, mark) + good + mark)
        r = replica.client()
        eventually(lambda: r.get("k") == "v", timeout=10)
        conn.close()

        # Reconnects; PSYNC refused with a full resync whose payload is corrupt.
        conn = handshake()
        bad = good.replace(b"\xff", b"\x42")
        conn.sendall(b"+FULLRESYNC %s 0\r\n$%d\r\n" % (b"b" * 40, len(bad)) + bad)
        # The replica drops the link after the failed load and connects again.
        conn = handshake()
        assert r.get("k") == "v"
        # A payload cut by the link going down.
        conn.sendall(b"+FULLRESYNC %s 0\r\n$%d\r\n" % (b"c" * 40, len(good)) + good[:8])
        conn.close()
        conn = handshake()
        assert r.get("k") == "v"
        assert sync_files(replica) == []
        assert "Failed trying to load the MASTER synchronization DB from socket" in \
            replica.output()
    finally:
        for c in conns:
            c.close()
        lst.close()
        replica.cleanup()
