"""Graceful shutdown of a primary with replicas (Redis 7.0).

SHUTDOWN (and SIGTERM) on a primary pauses writes, asks the replicas for ACKs and waits up to
shutdown-timeout seconds for all of them to reach its offset before exiting; NOW skips the wait
and ABORT cancels it. A replica is made to lag by stopping its process (SIGSTOP): the link stays
up but nothing is acknowledged until SIGCONT.
"""
import os
import signal
import time

import pytest

from conftest import RespError, eventually

KEYS = 300


def start_pair(make_server, primary_extra=()):
    primary = make_server(extra_args=["--repl-diskless-sync", "yes",
                                      "--repl-diskless-sync-delay", "0", *primary_extra])
    replica = make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port)])
    p = primary.client()
    r = replica.client()

    def synced():
        ri = r.info("replication")
        return (ri.get("master_link_status") == "up" and
                ri["master_repl_offset"] == p.info("replication")["master_repl_offset"])

    eventually(synced, timeout=20, msg="replica did not sync:\n" + primary.output())
    return primary, replica


class Stopped:
    """The replica's process stopped (SIGSTOP) for the block; always resumed."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        os.kill(self.server.proc.pid, signal.SIGSTOP)
        return self

    def resume(self):
        if self.server.proc.poll() is None:
            os.kill(self.server.proc.pid, signal.SIGCONT)

    def __exit__(self, *exc):
        self.resume()


def write_keys(primary, prefix):
    c = primary.client()
    pipe = c.pipeline(transaction=False)
    for i in range(KEYS):
        pipe.set("%s:%d" % (prefix, i), "v%d" % i)
    pipe.execute()
    return primary.client().info("replication")["master_repl_offset"]


def assert_replica_has(replica, prefix, offset):
    r = replica.client()
    eventually(lambda: r.info("replication")["master_repl_offset"] >= offset, timeout=10)
    assert r.dbsize() == KEYS
    assert r.get("%s:0" % prefix) == "v0"
    assert r.get("%s:%d" % (prefix, KEYS - 1)) == "v%d" % (KEYS - 1)


def test_shutdown_waits_for_lagging_replica(make_server):
    primary, replica = start_pair(make_server)
    with Stopped(replica) as stopped:
        offset = write_keys(primary, "k")
        conn = primary.conn()
        conn.send("SHUTDOWN")
        eventually(lambda: "Waiting for replicas before shutting down" in primary.output(),
                   timeout=5)
        # Still waiting: the replica has acknowledged nothing, and writes are paused.
        time.sleep(0.5)
        assert primary.alive()
        stopped.resume()
        assert primary.wait_exit(timeout=10) == 0
    # The SHUTDOWN client gets no reply: its connection closes.
    with pytest.raises(Exception):
        conn.read(timeout=2)
    assert "1 of 1 replicas are in sync when shutting down" in primary.output()
    assert_replica_has(replica, "k", offset)
    # The replica applied everything the primary sent before exiting (GETACK included).
    ri = replica.client().info("replication")
    assert ri["slave_repl_offset"] >= offset


def test_shutdown_in_sync_replica_under_writes(make_server):
    primary, replica = start_pair(make_server)
    s = primary.raw()
    # The writes and the SHUTDOWN in one burst: the shutdown must not lose the tail.
    burst = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nw:%d\r\n$2\r\nvv\r\n" % (len(b"w:%d" % i), i)
                     for i in range(KEYS))
    s.sendall(burst + b"*1\r\n$8\r\nSHUTDOWN\r\n")
    assert primary.wait_exit(timeout=15) == 0
    r = replica.client()
    eventually(lambda: r.dbsize() == KEYS, timeout=10,
               msg="replica lost writes: dbsize %s" % r.dbsize())
    assert r.get("w:%d" % (KEYS - 1)) == "vv"


def test_shutdown_now_does_not_wait(make_server):
    primary, replica = start_pair(make_server)
    with Stopped(replica):
        write_keys(primary, "k")
        start = time.monotonic()
        conn = primary.conn()
        conn.send("SHUTDOWN", "NOW")
        assert primary.wait_exit(timeout=5) == 0
        assert time.monotonic() - start < 3
    out = primary.output()
    assert "Waiting for replicas before shutting down" not in out
    assert "Lagging replica" in out


def test_shutdown_abort_cancels_wait(make_server):
    primary, replica = start_pair(make_server)
    c = primary.conn()
    assert c.call("SHUTDOWN", "ABORT") == RespError("ERR No shutdown in progress.")
    with Stopped(replica):
        write_keys(primary, "k")
        waiter = primary.conn()
        waiter.send("SHUTDOWN")
        eventually(lambda: "Waiting for replicas before shutting down" in primary.output(),
                   timeout=5)
        # Writes are paused: this SET is held until the abort.
        writer = primary.conn()
        writer.send("SET", "after", "1")
        with pytest.raises(OSError):  # a read timeout
            writer.read(timeout=0.5)
        assert c.call("GET", "k:0") == b"v0"  # reads still run
        assert c.call("SHUTDOWN", "ABORT") == "OK"
        assert waiter.read(timeout=5) == RespError("ERR Errors trying to SHUTDOWN. Check logs.")
        assert writer.read(timeout=5) == "OK"
        assert primary.alive()
        assert c.call("SHUTDOWN", "ABORT") == RespError("ERR No shutdown in progress.")
    assert "Shutdown manually aborted" in primary.output()
    # The replica catches up once resumed, the abort lost nothing.
    p = primary.client()
    r = replica.client()
    eventually(lambda: r.get("after") == "1", timeout=10)
    assert r.dbsize() == p.dbsize()
    assert primary.alive()


def test_shutdown_timeout_bounds_wait(make_server):
    primary, replica = start_pair(make_server, primary_extra=["--shutdown-timeout", "1"])
    with Stopped(replica):
        write_keys(primary, "k")
        start = time.monotonic()
        conn = primary.conn()
        conn.send("SHUTDOWN")
        assert primary.wait_exit(timeout=8) == 0
        elapsed = time.monotonic() - start
    assert 0.7 <= elapsed < 5, elapsed
    out = primary.output()
    assert "Waiting for replicas before shutting down" in out
    assert "Lagging replica" in out
    assert "0 of 1 replicas are in sync when shutting down" in out


def test_sigterm_waits_for_replicas(make_server):
    primary, replica = start_pair(make_server, primary_extra=["--shutdown-timeout", "1"])
    with Stopped(replica):
        write_keys(primary, "k")
        start = time.monotonic()
        primary.proc.send_signal(signal.SIGTERM)
        assert primary.wait_exit(timeout=8) == 0
        elapsed = time.monotonic() - start
    assert 0.7 <= elapsed < 5, elapsed
    assert "Waiting for replicas before shutting down" in primary.output()
