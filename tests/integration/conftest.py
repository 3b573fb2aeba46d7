"""Shared fixtures for Sable's integration tests.

Every test starts its own server process on a free loopback port. The binary
comes from $SABLE_SERVER (default ../../build/bin/sable-server relative to this
folder); set SABLE_SERVER=/usr/bin/redis-server to validate the tests against
real Redis.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SERVER = os.path.normpath(os.path.join(HERE, "..", "..", "build", "bin", "sable-server"))
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


DEFAULT_CTL = os.path.normpath(os.path.join(HERE, "..", "..", "build", "bin", "sable-ctl"))


def ctl_binary():
    return os.environ.get("SABLE_CTL") or DEFAULT_CTL


def sable_ctl(control_port, *args, secret=None, timeout_ms=2000, host="127.0.0.1"):
    """Run `sable-ctl -p control_port [-a secret] args...` (bounded); return the
    CompletedProcess with stdout/stderr decoded."""
    cmd = [ctl_binary(), "-h", host, "-p", str(control_port), "-t", str(timeout_ms)]
    if secret is not None:
        cmd += ["-a", secret]
    cmd += [str(a) for a in args]
    return subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=timeout_ms / 1000.0 + 10)


def server_binary():
    return os.environ.get("SABLE_SERVER") or DEFAULT_SERVER


def is_real_redis():
    return os.path.basename(server_binary()).startswith("redis-server")


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(pred, timeout=5.0, interval=0.02, msg=None):
    """Poll pred() until it returns a truthy value; return that value.

    Raises AssertionError after `timeout` seconds. Exceptions raised by pred
    count as "not yet" until the deadline, then propagate.
    """
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = pred()
            if v:
                return v
            last_exc = None
        except Exception as e:  # noqa: BLE001 - re-raised at the deadline
            last_exc = e
        if time.monotonic() >= deadline:
            if last_exc is not None:
                raise last_exc
            raise AssertionError(msg or "condition not met within %.1fs" % timeout)
        time.sleep(interval)


def recv_until(sock, pred, timeout=5.0):
    """Read from sock until pred(buffer) is true or the peer closes; return the buffer."""
    buf = b""
    deadline = time.monotonic() + timeout
    while not pred(buf):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("timed out waiting for reply; got %r" % buf[:500])
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        buf += chunk
    return buf


def recv_exact_reply_count(sock, n, timeout=10.0):
    """Read until n complete simple replies (lines ending in \\r\\n) have arrived."""
    return recv_until(sock, lambda b: b.count(b"\r\n") >= n, timeout)


def wait_closed(sock, timeout=5.0):
    """Return all bytes read until the peer closes the connection (bounded)."""
    buf = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("connection not closed by server; got %r" % buf[:500])
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return buf
        if not chunk:
            return buf
        buf += chunk


class ServerProcess:
    """One server process on a free loopback port with its own temp dir.

    `host` is the address the helpers connect to (default loopback); `wrap` is a command
    prefix for the process, e.g. ["ip", "netns", "exec", ns] to run it in a namespace.
    """

    def __init__(self, extra_args=(), config_file=None, port=None, start=True,
                 binary=None, host="127.0.0.1", wrap=()):
        self.host = host
        self.wrap = list(wrap)
        self.binary = binary or server_binary()
        self.extra_args = [str(a) for a in extra_args]
        self.config_file = config_file
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="sable-it-")
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")
        self._log = None
        self._clients = []
        if start:
            self.start()

    # -- lifecycle ---------------------------------------------------------
    def args(self):
        a = [self.binary]
        if self.config_file:
            a.append(self.config_file)
        a += ["--port", str(self.port), "--dir", self.dir,
              "--save", "", "--appendonly", "no",
              "--enable-debug-command", "yes"]
        a += self.extra_args
        return a

    def start(self, timeout=10.0, attempts=3):
        """Start the process and wait (bounded) until it answers PING.

        If the port was taken between choosing it and binding it (another
        test process may pick the same one), retry on a fresh port.
        """
        for attempt in range(attempts):
            try:
                return self._start_once(timeout)
            except RuntimeError as e:
                if "in use" not in str(e) or attempt == attempts - 1:
                    raise
                self.port = free_port()
                self._repick_control_port()

    def _repick_control_port(self):
        # The explicit control port may be the one taken; choose it afresh too.
        args = self.extra_args
        for i, a in enumerate(args[:-1]):
            if a == "--control-port":
                args[i + 1] = str(free_port())

    def _start_once(self, timeout):
        if self._log is not None:
            self._log.close()
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.wrap + self.args(), stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s during startup:\n%s"
                                   % (self.proc.returncode, self.output()))
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    data = recv_until(s, lambda b: b"\r\n" in b, timeout=1.0)
                    if data.startswith(b"+PONG") or data.startswith(b"-NOAUTH"):
                        return self
            except (OSError, AssertionError):
                pass
            if time.monotonic() >= deadline:
                self.stop()
                raise RuntimeError("server did not answer PING within %.0fs:\n%s"
                                   % (timeout, self.output()))
            time.sleep(0.05)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=10.0):
        """Wait (bounded) for the process to exit; return its exit code."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("server still running after %.0fs" % timeout)

    def stop(self, timeout=5.0):
        for c in self._clients:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass
        self._clients = []
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        if self._log is not None:
            self._log.close()
            self._log = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- clients -----------------------------------------------------------
    def client(self, decode_responses=True, raw_replies=False, **kw):
        """A redis.Redis on 127.0.0.1:port.

        raw_replies=True drops redis-py's per-command reply callbacks, so
        execute_command() returns exactly what the server sent ("OK" rather
        than True, "10.6" rather than 10.6, lists rather than dicts).
        """
        kw.setdefault("socket_timeout", 10)
        kw.setdefault("socket_connect_timeout", 5)
        c = redis.Redis(host=self.host, port=self.port,
                        decode_responses=decode_responses, **kw)
        if raw_replies:
            c.response_callbacks = {}
        self._clients.append(c)
        return c

    def cli(self, *args, timeout=30, check=True, input=None):
        """Run `redis-cli -p PORT args...` and return its stdout (str)."""
        cmd = [REDIS_CLI, "-h", self.host, "-p", str(self.port)] + [str(a) for a in args]
        r = subprocess.run(cmd, capture_output=True, timeout=timeout,
                           input=input, stdin=None if input is not None else subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise AssertionError("redis-cli %r failed (%d): %s %s"
                                 % (args, r.returncode, r.stdout, r.stderr))
        return r.stdout.decode("utf-8", "replace")

    def raw(self, timeout=10.0):
        """A connected TCP socket to the server."""
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._clients.append(s)
        return s

    def conn(self, timeout=10.0):
        """A RespConn (raw socket + reply parser) to the server."""
        return RespConn(self.raw(timeout))

    def __repr__(self):
        return "ServerProcess(%s :%d)" % (self.binary, self.port)


def raw_command(sock, *parts):
    """Encode parts as a RESP multibulk and send it."""
    out = [b"*%d\r\n" % len(parts)]
    for p in parts:
        if isinstance(p, str):
            p = p.encode()
        elif isinstance(p, int):
            p = str(p).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(p), p))
    sock.sendall(b"".join(out))


class RespError(Exception):
    """An error reply (-ERR ... / !...) read by RespConn."""

    def __eq__(self, other):
        return isinstance(other, RespError) and self.args == other.args

    def __hash__(self):
        return hash(self.args)


class Push(list):
    """A RESP3 push (>) frame."""


class RespConn:
    """A raw socket plus a small RESP2/RESP3 reply parser.

    Replies come back as Python values: simple strings as str, bulk strings
    as bytes, integers as int, null as None, arrays/sets as list, maps as
    dict (keys in order), pushes as Push, doubles as float, errors as
    RespError instances (returned, not raised).
    """

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, *parts):
        raw_command(self.sock, *parts)

    def call(self, *parts, timeout=5.0):
        self.send(*parts)
        return self.read(timeout)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out waiting for reply; have %r" % self.buf[:200])
        self.sock.settimeout(left)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed; have %r" % self.buf[:200])
        self.buf += chunk

    def _line(self, deadline):
        while b"\r\n" not in self.buf:
            self._fill(deadline)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n, deadline):
        while len(self.buf) < n + 2:
            self._fill(deadline)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self, timeout=5.0):
        return self._read(time.monotonic() + timeout)

    def has_pending(self, wait=0.0):
        """True if any reply bytes are buffered or arrive within `wait` s."""
        if self.buf:
            return True
        self.sock.settimeout(max(wait, 0.001))
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk
        return True

    def _read(self, deadline):
        line = self._line(deadline)
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._bytes(n, deadline)
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self._read(deadline) for _ in range(n)]
            return Push(items) if t == b">" else items
        if t == b"%":
            n = int(rest)
            out = {}
            for _ in range(n):
                k = self._read(deadline)
                out[k] = self._read(deadline)
            return out
        if t == b"_":
            return None
        if t == b",":
            return float(rest)
        if t == b"#":
            return rest == b"t"
        if t == b"(":
            return int(rest)
        if t in (b"=", b"!"):
            data = self._bytes(int(rest), deadline)
            return RespError(data.decode()) if t == b"!" else data
        raise AssertionError("unexpected reply line %r" % line)

    def close(self):
        self.sock.close()


@pytest.fixture
def server():
    s = ServerProcess()
    try:
        yield s
    finally:
        s.cleanup()


@pytest.fixture
def make_server():
    """Factory fixture: make_server(extra_args=[...], config_file=...)."""
    made = []

    def factory(*a, **kw):
        s = ServerProcess(*a, **kw)
        made.append(s)
        return s

    try:
        yield factory
    finally:
        for s in made:
            s.cleanup()


@pytest.fixture
def r(server):
    """A decoded redis-py client on the function-scoped server."""
    return server.client()


def wait_replica_synced(primary, replica, timeout=30.0):
    """The replica's link is up and it applied everything the primary sent (bounded)."""
    p = primary.client()
    r = replica.client()

    def synced():
        ri = r.info("replication")
        if ri.get("master_link_status") != "up":
            return False
        return ri["master_repl_offset"] == p.info("replication")["master_repl_offset"]

    eventually(synced, timeout=timeout, msg="replica did not catch up:\n" + primary.output())


# -- sentinel -----------------------------------------------------------------
DEFAULT_SENTINEL = os.path.normpath(os.path.join(HERE, "..", "..", "build", "bin",
                                                 "sable-sentinel"))


def sentinel_binary():
    return os.environ.get("SABLE_SENTINEL") or DEFAULT_SENTINEL


class SentinelProcess(ServerProcess):
    """One sable-sentinel on a free loopback port; its sentinel.conf lives in its temp dir.

    `monitors` is a list of (name, ip, port, quorum); `options` lines are appended to the
    config verbatim (e.g. "sentinel down-after-milliseconds mymaster 1000").
    """

    def __init__(self, monitors=(), options=(), port=None, control_port=None, start=True,
                 binary=None):
        self.monitors = list(monitors)
        self.options = list(options)
        self.control_port = control_port or free_port()
        super().__init__(port=port, start=False, binary=binary or sentinel_binary())
        self.config_file = os.path.join(self.dir, "sentinel.conf")
        self.write_config()
        if start:
            self.start()

    def write_config(self):
        lines = ["port %d" % self.port, "bind 127.0.0.1", "dir %s" % self.dir,
                 "control-port %d" % self.control_port]
        for name, ip, port, quorum in self.monitors:
            lines.append("sentinel monitor %s %s %d %d" % (name, ip, port, quorum))
        lines += self.options
        with open(self.config_file, "w") as f:
            f.write("\n".join(lines) + "\n")

    def args(self):
        return [self.binary, self.config_file]

    def config_text(self):
        with open(self.config_file) as f:
            return f.read()

    def __repr__(self):
        return "SentinelProcess(:%d control %d)" % (self.port, self.control_port)


def node_args(control_port=None):
    """Extra args giving a data node an explicit free control port (port+20000 may not fit)."""
    return ["--control-port", str(control_port or free_port())]


@pytest.fixture
def make_sentinel():
    """Factory fixture: make_sentinel(monitors=[(name, ip, port, quorum)], options=[...])."""
    made = []

    def factory(*a, **kw):
        s = SentinelProcess(*a, **kw)
        made.append(s)
        return s

    yield factory
    for s in made:
        s.cleanup()
