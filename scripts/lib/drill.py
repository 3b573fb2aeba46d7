"""Failover drills against a local sentinel topology (see topology.py).

  failover   kill -9 the primary while a redis-py Sentinel client writes (each write
             acknowledged with WAIT 1); report the write gap, failed writes, acknowledged
             writes lost (must be 0) and the winner.
  partition  run the primary in its own network namespace, cut its link, check that the
             isolated primary stops taking writes (min-replicas-to-write) and that it rejoins
             as a replica of the new primary after the link heals.
  cluster-failover
             a 6-node cluster (3 primaries, 3 replicas, cluster-node-timeout 2000) under a
             redis-py RedisCluster writer; kill -9 one primary and report when writes to its
             slots succeed again (seen by a 10 ms probe and by the writer), the failed writes
             and the acknowledged writes lost, and whether the old primary rejoins as a replica.
             First, a SIGSTOP of that primary for 3/4 of the node timeout must not fail it over.
"""
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redis  # noqa: E402
from redis.sentinel import Sentinel  # noqa: E402

from topology import (MASTER_NAME, ClusterTopology, SentinelTopology,  # noqa: E402
                      resp_call, wait_for)


def sentinel_sees_everything(topo, s):
    raw = resp_call("127.0.0.1", s.port, "SENTINEL", "MASTER", MASTER_NAME).decode(
        errors="replace").split("\r\n")
    vals = [raw[i] for i in range(2, len(raw), 2)]
    fields = dict(zip(vals[0::2], vals[1::2]))
    return fields.get("num-slaves") == "2" and fields.get("num-other-sentinels") == "2"


class Writer(threading.Thread):
    """Writes k:<n> = n through a Sentinel-managed connection; each write acknowledged by WAIT 1."""

    def __init__(self, sentinels):
        super().__init__(daemon=True)
        self.sentinel = Sentinel(sentinels, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.stop = threading.Event()
        self.acked = []     # (key, value) acknowledged by a replica
        self.failed = []    # monotonic time of each failed attempt
        self.ok_times = []  # (monotonic time, primary address)
        self.n = 0

    def run(self):
        client = self.sentinel.master_for(MASTER_NAME, socket_timeout=0.5,
                                          socket_connect_timeout=0.5)
        while not self.stop.is_set():
            self.n += 1
            key = "k:%d" % self.n
            try:
                client.set(key, self.n)
                acked = client.execute_command("WAIT", 1, 500)
                addr = client.connection_pool.get_master_address()
                now = time.monotonic()
                self.ok_times.append((now, addr))
                if acked >= 1:
                    self.acked.append((key, str(self.n)))
            except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError,
                    redis.sentinel.MasterNotFoundError, OSError):
                self.failed.append(time.monotonic())
                time.sleep(0.01)


def drill_failover(topo):
    topo.up()
    old = topo.nodes[0]
    wait_for(lambda: all(sentinel_sees_everything(topo, s) for s in topo.sentinels), 30,
             "every sentinel to see 2 replicas and 2 other sentinels")
    writer = Writer([("127.0.0.1", s.port) for s in topo.sentinels])
    writer.start()
    wait_for(lambda: len(writer.acked) >= 200, 30, "200 acknowledged writes")
    t_kill = time.monotonic()
    old.kill(signal.SIGKILL)
    old_addr = ("127.0.0.1", old.port)
    wait_for(lambda: any(t > t_kill and a != old_addr for t, a in writer.ok_times), 60,
             "a write on a new primary")
    t_first = min(t for t, a in writer.ok_times if t > t_kill and a != old_addr)
    time.sleep(1.0)  # keep writing on the new primary for a moment: part of the drill, not sync
    writer.stop.set()
    writer.join(5)
    new_addr = topo.master_addr()
    winner = next(n for n in topo.nodes if ("127.0.0.1", n.port) == tuple(new_addr))
    client = redis.Redis(host=new_addr[0], port=new_addr[1], decode_responses=True)
    lost = sum(1 for k, v in writer.acked if client.get(k) != v)
    # The old primary comes back and must be turned into a replica of the new one.
    topo.start_node(old)
    rejoin_s = None
    t_restart = time.monotonic()
    try:
        wait_for(lambda: b"slave" in resp_call("127.0.0.1", old.port, "ROLE"), 30,
                 "the old primary to become a replica")
        rejoin_s = time.monotonic() - t_restart
    except RuntimeError:
        pass
    gap = [t for t in writer.failed if t > t_kill]
    print("failover drill")
    print("  writes resumed after      %.3f s (kill -9 to first write on the new primary)"
          % (t_first - t_kill))
    print("  writes failed in the gap  %d" % len(gap))
    print("  acknowledged writes       %d" % len(writer.acked))
    print("  acknowledged writes lost  %d" % lost)
    print("  new primary               %s (port %d)" % (winner.name, winner.port))
    print("  old primary rejoined      %s" % ("after %.2f s" % rejoin_s if rejoin_s else "NO"))
    return lost == 0 and rejoin_s is not None


def sh(*cmd, check=True):
    p = subprocess.run(list(cmd), capture_output=True, timeout=30)
    if check and p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.decode(errors="replace")))
    return p


class Netns:
    """A namespace joined to the host by a veth pair; `cut()`/`heal()` toggle the link."""

    def __init__(self, tag="sabledrill"):
        self.ns, self.host_if, self.ns_if = tag, tag[:10] + "h", tag[:10] + "n"
        self.host_ip, self.ns_ip = "10.214.7.1", "10.214.7.2"

    def create(self):
        self.destroy()
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        sh("ip", "link", "set", self.ns_if, "netns", self.ns)
        sh("ip", "addr", "add", self.host_ip + "/30", "dev", self.host_if)
        sh("ip", "link", "set", self.host_if, "up")
        sh("ip", "netns", "exec", self.ns, "ip", "addr", "add", self.ns_ip + "/30", "dev",
           self.ns_if)
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", self.ns_if, "up")
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", "lo", "up")

    def cut(self):
        # Down on the namespace side only: the host keeps its route, so packets to the
        # primary vanish (timeouts, like a real partition) instead of failing at once.
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", self.ns_if, "down")

    def heal(self):
        sh("ip", "link", "set", self.host_if, "up")
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", self.ns_if, "up")

    def destroy(self):
        sh("ip", "link", "del", self.host_if, check=False)
        sh("ip", "netns", "del", self.ns, check=False)


def drill_partition(topo):
    net = Netns()
    net.create()
    try:
        return _partition(topo, net)
    finally:
        topo.down()
        net.destroy()


def _partition(topo, net):
    p = topo.nodes[0]
    # The primary lives in the namespace; replicas and sentinels on the host side of the veth.
    p.bind = net.ns_ip
    for n in topo.nodes[1:]:
        n.bind = net.host_ip
    topo.start_node(p, netns=net.ns, host=net.ns_ip,
                    extra=["--min-replicas-to-write", "1", "--min-replicas-max-lag", "2"])
    for n in topo.nodes[1:]:
        topo.start_node(n, replicaof=(net.ns_ip, p.port), host=net.host_ip)
    for s in topo.sentinels:
        # The sentinels listen on loopback only; without this they would announce the address
        # their link to the primary leaves from (the veth), where their peers cannot reach them.
        topo.start_sentinel(s, primary_ip=net.ns_ip, primary_port=p.port,
                            extra=["sentinel announce-ip 127.0.0.1"])
    wait_for(lambda: all(sentinel_sees_everything(topo, s) for s in topo.sentinels), 30,
             "every sentinel to see 2 replicas and 2 other sentinels")
    inside = ["ip", "netns", "exec", net.ns, "redis-cli", "-h", net.ns_ip, "-p", str(p.port)]
    wait_for(lambda: b"OK" in sh(*inside, "SET", "before", "1").stdout, 30,
             "the primary to take writes with its replicas online")
    t_cut = time.monotonic()
    net.cut()
    old_addr = (net.ns_ip, p.port)
    wait_for(lambda: topo.master_addr() not in (None, old_addr), 60,
             "the sentinels to fail over to a replica")
    t_switch = time.monotonic()

    def isolated_refuses():
        out = sh(*inside, "SET", "during", "1", check=False).stdout
        return b"NOREPLICAS" in out

    wait_for(isolated_refuses, 30, "the isolated primary to refuse writes")
    t_refuse = time.monotonic()
    new_addr = topo.master_addr()
    net.heal()
    t_heal = time.monotonic()
    wait_for(lambda: b"slave" in sh(*inside, "ROLE").stdout, 60,
             "the old primary to rejoin as a replica")
    t_rejoin = time.monotonic()
    print("partition drill")
    print("  sentinels switched after   %.2f s (new primary %s:%d)"
          % (t_switch - t_cut, new_addr[0], new_addr[1]))
    print("  isolated primary refused   after %.2f s (NOREPLICAS)" % (t_refuse - t_cut))
    print("  old primary rejoined       %.2f s after the heal" % (t_rejoin - t_heal))
    return True


# redis-py's cluster client logs every retried error with a traceback; the drill counts them.
logging.getLogger("redis.cluster").setLevel(logging.CRITICAL)


def quiet_cluster_node_del():
    """redis-py 4.3's ClusterNode.__del__ fails on nodes built without a connection, printing
    "Exception ignored" noise; a class default makes it a no-op for them."""
    from redis.cluster import ClusterNode
    ClusterNode.redis_connection = None


class ClusterWriter(threading.Thread):
    """Writes k:<n> = n through redis-py's RedisCluster, keys spread over every slot; records
    each acknowledged write and each failure with its time and slot."""

    def __init__(self, port):
        super().__init__(daemon=True)
        from redis.cluster import RedisCluster
        quiet_cluster_node_del()
        # dynamic_startup_nodes=False: redis-py 4.3 re-reads the topology from its startup
        # nodes, and once a dead node is among them, initialize() fails for good ("cannot
        # pickle '_thread.lock' object" from a deepcopy of its connection kwargs).
        self.client = RedisCluster(host="127.0.0.1", port=port, socket_timeout=0.5,
                                   socket_connect_timeout=0.5, dynamic_startup_nodes=False)
        self.stop = threading.Event()
        self.acked = []   # (monotonic time, slot, key, value, time the write started)
        self.failed = []  # (monotonic time, slot)
        self.n = 0
        self.last_error = None

    def run(self):
        from redis.crc import key_slot
        while not self.stop.is_set():
            self.n += 1
            key = "k:%d" % self.n
            slot = key_slot(key.encode())
            started = time.monotonic()
            try:
                self.client.set(key, self.n)
                self.acked.append((time.monotonic(), slot, key, str(self.n), started))
            except Exception as e:  # noqa: BLE001 - every client error counts as a failed write
                self.failed.append((time.monotonic(), slot))
                self.last_error = "%s: %s" % (type(e).__name__, e)
                time.sleep(0.01)


def slot_ranges_to_set(ranges):
    out = set()
    for r in ranges:
        if r.startswith("["):
            continue  # migrating/importing marks
        a, _, b = r.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def probe_key_for(slot_set):
    """A key (hash tag) whose slot is in slot_set."""
    from redis.crc import key_slot
    for i in range(100000):
        k = "probe:{%d}" % i
        if key_slot(k.encode()) in slot_set:
            return k
    raise RuntimeError("no probe key found")


def drill_cluster_failover(topo):
    topo.start()
    topo.create()
    nodes = topo.nodes
    victim_port, ranges = topo.primaries()[0]
    victim = next(n for n in nodes if n.port == victim_port)
    victim_slots = slot_ranges_to_set(ranges)
    survivors = [n for n in nodes if n is not victim]
    probe = probe_key_for(victim_slots)

    # A primary that is only slow (stalled for 3/4 of the node timeout) keeps its slots.
    stall_s = topo.node_timeout_ms * 0.75 / 1000
    os.kill(victim.pid(), signal.SIGSTOP)
    time.sleep(stall_s)
    os.kill(victim.pid(), signal.SIGCONT)
    time.sleep(topo.node_timeout_ms * 1.5 / 1000)
    stall_kept = topo.primaries() and topo.primaries()[0] == (victim_port, ranges)

    writer = ClusterWriter(survivors[0].port)
    writer.start()
    wait_for(lambda: sum(1 for a in writer.acked if a[1] in victim_slots) >= 300, 30,
             "300 acknowledged writes to the victim's slots")
    t_kill = time.monotonic()
    victim.kill(signal.SIGKILL)

    # The probe: every 10 ms, SET the probe key on every surviving node until one takes it
    # (before the failover they answer MOVED to the dead primary, or CLUSTERDOWN).
    t_probe = None
    deadline = t_kill + 60
    while t_probe is None and time.monotonic() < deadline:
        for n in survivors:
            try:
                if resp_call("127.0.0.1", n.port, "SET", probe, "1", timeout=0.2) == b"+OK\r\n":
                    t_probe = time.monotonic()
                    new_primary = n
                    break
            except OSError:
                pass
        else:
            time.sleep(0.01)
    if t_probe is None:
        writer.stop.set()
        print("cluster-failover drill: no node took writes for the dead primary's slots "
              "within 60 s")
        return False
    # A write already on its way at the kill may still be acknowledged: count only those sent
    # after it.
    def resumed():
        return [t for t, s, _, _, t0 in writer.acked if t0 > t_kill and s in victim_slots]

    try:
        wait_for(resumed, 60, "the writer to write to the dead primary's slots again")
    except RuntimeError:
        print("writer: %d failures, last: %s, alive %s" % (len(writer.failed), writer.last_error,
                                                          writer.is_alive()))
        raise
    t_writer = min(resumed())
    time.sleep(1.0)  # keep writing on the new primary for a moment
    writer.stop.set()
    writer.join(10)
    topo.wait_ok(30, nodes=survivors)

    from redis.cluster import RedisCluster
    reader = RedisCluster(host="127.0.0.1", port=survivors[0].port, socket_timeout=2,
                          dynamic_startup_nodes=False)
    lost = 0
    lost_victim = 0
    batch = 500
    for i in range(0, len(writer.acked), batch):
        chunk = writer.acked[i:i + batch]
        pipe = reader.pipeline()
        for a in chunk:
            pipe.get(a[2])
        for (_, slot, _, value, _), got in zip(chunk, pipe.execute()):
            if got is None or got.decode() != value:
                lost += 1
                lost_victim += slot in victim_slots
    failed = [f for f in writer.failed if f[0] > t_kill]
    failed_other = sum(1 for _, s in failed if s not in victim_slots)

    # The old primary comes back from its nodes.conf and must turn into a replica.
    t_restart = time.monotonic()
    topo.start_node(victim)
    rejoin_s = None
    try:
        def is_replica():
            return any("myself" in f[2] and "slave" in f[2] for f in topo.nodes_lines(victim))
        wait_for(is_replica, 30, "the old primary to rejoin as a replica")
        topo.wait_ok(30)
        rejoin_s = time.monotonic() - t_restart
    except RuntimeError:
        pass
    kind = "redis-server" if topo.redis else "sable-server"
    print("cluster-failover drill (%s, cluster-node-timeout %d ms, %d slots on the killed "
          "primary)" % (kind, topo.node_timeout_ms, len(victim_slots)))
    print("  writes resumed (probe)      %.3f s (kill -9 to the first SET a node accepts for "
          "the dead primary's slots; 10 ms polls)" % (t_probe - t_kill))
    print("  writes resumed (redis-py)   %.3f s (kill -9 to the first RedisCluster write "
          "acknowledged in those slots)" % (t_writer - t_kill))
    print("  writes failed after kill    %d (%d of them to other primaries' slots)"
          % (len(failed), failed_other))
    print("  acknowledged writes         %d (%d in the killed primary's slots)"
          % (len(writer.acked), sum(1 for a in writer.acked if a[1] in victim_slots)))
    print("  acknowledged writes lost    %d (asynchronous replication: the replica may miss "
          "the last writes)" % lost)
    print("  new primary                 port %d" % new_primary.port)
    print("  stall of %.1f s (no kill)    %s" % (stall_s, "no failover" if stall_kept else
                                                   "FAILED OVER (a slow node lost its slots)"))
    print("  old primary rejoined        %s" % ("after %.2f s" % rejoin_s if rejoin_s
                                                 else "NO"))
    return rejoin_s is not None and bool(stall_kept)


def main():
    args = [a for a in sys.argv[1:] if a != "--redis"]
    what = args[0] if args else "failover"
    # --redis: the same drill against Debian's redis-server and Redis Sentinel, for comparison.
    use_redis = "--redis" in sys.argv
    topo_dir = os.environ.get("SABLE_TOPO_DIR", "/tmp/sable-drill")
    shutil.rmtree(topo_dir, ignore_errors=True)
    if what == "failover":
        topo = SentinelTopology(topo_dir=topo_dir, node_port=6500, sentinel_port=7500,
                                redis=use_redis)
        try:
            ok = drill_failover(topo)
        finally:
            topo.down()
    elif what == "partition":
        topo = SentinelTopology(topo_dir=topo_dir, node_port=6500, sentinel_port=7500,
                                control_auth="drill-secret")
        ok = drill_partition(topo)
    elif what == "cluster-failover":
        topo = ClusterTopology(topo_dir=topo_dir + "-cluster", base_port=7301,
                               node_timeout_ms=2000, redis=use_redis)
        topo.clean()
        try:
            ok = drill_cluster_failover(topo)
        finally:
            topo.stop()
    else:
        sys.exit("usage: scripts/drill failover|partition|cluster-failover [--redis]")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
