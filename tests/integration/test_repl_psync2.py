"""Sable-only replication topologies: promotion with PSYNC2 continuation of a sibling,
a chained replica, a value over 100 MB and a 1M-key full sync.

Every process is a real Sable server; every wait is a bounded poll.
"""
import os
import signal
import subprocess

import pytest

from conftest import REDIS_CLI, eventually
from conftest import wait_replica_synced as wait_synced


def info(server, section="replication"):
    return server.client().info(section)


# No 5 s wait for more replicas before a diskless transfer starts.
FAST = ["--repl-diskless-sync-delay", "0"]


def replica_args(primary):
    return FAST + ["--replicaof", "127.0.0.1", str(primary.port)]


def dumps(server, keys):
    c = server.client(decode_responses=False)
    return {k: c.dump(k) for k in keys}


def test_promoted_replica_continues_sibling_with_partial_resync(make_server):
    p = make_server(extra_args=FAST)
    a = make_server(extra_args=replica_args(p))
    b = make_server(extra_args=replica_args(p))
    pc = p.client()
    for i in range(100):
        pc.set("k:%d" % i, "v%d" % i)
    pc.mset({"m:%d" % i: i for i in range(10)})
    wait_synced(p, a)
    wait_synced(p, b)

    p.proc.send_signal(signal.SIGKILL)
    p.wait_exit()
    ac = a.client()
    assert ac.execute_command("REPLICAOF", "NO", "ONE") == "OK"
    assert b.client().execute_command("REPLICAOF", "127.0.0.1", a.port) == "OK"
    wait_synced(a, b)
    stats = info(a, "stats")
    assert stats["sync_partial_ok"] == 1
    assert stats["sync_full"] == 0

    ac.set("after", "promotion")
    ac.incr("k:counter")
    ac.delete("k:0")
    wait_synced(a, b)
    bc = b.client()
    assert bc.get("after") == "promotion"
    assert bc.get("k:counter") == "1"
    assert bc.exists("k:0") == 0
    assert bc.mget(["m:%d" % i for i in range(10)]) == [str(i) for i in range(10)]
    assert bc.dbsize() == ac.dbsize() == 111
    assert bc.execute_command("DEBUG", "DIGEST") == ac.execute_command("DEBUG", "DIGEST")
    ri = info(b)
    assert ri["master_port"] == a.port
    assert ri["master_replid"] == info(a)["master_replid"]


def test_chained_replica_is_byte_exact(make_server):
    p = make_server(extra_args=FAST)
    a = make_server(extra_args=replica_args(p))
    c = make_server(extra_args=replica_args(a))
    pc = p.client(decode_responses=False)
    wait_synced(p, a)
    wait_synced(a, c)
    keys = []
    for i in range(50):
        pc.set(b"s:%d" % i, bytes(range(256)) * (i + 1))
        keys.append(b"s:%d" % i)
    pc.set(b"bin\x00\r\n", b"\x00\xff" * 1000, px=900000)
    pc.set(b"int", 123456789)
    pc.incrby(b"int", 7)
    pc.incrbyfloat(b"f", "2.5")
    pc.append(b"s:0", b"tail")
    pc.setrange(b"s:1", 100, b"patched")
    pc.setex(b"ex", 1000, b"e")
    keys += [b"bin\x00\r\n", b"int", b"f", b"ex"]
    wait_synced(p, a)
    wait_synced(a, c)
    want = dumps(p, keys)
    assert all(v is not None for v in want.values())
    assert dumps(c, keys) == want
    assert dumps(a, keys) == want
    cc = c.client(decode_responses=False)
    assert cc.dbsize() == pc.dbsize()
    assert 800 < cc.ttl(b"bin\x00\r\n") <= 900
    assert cc.execute_command("DEBUG", "DIGEST") == pc.execute_command("DEBUG", "DIGEST")


def test_value_over_100mb_full_syncs(make_server):
    p = make_server(extra_args=FAST)
    pc = p.client(decode_responses=False, socket_timeout=60)
    assert p.client().config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "536870912"}
    chunk = bytes(range(256)) * 4096  # 1 MiB
    size = 101 * len(chunk)
    for i in range(101):
        pc.append(b"huge", chunk[i:] + chunk[:i])
    assert pc.strlen(b"huge") == size
    r = make_server(extra_args=replica_args(p))
    wait_synced(p, r, timeout=60)
    rc = r.client(decode_responses=False, socket_timeout=60)
    assert rc.strlen(b"huge") == size
    assert rc.execute_command("DEBUG", "DIGEST-VALUE", "huge") == \
        pc.execute_command("DEBUG", "DIGEST-VALUE", "huge")


def load_keys(server, n):
    """SET key:N vN for N < n through redis-cli --pipe (as scripts/bench does)."""
    proto = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\nv%d\r\n"
                     % (len(b"key:%d" % i), i, len(b"v%d" % i), i) for i in range(n))
    out = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), "--pipe"],
                         input=proto, capture_output=True, timeout=120)
    assert b"errors: 0, replies: %d" % n in out.stdout, out


def test_million_key_full_sync(make_server):
    n = 1000000
    p = make_server(extra_args=FAST)
    load_keys(p, n)
    pc = p.client(socket_timeout=60)
    assert pc.dbsize() == n
    r = make_server(extra_args=replica_args(p))
    wait_synced(p, r, timeout=60)
    rc = r.client(socket_timeout=60)
    assert rc.dbsize() == n
    assert rc.execute_command("DEBUG", "DIGEST") == pc.execute_command("DEBUG", "DIGEST")
    assert rc.get("key:999999") == "v999999"
