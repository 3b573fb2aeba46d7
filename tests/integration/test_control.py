"""The control port of sable-server (gRPC Health + NodeAdmin), driven with build/bin/sable-ctl.

Every server is a real process; every wait is a bounded poll.
"""
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import (ServerProcess, ctl_binary, eventually, free_port, is_real_redis,
                      raw_command, sable_ctl, wait_replica_synced)

pytestmark = pytest.mark.skipif(is_real_redis(), reason="Sable's control plane")

# No 5 s wait for more replicas before a diskless transfer starts.
FAST = ["--repl-diskless-sync-delay", "0"]


def control_server(make_server, *extra, cport=None):
    """A server with an explicit control port (free now); returns (server, control port)."""
    cport = cport or free_port()
    s = make_server(extra_args=["--control-port", cport] + list(extra))
    return s, cport


def health(cport, *args, **kw):
    return sable_ctl(cport, "health", *args, **kw)


def state(cport, **kw):
    r = sable_ctl(cport, "state", **kw)
    assert r.returncode == 0, r.stderr
    out = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition(":")
        out[k] = v
    return out


def test_health_serving_and_config(make_server):
    s, cport = control_server(make_server)
    r = health(cport)
    assert (r.returncode, r.stdout.strip()) == (0, "SERVING")
    r = health(cport, "sable")
    assert (r.returncode, r.stdout.strip()) == (0, "SERVING")
    r = health(cport, "nope")
    assert r.returncode == 1 and "NOT_FOUND" in r.stderr
    c = s.client()
    assert c.config_get("control-port") == {"control-port": str(cport)}
    assert c.config_get("control-bind") == {"control-bind": "127.0.0.1"}
    assert c.info("server")["control_port"] == cport


def test_default_control_port_is_port_plus_20000(make_server):
    # A RESP port whose +20000 neighbour is free too.
    def pick():
        c = free_port()
        p = c - 20000
        if p < 1024:
            return None
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", p))
            except OSError:
                return None
        return p
    port = eventually(pick, timeout=10, interval=0)
    s = make_server(port=port)
    # ServerProcess moves to another port if this one was taken meanwhile.
    expected = s.port + 20000 if s.port + 20000 <= 65535 else 0
    assert s.client().config_get("control-port") == {"control-port": str(expected)}
    if expected:
        assert health(expected).stdout.strip() == "SERVING"


def test_control_port_zero_disables_it(make_server):
    cport = free_port()
    s = make_server(extra_args=["--control-port", 0])
    assert s.client().info("server")["control_port"] == 0
    assert s.client().config_get("control-port") == {"control-port": "0"}
    r = health(cport, timeout_ms=500)
    assert r.returncode == 1
    assert "UNAVAILABLE" in r.stderr or "DEADLINE_EXCEEDED" in r.stderr


def test_not_serving_while_loop_stalled(make_server):
    s, cport = control_server(make_server)
    sock = s.raw()
    raw_command(sock, "DEBUG", "SLEEP", "3")
    t0 = time.monotonic()
    # The first check may race the DEBUG SLEEP reaching the loop: poll until it is seen.
    def stalled():
        r = health(cport)
        return r if r.stdout.strip() == "NOT_SERVING" else None
    r = stalled() or eventually(stalled, timeout=5, interval=0)
    assert r.returncode == 1
    # Answered by the 1 s stall rule, well before the sleep ends.
    assert time.monotonic() - t0 < 2.9
    eventually(lambda: health(cport).stdout.strip() == "SERVING", timeout=10)
    assert sock.recv(100).startswith(b"+OK")


def test_watch_reports_a_stall_and_the_recovery(make_server):
    s, cport = control_server(make_server)
    watch = subprocess.Popen([ctl_binary(), "-p", str(cport), "-t", "20000", "watch", "", "3"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert watch.stdout.readline().strip() == "SERVING"
        sock = s.raw()
        raw_command(sock, "DEBUG", "SLEEP", "2")
        out, err = watch.communicate(timeout=15)
        assert out.split() == ["NOT_SERVING", "SERVING"], err
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait(timeout=5)


def test_replica_not_serving_when_primary_dies_and_watch_streams(make_server):
    p = make_server(extra_args=FAST)
    r, cport = control_server(make_server, "--replicaof", "127.0.0.1", p.port, *FAST)
    wait_replica_synced(p, r)
    eventually(lambda: health(cport).stdout.strip() == "SERVING", timeout=10)
    watch = subprocess.Popen([ctl_binary(), "-p", str(cport), "-t", "20000", "watch", "", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert watch.stdout.readline().strip() == "SERVING"
        p.proc.send_signal(signal.SIGKILL)
        p.wait_exit()
        out, err = watch.communicate(timeout=10)
        assert out.strip() == "NOT_SERVING", err
        assert watch.returncode == 0
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait(timeout=5)
    res = health(cport)
    assert (res.returncode, res.stdout.strip()) == (1, "NOT_SERVING")
    st = state(cport)
    assert st["role"] == "slave" and st["master_link_up"] == "0"
    assert int(st["master_link_down_ms"]) >= 0


def test_watch_unknown_service_and_shutdown_ends_stream_quickly(make_server):
    s, cport = control_server(make_server)
    unknown = subprocess.Popen([ctl_binary(), "-p", str(cport), "-t", "20000", "watch", "x", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, _ = unknown.communicate(timeout=10)
    assert out.strip() == "SERVICE_UNKNOWN"
    watch = subprocess.Popen([ctl_binary(), "-p", str(cport), "-t", "20000", "watch"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert watch.stdout.readline().strip() == "SERVING"
        t0 = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        assert s.wait_exit(timeout=5) == 0
        assert time.monotonic() - t0 < 2.0
        watch.communicate(timeout=5)
        assert watch.returncode == 1  # the stream ended without a deadline
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait(timeout=5)


def test_node_admin_requires_secret(make_server):
    s, cport = control_server(make_server, "--control-auth", "s3cret")
    r = sable_ctl(cport, "state")
    assert r.returncode == 1 and "UNAUTHENTICATED" in r.stderr
    r = sable_ctl(cport, "state", secret="wrong")
    assert r.returncode == 1 and "UNAUTHENTICATED" in r.stderr
    assert state(cport, secret="s3cret")["role"] == "master"
    assert state(cport, secret="Bearer s3cret")["role"] == "master"
    # Health stays open.
    assert health(cport).stdout.strip() == "SERVING"
    eventually(lambda: "unauthenticated NodeAdmin call from" in s.output(), timeout=5)
    # Rotating the secret takes effect at once; an empty one is fine on loopback.
    s.client().config_set("control-auth", "n3w")
    assert sable_ctl(cport, "state", secret="s3cret").returncode == 1
    assert state(cport, secret="n3w")["role"] == "master"


def test_get_state_primary_with_one_replica(make_server):
    p, pport = control_server(make_server, *FAST)
    r, rport = control_server(make_server, "--replicaof", "127.0.0.1", p.port, *FAST)
    p.client().set("k", "v")
    wait_replica_synced(p, r)
    ps = state(pport)
    rs = state(rport)
    pi = p.client().info("replication")
    assert ps["role"] == "master"
    assert ps["replid"] == pi["master_replid"]
    assert int(ps["repl_offset"]) == pi["master_repl_offset"] > 0
    assert ps["connected_replicas"] == "1"
    assert ps["port"] == str(p.port) and ps["control_port"] == str(pport)
    line = ps["replica0"]
    assert "ip=127.0.0.1" in line and "port=%d" % r.port in line and "state=online" in line
    assert rs["role"] == "slave"
    assert rs["master_host"] == "127.0.0.1" and rs["master_port"] == str(p.port)
    assert rs["master_link_up"] == "1" and rs["master_link_down_ms"] == "0"
    assert rs["replid"] == ps["replid"]
    assert int(rs["repl_offset"]) == int(ps["repl_offset"])
    assert rs["replica_priority"] == "100"


def test_promote_keeps_old_replid_as_replid2(make_server):
    p = make_server(extra_args=FAST)
    r, rport = control_server(make_server, "--replicaof", "127.0.0.1", p.port, *FAST,
                              "--replica-priority", "7")
    wait_replica_synced(p, r)
    old = p.client().info("replication")["master_replid"]
    res = sable_ctl(rport, "promote")
    assert res.returncode == 0, res.stderr
    assert "role:master" in res.stdout
    assert "replid2:%s" % old in res.stdout
    st = state(rport)
    assert st["replid2"] == old and st["replid"] != old
    assert st["replica_priority"] == "7"
    assert r.client().info("replication")["role"] == "master"


def test_replicaof_and_client_kill(make_server):
    a = make_server(extra_args=FAST)
    b, bport = control_server(make_server, *FAST)
    a.client().set("from", "a")
    res = sable_ctl(bport, "replicaof", "127.0.0.1", a.port)
    assert res.returncode == 0, res.stderr
    assert "role:slave" in res.stdout and "master_port:%d" % a.port in res.stdout
    wait_replica_synced(a, b)
    assert b.client().get("from") == "a"
    assert health(bport).stdout.strip() == "SERVING"
    # CLIENT KILL TYPE master drops the link (it reconnects from cron).
    res = sable_ctl(bport, "client-kill", "master")
    assert (res.returncode, res.stdout.strip()) == (0, "killed:1"), res.stderr
    wait_replica_synced(a, b)
    # Normal clients: the two open ones go.
    c1, c2 = b.client(), b.client()
    c1.ping()
    c2.ping()
    res = sable_ctl(bport, "client-kill", "normal")
    assert res.returncode == 0 and int(res.stdout.split(":")[1]) >= 2
    res = sable_ctl(bport, "client-kill", "bogus")
    assert res.returncode == 1 and "INVALID_ARGUMENT" in res.stderr
    res = sable_ctl(bport, "replicaof", "no", "one")
    assert res.returncode == 0 and "role:master" in res.stdout


def test_config_set_and_rewrite(make_server, tmp_path):
    s, cport = control_server(make_server)
    res = sable_ctl(cport, "config-set", "maxmemory", "10mb")
    assert res.returncode == 0, res.stderr
    assert s.client().config_get("maxmemory") == {"maxmemory": str(10 * 1024 * 1024)}
    res = sable_ctl(cport, "config-set", "maxmemory", "lots")
    assert res.returncode == 1 and "INVALID_ARGUMENT" in res.stderr
    res = sable_ctl(cport, "config-rewrite")
    assert res.returncode == 1 and "FAILED_PRECONDITION" in res.stderr
    assert "without a config file" in res.stderr

    conf = tmp_path / "sable.conf"
    conf.write_text("maxmemory 1mb\n")
    cport2 = free_port()
    make_server(config_file=str(conf), extra_args=["--control-port", cport2])
    assert sable_ctl(cport2, "config-set", "maxmemory", "2mb").returncode == 0
    res = sable_ctl(cport2, "config-rewrite")
    assert res.returncode == 0, res.stderr
    assert "maxmemory 2mb" in conf.read_text()


def test_refuses_non_loopback_control_bind_without_auth(make_server):
    s = ServerProcess(extra_args=["--control-port", free_port(), "--control-bind", "0.0.0.0"],
                      start=False)
    try:
        with pytest.raises(RuntimeError) as e:
            s.start(attempts=1)
        assert "exited with 1" in str(e.value)
        assert "control-bind '0.0.0.0' is not a loopback address" in str(e.value)
    finally:
        s.cleanup()
    # With a secret it starts, and the secret can't be dropped while exposed.
    s, cport = control_server(make_server, "--control-bind", "0.0.0.0", "--control-auth", "x")
    assert health(cport).stdout.strip() == "SERVING"
    assert state(cport, secret="x")["role"] == "master"
    with pytest.raises(Exception) as e:
        s.client().config_set("control-auth", "")
    assert "non-loopback" in str(e.value)


def make_certs(d):
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True,
                       timeout=60)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "1", "-subj", "/CN=sable-test-ca")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "client"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
            name + ".csr", "-subj", "/CN=" + name)
        run("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "1", "-extfile", "san.ext")
    return {n: str(d / n) for n in ("ca.crt", "server.crt", "server.key", "client.crt",
                                    "client.key")}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_mtls_authorizes_node_admin_without_secret(make_server, tmp_path):
    c = make_certs(tmp_path)
    # mTLS counts as securing the port, so a non-loopback bind is allowed without a secret.
    s, cport = control_server(make_server, "--control-bind", "0.0.0.0",
                              "--control-tls-cert-file", c["server.crt"],
                              "--control-tls-key-file", c["server.key"],
                              "--control-tls-ca-cert-file", c["ca.crt"])
    tls = ["--tls-ca", c["ca.crt"], "--tls-cert", c["client.crt"], "--tls-key", c["client.key"]]
    r = sable_ctl(cport, *tls, "state")
    assert r.returncode == 0, r.stderr
    assert "role:master" in r.stdout
    assert sable_ctl(cport, *tls, "health").stdout.strip() == "SERVING"
    # No client certificate, or no TLS at all: the handshake fails.
    assert sable_ctl(cport, "--tls-ca", c["ca.crt"], "state", timeout_ms=1000).returncode == 1
    assert sable_ctl(cport, "health", timeout_ms=1000).returncode == 1
