"""The Sentinel-aware clients real users run, following a kill -9 failover of the primary.

- redis-py: `Sentinel(...).master_for()` and `slave_for()`, `discover_master()` and
  `discover_slaves()` before, during and after the failover, and after the old primary returns.
- ioredis (pinned in tests/interop/package.json, installed by `npm ci --prefix tests/interop`,
  which scripts/test runs): `new Redis({sentinels, name})` given one sentinel only, a
  `role: 'slave'` connection and a +switch-master subscriber; the node script
  tests/interop/ioredis_sentinel.js does the client side, this file kills the primary.
"""
import signal

import pytest
import redis
from redis.sentinel import Sentinel

from conftest import eventually, node_args, wait_replica_synced
from interop import NodeScript, npm_ready

NAME = "mymaster"
DOWN_AFTER = 1000
FAILOVER_TIMEOUT = 10000


class Topology:
    """One primary, two replicas, three sentinels (quorum 2), all on loopback."""

    def __init__(self, make_server, make_sentinel):
        self.primary = make_server(extra_args=node_args())
        self.replicas = [make_server(extra_args=node_args() + [
            "--replicaof", "127.0.0.1", self.primary.port]) for _ in range(2)]
        for r in self.replicas:
            wait_replica_synced(self.primary, r, timeout=15)
        self.sentinels = [make_sentinel(
            monitors=[(NAME, "127.0.0.1", self.primary.port, 2)],
            options=["sentinel down-after-milliseconds %s %d" % (NAME, DOWN_AFTER),
                     "sentinel failover-timeout %s %d" % (NAME, FAILOVER_TIMEOUT)])
            for _ in range(3)]
        for s in self.sentinels:
            eventually(lambda: self.sees_everything(s), timeout=15,
                       msg="sentinel did not discover both replicas and its two peers")

    @staticmethod
    def sees_everything(s):
        c = s.client()
        m = c.execute_command("SENTINEL", "MASTER", NAME)
        m = m if isinstance(m, dict) else dict(zip(m[0::2], m[1::2]))
        return int(m["num-slaves"]) == 2 and int(m["num-other-sentinels"]) == 2

    def addrs(self, nodes):
        return sorted(("127.0.0.1", n.port) for n in nodes)

    def kill_primary(self):
        self.primary.proc.send_signal(signal.SIGKILL)
        self.primary.proc.wait(timeout=5)

    def wait_switched(self, old_port, timeout=30):
        def switched():
            addrs = set()
            for s in self.sentinels:
                if not s.alive():
                    continue
                a = s.client().execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME)
                if not a or int(a[1]) == old_port:
                    return False
                addrs.add((a[0], int(a[1])))
            return addrs.pop() if len(addrs) == 1 else False

        return eventually(switched, timeout=timeout, interval=0.05,
                          msg="sentinels did not agree on a new primary")

    def node(self, port):
        return next(n for n in [self.primary] + self.replicas if n.port == port)


@pytest.fixture
def topo(make_server, make_sentinel):
    return Topology(make_server, make_sentinel)


def _try(fn):
    try:
        return fn()
    except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
        return False


def test_redis_py_master_for_and_slave_for_across_failover(topo):
    sentinel = Sentinel([("127.0.0.1", s.port) for s in topo.sentinels], socket_timeout=1,
                        min_other_sentinels=2)
    old_port = topo.primary.port
    assert sentinel.discover_master(NAME) == ("127.0.0.1", old_port)
    assert sorted(sentinel.discover_slaves(NAME)) == topo.addrs(topo.replicas)
    master = sentinel.master_for(NAME, socket_timeout=1, decode_responses=True)
    replica = sentinel.slave_for(NAME, socket_timeout=1, decode_responses=True)
    master.set("k", "before")
    # slave_for() talks to a replica: it serves reads and refuses writes.
    eventually(lambda: replica.get("k") == "before", timeout=5)
    assert replica.execute_command("ROLE")[0] == "slave"
    conn = replica.connection_pool.get_connection("GET")
    assert conn.port in [r.port for r in topo.replicas]
    replica.connection_pool.release(conn)
    with pytest.raises(redis.ReadOnlyError):
        replica.set("k", "via-replica")

    topo.kill_primary()
    new_addr = topo.wait_switched(old_port)
    assert new_addr in topo.addrs(topo.replicas)
    new = topo.node(new_addr[1])
    other = next(r for r in topo.replicas if r is not new)
    assert sentinel.discover_master(NAME) == new_addr
    # master_for() follows to the new primary with no change to the client.
    eventually(lambda: _try(lambda: master.set("k", "after")), timeout=10,
               msg="master_for() did not follow the failover")
    assert master.connection_pool.get_master_address() == new_addr
    assert new.client().get("k") == "after"
    # The dead old primary is listed as a replica of the new one but flagged down, so
    # discover_slaves() leaves it out; the other replica remains and is repointed.
    eventually(lambda: sentinel.discover_slaves(NAME) == [("127.0.0.1", other.port)],
               timeout=10, msg="discover_slaves() after the failover: %r"
               % (sentinel.discover_slaves(NAME),))
    eventually(lambda: other.client().info("replication").get("master_port") == new.port,
               timeout=15, msg="other replica not repointed")
    # slave_for() reads the write made on the new primary.
    eventually(lambda: _try(lambda: replica.get("k") == "after"), timeout=10,
               msg="slave_for() did not read the new primary's write")

    # The old primary returns, is turned into a replica, and discover_slaves() lists it again;
    # slave_for() connections made now go to a replica and read the latest value.
    topo.primary.start()
    eventually(lambda: sorted(sentinel.discover_slaves(NAME))
               == sorted([("127.0.0.1", other.port), ("127.0.0.1", old_port)]),
               timeout=20, msg="old primary not listed as a replica again: %r"
               % (sentinel.discover_slaves(NAME),))
    eventually(lambda: topo.primary.client().info("replication")["role"] == "slave",
               timeout=20)
    master.set("k", "final")
    fresh = sentinel.slave_for(NAME, socket_timeout=1, decode_responses=True)
    eventually(lambda: _try(lambda: fresh.get("k") == "final"), timeout=10)
    assert fresh.execute_command("ROLE")[0] == "slave"




def test_ioredis_follows_failover(topo):
    node = npm_ready()
    old_port = topo.primary.port
    first, second, third = topo.sentinels
    cfg = {"name": NAME, "deadlineMs": 45000,
           "sentinels": [{"host": "127.0.0.1", "port": s.port} for s in topo.sentinels],
           "subscribe": {"host": "127.0.0.1", "port": second.port}}
    script = NodeScript(node, "ioredis_sentinel.js", cfg)
    try:
        ready = script.event(timeout=20)
        assert ready["event"] == "ready"
        assert ready["masterPort"] == old_port and ready["masterRole"] == "master"
        assert ready["replicaPort"] in [r.port for r in topo.replicas]
        assert ready["replicaRole"] == "slave"
        # Given one sentinel, ioredis learned the other two from SENTINEL sentinels.
        assert sorted(ready["knownSentinels"]) == sorted(
            "127.0.0.1:%d" % s.port for s in topo.sentinels)
        # The one sentinel the client was configured with goes away, then the primary dies:
        # ioredis must find the new primary through the sentinels it learned.
        first.stop()
        topo.kill_primary()
        new_addr = topo.wait_switched(old_port)
        done = script.event(timeout=40)
        assert done["event"] == "done"
        assert done["newPort"] == new_addr[1]
        assert done["newRole"] == "master"
        assert "%s 127.0.0.1 %d 127.0.0.1 %d" % (NAME, old_port, new_addr[1]) in done["switches"]
        # A role:'slave' connection made after the failover lands on the remaining replica.
        other = next(r for r in topo.replicas if r.port != new_addr[1])
        assert done["replicaRole"] == "slave" and done["replicaPort"] == other.port, done
        assert script.proc.wait(timeout=10) == 0
    finally:
        script.close()
    new = topo.node(new_addr[1])
    c = new.client()
    assert c.get("ioredis:before") == "1"
    assert c.get(done["lastKey"]) == str(done["writes"])
    print("ioredis: %d writes, %d failed during the failover" % (done["writes"],
                                                                 done["failedWrites"]))


def test_reconfigured_nodes_drop_their_clients(topo):
    # Redis Sentinel sends SLAVEOF and CLIENT KILL TYPE normal together to every node it
    # reconfigures: the promoted replica, the other replicas and (when it is reachable) the old
    # primary. Clients connected there reconnect and ask the sentinels again; ioredis's
    # role:'slave' connection and clients of a demoted primary depend on it.
    conns = {n.port: n.conn() for n in [topo.primary] + topo.replicas}
    for c in conns.values():
        assert c.call("PING") == "PONG"
    old_port = topo.primary.port
    def failover_started():
        # Right after start-up the sentinel may not yet hold a replica it would promote.
        try:
            return topo.sentinels[0].client().execute_command(
                "SENTINEL", "FAILOVER", NAME) in ("OK", True)
        except redis.exceptions.ResponseError as e:
            if "NOGOODSLAVE" in str(e):
                return False
            raise

    eventually(failover_started, timeout=15, interval=0.2, msg="no replica to promote")
    new_addr = topo.wait_switched(old_port)
    eventually(lambda: topo.primary.client().info("replication")["role"] == "slave",
               timeout=15, msg="old primary not demoted")

    def dropped(port):
        try:
            conns[port].call("PING", timeout=1)
            return False
        except (ConnectionError, OSError):
            return True

    other = next(r for r in topo.replicas if r.port != new_addr[1])
    eventually(lambda: dropped(new_addr[1]), timeout=5,
               msg="the promoted replica kept its normal clients")
    eventually(lambda: dropped(other.port), timeout=5,
               msg="the repointed replica kept its normal clients")
    eventually(lambda: dropped(old_port), timeout=5,
               msg="the demoted old primary kept its normal clients")
