"""The Cluster-aware clients real users run, against a 6-node Sable cluster (3 primaries with a
replica each, made by `redis-cli --cluster create`, cluster-node-timeout 2000).

- ioredis (pinned in tests/interop/package.json, installed by `npm ci --prefix tests/interop`):
  `new Redis.Cluster([one seed])` waits for 'ready', writes and reads 2000 keys over all slots,
  MSET/MGET on hash tags, a pipeline, a MULTI, a sharded pub/sub round trip (SSUBSCRIBE and
  SPUBLISH through ioredis's `shardedSubscribers`); then it keeps writing while this file
  kill -9s a primary, and must come out with every acknowledged write readable and no error
  once writes resumed. The node script is tests/interop/ioredis_cluster.js.
- redis-py: RedisCluster follows a manual CLUSTER FAILOVER (MOVED from the demoted primary to
  the promoted replica) without being rebuilt.

Every wait is bounded. SABLE_SERVER=/usr/bin/redis-server runs them on real Redis.
"""
import signal
import time

import pytest
import redis
from redis.cluster import RedisCluster

from conftest import eventually, wait_replica_synced
from test_cluster_tools import addr, cluster_ok, create_cluster, myid, new_node, nodes_of
from interop import NodeScript, npm_ready

KEYS = 2000


class Cluster:
    def __init__(self):
        self.nodes = []

    def roles(self, via):
        """{primary node: replica node} as `via` sees it (None until 3 primaries have one)."""
        ids = {myid(n): n for n in self.nodes}
        lines = nodes_of(via)
        masters = [f for f in lines if "master" in f[2] and "fail" not in f[2] and f[8:]]
        slaves = [f for f in lines if "slave" in f[2] and "fail" not in f[2]]
        pairs = {}
        for s in slaves:
            pairs.setdefault(s[3], s[0])
        if len(masters) != 3 or any(m[0] not in pairs for m in masters):
            return None
        return {ids[m[0]]: ids[pairs[m[0]]] for m in masters}

    def cleanup(self):
        for n in self.nodes:
            n.cleanup()


@pytest.fixture
def cluster():
    c = Cluster()
    try:
        c.nodes = [new_node() for _ in range(6)]
        create_cluster(c.nodes)
        for n in c.nodes:
            eventually(lambda: c.roles(n), timeout=20, interval=0.1,
                       msg="roles never settled on %d" % n.port)
        yield c
    finally:
        c.cleanup()



def test_ioredis_cluster_reads_writes_and_follows_a_kill_9_failover(cluster):
    node = npm_ready()
    seed = cluster.nodes[0]
    roles = cluster.roles(seed)
    primaries, replicas = list(roles), list(roles.values())
    cfg = {"seed": {"host": "127.0.0.1", "port": seed.port}, "keys": KEYS,
           "shardedPubsub": True, "failover": True, "tail": 1000, "deadlineMs": 90000}
    # A replica is listed in CLUSTER SLOTS once its replication offset is not 0 (as in Redis
    # 7, isReplicaAvailable()); ioredis learns replicas from there.
    t0 = time.monotonic()
    eventually(lambda: all(len(r) == 4 for r in seed.client().execute_command("CLUSTER", "SLOTS")),
               timeout=25, interval=0.1, msg="replicas never listed in CLUSTER SLOTS: %r"
               % (seed.client().execute_command("CLUSTER", "SLOTS"),))
    print("replicas listed in CLUSTER SLOTS after %.1fs" % (time.monotonic() - t0))
    started = time.monotonic()
    script = NodeScript(node, "ioredis_cluster.js", cfg)
    try:
        ready = script.event(timeout=20)
        assert ready["event"] == "ready", ready
        assert ready["masters"] == sorted(p.port for p in primaries), ready
        assert ready["replicas"] == sorted(r.port for r in replicas), ready

        b = script.event(timeout=30)
        assert b["event"] == "bulk", b
        assert b["keys"] == KEYS
        assert b["slotsCovered"] > 1800, b["slotsCovered"]  # 2000 keys hit most slots
        assert sorted(b["owners"]) == sorted(addr(p) for p in primaries), b["owners"]
        assert min(b["owners"].values()) > KEYS // 5, b["owners"]
        assert b["mset"] == "OK" and b["mget"] == ["A", "B", "C", None], b
        assert b["mget2"] == ["1", "2"], b
        assert b["crossslot"] and b["crossslot"].startswith("CROSSSLOT"), b["crossslot"]
        assert b["pipeOk"], b["pipeErrors"]
        assert b["multi"] == ["OK", 2, "2"], b["multi"]
        sp = b["spubsub"]
        assert sp["receivers"] == 1 and sp["received"] == [[sp["channel"], "hello"]], sp
        owner = next(p for p in primaries if addr(p) == sp["owner"])
        assert owner.client().execute_command("PUBSUB", "SHARDNUMSUB", sp["channel"]) \
            == [sp["channel"], 1]
        # The data sits on the primaries redis-cli assigned, and every replica follows.
        assert sum(p.client().dbsize() for p in primaries) >= KEYS
        print("ioredis bulk phase done %.1fs after start" % (time.monotonic() - started))

        w = script.event(timeout=20)
        assert w["event"] == "writing", w
        victim = primaries[0]
        promoted = roles[victim]
        killed_at, killed_epoch_ms = time.monotonic(), int(time.time() * 1000)
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(timeout=5)
        script.send("killed %d %d" % (victim.port, killed_epoch_ms))

        done = script.event(timeout=30)
        elapsed = time.monotonic() - killed_at
        assert done["event"] == "done", done
        assert script.proc.wait(timeout=10) == 0
    finally:
        script.close()
    assert done["lost"] == [], done["lost"][:20]
    late = [e for e in done["errors"] if e["afterRecovery"]]
    assert late == [], late[:20]
    assert done["deadSlotsStillMapped"] == 0, done
    # The kill's replica took over the dead primary's slots.
    survivors = [n for n in cluster.nodes if n is not victim]
    new_roles = eventually(lambda: _three_masters(cluster, promoted), timeout=10)
    assert promoted in new_roles, "the dead primary's replica was not promoted"
    eventually(lambda: cluster_ok(survivors), timeout=10)
    # Cross-check with another client: every acknowledged write is there.
    rc = RedisCluster(host="127.0.0.1", port=promoted.port, decode_responses=True,
                      socket_timeout=5, dynamic_startup_nodes=False)
    try:
        keys = done["ackedKeys"]
        pipe = rc.pipeline()
        for k in keys:
            pipe.get(k)
        vals = pipe.execute()
        assert all(v is not None for v in vals), [k for k, v in zip(keys, vals) if v is None][:20]
        pipe = rc.pipeline()
        for i in range(KEYS):
            pipe.get("bulk:%d" % i)
        assert pipe.execute() == ["v%d" % i for i in range(KEYS)]
    finally:
        rc.close()
    print("ioredis failover: %d writes attempted, %d acknowledged, %d failed (all before "
          "recovery), writes resumed on the dead shard %.1fs after the kill, tail done %.1fs "
          "after (script saw %.1fs), whole test %.1fs"
          % (done["attempted"], done["acked"], len(done["errors"]), done["recoveredAt"] / 1000,
             elapsed, done["finishedAt"] / 1000, time.monotonic() - started))
    for e in done["errors"][:5]:
        print("  failed write: %r" % (e,))


def _three_masters(cluster, via):
    """{primary: None} for the 3 live primaries (the dead one's replica has no replica now)."""
    ids = {myid(n): n for n in cluster.nodes if n.alive()}
    masters = [f for f in nodes_of(via) if "master" in f[2] and "fail" not in f[2] and f[8:]]
    if len(masters) != 3 or any(m[0] not in ids for m in masters):
        return None
    return {ids[m[0]]: None for m in masters}


def test_redis_py_follows_a_manual_failover(cluster):
    roles = cluster.roles(cluster.nodes[0])
    rc = RedisCluster(host="127.0.0.1", port=cluster.nodes[0].port, decode_responses=True,
                      socket_timeout=5, dynamic_startup_nodes=False)
    try:
        keys = {"mf:%d" % i: "v%d" % i for i in range(600)}
        for k, v in keys.items():
            assert rc.set(k, v)
        old, new = next(iter(roles.items()))
        # A key the old primary serves, as the client's cached slot map says.
        key = next(k for k in keys
                   if rc.nodes_manager.get_node_from_slot(rc.keyslot(k)).port == old.port)
        slot = rc.keyslot(key)
        assert rc.get(key) == keys[key]

        # A manual failover waits for the replica to reach the primary's offset: let the
        # initial sync finish first.
        t0 = time.monotonic()
        wait_replica_synced(old, new, timeout=20)
        synced = time.monotonic() - t0
        t0 = time.monotonic()
        assert new.client().execute_command("CLUSTER", "FAILOVER") in ("OK", True)

        def switched():
            return (new.client().info("replication")["role"] == "master"
                    and old.client().info("replication")["role"] == "slave")
        try:
            eventually(switched, timeout=15, interval=0.05)
        except AssertionError:
            raise AssertionError("manual failover did not complete\n--- replica %d:\n%s\n"
                                 "--- primary %d:\n%s" % (new.port, new.output()[-4000:],
                                                            old.port, old.output()[-4000:]))
        took = time.monotonic() - t0
        # The demoted primary redirects: to the promoted replica, both reads and writes.
        for cmd in (("GET", key), ("SET", key, "x")):
            with pytest.raises(redis.ResponseError) as e:
                old.client().execute_command(*cmd)
            assert str(e.value) == "%d 127.0.0.1:%d" % (slot, new.port) or \
                str(e.value) == "MOVED %d 127.0.0.1:%d" % (slot, new.port), str(e.value)
        # The same client object, never rebuilt: it follows MOVED to the new primary.
        assert rc.get(key) == keys[key]
        assert rc.set(key, "after")
        assert rc.nodes_manager.get_node_from_slot(slot).port == new.port
        assert new.client().get(key) == "after"
        keys[key] = "after"
        for k, v in keys.items():
            assert rc.get(k) == v, k
        eventually(lambda: cluster_ok(cluster.nodes), timeout=10)
        print("replica synced %.2fs after the writes; manual failover done in %.2fs; redis-py "
              "followed MOVED" % (synced, took))
    finally:
        rc.close()
