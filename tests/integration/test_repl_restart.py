"""Restarts keep the replication history (Redis 7.0's RDB AUX repl-stream-db/repl-id/repl-offset).

A replica that saved its RDB (SHUTDOWN with save points, or SAVE then SIGKILL) restarts as a
"cached master" and continues with PSYNC +CONTINUE, from a Sable primary and from Redis 7.0; a
primary restarted from its RDB offers the saved history as replid2, so its replicas (Sable or
Redis 7.0) continue partially too. Partial resyncs are proven with the primary's INFO stats
sync_partial_ok. Every wait is a bounded poll.
"""
import os
import signal

import pytest

from conftest import eventually
from conftest import wait_replica_synced as wait_synced

REDIS = "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(not os.path.exists(REDIS),
                                 reason="needs /usr/bin/redis-server")


def start_primary(make_server, binary=None, save=False):
    args = ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"]
    if save:
        args += ["--save", "3600 1"]
    return make_server(extra_args=args, binary=binary)


def start_replica(make_server, primary, binary=None):
    # Save points: SHUTDOWN saves the final snapshot, with the replication info.
    return make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port),
                                   "--save", "3600 1"], binary=binary)


def stats(server):
    return server.client().info("stats")


def shutdown(server, **kw):
    server.client().shutdown(**kw)  # redis-py treats the closed connection as success
    assert server.wait_exit() == 0


def write_in_db3(primary, key, value):
    """A write in db 3: the stream selects db 3 once and later writes there carry no SELECT, so a
    restarted replica must resume in the db its RDB names (repl-stream-db)."""
    primary.client(db=3).set(key, value)


def check_continue_in_db3(primary, replica):
    write_in_db3(primary, "after", "restart")
    primary.client().set("db0", "too")
    wait_synced(primary, replica)
    assert replica.client(db=3).get("after") == "restart"
    assert replica.client().get("db0") == "too"
    assert replica.client(db=0).get("after") is None


@pytest.mark.parametrize("primary_binary", [None, pytest.param(REDIS, marks=needs_redis)],
                         ids=["sable-primary", "redis-primary"])
def test_replica_shutdown_restart_continues_partially(make_server, primary_binary):
    p = start_primary(make_server, primary_binary)
    r = start_replica(make_server, p)
    pc = p.client()
    for i in range(50):
        pc.set("k%d" % i, "v%d" % i)
    write_in_db3(p, "before", "restart")
    wait_synced(p, r)
    assert stats(p)["sync_full"] == 1
    offset = r.client().info("replication")["master_repl_offset"]

    shutdown(r)
    r.start()
    ri = r.client().info("replication")
    assert ri["master_repl_offset"] == offset  # restored before the link is up
    eventually(lambda: stats(p)["sync_partial_ok"] == 1, timeout=15,
               msg="no partial resync:\n" + r.output()[-3000:])
    st = stats(p)
    assert st["sync_full"] == 1
    assert st["sync_partial_err"] == 0
    assert r.client().get("k49") == "v49"
    check_continue_in_db3(p, r)


def test_replica_save_then_kill_continues_partially(make_server):
    p = start_primary(make_server)
    r = start_replica(make_server, p)
    write_in_db3(p, "before", "kill")
    wait_synced(p, r)
    r.client().save()
    r.proc.send_signal(signal.SIGKILL)
    r.wait_exit()
    # Written while the replica is down: sent from the backlog on +CONTINUE.
    p.client().set("while", "down")
    r.start()
    eventually(lambda: stats(p)["sync_partial_ok"] == 1, timeout=15,
               msg="no partial resync:\n" + r.output()[-3000:])
    wait_synced(p, r)
    assert r.client().get("while") == "down"
    assert stats(p)["sync_full"] == 1
    check_continue_in_db3(p, r)


def test_replica_without_repl_info_does_full_sync(make_server):
    """Without an RDB the restarted replica has no cached master. (The snapshot of the first full
    sync is kept as dump.rdb, as Redis does, and would itself allow a partial resync.)"""
    p = start_primary(make_server)
    r = start_replica(make_server, p)
    p.client().set("k", "v")
    wait_synced(p, r)
    shutdown(r, nosave=True)
    os.unlink(os.path.join(r.dir, "dump.rdb"))
    r.start()
    eventually(lambda: stats(p)["sync_full"] == 2, timeout=15)
    assert stats(p)["sync_partial_ok"] == 0


def test_replica_restart_from_full_sync_snapshot(make_server):
    """SHUTDOWN NOSAVE keeps the snapshot of the full sync as dump.rdb (as Redis): its repl-offset
    is the sync's, and the backlog supplies what came after."""
    p = start_primary(make_server)
    r = start_replica(make_server, p)
    wait_synced(p, r)
    for i in range(20):
        p.client().set("later%d" % i, i)
    wait_synced(p, r)
    shutdown(r, nosave=True)
    r.start()
    eventually(lambda: stats(p)["sync_partial_ok"] == 1, timeout=15)
    wait_synced(p, r)
    assert r.client().get("later19") == "19"
    assert stats(p)["sync_full"] == 1


def test_rdb_of_node_outside_replication_has_no_repl_info(make_server):
    s = make_server()
    c = s.client()
    c.set("k", "v")
    c.save()
    with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
        data = f.read()
    assert b"repl-id" not in data
    assert b"aof-base" in data


@pytest.mark.parametrize("replica_binary", [None, pytest.param(REDIS, marks=needs_redis)],
                         ids=["sable-replica", "redis-replica"])
def test_primary_restart_keeps_history(make_server, replica_binary):
    p = start_primary(make_server, save=True)
    r = start_replica(make_server, p, replica_binary)
    write_in_db3(p, "before", "restart")
    wait_synced(p, r)
    # Once the replica has ACKed the primary's offset, SHUTDOWN has nothing to wait for and sends
    # no GETACK (which would move the offset), as in Redis 7.0.
    pc = p.client()
    eventually(lambda: pc.info("replication")["slave0"]["offset"] ==
               pc.info("replication")["master_repl_offset"], timeout=10)
    old = p.client().info("replication")

    shutdown(p)
    p.start()
    pi = p.client().info("replication")
    assert pi["master_replid2"] == old["master_replid"]
    assert pi["master_replid"] != old["master_replid"]
    assert pi["second_repl_offset"] == old["master_repl_offset"] + 1
    assert pi["master_repl_offset"] == old["master_repl_offset"]
    assert pi["repl_backlog_active"] == 1
    eventually(lambda: stats(p)["sync_partial_ok"] == 1, timeout=20,
               msg="no partial resync:\n" + r.output()[-3000:])
    assert stats(p)["sync_full"] == 0
    wait_synced(p, r)
    assert r.client().info("replication")["master_replid"] == pi["master_replid"]
    check_continue_in_db3(p, r)


@pytest.mark.parametrize("replica_binary", [None, pytest.param(REDIS, marks=needs_redis)],
                         ids=["sable-replica", "redis-replica"])
def test_both_restarted_continue_partially(make_server, replica_binary):
    """Replica and primary both stop (replica first) and restart from their RDBs."""
    p = start_primary(make_server, save=True)
    r = start_replica(make_server, p, replica_binary)
    write_in_db3(p, "before", "restart")
    wait_synced(p, r)
    shutdown(r)
    shutdown(p)
    p.start()
    r.start()
    eventually(lambda: stats(p)["sync_partial_ok"] == 1, timeout=20,
               msg="no partial resync:\n" + r.output()[-3000:])
    assert stats(p)["sync_full"] == 0
    check_continue_in_db3(p, r)


@pytest.mark.parametrize("sub_binary", [None, pytest.param(REDIS, marks=needs_redis)],
                         ids=["sable-subreplica", "redis-subreplica"])
def test_chained_full_sync_records_stream_db(make_server, sub_binary):
    """A replica serving a full sync names its primary's stream db in repl-stream-db: the bytes it
    forwards afterwards carry no SELECT."""
    p = start_primary(make_server)
    a = start_replica(make_server, p)
    write_in_db3(p, "first", "1")
    wait_synced(p, a)
    b = make_server(extra_args=["--replicaof", "127.0.0.1", str(a.port)], binary=sub_binary)
    wait_synced(a, b)
    write_in_db3(p, "second", "2")
    wait_synced(p, a)
    wait_synced(a, b)
    assert b.client(db=3).get("second") == "2"
    assert b.client(db=0).get("second") is None
