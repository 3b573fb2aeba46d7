"""Local-process topologies: one primary, two replicas and three sentinels on loopback.

Used by `scripts/sentinel up|down|status` and `scripts/drill`. State (configs, logs, pid files)
lives in SABLE_TOPO_DIR (default /tmp/sable-sentinel). Ports: nodes from SABLE_NODE_PORT
(6400, 6401, 6402; control ports +20000), sentinels from SABLE_SENTINEL_PORT (26379, 26380,
26381; SentinelPeer ports +1000).
"""
import os
import signal
import socket
import subprocess
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.join(ROOT, "build", "bin")
MASTER_NAME = "mymaster"


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("timed out after %.0fs waiting for %s" % (timeout, what))


def encode_command(*args):
    """argv as a RESP array of bulk strings."""
    payload = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        payload += b"$%d\r\n%s\r\n" % (len(a), a)
    return payload


def resp_call(host, port, *args, timeout=1.0):
    """One RESP command over a fresh connection; returns the raw reply bytes."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(encode_command(*args))
        buf = b""
        s.settimeout(timeout)
        while not buf.endswith(b"\r\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf


class Proc:
    """A node or sentinel process, started in the background with its own folder."""

    def __init__(self, kind, name, port, control_port, topo_dir, bind="127.0.0.1"):
        self.kind, self.name, self.port, self.control_port = kind, name, port, control_port
        self.bind = bind
        self.dir = os.path.join(topo_dir, name)
        self.pidfile = os.path.join(self.dir, "pid")
        self.log = os.path.join(self.dir, "log")
        self.proc = None

    def pid(self):
        try:
            with open(self.pidfile) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def start(self, argv, netns=None):
        os.makedirs(self.dir, exist_ok=True)
        if netns:
            argv = ["ip", "netns", "exec", netns] + argv
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        with open(self.pidfile, "w") as f:
            f.write(str(self.proc.pid))

    def ping(self, host="127.0.0.1"):
        return resp_call(host, self.port, "PING").startswith(b"+PONG")

    def kill(self, sig=signal.SIGKILL):
        pid = self.pid()
        if pid:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


class SentinelTopology:
    def __init__(self, topo_dir=None, node_port=None, sentinel_port=None, control_auth="",
                 down_after_ms=1000, failover_timeout_ms=10000, quorum=2, redis=False):
        # redis=True runs Debian's redis-server and Redis Sentinel instead, for side-by-side
        # drills.
        self.redis = redis
        self.dir = topo_dir or os.environ.get("SABLE_TOPO_DIR", "/tmp/sable-sentinel")
        base = int(node_port or os.environ.get("SABLE_NODE_PORT", 6400))
        sbase = int(sentinel_port or os.environ.get("SABLE_SENTINEL_PORT", 26379))
        self.control_auth = control_auth
        self.down_after_ms, self.failover_timeout_ms, self.quorum = (
            down_after_ms, failover_timeout_ms, quorum)
        self.nodes = [Proc("node", "node%d" % i, base + i, base + i + 20000, self.dir)
                      for i in range(3)]
        # SentinelPeer ports at +1000: port+20000 would land in the kernel's ephemeral range,
        # where an outgoing connection may already hold it.
        self.sentinels = [Proc("sentinel", "sentinel%d" % i, sbase + i, sbase + i + 1000,
                               self.dir) for i in range(3)]

    # -- nodes ------------------------------------------------------------
    def node_argv(self, node, replicaof=None, extra=()):
        if self.redis:
            argv = ["/usr/bin/redis-server", "--port", str(node.port), "--bind", node.bind,
                    "--dir", node.dir, "--save", "", "--appendonly", "no"]
        else:
            argv = [os.path.join(BIN, "sable-server"), "--port", str(node.port),
                    "--bind", node.bind, "--dir", node.dir, "--control-port",
                    str(node.control_port), "--control-bind", node.bind, "--save", "",
                    "--appendonly", "no"]
        if self.control_auth and not self.redis:
            argv += ["--control-auth", self.control_auth]
        if node.bind != "127.0.0.1":
            # Reached from another namespace: not loopback, and the drill sets no password.
            argv += ["--protected-mode", "no"]
        if replicaof:
            argv += ["--replicaof", replicaof[0], str(replicaof[1])]
        return argv + list(extra)

    def start_node(self, node, replicaof=None, extra=(), netns=None, host="127.0.0.1"):
        node.start(self.node_argv(node, replicaof, extra), netns=netns)
        wait_for(lambda: node.ping(host), 10, "%s to answer PING" % node.name)

    # -- sentinels --------------------------------------------------------
    def write_sentinel_conf(self, s, primary_ip, primary_port, extra=()):
        os.makedirs(s.dir, exist_ok=True)
        path = os.path.join(s.dir, "sentinel.conf")
        lines = ["port %d" % s.port, "bind 127.0.0.1", "dir %s" % s.dir]
        if not self.redis:
            lines.append("control-port %d" % s.control_port)
        lines += ["sentinel monitor %s %s %d %d" % (MASTER_NAME, primary_ip, primary_port,
                                                   self.quorum),
                 "sentinel down-after-milliseconds %s %d" % (MASTER_NAME, self.down_after_ms),
                 "sentinel failover-timeout %s %d" % (MASTER_NAME, self.failover_timeout_ms),
                 "sentinel parallel-syncs %s 1" % MASTER_NAME]
        if self.control_auth and not self.redis:
            lines.append("control-auth %s" % self.control_auth)
        lines += list(extra)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def start_sentinel(self, s, primary_ip="127.0.0.1", primary_port=None, fresh=True, extra=()):
        path = os.path.join(s.dir, "sentinel.conf")
        if fresh or not os.path.exists(path):
            path = self.write_sentinel_conf(s, primary_ip, primary_port or self.nodes[0].port,
                                            extra)
        if self.redis:
            s.start(["/usr/bin/redis-server", path, "--sentinel"])
        else:
            s.start([os.path.join(BIN, "sable-sentinel"), path])
        wait_for(s.ping, 10, "%s to answer PING" % s.name)

    # -- whole topology ---------------------------------------------------
    def up(self, primary_extra=()):
        os.makedirs(self.dir, exist_ok=True)
        p = self.nodes[0]
        self.start_node(p, extra=primary_extra)
        for n in self.nodes[1:]:
            self.start_node(n, replicaof=("127.0.0.1", p.port))
        for s in self.sentinels:
            self.start_sentinel(s)

    def down(self):
        for proc in self.sentinels + self.nodes:
            proc.kill(signal.SIGTERM)
        for proc in self.sentinels + self.nodes:
            deadline = time.monotonic() + 5
            while proc.pid() and time.monotonic() < deadline:
                time.sleep(0.05)
            proc.kill(signal.SIGKILL)

    def master_addr(self, sentinel=None):
        """get-master-addr-by-name from a sentinel: (ip, port) or None."""
        for s in [sentinel] if sentinel else self.sentinels:
            try:
                raw = resp_call("127.0.0.1", s.port, "SENTINEL", "get-master-addr-by-name",
                                MASTER_NAME)
            except OSError:
                continue
            parts = raw.split(b"\r\n")
            if raw.startswith(b"*2") and len(parts) >= 5:
                return parts[2].decode(), int(parts[4])
        return None

    def status_lines(self):
        out = []
        for n in self.nodes:
            pid = n.pid()
            role = "-"
            if pid:
                try:
                    raw = resp_call("127.0.0.1", n.port, "ROLE")
                    role = raw.split(b"\r\n")[2].decode() if raw.startswith(b"*") else "?"
                except OSError:
                    role = "unreachable"
            out.append("%-10s port %-5d control %-5d pid %-7s role %s"
                       % (n.name, n.port, n.control_port, pid or "-", role))
        for s in self.sentinels:
            pid = s.pid()
            addr = self.master_addr(s) if pid else None
            out.append("%-10s port %-5d control %-5d pid %-7s master %s"
                       % (s.name, s.port, s.control_port, pid or "-",
                          "%s:%d" % addr if addr else "-"))
        return out


# -- cluster ------------------------------------------------------------------------------------
def cluster_info(port, host="127.0.0.1", timeout=1.0):
    """CLUSTER INFO of one node as a dict ({} when it does not answer)."""
    raw = resp_call(host, port, "CLUSTER", "INFO", timeout=timeout)
    if not raw.startswith(b"$"):
        return {}
    fields = {}
    for line in raw.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.decode(errors="replace").split(":", 1)
            fields[k] = v
    return fields


def read_bulk(host, port, *args, timeout=2.0):
    """A command whose reply is one bulk string (CLUSTER NODES); returns it decoded, or ""."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(encode_command(*args))
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                return ""
            buf += chunk
        head, rest = buf.split(b"\r\n", 1)
        if not head.startswith(b"$") or int(head[1:]) < 0:
            return ""
        n = int(head[1:])
        while len(rest) < n + 2:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return rest[:n].decode(errors="replace")


class ClusterTopology:
    """N cluster nodes on consecutive loopback ports, as Redis's utils/create-cluster does it.

    Nodes listen on base..base+N-1 (bus ports +10000; Sable's control ports +1000, since
    +20000 may fall into the kernel's ephemeral range), each in its own folder under `dir` with
    nodes.conf and an append-only file. redis=True runs Debian's redis-server instead.
    """

    def __init__(self, topo_dir=None, base_port=None, nodes=6, replicas=1, node_timeout_ms=2000,
                 redis=False, extra=()):
        self.redis = redis
        default_dir = "/tmp/sable-cluster-redis" if redis else "/tmp/sable-cluster"
        self.dir = topo_dir or os.environ.get("SABLE_CLUSTER_DIR", default_dir)
        self.base = int(base_port or os.environ.get("SABLE_CLUSTER_PORT", 30001))
        self.replicas = replicas
        self.node_timeout_ms = node_timeout_ms
        self.extra = list(extra)
        self.nodes = [Proc("node", "node-%d" % (self.base + i), self.base + i,
                           self.base + i + 1000, self.dir) for i in range(nodes)]

    def node_argv(self, node):
        common = ["--port", str(node.port), "--bind", node.bind, "--dir", node.dir,
                  "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                  "--cluster-node-timeout", str(self.node_timeout_ms),
                  "--cluster-port", str(node.port + 10000),
                  "--appendonly", "yes", "--save", ""]
        if self.redis:
            return ["/usr/bin/redis-server"] + common + self.extra
        return ([os.path.join(BIN, "sable-server")] + common +
                ["--control-port", str(node.control_port), "--control-bind", node.bind] +
                self.extra)

    def start_node(self, node, timeout=10):
        node.start(self.node_argv(node))

        def up():
            if node.proc.poll() is not None:
                with open(node.log, errors="replace") as f:
                    tail = "".join(f.readlines()[-5:])
                raise RuntimeError("%s exited with %s:\n%s" % (node.name, node.proc.returncode,
                                                               tail))
            # A node with requirepass answers NOAUTH: up all the same.
            return resp_call("127.0.0.1", node.port, "PING").startswith((b"+PONG", b"-NOAUTH"))
        wait_for(up, timeout, "%s to answer PING" % node.name)

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        for n in self.nodes:
            if n.pid():
                continue
            self.start_node(n)

    def create(self, timeout=60):
        """redis-cli --cluster create of every node, then wait for cluster_state:ok everywhere."""
        cmd = ["redis-cli", "--cluster", "create"]
        cmd += ["127.0.0.1:%d" % n.port for n in self.nodes]
        cmd += ["--cluster-replicas", str(self.replicas), "--cluster-yes"]
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
        if p.returncode != 0:
            raise RuntimeError("redis-cli --cluster create failed (%d):\n%s" % (p.returncode, out))
        self.wait_ok(timeout)
        self.wait_replicas_linked(timeout)
        return out

    def wait_ok(self, timeout=30, nodes=None):
        nodes = nodes or [n for n in self.nodes if n.pid()]
        wait_for(lambda: all(cluster_info(n.port).get("cluster_state") == "ok" for n in nodes),
                 timeout, "cluster_state:ok on every node")

    def wait_replicas_linked(self, timeout=60):
        """Every replica's link to its primary is up (the initial sync finished)."""
        def linked(n):
            info = read_bulk("127.0.0.1", n.port, "INFO", "replication")
            return "role:master" in info or "master_link_status:up" in info
        wait_for(lambda: all(linked(n) for n in self.nodes if n.pid()), timeout,
                 "every replica to finish its initial sync")

    def all_procs(self):
        """The configured nodes, plus any other node folder in the run dir (started with
        another count or first port), so stop/clean never leave a node running."""
        procs = list(self.nodes)
        known = {n.name for n in procs}
        try:
            names = sorted(os.listdir(self.dir))
        except OSError:
            names = []
        for name in names:
            if name.startswith("node-") and name not in known and name[5:].isdigit():
                port = int(name[5:])
                procs.append(Proc("node", name, port, port + 1000, self.dir))
        return procs

    def stop(self):
        procs = self.all_procs()
        for n in procs:
            n.kill(signal.SIGTERM)
        for n in procs:
            deadline = time.monotonic() + 10
            while n.pid() and time.monotonic() < deadline:
                time.sleep(0.05)
            n.kill(signal.SIGKILL)

    def clean(self):
        self.stop()
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)

    def nodes_lines(self, node):
        """CLUSTER NODES of one node as lists of fields."""
        return [line.split() for line in read_bulk("127.0.0.1", node.port, "CLUSTER",
                                                   "NODES").splitlines() if line.strip()]

    def primaries(self):
        """(port, [slot ranges]) of the primaries that serve slots, as some live node sees it."""
        for n in self.nodes:
            if not n.pid():
                continue
            try:
                lines = self.nodes_lines(n)
            except OSError:
                continue
            out = []
            for f in lines:
                if "master" in f[2].split(",") and "fail" not in f[2].split(",") and f[8:]:
                    out.append((int(f[1].split("@")[0].rsplit(":", 1)[1]), f[8:]))
            return sorted(out)
        return []

    def status_lines(self):
        out = []
        for n in self.nodes:
            pid = n.pid()
            role, slots, state = "-", "", "-"
            if pid:
                try:
                    state = cluster_info(n.port).get("cluster_state", "?")
                    for f in self.nodes_lines(n):
                        if "myself" in f[2].split(","):
                            role = "master" if "master" in f[2] else "slave of %s" % f[3][:8]
                            slots = " ".join(f[8:])
                            role = "%s %s" % (f[0][:8], role)
                except OSError:
                    role = "unreachable"
            out.append("%-11s port %-5d bus %-5d pid %-7s state %-4s %s %s"
                       % (n.name, n.port, n.port + 10000, pid or "-", state, role, slots))
        return out
