"""Cluster mode on one node: nodes.conf, the CLUSTER subcommands and the redirections.

Each scenario runs on Sable and, when Debian's redis-server is installed, on Redis 7.0 started
the same way; the replies must be byte-identical once node ids and our own ports are masked.
Sable's replies are also checked against the expected strings themselves, so the tests fail
when a feature is missing even without the reference. A second node is simulated by writing
nodes.conf by hand before the start (a primary nobody runs: its bus is never reached, and a
long cluster-node-timeout keeps it from being suspected meanwhile).
"""
import os
import socket
import subprocess

import pytest

from conftest import RespConn, RespError, eventually, free_port, is_real_redis

REDIS_SERVER = "/usr/bin/redis-server"

ME = "a" * 40     # myself, in the hand-written nodes.conf
PEER = "b" * 40   # the other primary
PEER_PORT = free_port()
PEER_CPORT = free_port()
PEER_ADDR = "127.0.0.1:%d" % PEER_PORT


@pytest.fixture(autouse=True, scope="module")
def silent_peer():
    """The simulated peer's bus port: it accepts connections (the kernel does, from the backlog)
    and never answers, like a node that is alive but slow, so nobody suspects it within the
    long node timeout. A refused port would make it look gone at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", PEER_CPORT))
        s.listen(512)
        yield


def crc16(data):
    """CRC16-XMODEM, as Redis's crc16.c."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tag_for(slot):
    """A hash tag whose keys land in `slot`."""
    i = 0
    while crc16(b"t%d" % i) % 16384 != slot:
        i += 1
    return "t%d" % i


def cluster_args(*extra):
    return ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
            "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "600000"] + \
        list(extra)


class RawConn(RespConn):
    """A RespConn that also returns the exact bytes of each reply."""

    def __init__(self, sock):
        super().__init__(sock)
        self.received = b""

    def _fill(self, deadline):
        before = len(self.buf)
        super()._fill(deadline)
        self.received += self.buf[before:]

    def call_raw(self, *parts, timeout=5.0):
        self.send(*parts)
        return self.read_raw(timeout)

    def read_raw(self, timeout=5.0):
        start = len(self.received) - len(self.buf)
        self.read(timeout)
        return self.received[start:len(self.received) - len(self.buf)]


def start_node(make_server, binary=None, conf=None, extra=()):
    s = make_server(extra_args=cluster_args(*extra), start=False, binary=binary)
    if conf is not None:
        with open(os.path.join(s.dir, "nodes.conf"), "w") as f:
            f.write(conf)
    s.start()
    return s


def masker(s):
    """Masks what differs between two runs: node ids made at start and our own ports."""
    conn = s.conn()
    myid = conn.call("CLUSTER", "MYID").decode()
    conn.close()
    cport = s.extra_args[s.extra_args.index("--cluster-port") + 1]

    def mask(raw):
        raw = raw.replace(myid.encode(), b"I" * 40)
        raw = raw.replace(str(s.port).encode(), b"P" * len(str(s.port)))
        return raw.replace(cport.encode(), b"C" * len(cport))
    return mask


def normalize_nodes(raw):
    """CLUSTER NODES with what depends on the bus's timing masked (ping/pong times, link state,
    which the simulated peer cannot settle) and lines sorted (Redis prints them in hash order)."""
    head, body = raw.split(b"\r\n", 1)
    prefix = b""
    if head.startswith(b"="):  # RESP3 verbatim string: keep its format tag.
        prefix, body = body[:4], body[4:]
    lines = []
    for line in body[:-2].decode().splitlines():
        f = line.split(" ")
        if not f[2].startswith("myself"):
            f[4] = f[5] = "T"
            f[7] = "L"
        lines.append(" ".join(f))
    return prefix + "\n".join(sorted(lines)).encode()


def normalize_shards(raw):
    """CLUSTER SHARDS parsed, shards sorted (Redis lists them in hash order)."""
    parser = RespConn(None)
    parser.buf = raw
    shards = parser.read()
    return repr(sorted(repr(sh) for sh in shards)).encode()


SUBSCRIBE_COMMANDS = ("SUBSCRIBE", "UNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE")


def transcript(s, commands):
    """Runs commands on one connection; returns the masked raw replies."""
    mask = masker(s)
    conn = RawConn(s.raw())
    out = []
    for cmd in commands:
        reply = conn.call_raw(*[str(a) for a in cmd])
        # (UN)SUBSCRIBE-style commands answer once per channel named.
        if cmd[0].upper() in SUBSCRIBE_COMMANDS and not reply.startswith(b"-"):
            for _ in range(len(cmd) - 2):
                reply += conn.read_raw()
        if tuple(cmd[:2]) == ("CLUSTER", "NODES"):
            reply = normalize_nodes(reply)
        elif tuple(cmd[:2]) == ("CLUSTER", "SHARDS"):
            reply = normalize_shards(reply)
        elif tuple(cmd[:2]) == ("CLUSTER", "INFO") and b"cluster_known_nodes:1\r\n" not in reply:
            # Message counters depend on the bus's timing once there is a peer.
            reply = reply[reply.index(b"\r\n") + 2:reply.index(b"cluster_stats_messages")]
        out.append(mask(reply))
    conn.close()
    return out


def state_ok(s):
    return b"cluster_state:ok" in s.conn().call("CLUSTER", "INFO")


@pytest.fixture
def reference(make_server):
    """Starts Redis 7.0 like a Sable node, or None when it is not installed."""
    if is_real_redis() or not os.path.exists(REDIS_SERVER):
        return None

    def start(conf=None, extra=()):
        return start_node(make_server, binary=REDIS_SERVER, conf=conf, extra=extra)
    return start


def check_against_redis(reference, sable, commands, conf=None, extra=(), setup=None):
    """Sable's transcript, asserted equal to Redis's when the reference exists."""
    got = transcript(sable, commands)
    if reference is not None:
        ref = reference(conf=conf, extra=extra)
        if setup is not None:
            setup(ref)
        want = transcript(ref, commands)
        for cmd, g, w in zip(commands, got, want):
            assert g == w, "reply to %r differs:\nsable %r\nredis %r" % (cmd, g, w)
    return dict(zip((" ".join(str(a) for a in c) for c in commands), got))


# ---- one node ---------------------------------------------------------------------------------

def claim_all(s):
    assert s.conn().call("CLUSTER", "ADDSLOTSRANGE", 0, 16383) == "OK"
    eventually(lambda: state_ok(s), timeout=10)


def test_fresh_node_formats(make_server, reference):
    sable = start_node(make_server)
    c = sable.conn()
    # A fresh node: fail until it owns slots, one known node, epoch 0.
    info = c.call("CLUSTER", "INFO").decode()
    assert info.startswith("cluster_state:fail\r\ncluster_slots_assigned:0\r\n")
    assert "cluster_known_nodes:1\r\n" in info and info.endswith("\r\n")
    claim_all(sable)
    setup = claim_all
    commands = [
        ("CLUSTER", "INFO"), ("CLUSTER", "NODES"), ("CLUSTER", "SLOTS"), ("CLUSTER", "SHARDS"),
        ("CLUSTER", "LINKS"), ("CLUSTER", "COUNT-FAILURE-REPORTS", "IDME"),
        ("CLUSTER", "BUMPEPOCH"), ("CLUSTER", "BUMPEPOCH"), ("CLUSTER", "SET-CONFIG-EPOCH", 5),
        ("HELLO", 3), ("CLUSTER", "INFO"), ("CLUSTER", "NODES"), ("CLUSTER", "SLOTS"),
        ("CLUSTER", "SHARDS"), ("CLUSTER", "LINKS"),
    ]
    myid = c.call("CLUSTER", "MYID").decode()
    # HELLO's reply names the server: only the rest is compared.
    got = transcript(sable, [tuple(myid if a == "IDME" else a for a in cmd) for cmd in commands])
    if reference is not None:
        ref = reference()
        setup(ref)
        refid = ref.conn().call("CLUSTER", "MYID").decode()
        want = transcript(ref, [tuple(refid if a == "IDME" else a for a in cmd)
                                for cmd in commands])
        for cmd, g, w in zip(commands, got, want):
            if cmd[0] != "HELLO":
                assert g == w, "reply to %r differs:\nsable %r\nredis %r" % (cmd, g, w)
    replies = dict(zip((" ".join(str(a) for a in c) for c in commands), got))
    assert replies["CLUSTER BUMPEPOCH"] == b"+STILL 1\r\n"  # The second one.
    assert replies["CLUSTER SET-CONFIG-EPOCH 5"] == b"-ERR Node config epoch is already non-zero\r\n"
    nodes = c.call("CLUSTER", "NODES").decode()
    assert replies["CLUSTER NODES"] == b"txt:IIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII :PPPPP@CCCCC " \
        b"myself,master - 0 0 1 connected 0-16383"
    assert nodes == "%s :%d@%s myself,master - 0 0 1 connected 0-16383\n" % (
        myid, sable.port, sable.extra_args[3])
    assert c.call("CLUSTER", "SLOTS") == [[0, 16383, [b"", sable.port, myid.encode(), []]]]
    assert len(c.call("CLUSTER", "MYSHARDID")) == 40


def test_errors_match_redis(make_server, reference):
    sable = start_node(make_server)
    commands = [
        ("CLUSTER", "ADDSLOTS", "x"), ("CLUSTER", "ADDSLOTS", 16384),
        ("CLUSTER", "ADDSLOTSRANGE", 5, 3), ("CLUSTER", "ADDSLOTSRANGE", 1, 2, 3),
        ("CLUSTER", "DELSLOTS", 7000), ("CLUSTER", "ADDSLOTS", 7000, 7000),
        ("CLUSTER", "ADDSLOTS", 7000), ("CLUSTER", "ADDSLOTS", 7000),
        ("CLUSTER", "ADDSLOTSRANGE", 6990, 7010), ("CLUSTER", "DELSLOTSRANGE", 1, 2, 3),
        ("CLUSTER", "DELSLOTSRANGE", 7000, 7000), ("CLUSTER", "DELSLOTS", 7000),
        ("CLUSTER", "SETSLOT", 16384, "STABLE"), ("CLUSTER", "SETSLOT", 1, "FOO"),
        ("CLUSTER", "SETSLOT", 1, "NODE", "abc"), ("CLUSTER", "SETSLOT", 1, "MIGRATING", "abc"),
        ("CLUSTER", "SETSLOT", 1, "IMPORTING", "abc"), ("CLUSTER", "SETSLOT", 1, "STABLE", "x"),
        ("CLUSTER", "MEET", "1.2.3", 5), ("CLUSTER", "MEET", "1.2.3.4", "x"),
        ("CLUSTER", "MEET", "1.2.3.4", 5, "x"), ("CLUSTER", "MEET", "127.0.0.1", 99999),
        ("CLUSTER", "MEET", "a", "b", "c", "d"), ("CLUSTER", "RESET", "FOO"),
        ("CLUSTER", "RESET", "HARD", "x"),
        ("CLUSTER", "FAILOVER", "FOO"), ("CLUSTER", "FAILOVER"), ("CLUSTER", "FAILOVER", "x", "y"),
        ("CLUSTER", "FAILOVER", "TAKEOVER"),
        ("CLUSTER", "REPLICATE", "abc"), ("CLUSTER", "FORGET", "abc"),
        ("CLUSTER", "COUNT-FAILURE-REPORTS", "abc"), ("CLUSTER", "REPLICAS", "abc"),
        ("CLUSTER", "SLAVES", "abc"), ("CLUSTER", "SET-CONFIG-EPOCH", -1),
        ("CLUSTER", "SET-CONFIG-EPOCH", "x"), ("CLUSTER", "SAVECONFIG", "x"),
        ("CLUSTER", "NOPE"), ("CLUSTER", "SAVECONFIG"), ("CLUSTER", "FLUSHSLOTS"),
        ("ASKING",), ("READONLY",), ("READWRITE",), ("ASKING", "x"),
    ]
    replies = check_against_redis(reference, sable, commands)
    assert replies["CLUSTER ADDSLOTS x"] == b"-ERR Invalid or out of range slot\r\n"
    assert replies["CLUSTER ADDSLOTSRANGE 5 3"] == \
        b"-ERR start slot number 5 is greater than end slot number 3\r\n"
    assert replies["CLUSTER ADDSLOTS 7000 7000"] == b"-ERR Slot 7000 specified multiple times\r\n"
    assert replies["CLUSTER ADDSLOTSRANGE 6990 7010"] == b"-ERR Slot 7000 is already busy\r\n"
    assert replies["CLUSTER DELSLOTS 7000"] == b"-ERR Slot 7000 is already unassigned\r\n"
    assert replies["CLUSTER MEET 1.2.3 5"] == b"-ERR Invalid node address specified: 1.2.3:5\r\n"
    assert replies["CLUSTER MEET a b c d"] == (
        b"-ERR unknown subcommand or wrong number of arguments for 'MEET'. Try CLUSTER HELP.\r\n")
    assert replies["CLUSTER FAILOVER"] == b"-ERR You should send CLUSTER FAILOVER to a replica\r\n"
    assert replies["CLUSTER SET-CONFIG-EPOCH -1"] == b"-ERR Invalid config epoch specified: -1\r\n"
    assert replies["CLUSTER SETSLOT 1 FOO"] == (
        b"-ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP\r\n")


def test_myself_rules(make_server, reference):
    sable = start_node(make_server)
    myid = sable.conn().call("CLUSTER", "MYID").decode()
    claim_all(sable)
    slot = crc16(b"foo") % 16384
    commands = [
        ("SET", "foo", "bar"),
        ("CLUSTER", "REPLICATE", "IDME"), ("CLUSTER", "FORGET", "IDME"),
        ("CLUSTER", "SETSLOT", slot, "MIGRATING", "IDME"),
        ("CLUSTER", "SETSLOT", slot, "IMPORTING", "IDME"),
        ("CLUSTER", "SETSLOT", slot, "NODE", "IDME"),
        ("CLUSTER", "FLUSHSLOTS"), ("CLUSTER", "RESET"), ("CLUSTER", "RESET", "SOFT"),
        ("CLUSTER", "REPLICAS", "IDME"), ("CLUSTER", "COUNTKEYSINSLOT", slot),
        ("CLUSTER", "NODES"),
    ]

    def run(s, sid):
        return transcript(s, [tuple(sid if a == "IDME" else a for a in c) for c in commands])
    got = run(sable, myid)
    if reference is not None:
        ref = reference()
        claim_all(ref)
        assert got == run(ref, ref.conn().call("CLUSTER", "MYID").decode())
    assert got[0] == b"+OK\r\n"
    assert got[1] == b"-ERR Can't replicate myself\r\n"
    assert got[2] == b"-ERR I tried hard but I can't forget myself...\r\n"
    assert got[4] == b"-ERR I'm already the owner of hash slot %d\r\n" % slot
    assert got[6] == b"-ERR DB must be empty to perform CLUSTER FLUSHSLOTS.\r\n"
    assert got[7] == b"-ERR CLUSTER RESET can't be called with master nodes containing keys\r\n"


# ---- a two-node view --------------------------------------------------------------------------

TWO_NODES = (
    "%s 127.0.0.1:1@2 myself,master - 0 0 1 connected 0-8000\n"
    "%s %s@%d,peer.example master - 0 0 2 connected 8001-16383\n"
    "vars currentEpoch 2 lastVoteEpoch 0\n") % (ME, PEER, PEER_ADDR, PEER_CPORT)

MIG = 100      # a slot of ours we move to PEER
IMP = 8001     # a slot of PEER's we import
M = tag_for(MIG)
I = tag_for(IMP)
OURS = tag_for(5)
OURS2 = tag_for(6)
THEIRS = tag_for(9000)


def two_node_setup(s):
    eventually(lambda: state_ok(s), timeout=10)
    c = s.conn()
    assert c.call("SET", "{%s}here" % M, "v") == "OK"
    assert c.call("CLUSTER", "SETSLOT", MIG, "MIGRATING", PEER) == "OK"
    assert c.call("CLUSTER", "SETSLOT", IMP, "IMPORTING", PEER) == "OK"


def test_redirections(make_server, reference):
    sable = start_node(make_server, conf=TWO_NODES)
    two_node_setup(sable)
    commands = [
        ("CLUSTER", "NODES"), ("CLUSTER", "SLOTS"), ("CLUSTER", "SHARDS"), ("CLUSTER", "INFO"),
        ("GET", "{%s}x" % THEIRS), ("SET", "{%s}x" % THEIRS, 1), ("GET", "{%s}x" % OURS),
        ("MGET", "{%s}x" % OURS, "{%s}x" % THEIRS), ("MSET", "{%s}a" % OURS, 1, "{%s}b" % OURS, 2),
        # Migrating: present keys run here, missing ones are asked for at the target.
        ("GET", "{%s}here" % M), ("GET", "{%s}gone" % M), ("SET", "{%s}gone" % M, 1),
        ("MGET", "{%s}here" % M, "{%s}gone" % M), ("MGET", "{%s}gone" % M, "{%s}gone2" % M),
        ("EXISTS", "{%s}here" % M, "{%s}here" % M),
        # Importing: only with ASKING, for one command.
        ("GET", "{%s}x" % I), ("ASKING",), ("GET", "{%s}x" % I), ("GET", "{%s}x" % I),
        ("ASKING",), ("SET", "{%s}x" % I, 1), ("ASKING",), ("MGET", "{%s}x" % I, "{%s}y" % I),
        ("ASKING",), ("MGET", "{%s}x" % I, "{%s}x" % I), ("ASKING",), ("PING",),
        ("GET", "{%s}x" % I),
        # Keyless commands and commands about no key run anywhere.
        ("PING",), ("DBSIZE",), ("EXISTS", "{%s}a" % OURS),
        # MULTI: a redirected command dooms the transaction; EXEC wants one slot.
        ("MULTI",), ("SET", "{%s}x" % THEIRS, 1), ("EXEC",),
        ("MULTI",), ("SET", "{%s}a" % OURS, 1), ("SET", "{%s}b" % OURS2, 1), ("EXEC",),
        ("MULTI",), ("SET", "{%s}a" % OURS, 3), ("GET", "{%s}a" % OURS), ("EXEC",),
        ("ASKING",), ("MULTI",), ("SET", "{%s}m" % I, 1), ("GET", "{%s}m" % I), ("EXEC",),
        ("GET", "{%s}m" % I),
        # READONLY changes nothing on a primary.
        ("READONLY",), ("GET", "{%s}x" % THEIRS), ("READWRITE",),
        ("SSUBSCRIBE", "{%s}ch" % THEIRS), ("SPUBLISH", "{%s}ch" % THEIRS, "m"),
        ("SPUBLISH", "{%s}ch" % OURS, "m"), ("PUBLISH", "{%s}ch" % THEIRS, "m"),
        ("CLUSTER", "SETSLOT", MIG, "NODE", PEER), ("DEL", "{%s}here" % M),
        ("CLUSTER", "SETSLOT", MIG, "NODE", PEER), ("GET", "{%s}here" % M),
        ("CLUSTER", "SETSLOT", IMP, "NODE", ME), ("CLUSTER", "NODES"), ("CLUSTER", "INFO"),
        ("GET", "{%s}x" % I),
    ]
    replies = transcript(sable, commands)
    if reference is not None:
        ref = reference(conf=TWO_NODES)
        two_node_setup(ref)
        want = transcript(ref, commands)
        for cmd, g, w in zip(commands, replies, want):
            assert g == w, "reply to %r differs:\nsable %r\nredis %r" % (cmd, g, w)
    r = iter(replies)
    expect = {}
    for cmd, got in zip(commands, replies):
        expect.setdefault(cmd, []).append(got)
    moved_theirs = b"-MOVED %d %s\r\n" % (crc16(THEIRS.encode()) % 16384, PEER_ADDR.encode())
    assert expect[("GET", "{%s}x" % THEIRS)][0] == moved_theirs
    assert expect[("SET", "{%s}x" % THEIRS, 1)][0] == moved_theirs
    assert expect[("MGET", "{%s}x" % OURS, "{%s}x" % THEIRS)][0] == \
        b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
    assert expect[("GET", "{%s}gone" % M)][0] == b"-ASK %d %s\r\n" % (MIG, PEER_ADDR.encode())
    assert expect[("MGET", "{%s}here" % M, "{%s}gone" % M)][0] == \
        b"-TRYAGAIN Multiple keys request during rehashing of slot\r\n"
    assert expect[("MGET", "{%s}gone" % M, "{%s}gone2" % M)][0] == \
        b"-ASK %d %s\r\n" % (MIG, PEER_ADDR.encode())
    assert expect[("GET", "{%s}x" % I)][:3] == [
        b"-MOVED %d %s\r\n" % (IMP, PEER_ADDR.encode()), b"$-1\r\n",
        b"-MOVED %d %s\r\n" % (IMP, PEER_ADDR.encode())]
    assert expect[("MGET", "{%s}x" % I, "{%s}y" % I)][0] == \
        b"-TRYAGAIN Multiple keys request during rehashing of slot\r\n"
    assert expect[("EXEC",)][0].startswith(b"-EXECABORT")
    assert expect[("EXEC",)][1] == b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
    assert expect[("EXEC",)][3] == b"*2\r\n+OK\r\n$1\r\n1\r\n"  # ASKING lasts to EXEC.
    assert expect[("CLUSTER", "SETSLOT", MIG, "NODE", PEER)][0] == (
        b"-ERR Can't assign hashslot %d to a different node while I still hold keys for this "
        b"hash slot.\r\n" % MIG)
    # The import closed with a new config epoch for us.
    # The peer's hostname shows in CLUSTER SLOTS' extras (RESP2: a flat array).
    assert b"*4\r\n$9\r\n127.0.0.1\r\n:%d\r\n$40\r\n%s\r\n*2\r\n$8\r\nhostname\r\n" \
        b"$12\r\npeer.example\r\n" % (PEER_PORT, PEER.encode()) in expect[("CLUSTER", "SLOTS")][0]
    nodes = expect[("CLUSTER", "NODES")][1].decode()
    assert " myself,master - 0 0 3 connected 0-99 101-8001" in nodes


def test_nodes_conf_survives_restart(make_server):
    sable = start_node(make_server, conf=TWO_NODES)
    two_node_setup(sable)
    c = sable.conn()
    before = c.call("CLUSTER", "NODES").decode().splitlines()[0]
    assert before.endswith("0-8000 [%d->-%s] [%d-<-%s]" % (MIG, PEER, IMP, PEER))
    assert before.startswith("%s 127.0.0.1:%d@" % (ME, sable.port))
    sable.stop()
    with open(os.path.join(sable.dir, "nodes.conf")) as f:
        saved = f.read()
    assert saved.startswith(before + "\n")
    assert saved.endswith("vars currentEpoch 2 lastVoteEpoch 0\n")
    sable.start()
    c = sable.conn()
    assert c.call("CLUSTER", "MYID") == ME.encode()
    assert c.call("CLUSTER", "NODES").decode().splitlines()[0] == before
    eventually(lambda: state_ok(sable), timeout=10)
    assert c.call("GET", "{%s}x" % THEIRS) == \
        RespError("MOVED %d %s" % (crc16(THEIRS.encode()) % 16384,
                                                          PEER_ADDR))


def test_fresh_node_id_persists(make_server):
    sable = start_node(make_server)
    myid = sable.conn().call("CLUSTER", "MYID")
    assert sable.conn().call("CLUSTER", "ADDSLOTS", 42) == "OK"
    sable.stop()
    sable.start()
    c = sable.conn()
    assert c.call("CLUSTER", "MYID") == myid
    assert c.call("CLUSTER", "NODES").decode().endswith(" connected 42\n")


def test_corrupt_nodes_conf_refused(make_server):
    s = make_server(extra_args=cluster_args(), start=False)
    with open(os.path.join(s.dir, "nodes.conf"), "w") as f:
        f.write("abc :1@2 myself,master - 0 0 0 connected\n")
    r = subprocess.run(s.args(), cwd=s.dir, capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert "Unrecoverable error: corrupted cluster config file." in r.stdout + r.stderr


def test_two_nodes_cannot_share_nodes_conf(make_server):
    first = start_node(make_server)
    path = os.path.join(first.dir, "nodes.conf")
    second = make_server(extra_args=["--cluster-enabled", "yes", "--cluster-port",
                                     str(free_port()), "--cluster-config-file", path],
                         start=False)
    r = subprocess.run(second.args(), cwd=second.dir, capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 1
    assert ("Sorry, the cluster configuration file %s is already used by a different Redis "
            "Cluster node. Please make sure that different nodes use different cluster "
            "configuration files." % path) in r.stdout + r.stderr
    assert first.conn().call("PING") == "PONG"


# ---- a replica, a down cluster ----------------------------------------------------------------

REPLICA_VIEW = (
    "%s 127.0.0.1:1@2 myself,slave %s 0 0 0 connected\n"
    "%s %s@%d master - 0 0 2 connected 0-16383\n"
    "vars currentEpoch 2 lastVoteEpoch 0\n") % (ME, PEER, PEER, PEER_ADDR, PEER_CPORT)


def test_replica_serves_readonly_clients(make_server, reference):
    sable = start_node(make_server, conf=REPLICA_VIEW)
    eventually(lambda: state_ok(sable), timeout=10)
    k = "{%s}k" % OURS
    commands = [
        ("GET", k), ("READONLY",), ("GET", k), ("MGET", k, k), ("SET", k, 1),
        ("READWRITE",), ("GET", k), ("READONLY",), ("RESET",), ("GET", k),
        ("CLUSTER", "SETSLOT", 1, "STABLE"), ("CLUSTER", "FORGET", PEER), ("CLUSTER", "INFO"),
    ]

    def setup(s):
        eventually(lambda: state_ok(s), timeout=10)
    replies = check_against_redis(reference, sable, commands, conf=REPLICA_VIEW, setup=setup)
    got = transcript(sable, commands)
    moved = b"-MOVED %d %s\r\n" % (crc16(OURS.encode()) % 16384, PEER_ADDR.encode())
    assert got[0] == moved and got[2] == b"$-1\r\n" and got[4] == moved and got[6] == moved
    assert got[9] == moved  # RESET drops READONLY.
    assert got[10] == b"-ERR Please use SETSLOT only with masters.\r\n"
    assert got[11] == b"-ERR Can't forget my master!\r\n"
    # Not compared with Redis: whether the silent peer counts as linked is up to each bus.
    assert sable.conn().call("CLUSTER", "FAILOVER") == RespError(
        "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE")
    # A replica is never held back by the writable delay of restarted primaries.
    assert replies["CLUSTER INFO"].startswith(b"cluster_state:ok\r\n")


HALF_COVERED = (
    "%s 127.0.0.1:1@2 myself,master - 0 0 1 connected 0-8000\n"
    "vars currentEpoch 1 lastVoteEpoch 0\n") % ME


def test_cluster_down(make_server, reference):
    sable = start_node(make_server, conf=HALF_COVERED)
    commands = [
        ("CLUSTER", "INFO"), ("GET", "{%s}x" % THEIRS), ("GET", "{%s}x" % OURS), ("PING",),
        ("CONFIG", "SET", "cluster-allow-reads-when-down", "yes"), ("GET", "{%s}x" % OURS),
        ("SET", "{%s}x" % OURS, 1), ("MULTI",), ("GET", "{%s}x" % OURS), ("EXEC",),
        ("CONFIG", "SET", "cluster-require-full-coverage", "no"),
    ]
    replies = check_against_redis(reference, sable, commands, conf=HALF_COVERED)
    assert replies["GET {%s}x" % THEIRS] == b"-CLUSTERDOWN Hash slot not served\r\n"
    assert replies["SET {%s}x 1" % OURS] == \
        b"-CLUSTERDOWN The cluster is down and only accepts read commands\r\n"
    assert replies["CLUSTER INFO"].startswith(b"$")
    assert replies["EXEC"] == b"*1\r\n$-1\r\n"  # A read in MULTI, allowed while down.
    assert transcript(sable, [("CONFIG", "SET", "cluster-allow-reads-when-down", "no"),
                              ("GET", "{%s}x" % OURS)])[1] == \
        b"-CLUSTERDOWN The cluster is down\r\n"
    # Without full coverage the served half works again.
    eventually(lambda: state_ok(sable), timeout=10)
    c = sable.conn()
    assert c.call("SET", "{%s}x" % OURS, 1) == "OK"


def test_sharded_pubsub(make_server):
    sable = start_node(make_server, conf=TWO_NODES)
    eventually(lambda: state_ok(sable), timeout=10)
    sub = sable.conn()
    ch = "{%s}ch" % OURS
    assert sub.call("SSUBSCRIBE", ch) == [b"ssubscribe", ch.encode(), 1]
    pub = sable.conn()
    assert pub.call("PUBSUB", "SHARDCHANNELS") == [ch.encode()]
    assert pub.call("PUBSUB", "SHARDNUMSUB", ch) == [ch.encode(), 1]
    assert pub.call("SPUBLISH", ch, "hello") == 1
    assert sub.read() == [b"smessage", ch.encode(), b"hello"]
    # A plain PUBLISH on the same name is another channel.
    assert pub.call("PUBLISH", ch, "x") == 0
    assert sub.call("SUNSUBSCRIBE") == [b"sunsubscribe", ch.encode(), 0]
    # Losing the slot ends the subscription with a push, so the client follows the slot.
    assert sub.call("SSUBSCRIBE", ch) == [b"ssubscribe", ch.encode(), 1]
    assert pub.call("CLUSTER", "DELSLOTS", crc16(OURS.encode()) % 16384) == "OK"
    assert sub.read(timeout=5) == [b"sunsubscribe", ch.encode(), 0]
    assert pub.call("PUBSUB", "SHARDCHANNELS") == []
    assert sub.call("SSUBSCRIBE", "{%s}ch" % THEIRS) == RespError(
        "MOVED %d %s" % (crc16(THEIRS.encode()) % 16384, PEER_ADDR))


def test_sharded_pubsub_matches_redis(make_server, reference):
    sable = start_node(make_server)
    claim_all(sable)
    commands = [
        ("SUNSUBSCRIBE",), ("SSUBSCRIBE", "a", "b"), ("SUBSCRIBE", "c"), ("SSUBSCRIBE", "a"),
        ("SUNSUBSCRIBE", "a"), ("SUNSUBSCRIBE",), ("UNSUBSCRIBE",), ("SSUBSCRIBE", "a", "{a}x"),
        ("SUNSUBSCRIBE", "a", "{a}x"), ("SPUBLISH", "a", "m"), ("PUBSUB", "SHARDNUMSUB", "a"),
        ("PUBSUB", "SHARDCHANNELS"),
    ]
    replies = check_against_redis(reference, sable, commands, setup=claim_all)
    assert replies["SSUBSCRIBE a b"] == b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
    assert replies["SSUBSCRIBE a {a}x"] == (b"*3\r\n$10\r\nssubscribe\r\n$1\r\na\r\n:1\r\n"
                                            b"*3\r\n$10\r\nssubscribe\r\n$4\r\n{a}x\r\n:2\r\n")


def test_replica_primary_lives_in_nodes_conf_only(make_server, tmp_path):
    """A cluster replica's CONFIG REWRITE writes no replicaof line (its primary is in
    nodes.conf), and a config with replicaof is refused in cluster mode, as Redis does."""
    conf = tmp_path / "sable.conf"
    conf.write_text("# test\n")
    s = make_server(extra_args=cluster_args(), config_file=str(conf), start=False)
    with open(os.path.join(s.dir, "nodes.conf"), "w") as f:
        f.write(REPLICA_VIEW)
    s.start()
    c = s.conn()
    assert c.call("CLUSTER", "NODES").decode().count("myself,slave %s" % PEER) == 1
    eventually(lambda: s.conn().call("INFO", "replication").decode().find("role:slave") >= 0,
               timeout=10)
    assert c.call("CONFIG", "REWRITE") == "OK"
    text = conf.read_text()
    assert "cluster-enabled yes" in text
    assert "replicaof" not in text and "slaveof" not in text
    s.stop()
    bad = make_server(extra_args=cluster_args("--replicaof", "127.0.0.1", str(PEER_PORT)),
                      start=False)
    r = subprocess.run(bad.args(), cwd=bad.dir, capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert "replicaof directive not allowed in cluster mode" in r.stdout + r.stderr


def test_sharded_pubsub_in_exec_is_not_a_key(make_server):
    """SPUBLISH queued in MULTI names a channel, not a key: EXEC is not sent to the migration
    target for it (as SPUBLISH alone is not)."""
    sable = start_node(make_server, conf=TWO_NODES)
    two_node_setup(sable)
    c = sable.conn()
    ch = "{%s}ch" % M
    assert c.call("SPUBLISH", ch, "x") == 0
    assert c.call("MULTI") == "OK"
    assert c.call("SPUBLISH", ch, "x") == "QUEUED"
    assert c.call("EXEC") == [0]
    # A key in the same slot is still asked for at the target.
    assert c.call("MULTI") == "OK"
    assert c.call("GET", "{%s}gone" % M) == RespError("ASK %d %s" % (MIG, PEER_ADDR))


def test_blocked_clients_follow_their_slot(make_server, reference):
    """A client blocked on a key whose slot goes to another node gets MOVED when the slot
    leaves (Redis's clusterRedirectBlockedClientIfNeeded); waiters on the slots that stay go
    on waiting and are served."""
    moving, staying = tag_for(7), tag_for(8)
    servers = [start_node(make_server, conf=TWO_NODES)]
    if reference is not None:
        servers.append(reference(conf=TWO_NODES))
    for s in servers:
        eventually(lambda: state_ok(s), timeout=10)
        gone = RawConn(s.raw())
        gone.send("BLPOP", "{%s}q" % moving, 0)
        stays = RawConn(s.raw())
        stays.send("BRPOP", "{%s}q" % staying, 0)
        admin = s.conn()
        eventually(lambda: b"blocked_clients:2" in admin.call("INFO", "clients"), timeout=5)
        assert admin.call("CLUSTER", "SETSLOT", 7, "NODE", PEER) == "OK"
        assert gone.read_raw(timeout=5) == b"-MOVED 7 %s\r\n" % PEER_ADDR.encode()
        eventually(lambda: b"blocked_clients:1" in admin.call("INFO", "clients"), timeout=5)
        assert admin.call("RPUSH", "{%s}q" % staying, "job") == 1
        assert stays.read_raw(timeout=5) == b"*2\r\n$%d\r\n{%s}q\r\n$3\r\njob\r\n" % (
            len(staying) + 3, staying.encode())
