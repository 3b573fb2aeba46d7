"""Listening options: protected-mode seen from a non-loopback client (a client in
a private network namespace joined by a veth pair), bind, unixsocket and
unixsocketperm, timeout."""
import os
import socket
import stat
import subprocess
import time

import pytest
import redis

from conftest import eventually, recv_until, wait_closed

PY = "/usr/bin/python3"

# A client run inside the namespace: connects, sends PING, prints what came back.
NS_CLIENT = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(b"*1\r\n$4\r\nPING\r\n")
buf = b""
try:
    while not buf.endswith(b"\r\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
except socket.timeout:
    pass
sys.stdout.write(repr(buf))
"""


def run(*cmd):
    return subprocess.run(list(cmd), capture_output=True, timeout=30, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def netns():
    """A namespace whose only route is a veth link to us: its address is not loopback."""
    tag = "%d" % (os.getpid() % 100000)
    ns, host_if, ns_if = "sable%s" % tag, "sva%s" % tag, "svb%s" % tag
    octet = os.getpid() % 250 + 1
    host_ip, ns_ip = "10.213.%d.1" % octet, "10.213.%d.2" % octet
    steps = [
        ["ip", "netns", "add", ns],
        ["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if],
        ["ip", "link", "set", ns_if, "netns", ns],
        ["ip", "addr", "add", host_ip + "/30", "dev", host_if],
        ["ip", "link", "set", host_if, "up"],
        ["ip", "netns", "exec", ns, "ip", "addr", "add", ns_ip + "/30", "dev", ns_if],
        ["ip", "netns", "exec", ns, "ip", "link", "set", ns_if, "up"],
        ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"],
    ]
    try:
        for step in steps:
            p = run(*step)
            if p.returncode != 0:
                pytest.skip("cannot set up a network namespace here: %s: %s"
                            % (" ".join(step), p.stderr.decode(errors="replace").strip()))
        yield {"ns": ns, "host_ip": host_ip, "ns_ip": ns_ip}
    finally:
        run("ip", "link", "del", host_if)
        run("ip", "netns", "del", ns)


def ping_from_ns(netns, port):
    p = run("ip", "netns", "exec", netns["ns"], PY, "-c", NS_CLIENT, netns["host_ip"], str(port))
    if p.returncode != 0:
        return "error: " + p.stderr.decode(errors="replace").strip().splitlines()[-1]
    return eval(p.stdout.decode())  # the repr of the bytes received


DENIED_PREFIX = b"-DENIED Redis is running in protected mode"


def test_protected_mode_refuses_non_loopback_clients(make_server, netns):
    srv = make_server()
    got = ping_from_ns(netns, srv.port)
    assert got.startswith(DENIED_PREFIX), got
    assert got.endswith(b"\r\n")
    # loopback clients are served all along
    assert srv.client().ping() is True


def test_protected_mode_off_or_password_lets_them_in(make_server, netns):
    srv = make_server(extra_args=["--protected-mode", "no"])
    assert ping_from_ns(netns, srv.port) == b"+PONG\r\n"
    srv2 = make_server(extra_args=["--requirepass", "s3cret"])
    assert ping_from_ns(netns, srv2.port).startswith(b"-NOAUTH")
    # switching protected mode on at run time applies to new connections
    r = srv.client()
    assert r.config_set("protected-mode", "yes") is True
    assert ping_from_ns(netns, srv.port).startswith(DENIED_PREFIX)


def test_bind_limits_the_addresses(make_server, netns):
    srv = make_server(extra_args=["--bind", "127.0.0.1", "--protected-mode", "no"])
    assert srv.client().ping() is True
    got = ping_from_ns(netns, srv.port)
    assert got.startswith("error:") and "refused" in got.lower(), got
    # several addresses, one of them IPv6 loopback
    srv2 = make_server(extra_args=["--bind", "127.0.0.1", "::1", netns["host_ip"],
                                   "--protected-mode", "no"])
    assert ping_from_ns(netns, srv2.port) == b"+PONG\r\n"
    with socket.create_connection(("::1", srv2.port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        assert recv_until(s, lambda b: b.endswith(b"\r\n")) == b"+PONG\r\n"
    assert srv2.client().config_get("bind") == {"bind": "127.0.0.1 ::1 " + netns["host_ip"]}


def test_bad_bind_address_stops_startup(make_server):
    srv = make_server(extra_args=["--bind", "203.0.113.77"], start=False)
    with pytest.raises(RuntimeError) as e:
        srv.start(timeout=10, attempts=1)
    assert "exited" in str(e.value)


def test_unixsocket_and_perm(make_server, tmp_path):
    path = str(tmp_path / "sable.sock")
    srv = make_server(extra_args=["--unixsocket", path, "--unixsocketperm", "700"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    r = redis.Redis(unix_socket_path=path, decode_responses=True)
    assert r.set("via-unix", "yes") is True
    assert srv.client(decode_responses=True).get("via-unix") == "yes"
    mine = [l for l in r.execute_command("CLIENT", "LIST").splitlines()
            if "id=%d " % r.client_id() in l + " "]
    assert mine and ("addr=%s:0" % path) in mine[0]
    assert r.config_get("unixsocket") == {"unixsocket": path}
    assert r.config_get("unixsocketperm") == {"unixsocketperm": "700"}


def test_idle_timeout_closes_idle_clients_only(make_server):
    srv = make_server(extra_args=["--timeout", "1"])
    idle = srv.raw()
    busy = srv.raw()
    sub = srv.raw()
    sub.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")
    recv_until(sub, lambda b: b.count(b"\r\n") >= 6)
    started = time.monotonic()
    # keep `busy` active while waiting for `idle` to be closed
    closed = {}

    def idle_gone():
        busy.sendall(b"PING\r\n")
        assert recv_until(busy, lambda b: b.endswith(b"\r\n")) == b"+PONG\r\n"
        idle.setblocking(False)
        try:
            data = idle.recv(1)
        except BlockingIOError:
            return False
        closed["at"] = time.monotonic()
        return data == b""
    eventually(idle_gone, timeout=10, interval=0.2)
    assert closed["at"] - started >= 0.9
    # subscribers are not timed out
    sub.sendall(b"*1\r\n$4\r\nPING\r\n")
    assert recv_until(sub, lambda b: b.endswith(b"\r\n")).startswith(b"*2\r\n$4\r\npong")
    idle.close()
    busy.close()
    sub.close()


def test_logfile_and_loglevel(make_server, tmp_path):
    log = tmp_path / "sable.log"
    srv = make_server(extra_args=["--logfile", str(log), "--loglevel", "warning"])
    r = srv.client()
    assert r.config_get("loglevel") == {"loglevel": "warning"}
    assert r.execute_command("DEBUG", "LOG", "marker-one") in (b"OK", "OK")
    eventually(lambda: "marker-one" in log.read_text(), timeout=5)
    assert "Ready to accept connections" not in log.read_text()  # notice level is filtered
    assert r.config_set("loglevel", "notice") is True
    assert r.config_get("loglevel") == {"loglevel": "notice"}
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("loglevel", "chatty")
    assert "argument(s) must be one of the following: debug, verbose, notice, warning" in str(
        e.value)
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("logfile", "/tmp/other.log")
    assert "can't set immutable config" in str(e.value)
