"""sable-sentinel's RESP front end against real processes: the replies Sentinel-aware clients
parse (field names and order as Redis Sentinel 7.0), admin subcommands, auth, events and the
config file that persists what the sentinel learned."""
import os
import re
import signal
import subprocess
import time

import pytest
import redis
import redis.sentinel

from conftest import (RespError, SentinelProcess, eventually, free_port, node_args, sable_ctl,
                      sentinel_binary)

NAME = "mymaster"

# Redis 7.0's field order (COMPAT.md), without the optional ones (failover-state, s-down-time,
# o-down-time, scripts).
MASTER_FIELDS = ["name", "ip", "port", "runid", "flags", "link-pending-commands",
                 "link-refcount", "last-ping-sent", "last-ok-ping-reply", "last-ping-reply",
                 "down-after-milliseconds", "info-refresh", "role-reported",
                 "role-reported-time", "config-epoch", "num-slaves", "num-other-sentinels",
                 "quorum", "failover-timeout", "parallel-syncs"]
REPLICA_FIELDS = ["name", "ip", "port", "runid", "flags", "link-pending-commands",
                  "link-refcount", "last-ping-sent", "last-ok-ping-reply", "last-ping-reply",
                  "down-after-milliseconds", "info-refresh", "role-reported",
                  "role-reported-time", "master-link-down-time", "master-link-status",
                  "master-host", "master-port", "slave-priority", "slave-repl-offset",
                  "replica-announced"]
OPTIONAL = {"failover-state", "s-down-time", "o-down-time", "notification-script",
            "client-reconfig-script"}


def pairs(flat):
    assert len(flat) % 2 == 0, flat
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def keys_without_optional(flat):
    return [k for k, _ in pairs(flat) if k not in OPTIONAL]


@pytest.fixture
def primary(make_server):
    return make_server(extra_args=node_args())


@pytest.fixture
def sentinel(make_sentinel, primary):
    return make_sentinel(monitors=[(NAME, "127.0.0.1", primary.port, 1)],
                         options=["sentinel down-after-milliseconds %s 2000" % NAME])


def test_ping_info_role(sentinel, primary):
    r = sentinel.client()
    assert r.ping() is True
    info = r.info("sentinel")
    assert info["sentinel_masters"] == 1
    assert info["sentinel_tilt"] == 0
    assert info["sentinel_tilt_since_seconds"] == -1
    assert info["sentinel_running_scripts"] == 0
    assert info["sentinel_scripts_queue_length"] == 0
    assert info["sentinel_simulate_failure_flags"] == 0
    m0 = info["master0"]
    assert m0["name"] == NAME
    assert m0["status"] == "ok"
    assert m0["address"] == "127.0.0.1:%d" % primary.port
    assert m0["sentinels"] == 1
    raw = sentinel.client(raw_replies=True).execute_command("INFO", "sentinel")
    assert "master0:name=%s,status=ok,address=127.0.0.1:%d,slaves=" % (NAME, primary.port) in raw
    server = r.info("server")
    assert server["redis_mode"] == "sentinel"
    assert server["tcp_port"] == sentinel.port
    assert len(server["run_id"]) == 40
    assert "uptime_in_seconds" in server
    assert "connected_clients" in r.info("clients")
    raw = sentinel.client(raw_replies=True)
    assert raw.execute_command("ROLE") == ["sentinel", [NAME]]
    assert raw.execute_command("ECHO", "hi") == "hi"


def test_masters_and_master_fields(sentinel, primary):
    r = sentinel.client(raw_replies=True)
    masters = r.execute_command("SENTINEL", "MASTERS")
    assert len(masters) == 1
    assert keys_without_optional(masters[0]) == MASTER_FIELDS
    m = dict(pairs(r.execute_command("SENTINEL", "MASTER", NAME)))
    assert keys_without_optional(r.execute_command("SENTINEL", "MASTER", NAME)) == MASTER_FIELDS
    assert m["name"] == NAME and m["ip"] == "127.0.0.1" and m["port"] == str(primary.port)
    assert "master" in m["flags"].split(",")
    assert m["quorum"] == "1"
    assert m["down-after-milliseconds"] == "2000"
    assert m["failover-timeout"] == "180000"
    assert m["parallel-syncs"] == "1"
    assert m["role-reported"] == "master"
    for k in ("last-ping-sent", "last-ok-ping-reply", "last-ping-reply", "info-refresh",
              "role-reported-time", "config-epoch", "num-slaves", "num-other-sentinels"):
        assert int(m[k]) >= 0, (k, m[k])
    # redis-py's own parser accepts it.
    parsed = sentinel.client().sentinel_master(NAME)
    assert parsed["is_master"] and parsed["port"] == primary.port


def test_get_master_addr_and_unknown_master(sentinel, primary):
    r = sentinel.client(raw_replies=True)
    assert r.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME) == [
        "127.0.0.1", str(primary.port)]
    assert r.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope") is None
    c = sentinel.conn()
    for sub in ("MASTER", "REPLICAS", "SLAVES", "SENTINELS", "REMOVE", "CKQUORUM",
                "FAILOVER"):
        assert c.call("SENTINEL", sub, "nope") == RespError(
            "ERR No such master with that name"), sub
    assert c.call("SENTINEL", "SET", "nope", "quorum", "1") == RespError(
        "ERR No such master with that name")
    assert c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope") is None


def test_errors_like_redis(sentinel):
    c = sentinel.conn()
    assert c.call("SENTINEL") == RespError(
        "ERR wrong number of arguments for 'sentinel' command")
    assert c.call("SENTINEL", "FOO") == RespError(
        "ERR unknown subcommand 'FOO'. Try SENTINEL HELP.")
    assert c.call("SENTINEL", "MASTERS", "x") == RespError(
        "ERR wrong number of arguments for 'sentinel|masters' command")
    assert c.call("SENTINEL", "MASTER") == RespError(
        "ERR wrong number of arguments for 'sentinel|master' command")
    assert c.call("GET", "foo") == RespError(
        "ERR unknown command 'GET', with args beginning with: 'foo' ")
    assert c.call("ROLE", "x") == RespError("ERR wrong number of arguments for 'role' command")
    assert c.call("PUBLISH", "a", "b") == RespError(
        "ERR Only HELLO messages are accepted by Sentinel instances.")
    assert c.call("CLIENT", "FOO") == RespError(
        "ERR unknown subcommand 'FOO'. Try CLIENT HELP.")
    assert c.call("SENTINEL", "MONITOR", "m2", "127.0.0.1", "6400", "0") == RespError(
        "ERR Quorum must be 1 or greater.")
    assert c.call("SENTINEL", "MONITOR", "m2", "127.0.0.1", "abc", "1") == RespError(
        "ERR Invalid port")
    assert c.call("SENTINEL", "MONITOR", "m2", "not an ip", "6400", "1") == RespError(
        "ERR Invalid IP address or hostname specified")
    assert c.call("SENTINEL", "MONITOR", NAME, "127.0.0.1", "6400", "1") == RespError(
        "ERR Duplicate master name.")
    assert c.call("SENTINEL", "SET", NAME, "foo", "bar") == RespError(
        "ERR Unknown option or number of arguments for SENTINEL SET 'foo'")
    assert c.call("SENTINEL", "SET", NAME, "quorum", "0") == RespError(
        "ERR Invalid argument '0' for SENTINEL SET 'quorum'")
    assert c.call("SENTINEL", "SET", NAME, "notification-script", "/bin/true") == RespError(
        "ERR Reconfiguration of scripts path is denied for security reasons. Check the "
        "deny-scripts-reconfig configuration directive in your Sentinel configuration")


def test_redis_py_discovers_master(sentinel, primary):
    s = redis.sentinel.Sentinel([("127.0.0.1", sentinel.port)], socket_timeout=5)
    assert s.discover_master(NAME) == ("127.0.0.1", primary.port)
    with pytest.raises(redis.sentinel.MasterNotFoundError):
        s.discover_master("nope")
    m = s.master_for(NAME, socket_timeout=5)
    m.set("k", "v")
    assert m.get("k") == b"v"


def test_replicas_of_live_primary(make_server, make_sentinel):
    primary = make_server(extra_args=node_args())
    replica = make_server(extra_args=node_args() + ["--replicaof", "127.0.0.1",
                                                     str(primary.port)])
    s = make_sentinel(monitors=[(NAME, "127.0.0.1", primary.port, 1)])
    r = s.client(raw_replies=True)

    def replica_listed():
        reps = r.execute_command("SENTINEL", "REPLICAS", NAME)
        return reps and dict(pairs(reps[0])).get("master-link-status") == "ok" and reps

    reps = eventually(replica_listed, timeout=20,
                      msg="replica never listed:\n" + s.output())
    assert keys_without_optional(reps[0]) == REPLICA_FIELDS
    rep = dict(pairs(reps[0]))
    assert rep["name"] == "127.0.0.1:%d" % replica.port
    assert rep["port"] == str(replica.port)
    assert "slave" in rep["flags"].split(",")
    assert rep["role-reported"] == "slave"
    assert rep["master-host"] == "127.0.0.1"
    assert rep["master-port"] == str(primary.port)
    assert int(rep["slave-repl-offset"]) >= 0
    assert r.execute_command("SENTINEL", "SLAVES", NAME)[0][:2] == ["name", rep["name"]]
    m = dict(pairs(r.execute_command("SENTINEL", "MASTER", NAME)))
    assert m["num-slaves"] == "1"
    assert len(m["runid"]) == 40
    info = s.client().info("sentinel")
    assert info["master0"]["slaves"] == 1
    rs = redis.sentinel.Sentinel([("127.0.0.1", s.port)], socket_timeout=5)
    assert rs.discover_slaves(NAME) == [("127.0.0.1", replica.port)]


def test_resp3_maps(sentinel, primary):
    c = sentinel.conn()
    hello = c.call("HELLO", "3")
    assert hello[b"mode"] == b"sentinel" and hello[b"proto"] == 3
    assert b"role" not in hello
    m = c.call("SENTINEL", "MASTER", NAME)
    assert isinstance(m, dict)
    assert list(m)[:3] == [b"name", b"ip", b"port"]
    assert m[b"port"] == str(primary.port).encode()
    masters = c.call("SENTINEL", "MASTERS")
    assert isinstance(masters, list) and isinstance(masters[0], dict)


def test_monitor_remove_set(sentinel, primary):
    r = sentinel.client(raw_replies=True)
    other = free_port()
    assert r.execute_command("SENTINEL", "MONITOR", "m2", "127.0.0.1", other, 2) == "OK"
    role = r.execute_command("ROLE")
    assert role[0] == "sentinel" and sorted(role[1]) == sorted([NAME, "m2"])
    assert r.execute_command("SENTINEL", "SET", "m2", "down-after-milliseconds", "5000",
                             "quorum", "3", "failover-timeout", "9000") == "OK"
    m = dict(pairs(r.execute_command("SENTINEL", "MASTER", "m2")))
    assert m["down-after-milliseconds"] == "5000"
    assert m["quorum"] == "3"
    assert m["failover-timeout"] == "9000"
    eventually(lambda: "sentinel monitor m2 127.0.0.1 %d 3" % other in sentinel.config_text(),
               timeout=5, msg=sentinel.config_text())
    assert "sentinel down-after-milliseconds m2 5000" in sentinel.config_text()
    assert r.execute_command("SENTINEL", "REMOVE", "m2") == "OK"
    assert r.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m2") is None
    eventually(lambda: "m2" not in sentinel.config_text(), timeout=5)
    assert r.execute_command("SENTINEL", "FLUSHCONFIG") == "OK"
    assert r.execute_command("SENTINEL", "RESET", "nomatch*") == 0
    myid = r.execute_command("SENTINEL", "MYID")
    assert len(myid) == 40 and "sentinel myid " + myid in sentinel.config_text()
    assert r.execute_command("SENTINEL", "PENDING-SCRIPTS") == []
    assert r.execute_command("SENTINEL", "INFO-CACHE", NAME) == [NAME, [[0, None]]]
    assert r.execute_command("SENTINEL", "CKQUORUM", NAME) == (
        "OK 1 usable Sentinels. Quorum and failover authorization can be reached")
    assert r.execute_command("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", primary.port,
                             0, "*") == [0, "*", 0]


def test_config_get_set(sentinel):
    r = sentinel.client(raw_replies=True)
    assert r.execute_command("SENTINEL", "CONFIG", "GET", "resolve-hostnames") == [
        "resolve-hostnames", "no"]
    assert r.execute_command("SENTINEL", "CONFIG", "GET", "announce-*") == [
        "announce-hostnames", "no", "announce-ip", "", "announce-port", "0"]
    assert r.execute_command("SENTINEL", "CONFIG", "SET", "announce-port", "5000") == "OK"
    assert r.execute_command("SENTINEL", "CONFIG", "GET", "announce-port") == [
        "announce-port", "5000"]
    eventually(lambda: "sentinel announce-port 5000" in sentinel.config_text(), timeout=5)
    c = sentinel.conn()
    assert c.call("SENTINEL", "CONFIG", "SET", "announce-port", "abc") == RespError(
        "ERR Invalid value 'abc' to SENTINEL CONFIG SET 'announce-port'")
    assert c.call("SENTINEL", "CONFIG", "SET", "foo", "bar") == RespError(
        "ERR Invalid argument 'foo' to SENTINEL CONFIG SET")
    assert c.call("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe") == RespError(
        "ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'resolve-hostnames'")
    assert c.call("SENTINEL", "CONFIG", "FOO", "x") == RespError(
        "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.")


def test_requirepass(make_sentinel, primary):
    s = make_sentinel(monitors=[(NAME, "127.0.0.1", primary.port, 1)],
                      options=["requirepass sekret"])
    c = s.conn()
    assert c.call("SENTINEL", "MASTERS") == RespError("NOAUTH Authentication required.")
    assert c.call("AUTH", "wrong") == RespError(
        "WRONGPASS invalid username-password pair or user is disabled.")
    assert c.call("AUTH", "sekret") == "OK"
    assert c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME) == [
        b"127.0.0.1", str(primary.port).encode()]
    c2 = s.conn()
    hello = c2.call("HELLO", "3", "AUTH", "default", "sekret")
    assert hello[b"proto"] == 3
    r = redis.Redis(host="127.0.0.1", port=s.port, password="sekret", socket_timeout=5)
    assert r.ping()
    r.close()


def test_subscribe_receives_monitor_event(sentinel):
    sub = sentinel.conn()
    assert sub.call("SUBSCRIBE", "+monitor") == [b"subscribe", b"+monitor", 1]
    assert sub.call("PSUBSCRIBE", "+mon*") == [b"psubscribe", b"+mon*", 2]
    assert sub.call("INFO") == RespError(
        "ERR Can't execute 'info': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
        "RESET are allowed in this context")
    other = free_port()
    admin = sentinel.client(raw_replies=True)
    assert admin.execute_command("SENTINEL", "MONITOR", "ev", "127.0.0.1", other, 1) == "OK"
    payload = "master ev 127.0.0.1 %d quorum 1" % other
    got = [sub.read(timeout=5), sub.read(timeout=5)]
    assert [b"message", b"+monitor", payload.encode()] in got
    assert [b"pmessage", b"+mon*", b"+monitor", payload.encode()] in got
    assert sub.call("UNSUBSCRIBE") == [b"unsubscribe", b"+monitor", 1]
    assert sub.call("PUNSUBSCRIBE") == [b"punsubscribe", b"+mon*", 0]
    assert sub.call("PING") == "PONG"
    # RESP3 subscribers get pushes.
    s3 = sentinel.conn()
    s3.call("HELLO", "3")
    push = s3.call("SUBSCRIBE", "+monitor")
    assert list(push) == [b"subscribe", b"+monitor", 1] and type(push).__name__ == "Push"


def test_client_commands(sentinel):
    c = sentinel.conn()
    cid = c.call("CLIENT", "ID")
    assert isinstance(cid, int)
    assert c.call("CLIENT", "SETNAME", "probe") == "OK"
    assert c.call("CLIENT", "GETNAME") == b"probe"
    assert c.call("CLIENT", "SETINFO", "LIB-NAME", "x") == "OK"
    lst = c.call("CLIENT", "LIST").decode()
    assert "id=%d " % cid in lst and "name=probe" in lst
    victim = sentinel.conn()
    vid = victim.call("CLIENT", "ID")
    assert c.call("CLIENT", "KILL", "ID", str(vid)) == 1
    with pytest.raises((ConnectionError, OSError)):
        victim.call("PING", timeout=2)
    assert c.call("CLIENT", "KILL", "1.2.3.4:5") == RespError("ERR No such client")
    assert c.call("COMMAND", "COUNT") > 10
    # redis-cli works against it.
    assert sentinel.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME).split()[0] == "127.0.0.1"


def test_restart_resumes_from_rewritten_config(make_sentinel, primary):
    s = make_sentinel(monitors=[(NAME, "127.0.0.1", primary.port, 1)],
                      options=["sentinel current-epoch 5",
                               "sentinel config-epoch %s 4" % NAME,
                               "sentinel leader-epoch %s 5" % NAME])
    r = s.client(raw_replies=True)
    myid = r.execute_command("SENTINEL", "MYID")
    assert r.execute_command("SENTINEL", "SET", NAME, "parallel-syncs", "2") == "OK"
    text = s.config_text()
    assert "sentinel myid %s" % myid in text
    assert "sentinel current-epoch 5" in text
    s.stop()
    text = s.config_text()
    assert "sentinel config-epoch %s 4" % NAME in text
    assert "sentinel leader-epoch %s 5" % NAME in text
    s.start()
    r = s.client(raw_replies=True)
    assert r.execute_command("SENTINEL", "MYID") == myid
    m = dict(pairs(r.execute_command("SENTINEL", "MASTER", NAME)))
    assert m["config-epoch"] == "4"
    assert m["parallel-syncs"] == "2"
    assert "sentinel current-epoch 5" in s.config_text()


def test_shutdown_and_sigterm(make_sentinel, primary):
    s = make_sentinel(monitors=[(NAME, "127.0.0.1", primary.port, 1)])
    t0 = time.monotonic()
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait_exit(timeout=5) == 0
    assert time.monotonic() - t0 < 1.5
    s.start()
    c = s.conn()
    c.send("SHUTDOWN")
    assert s.wait_exit(timeout=5) == 0


def test_needs_writable_config_file(tmp_path):
    r = subprocess.run([sentinel_binary()], capture_output=True, timeout=10)
    assert r.returncode != 0
    assert b"Sentinel needs config file on disk to save state. Exiting..." in r.stdout + r.stderr
    bad = tmp_path / "bad.conf"
    bad.write_text("port 1\nsentinel monitor m 127.0.0.1 6379 0\n")
    r = subprocess.run([sentinel_binary(), str(bad)], capture_output=True, timeout=10)
    assert r.returncode != 0
    out = (r.stdout + r.stderr).decode()
    assert "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***" in out
    assert ">>> 'sentinel monitor m 127.0.0.1 6379 0'" in out
    assert "Quorum must be 1 or greater." in out
    r = subprocess.run([sentinel_binary(), str(tmp_path / "missing.conf")], capture_output=True,
                       timeout=10)
    assert r.returncode != 0


def test_command_line_options(tmp_path, primary):
    conf = tmp_path / "s.conf"
    conf.write_text("sentinel monitor %s 127.0.0.1 %d 1\n" % (NAME, primary.port))
    port = free_port()
    s = SentinelProcess(port=port, start=False)
    try:
        s.config_file = str(conf)
        s.args = lambda: [sentinel_binary(), str(conf), "--sentinel", "--port", str(port),
                          "--bind", "127.0.0.1", "--control-port", str(s.control_port)]
        s.start()
        r = s.client(raw_replies=True)
        assert r.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME) == [
            "127.0.0.1", str(primary.port)]
        text = conf.read_text()
        assert "port %d" % port in text and "sentinel myid " in text
    finally:
        s.cleanup()


def test_control_port_serves_grpc_health(sentinel):
    # Container health checks probe a sentinel like a node: grpc.health.v1 on its control port.
    r = sable_ctl(sentinel.control_port, "health")
    assert r.returncode == 0 and r.stdout.strip() == "SERVING", (r.stdout, r.stderr)
    sentinel.stop()
    r = sable_ctl(sentinel.control_port, "health", timeout_ms=500)
    assert r.returncode != 0


def read_raw(sock, until, timeout=5.0):
    """Bytes from sock until `until(data)` holds (bounded)."""
    data = b""
    deadline = time.monotonic() + timeout
    while not until(data):
        left = deadline - time.monotonic()
        assert left > 0, "timed out; have %r" % data[:300]
        sock.settimeout(left)
        chunk = sock.recv(65536)
        assert chunk, "connection closed; have %r" % data[:300]
        data += chunk
    return data


def test_resp3_info_is_a_bulk_string_and_config_get_lists_7_0_params(sentinel):
    # Redis 7.0's sentinel answers INFO with a plain bulk string even in RESP3 (CLIENT INFO and
    # LIST are verbatim); CONFIG GET * lists the six 7.0 parameters (loglevel is 7.2).
    s = sentinel.raw()
    s.sendall(b"HELLO 3\r\nINFO sentinel\r\n")
    data = read_raw(s, lambda d: b"sentinel_masters:" in d and d.endswith(b"\r\n\r\n"))
    assert re.search(rb"\r\n\$\d+\r\n# Sentinel\r\n", data), data
    assert b"txt:# Sentinel" not in data
    c = sentinel.client(raw_replies=True)
    assert c.execute_command("SENTINEL", "CONFIG", "GET", "*")[0::2] == [
        "resolve-hostnames", "announce-hostnames", "announce-ip", "announce-port",
        "sentinel-user", "sentinel-pass"]
    assert c.execute_command("SENTINEL", "CONFIG", "GET", "loglevel") == ["loglevel", "notice"]


def test_unknown_subcommand_is_quoted_like_redis(sentinel):
    c = sentinel.conn()
    # Redis 7.0 accepts port 0 in MONITOR (only < 0 and > 65535 are "Invalid port number.").
    assert c.call("SENTINEL", "MONITOR", "m0", "127.0.0.1", "0", "1") == "OK"
    assert c.call("SENTINEL", "REMOVE", "m0") == "OK"
    assert c.call("SENTINEL", "x" * 300) == RespError(
        "ERR unknown subcommand '%s'. Try SENTINEL HELP." % ("x" * 128))
    assert c.call("SENTINEL", "a\r\nb") == RespError(
        "ERR unknown subcommand 'a  b'. Try SENTINEL HELP.")


def test_is_master_down_by_addr_refuses_garbage_votes(sentinel, primary):
    c = sentinel.conn()
    port = str(primary.port)
    # A negative epoch would turn into a huge unsigned one and wrap the epoch counter.
    assert c.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", port, "-1", "*") == \
        RespError("ERR value is not an integer or out of range")
    # An empty or malformed run id asks for no vote (voting for it would waste the epoch).
    for bad in ("", "not-a-run-id", "g" * 40):
        assert c.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", port, "7", bad) == \
            [0, b"*", 0]
    assert "sentinel leader-epoch %s 7" % NAME not in sentinel.config_text()
    runid = "0123456789abcdef0123456789abcdef01234567"
    assert c.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", port, "7", runid) == \
        [0, runid.encode(), 7]
    # One vote per epoch: a later candidate in the same epoch gets the first one's id.
    other = "f" * 40
    assert c.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", port, "7", other) == \
        [0, runid.encode(), 7]


SUBCOMMANDS = ["MASTERS", "MASTER", "REPLICAS", "SLAVES", "SENTINELS", "GET-MASTER-ADDR-BY-NAME",
               "IS-MASTER-DOWN-BY-ADDR", "RESET", "FAILOVER", "CKQUORUM", "FLUSHCONFIG",
               "MONITOR", "REMOVE", "SET", "MYID", "CONFIG", "INFO-CACHE", "PENDING-SCRIPTS",
               "SIMULATE-FAILURE", "HELP", "DEBUG"]


def test_survives_malformed_input_and_every_arity(sentinel, primary):
    # Protocol garbage, absurd lengths and every SENTINEL subcommand with 0..6 odd arguments:
    # the sentinel answers or closes that connection, and keeps serving and monitoring.
    garbage = [b"*-1\r\n", b"*99999999999999999999\r\n", b"*2147483648\r\n$4\r\nPING\r\n",
               b"*1\r\n$-5\r\n", b"*1\r\n$9999999999\r\n", b"*1\r\n$536870913\r\nxx",
               b"*1\r\n$4\r\nPIN", b"*1\r\n:4\r\n", b"\x00\x01\x02\xff\r\n", b"\"unbalanced\r\n",
               b"*1048577\r\n", b"*0\r\n", b"*1\r\n$0\r\n\r\n", b"A" * 70000 + b"\r\n",
               b"*2\r\n$8\r\nSENTINEL\r\n$" + b"9" * 30 + b"\r\n", b"HELLO 4\r\n",
               b"HELLO 3 AUTH\r\n", b"HELLO 3 SETNAME\r\n", b"CLIENT KILL ID abc\r\n",
               b"SUBSCRIBE\r\n", b"UNSUBSCRIBE x y z\r\n", b"COMMAND GETKEYS\r\n"]
    for g in garbage:
        s = sentinel.raw(timeout=2)
        try:
            s.sendall(g)
            s.settimeout(0.05)
            s.recv(65536)
        except OSError:
            pass
        s.close()
    # Arguments that would change what we monitor are left out (no "*" for RESET, no REMOVE
    # or FAILOVER of the real name).
    odd = ["", "-1", "99999999999999999999999", "x" * 5000, "0", "::1", "%s%n", "\x00", "nosuch"]
    c = sentinel.conn()
    for sub in SUBCOMMANDS:
        for n in range(7):
            args = [odd[(i * 7 + n + len(sub)) % len(odd)] for i in range(n)]
            reply = c.call("SENTINEL", sub, *args)
            assert reply is not None or sub in ("GET-MASTER-ADDR-BY-NAME",), (sub, args, reply)
    assert c.call("PING") == "PONG"
    r = sentinel.client()
    assert r.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME) == [
        "127.0.0.1", str(primary.port)]
    assert sentinel.alive()
