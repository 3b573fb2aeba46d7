"""sable-sentinel across a real network partition (root: `ip netns` and a veth pair).

The primary runs inside a private network namespace, bound to the namespace's address, with
`min-replicas-to-write 1`. The two replicas and the three sentinels run on the host side. The
link is cut by setting the namespace end of the veth down, so packets to the primary vanish
(timeouts, as in a real partition) instead of failing at once with a refused connection.

Checks: the majority side fails over to a replica; the isolated old primary refuses writes
(NOREPLICAS) to a client inside its namespace; after the heal it rejoins as a replica of the new
primary and receives what was written there during the partition. And the other way round: a
sentinel cut off alone in a namespace (even with quorum 1) reaches ODOWN and tries, but never
fails over without the votes of a majority. Every wait is bounded.
"""
import os
import subprocess
import time

import pytest

from conftest import SentinelProcess, ServerProcess, eventually, free_port, wait_replica_synced

NAME = "mymaster"
SECRET = "partition-secret"
DOWN_AFTER = 1000
FAILOVER_TIMEOUT = 10000
REDIS_CLI = "/usr/bin/redis-cli"


def run(*cmd, timeout=30):
    return subprocess.run([str(c) for c in cmd], capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class Netns:
    """A namespace joined to the host by a veth pair; names and subnet derived from our pid so
    parallel test processes (ctest -j) do not collide."""

    def __init__(self):
        pid = os.getpid()
        tag = "%d" % (pid % 100000)
        self.ns, self.host_if, self.ns_if = "sspart%s" % tag, "spa%s" % tag, "spb%s" % tag
        octet = pid % 250 + 1
        self.host_ip, self.ns_ip = "10.216.%d.1" % octet, "10.216.%d.2" % octet

    def create(self):
        self.destroy()
        steps = [
            ["ip", "netns", "add", self.ns],
            ["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if],
            ["ip", "link", "set", self.ns_if, "netns", self.ns],
            ["ip", "addr", "add", self.host_ip + "/30", "dev", self.host_if],
            ["ip", "link", "set", self.host_if, "up"],
            ["ip", "netns", "exec", self.ns, "ip", "addr", "add", self.ns_ip + "/30", "dev",
             self.ns_if],
            ["ip", "netns", "exec", self.ns, "ip", "link", "set", self.ns_if, "up"],
            ["ip", "netns", "exec", self.ns, "ip", "link", "set", "lo", "up"],
        ]
        for step in steps:
            p = run(*step)
            if p.returncode != 0:
                return "%s: %s" % (" ".join(step), p.stderr.decode(errors="replace").strip())
        return None

    def cut(self):
        p = run("ip", "netns", "exec", self.ns, "ip", "link", "set", self.ns_if, "down")
        assert p.returncode == 0, p.stderr

    def heal(self):
        p = run("ip", "netns", "exec", self.ns, "ip", "link", "set", self.ns_if, "up")
        assert p.returncode == 0, p.stderr

    def destroy(self):
        run("ip", "link", "del", self.host_if)
        run("ip", "netns", "del", self.ns)

    def cli(self, host, port, *args, timeout=10):
        """redis-cli run inside the namespace; returns stdout (str)."""
        p = run("ip", "netns", "exec", self.ns, REDIS_CLI, "-h", host, "-p", port, *args,
                timeout=timeout)
        return p.stdout.decode(errors="replace")


@pytest.fixture
def netns():
    net = Netns()
    try:
        err = net.create()
        if err:
            pytest.skip("cannot set up a network namespace here: " + err)
        yield net
    finally:
        net.destroy()


def as_dict(reply):
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[0::2], reply[1::2]))


def master_addr(s):
    a = s.client().execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME)
    return (a[0], int(a[1])) if a else None


def sees_everything(s):
    m = as_dict(s.client().execute_command("SENTINEL", "MASTER", NAME))
    return (m["flags"] == "master" and int(m["num-slaves"]) == 2
            and int(m["num-other-sentinels"]) == 2)


def node_args(bind, primary=None):
    a = ["--bind", bind, "--protected-mode", "no", "--control-port", free_port(),
         "--control-bind", bind, "--control-auth", SECRET]
    if primary:
        a += ["--replicaof", primary.host, primary.port]
    return a


# Generous bounds: a loaded CI box with other sentinel tests in parallel.
FAILOVER_BOUND = 30


def test_partitioned_primary_fails_over_refuses_writes_and_rejoins(netns, make_server,
                                                                   make_sentinel):
    # Pytest tears fixtures down in reverse order: sentinels, then nodes, then the namespace.
    primary = make_server(
        extra_args=node_args(netns.ns_ip) + ["--min-replicas-to-write", "1",
                                             "--min-replicas-max-lag", "2"],
        host=netns.ns_ip, wrap=["ip", "netns", "exec", netns.ns])
    replicas = [make_server(extra_args=node_args(netns.host_ip, primary), host=netns.host_ip)
                for _ in range(2)]
    for r in replicas:
        wait_replica_synced(primary, r, timeout=15)
    sentinels = [make_sentinel(
        monitors=[(NAME, netns.ns_ip, primary.port, 2)],
        options=["sentinel down-after-milliseconds %s %d" % (NAME, DOWN_AFTER),
                 "sentinel failover-timeout %s %d" % (NAME, FAILOVER_TIMEOUT),
                 "sentinel announce-ip 127.0.0.1",
                 "control-auth " + SECRET]) for _ in range(3)]
    for s in sentinels:
        eventually(lambda: sees_everything(s), timeout=15,
                   msg="sentinel did not discover both replicas and its two peers")
        assert master_addr(s) == (netns.ns_ip, primary.port)

    # Writes succeed inside the namespace while the replicas are attached.
    eventually(lambda: netns.cli(netns.ns_ip, primary.port, "SET", "before", "1").strip() == "OK",
               timeout=10, msg="primary does not take writes with its replicas attached")
    for r in replicas:
        wait_replica_synced(primary, r, timeout=10)
    old_addr = (netns.ns_ip, primary.port)

    t_cut = time.monotonic()
    netns.cut()

    # The majority side (three sentinels, two replicas) fails over to a replica.
    def switched():
        addrs = {master_addr(s) for s in sentinels}
        if len(addrs) == 1 and None not in addrs and old_addr not in addrs:
            return addrs.pop()
        return False

    new_addr = eventually(switched, timeout=FAILOVER_BOUND, interval=0.1,
                          msg="the sentinels did not agree on a new primary")
    t_switch = time.monotonic() - t_cut
    assert new_addr in [(netns.host_ip, r.port) for r in replicas], new_addr
    new = next(r for r in replicas if r.port == new_addr[1])
    other = next(r for r in replicas if r is not new)
    nc = new.client()
    eventually(lambda: nc.info("replication")["role"] == "master", timeout=10)
    nc.set("during", "written-on-new-primary")
    assert nc.get("before") == "1"
    # The other replica is repointed at the new primary and receives the write.
    oc = other.client()
    eventually(lambda: oc.info("replication").get("master_port") == new.port
               and oc.info("replication").get("master_link_status") == "up",
               timeout=FAILOVER_BOUND, msg="other replica not repointed at the new primary")
    eventually(lambda: oc.get("during") == "written-on-new-primary", timeout=10)

    # The isolated old primary, reached from inside its namespace, refuses writes: its replicas
    # stopped acknowledging more than min-replicas-max-lag seconds ago.
    got = eventually(
        lambda: (lambda out: out if "NOREPLICAS" in out else False)(
            netns.cli(netns.ns_ip, primary.port, "SET", "isolated", "x")),
        timeout=15, interval=0.2, msg="the isolated primary still takes writes")
    assert got.strip() == "NOREPLICAS Not enough good replicas to write.", got
    # It still answers reads, and (it cannot hear the sentinels) still believes it is primary.
    assert netns.cli(netns.ns_ip, primary.port, "GET", "before").strip() == "1"
    assert netns.cli(netns.ns_ip, primary.port, "ROLE").splitlines()[0] == "master"
    t_refuse = time.monotonic() - t_cut

    # Heal: the sentinels reach the old primary again and turn it into a replica of the new one.
    netns.heal()
    t_heal = time.monotonic()

    def rejoined():
        role = netns.cli(netns.ns_ip, primary.port, "ROLE").splitlines()
        return (len(role) >= 4 and role[0] == "slave" and role[1] == netns.host_ip
                and int(role[2]) == new.port and role[3] == "connected")

    eventually(rejoined, timeout=FAILOVER_BOUND, interval=0.2,
               msg="the old primary did not rejoin as a replica of the new primary:\n"
               + primary.output()[-3000:])
    t_rejoin = time.monotonic() - t_heal
    # The write made on the new primary during the partition reached it; the refused write
    # never existed anywhere.
    eventually(lambda: netns.cli(netns.ns_ip, primary.port, "GET", "during").strip()
               == "written-on-new-primary", timeout=10)
    assert netns.cli(netns.ns_ip, primary.port, "EXISTS", "isolated").strip() == "0"
    assert nc.exists("isolated") == 0
    # Writes made after the heal flow to it as well; every sentinel lists it as a replica.
    nc.set("after-heal", "2")
    eventually(lambda: netns.cli(netns.ns_ip, primary.port, "GET", "after-heal").strip() == "2",
               timeout=10)
    for s in sentinels:
        assert master_addr(s) == new_addr

        def listed(s=s):
            reps = [as_dict(x) for x in
                    s.client().execute_command("SENTINEL", "REPLICAS", NAME)]
            mine = [x for x in reps if (x["ip"], int(x["port"])) == old_addr]
            return mine and "s_down" not in mine[0]["flags"] and mine[0]["flags"] == "slave"

        eventually(listed, timeout=15, msg="sentinel does not list the old primary as a "
                   "healthy replica")
    print("partition: switched %.2fs after the cut, isolated primary refused writes at %.2fs, "
          "rejoined %.2fs after the heal" % (t_switch, t_refuse, t_rejoin))


class NetSentinel(SentinelProcess):
    """A sentinel listening (RESP and SentinelPeer) and announcing itself on `bind`, optionally
    run inside a namespace (`wrap`)."""

    def __init__(self, bind, wrap=(), options=(), **kw):
        self.bind = bind
        opts = ["control-bind " + bind, "sentinel announce-ip " + bind] + list(options)
        super().__init__(options=opts, start=False, **kw)
        self.host, self.wrap = bind, list(wrap)
        self.start()

    def write_config(self):
        super().write_config()
        with open(self.config_file) as f:
            text = f.read()
        with open(self.config_file, "w") as f:
            f.write(text.replace("bind 127.0.0.1\n", "bind %s\n" % self.bind))


def server_on(made, host, extra_args):
    s = ServerProcess(extra_args=extra_args, host=host, start=False)
    made.append(s)
    return s.start()


def test_isolated_sentinel_never_fails_over(netns):
    # The data nodes and two sentinels on the host side; the third sentinel alone in the
    # namespace. Cut off, it sees the primary down and, with quorum 1, declares it ODOWN and
    # asks for votes; its peers never answer (the packets vanish), so it never leads a failover
    # and the primary keeps its role. After the heal everyone agrees on the same primary.
    made = []
    try:
        primary = server_on(made, netns.host_ip, node_args(netns.host_ip))
        replicas = [server_on(made, netns.host_ip, node_args(netns.host_ip, primary))
                    for _ in range(2)]
        for r in replicas:
            wait_replica_synced(primary, r, timeout=15)
        opts = ["sentinel down-after-milliseconds %s %d" % (NAME, DOWN_AFTER),
                "sentinel failover-timeout %s %d" % (NAME, 4000), "control-auth " + SECRET]
        mon = [(NAME, netns.host_ip, primary.port, 2)]
        sentinels = [NetSentinel(netns.host_ip, monitors=mon, options=opts) for _ in range(2)]
        made += sentinels
        lone = NetSentinel(netns.ns_ip, wrap=["ip", "netns", "exec", netns.ns], monitors=mon,
                           options=opts)
        made.append(lone)
        sentinels.append(lone)
        for s in sentinels:
            eventually(lambda: sees_everything(s), timeout=15,
                       msg="sentinel did not discover both replicas and its two peers")
        assert lone.client().execute_command("SENTINEL", "SET", NAME, "quorum", "1") in (
            "OK", True)
        # Its events, collected by a subscriber inside the namespace (it keeps hearing them
        # while the link is down).
        events_path = os.path.join(lone.dir, "events.txt")
        with open(events_path, "wb") as ev:
            sub = subprocess.Popen(["ip", "netns", "exec", netns.ns, REDIS_CLI, "-h", netns.ns_ip,
                                    "-p", str(lone.port), "PSUBSCRIBE", "*"],
                                   stdout=ev, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        try:
            def events():
                with open(events_path, "rb") as f:
                    return f.read().decode(errors="replace")

            eventually(lambda: "psubscribe" in events(), timeout=5)
            primary_addr = (netns.host_ip, primary.port)
            netns.cut()
            eventually(lambda: "-failover-abort-not-elected" in events(), timeout=25,
                       interval=0.1, msg="the isolated sentinel did not try and give up:\n"
                       + events())
            seen = events()
            assert "+odown" in seen and "#quorum 1/1" in seen, seen
            assert "+try-failover" in seen, seen
            assert "+elected-leader" not in seen and "+switch-master" not in seen, seen
            assert "+promoted-slave" not in seen and "+selected-slave" not in seen, seen
            # The majority side still sees a healthy primary; nothing moved.
            for s in sentinels[:2]:
                assert master_addr(s) == primary_addr
                m = as_dict(s.client().execute_command("SENTINEL", "MASTER", NAME))
                assert m["flags"] == "master", m
            assert primary.client().info("replication")["role"] == "master"
            for r in replicas:
                assert r.client().info("replication")["role"] == "slave"
            lone_addr = netns.cli(netns.ns_ip, lone.port, "SENTINEL", "get-master-addr-by-name",
                                  NAME).split()
            assert lone_addr == [netns.host_ip, str(primary.port)], lone_addr
            netns.heal()
            # After the heal the lone sentinel sees the primary up again and all three agree.
            eventually(lambda: as_dict(lone.client().execute_command(
                "SENTINEL", "MASTER", NAME))["flags"] == "master", timeout=15,
                msg="the lone sentinel still sees the primary down")
            for s in sentinels:
                eventually(lambda: sees_everything(s), timeout=15)
                assert master_addr(s) == primary_addr
            assert "+switch-master" not in events()
            assert primary.client().set("after-heal", "1") is True
        finally:
            sub.kill()
            sub.wait(timeout=5)
    finally:
        for p in reversed(made):
            p.cleanup()
