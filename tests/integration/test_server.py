"""Connection and server commands, INFO/CONFIG/COMMAND, config files, and
compatibility with Debian's redis-cli and redis-benchmark."""
import re
import subprocess
import time

import pytest
import redis

from conftest import (REDIS_BENCHMARK, RespError, free_port, recv_until, server_binary,
                      wait_closed)


@pytest.fixture
def r(server):
    return server.client(raw_replies=True)


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def info_dict(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


# ---------------------------------------------------------------- connection

def test_ping_echo(server):
    c = server.conn()
    assert c.call("PING") == "PONG"
    assert c.call("PING", "hello world") == b"hello world"
    assert c.call("ECHO", "x\r\ny") == b"x\r\ny"
    assert c.call("ECHO") == RespError("ERR wrong number of arguments for 'echo' command")
    assert c.call("PING", "a", "b") == RespError("ERR wrong number of arguments for 'ping' command")


def test_time(r):
    t = r.execute_command("TIME")
    assert isinstance(t, list) and len(t) == 2
    secs, usecs = int(t[0]), int(t[1])
    assert abs(secs - time.time()) < 5
    assert 0 <= usecs < 1000000


def test_quit_closes_connection(server):
    c = server.raw()
    c.sendall(b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n")
    assert wait_closed(c) == b"+OK\r\n"
    assert server.client().ping() is True


def test_reset(server):
    c = server.conn()
    assert c.call("SELECT", 3) == "OK"
    assert c.call("CLIENT", "SETNAME", "named") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("RESET") == "RESET"
    assert c.call("CLIENT", "GETNAME") is None
    assert c.call("SET", "k", "v") == "OK"  # not queued: MULTI is gone
    assert server.client(raw_replies=True, db=0).get("k") == "v"  # back in db 0
    c.call("HELLO", "3")
    assert c.call("GET", "nope") is None
    c.send("RESET")
    assert c.read() == "RESET"
    assert c.buf == b""
    c.send("GET", "nope")
    assert recv_until(c.sock, lambda b: b.endswith(b"\r\n")) == b"$-1\r\n"  # RESP2 again


# ---------------------------------------------------------------- AUTH

def test_auth_without_password(r):
    assert err(r, "AUTH", "x") == (
        "AUTH <password> called without any password configured for the default "
        "user. Are you sure your configuration is correct?")
    # the default user is "nopass": any password authenticates it
    assert r.execute_command("AUTH", "default", "x") == "OK"
    assert err(r, "AUTH", "nosuchuser", "x") == (
        "WRONGPASS invalid username-password pair or user is disabled.")


def test_requirepass(make_server):
    srv = make_server(extra_args=["--requirepass", "s3cret"])
    c = srv.conn()
    assert c.call("GET", "k") == RespError("NOAUTH Authentication required.")
    assert c.call("SET", "k", "v") == RespError("NOAUTH Authentication required.")
    assert c.call("AUTH", "wrong") == RespError(
        "WRONGPASS invalid username-password pair or user is disabled.")
    assert c.call("AUTH", "default", "wrong") == RespError(
        "WRONGPASS invalid username-password pair or user is disabled.")
    assert c.call("AUTH", "s3cret") == "OK"
    assert c.call("SET", "k", "v") == "OK"
    c2 = srv.conn()
    assert c2.call("AUTH", "default", "s3cret") == "OK"
    assert c2.call("GET", "k") == b"v"
    # HELLO with AUTH
    c3 = srv.conn()
    hello = c3.call("HELLO", "3", "AUTH", "default", "s3cret")
    assert hello[b"proto"] == 3
    c4 = srv.conn()
    assert c4.call("HELLO", "3") == RespError(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise "
        "the HELLO AUTH <user> <pass> option can be used to authenticate the "
        "client and select the RESP protocol version at the same time")
    # redis-py with a password works
    cl = srv.client(password="s3cret")
    assert cl.get("k") == "v"
    assert srv.cli("-a", "s3cret", "--no-auth-warning", "get", "k").strip() == "v"


def test_requirepass_set_at_runtime(server):
    admin = server.client(raw_replies=True, single_connection_client=True)
    assert admin.execute_command("CONFIG", "SET", "requirepass", "pw") == "OK"
    c = server.conn()
    assert c.call("PING") == RespError("NOAUTH Authentication required.")
    assert c.call("AUTH", "pw") == "OK"
    assert c.call("PING") == "PONG"
    # the connection that set the password stays authenticated
    assert admin.execute_command("PING") == "PONG"
    admin.execute_command("CONFIG", "SET", "requirepass", "")


# ---------------------------------------------------------------- CLIENT

def test_client_id_setname_getname(server):
    c = server.conn()
    cid = c.call("CLIENT", "ID")
    assert isinstance(cid, int) and cid > 0
    c2 = server.conn()
    assert c2.call("CLIENT", "ID") > cid
    assert c.call("CLIENT", "GETNAME") is None
    assert c.call("CLIENT", "SETNAME", "worker-1") == "OK"
    assert c.call("CLIENT", "GETNAME") == b"worker-1"
    assert c.call("CLIENT", "SETNAME", "a b") == RespError(
        "ERR Client names cannot contain spaces, newlines or special characters.")
    assert c.call("CLIENT", "SETNAME", "") == "OK"
    assert c.call("CLIENT", "GETNAME") is None
    assert c.call("CLIENT", "FOO") == RespError(
        "ERR unknown subcommand 'FOO'. Try CLIENT HELP.")


def test_client_list_and_info(server):
    c = server.conn()
    c.call("CLIENT", "SETNAME", "lister")
    cid = c.call("CLIENT", "ID")
    c.call("SELECT", 2)
    other = server.conn()
    other.call("PING")
    listing = c.call("CLIENT", "LIST").decode()
    lines = listing.strip().split("\n")
    assert len(lines) == 2
    mine = [l for l in lines if "id=%d " % cid in l]
    assert len(mine) == 1
    fields = dict(kv.split("=", 1) for kv in mine[0].split(" "))
    for key in ("id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db",
                "sub", "psub", "multi", "qbuf", "obl", "oll", "omem", "tot-mem",
                "events", "cmd", "user", "resp"):
        assert key in fields, key
    assert fields["name"] == "lister"
    assert fields["db"] == "2"
    assert fields["cmd"] == "client|list"
    assert fields["addr"].startswith("127.0.0.1:")
    assert fields["laddr"] == "127.0.0.1:%d" % server.port
    assert fields["flags"] == "N"
    assert fields["user"] == "default"
    assert fields["resp"] == "2"
    info = c.call("CLIENT", "INFO").decode()
    assert info.endswith("\n")
    ifields = dict(kv.split("=", 1) for kv in info.strip().split(" "))
    assert ifields["id"] == str(cid)
    assert ifields["cmd"] == "client|info"
    assert ifields["name"] == "lister"
    # LIST ID filter
    one = c.call("CLIENT", "LIST", "ID", cid).decode().strip().split("\n")
    assert len(one) == 1 and one[0].startswith("id=%d " % cid)


def test_client_kill(server):
    admin = server.conn()
    victim = server.conn()
    vid = victim.call("CLIENT", "ID")
    vinfo = dict(kv.split("=", 1) for kv in victim.call("CLIENT", "INFO").decode().split())
    assert admin.call("CLIENT", "KILL", "ID", vid) == 1
    wait_closed(victim.sock)
    assert admin.call("CLIENT", "KILL", "ID", vid) == 0
    assert admin.call("CLIENT", "KILL", "1.2.3.4:5") == RespError("ERR No such client")
    # old form: by address
    victim2 = server.conn()
    v2 = dict(kv.split("=", 1) for kv in victim2.call("CLIENT", "INFO").decode().split())
    assert admin.call("CLIENT", "KILL", v2["addr"]) == "OK"
    wait_closed(victim2.sock)
    # new form: ADDR and SKIPME
    victim3 = server.conn()
    v3 = dict(kv.split("=", 1) for kv in victim3.call("CLIENT", "INFO").decode().split())
    assert admin.call("CLIENT", "KILL", "ADDR", v3["addr"]) == 1
    wait_closed(victim3.sock)
    assert admin.call("CLIENT", "KILL", "ID", admin.call("CLIENT", "ID"), "SKIPME", "NO") == 1
    wait_closed(admin.sock)
    assert vinfo["id"] == str(vid)


def test_client_reply(server):
    c = server.conn()
    c.send("CLIENT", "REPLY", "OFF")
    c.send("SET", "a", "1")
    c.send("CLIENT", "REPLY", "ON")
    assert c.read() == "OK"  # only REPLY ON answers
    c.send("CLIENT", "REPLY", "SKIP")
    c.send("SET", "b", "2")
    c.send("GET", "b")
    assert c.read() == b"2"
    assert c.call("GET", "a") == b"1"
    assert c.call("CLIENT", "REPLY", "FOO") == RespError("ERR syntax error")


def test_client_no_evict(server):
    c = server.conn()
    assert c.call("CLIENT", "NO-EVICT", "ON") == "OK"
    assert "e" in dict(kv.split("=", 1) for kv in
                       c.call("CLIENT", "INFO").decode().split())["flags"]
    assert c.call("CLIENT", "NO-EVICT", "OFF") == "OK"
    assert c.call("CLIENT", "NO-EVICT", "FOO") == RespError("ERR syntax error")


def test_client_setinfo(server):
    """CLIENT SETINFO exists from Redis 7.2; 7.0 answers unknown subcommand.

    Either behaviour is accepted, but it must be exactly one of them.
    """
    c = server.conn()
    reply = c.call("CLIENT", "SETINFO", "lib-name", "redis-py")
    if isinstance(reply, RespError):
        assert reply == RespError("ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.")
    else:
        assert reply == "OK"
        assert c.call("CLIENT", "SETINFO", "lib-ver", "4.3.4") == "OK"
        info = c.call("CLIENT", "INFO").decode()
        assert "lib-name=redis-py" in info
        assert "lib-ver=4.3.4" in info
    assert c.call("PING") == "PONG"


def test_client_reply_skip_chains(server):
    c = server.conn()
    c.send("CLIENT", "REPLY", "SKIP")
    c.send("CLIENT", "REPLY", "SKIP")  # skipped itself, but arms the next skip
    c.send("PING", "a")
    c.send("PING", "b")
    assert c.read() == b"b"
    c.send("CLIENT", "REPLY", "OFF")
    c.send("RESET")  # RESET turns replies back on and answers
    assert c.read() == "RESET"
    c.send("CLIENT", "REPLY", "OFF")
    c.send("NOSUCHCOMMAND")  # rejections are silenced too
    c.send("CLIENT", "REPLY", "ON")
    assert c.read() == "OK"
    assert not c.has_pending(wait=0.1)


def test_client_pause(server):
    admin = server.conn()
    writer = server.conn()
    reader = server.conn()
    assert admin.call("CLIENT", "PAUSE", 100000, "WRITE") == "OK"
    assert reader.call("GET", "k") is None  # reads go on
    writer.send("SET", "k", "v")
    writer.send("PING")  # pipelined behind the held write
    assert not writer.has_pending(wait=0.2)
    listing = admin.call("CLIENT", "LIST").decode()
    held = [l for l in listing.splitlines() if " cmd=set " in l]
    assert len(held) == 1 and " flags=b " in held[0]
    assert admin.call("CLIENT", "UNPAUSE") == "OK"
    assert writer.read() == "OK"
    assert writer.read() == "PONG"
    assert reader.call("GET", "k") == b"v"
    # ALL holds every command, reads included, until the deadline.
    assert admin.call("CLIENT", "PAUSE", 300) == "OK"
    start = time.monotonic()
    assert reader.call("GET", "k") == b"v"
    assert time.monotonic() - start >= 0.2
    assert admin.call("CLIENT", "PAUSE", "-1") == RespError("ERR timeout is negative")
    assert admin.call("CLIENT", "PAUSE", 10, "SOME") == RespError(
        "ERR CLIENT PAUSE mode must be WRITE or ALL")


# ---------------------------------------------------------------- INFO

def test_info_sections_and_fields(server):
    r = server.client(raw_replies=True)
    other = server.conn()
    other.call("PING")
    r.set("a", 1)
    r.set("b", 2, ex=100)
    server.client(raw_replies=True, db=5).set("c", 3)
    text = r.execute_command("INFO")
    for section in ("# Server", "# Clients", "# Memory", "# Persistence", "# Stats",
                    "# Replication", "# CPU", "# Keyspace"):
        assert section in text, section
    assert "\r\n" in text
    info = info_dict(text)
    assert re.fullmatch(r"\d+\.\d+\.\d+", info["redis_version"])
    assert info["redis_mode"] == "standalone"
    assert info["tcp_port"] == str(server.port)
    assert int(info["process_id"]) == server.proc.pid
    assert int(info["connected_clients"]) == 3  # r, other, the db5 client
    assert int(info["used_memory"]) > 0
    assert int(info["used_memory_rss"]) > 0
    assert "used_memory_human" in info
    assert info["role"] == "master"
    assert info["db0"].startswith("keys=2,expires=1,avg_ttl=")
    assert info["db5"] == "keys=1,expires=0,avg_ttl=0"
    assert "db1" not in info
    assert int(info["total_commands_processed"]) > 0
    assert int(info["total_connections_received"]) >= 2


def test_info_single_and_multiple_sections(r):
    server_only = r.execute_command("INFO", "server")
    assert server_only.startswith("# Server\r\n")
    assert "# Clients" not in server_only
    both = r.execute_command("INFO", "server", "clients")
    assert "# Server" in both and "# Clients" in both and "# Memory" not in both
    assert r.execute_command("INFO", "nosuchsection") == ""
    assert "# Commandstats" not in r.execute_command("INFO")
    assert "# Commandstats" in r.execute_command("INFO", "all")
    assert "# Commandstats" in r.execute_command("INFO", "everything")


def test_info_commandstats(r):
    r.execute_command("CONFIG", "RESETSTAT")
    r.set("a", 1)
    r.set("b", 2)
    r.get("a")
    with pytest.raises(redis.ResponseError):
        r.execute_command("GET")
    stats = r.execute_command("INFO", "commandstats")
    assert stats.startswith("# Commandstats\r\n")
    lines = {l.split(":", 1)[0]: l.split(":", 1)[1] for l in stats.splitlines()[1:] if l}
    assert re.fullmatch(r"calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0",
                        lines["cmdstat_set"])
    assert re.fullmatch(r"calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0",
                        lines["cmdstat_get"])
    assert "cmdstat_config|resetstat" in lines


def test_info_stats_counters(r):
    r.execute_command("CONFIG", "RESETSTAT")
    r.set("k", "v")
    r.get("k")
    r.get("nope")
    stats = info_dict(r.execute_command("INFO", "stats"))
    assert stats["keyspace_hits"] == "1"
    assert stats["keyspace_misses"] == "1"


# ---------------------------------------------------------------- CONFIG

def test_config_get_globs(r):
    reply = r.execute_command("CONFIG", "GET", "maxmemory*")
    d = dict(zip(reply[0::2], reply[1::2]))
    assert d["maxmemory"] == "0"
    assert d["maxmemory-policy"] == "noeviction"
    assert "maxmemory-samples" in d
    assert all(k.startswith("maxmemory") for k in d)
    assert r.execute_command("CONFIG", "GET", "nosuchparam") == []
    # several patterns in one call (7.0)
    reply = r.execute_command("CONFIG", "GET", "port", "databases")
    assert dict(zip(reply[0::2], reply[1::2])) == {
        "port": str(r.connection_pool.connection_kwargs["port"]), "databases": "16"}
    assert r.execute_command("CONFIG", "GET", "save") == ["save", ""]
    assert r.execute_command("CONFIG", "GET", "appendonly") == ["appendonly", "no"]
    assert err(r, "CONFIG", "GET") == "wrong number of arguments for 'config|get' command"


def test_config_set(r):
    assert r.execute_command("CONFIG", "SET", "maxmemory", "10mb") == "OK"
    assert r.execute_command("CONFIG", "GET", "maxmemory") == ["maxmemory", "10485760"]
    assert r.execute_command("CONFIG", "SET", "maxmemory", "0",
                             "maxmemory-policy", "allkeys-lru") == "OK"
    assert r.execute_command("CONFIG", "GET", "maxmemory-policy") == [
        "maxmemory-policy", "allkeys-lru"]
    assert err(r, "CONFIG", "SET", "foo", "bar") == \
        "Unknown option or number of arguments for CONFIG SET - 'foo'"
    assert err(r, "CONFIG", "SET", "maxmemory", "abc") == (
        "CONFIG SET failed (possibly related to argument 'maxmemory') - "
        "argument must be a memory value")
    assert err(r, "CONFIG", "SET", "maxmemory-policy", "bogus") == (
        "CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
        "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
        "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
        "noeviction")
    # a failing multi-SET changes nothing
    with pytest.raises(redis.ResponseError):
        r.execute_command("CONFIG", "SET", "maxmemory", "5mb", "maxmemory-policy", "bogus")
    assert r.execute_command("CONFIG", "GET", "maxmemory") == ["maxmemory", "0"]
    assert err(r, "CONFIG", "SET", "port") == \
        "wrong number of arguments for 'config|set' command"


def test_config_set_port_rebinds(server):
    import socket
    old_port = server.port
    r = redis.Redis(port=old_port, decode_responses=True)
    new_port = free_port()
    assert r.execute_command("CONFIG", "SET", "port", new_port) == "OK"
    r2 = redis.Redis(port=new_port, decode_responses=True)
    assert r2.ping() is True
    assert r2.execute_command("CONFIG", "GET", "port") == ["port", str(new_port)]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", old_port), timeout=2).close()
    # a port that is taken is refused and the server keeps listening where it was
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("0.0.0.0", 0))
    blocker.listen(1)
    taken = blocker.getsockname()[1]
    try:
        assert err(r2, "CONFIG", "SET", "port", taken) == (
            "CONFIG SET failed (possibly related to argument 'port') - "
            "Unable to listen on this port")
        assert r2.execute_command("CONFIG", "GET", "port") == ["port", str(new_port)]
        assert redis.Redis(port=new_port).ping() is True
    finally:
        blocker.close()
    server.port = new_port


def test_config_resetstat(r):
    r.set("a", 1)
    assert r.execute_command("CONFIG", "RESETSTAT") == "OK"
    stats = r.execute_command("INFO", "commandstats")
    assert "cmdstat_set" not in stats
    assert info_dict(r.execute_command("INFO", "stats"))["keyspace_hits"] == "0"


def test_config_rewrite_without_file(r):
    assert err(r, "CONFIG", "REWRITE") == "The server is running without a config file"


def test_config_rewrite_with_file(make_server, tmp_path):
    conf = tmp_path / "sable.conf"
    conf.write_text("# test config\nmaxmemory 1mb\ntimeout 0\n")
    srv = make_server(config_file=str(conf))
    r = srv.client(raw_replies=True)
    assert r.execute_command("CONFIG", "GET", "maxmemory") == ["maxmemory", "1048576"]
    assert r.execute_command("CONFIG", "SET", "maxmemory", "5mb") == "OK"
    assert r.execute_command("CONFIG", "SET", "timeout", "30") == "OK"
    assert r.execute_command("CONFIG", "REWRITE") == "OK"
    text = conf.read_text()
    assert "maxmemory 5mb" in text
    assert "timeout 30" in text
    assert "maxmemory 1mb" not in text
    assert "# test config" in text
    # the rewritten file starts a server with the new values
    srv.stop()
    srv2 = make_server(config_file=str(conf))
    r2 = srv2.client(raw_replies=True)
    assert r2.execute_command("CONFIG", "GET", "maxmemory") == ["maxmemory", "5242880"]
    assert r2.execute_command("CONFIG", "GET", "timeout") == ["timeout", "30"]


def test_config_file_values_are_applied(make_server, tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text('databases 8\nmaxmemory-policy "allkeys-lru"\n\n# comment\n')
    srv = make_server(config_file=str(conf))
    r = srv.client(raw_replies=True)
    assert r.execute_command("CONFIG", "GET", "databases") == ["databases", "8"]
    assert r.execute_command("CONFIG", "GET", "maxmemory-policy") == [
        "maxmemory-policy", "allkeys-lru"]
    info = info_dict(r.execute_command("INFO", "server"))
    assert info["config_file"] == str(conf)


def test_config_file_bad_directive_exits_nonzero(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("port 0\nthis-is-not-a-directive yes\n")
    proc = subprocess.run([server_binary(), str(conf)], capture_output=True, timeout=15,
                          stdin=subprocess.DEVNULL, cwd=str(tmp_path))
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    assert proc.returncode != 0
    assert "Bad directive" in out
    assert "this-is-not-a-directive" in out


def test_command_line_bad_option_exits_nonzero(tmp_path):
    proc = subprocess.run([server_binary(), "--no-such-option", "1", "--port", "0"],
                          capture_output=True, timeout=15, stdin=subprocess.DEVNULL,
                          cwd=str(tmp_path))
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    assert proc.returncode != 0
    assert "Bad directive" in out


# ---------------------------------------------------------------- DEBUG / COMMAND

def test_debug_sleep_zero(r):
    assert r.execute_command("DEBUG", "SLEEP", 0) == "OK"
    assert r.execute_command("PING") == "PONG"


def test_command_count_info(r):
    count = r.execute_command("COMMAND", "COUNT")
    assert isinstance(count, int) and count > 50
    info = r.execute_command("COMMAND", "INFO", "get", "set", "nosuchcmd")
    assert len(info) == 3
    get = info[0]
    assert get[0] == "get"
    assert get[1] == 2
    assert "readonly" in get[2] and "fast" in get[2]
    assert get[3:6] == [1, 1, 1]
    assert "@read" in get[6] and "@string" in get[6]
    assert len(get) == 10
    st = info[1]
    assert st[0] == "set" and st[1] == -3 and "write" in st[2]
    assert info[2] is None
    mset = r.execute_command("COMMAND", "INFO", "mset")[0]
    assert mset[1] == -3 and mset[3:6] == [1, -1, 2]


def test_command_docs(r):
    docs = r.execute_command("COMMAND", "DOCS", "get")
    assert docs[0] == "get"
    d = dict(zip(docs[1][0::2], docs[1][1::2]))
    assert d["summary"] == "Get the value of a key"
    assert d["since"] == "1.0.0"
    assert d["group"] == "string"
    assert d["complexity"] == "O(1)"
    assert r.execute_command("COMMAND", "DOCS", "nosuchcmd") == []


def test_command_getkeys(r):
    assert r.execute_command("COMMAND", "GETKEYS", "SET", "a", "b") == ["a"]
    assert r.execute_command("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == ["a", "b"]
    assert r.execute_command("COMMAND", "GETKEYS", "MGET", "x", "y", "z") == ["x", "y", "z"]
    assert r.execute_command("COMMAND", "GETKEYS", "RENAME", "a", "b") == ["a", "b"]
    assert err(r, "COMMAND", "GETKEYS", "nosuchcmd", "a") == "Invalid command specified"
    assert err(r, "COMMAND", "GETKEYS", "GET") == \
        "wrong number of arguments for 'command|getkeys' command"
    assert err(r, "COMMAND", "GETKEYS", "PING", "x") == "The command has no key arguments"
    assert err(r, "COMMAND", "GETKEYS", "GET", "a", "b") == \
        "Invalid number of arguments specified for command"


def test_command_list_shape(r):
    all_cmds = r.execute_command("COMMAND")
    names = {c[0] for c in all_cmds}
    for name in ("get", "set", "ping", "multi", "subscribe", "config", "client"):
        assert name in names
    assert len(all_cmds) == r.execute_command("COMMAND", "COUNT")


# ---------------------------------------------------------------- SHUTDOWN

def test_shutdown_nosave_ends_process(server):
    c = server.raw()
    c.sendall(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
    assert wait_closed(c, timeout=10) == b""
    assert server.wait_exit(timeout=10) == 0
    assert not server.alive()


def test_sigterm_ends_process(server):
    server.proc.terminate()
    assert server.wait_exit(timeout=10) == 0


# ---------------------------------------------------------------- redis-cli / redis-benchmark

def test_redis_cli_works(server):
    assert server.cli("set", "a", "b").strip() == "OK"
    assert server.cli("get", "a").strip() == "b"
    assert server.cli("get", "nope").strip() == ""
    assert server.cli("incr", "n").strip() == "1"
    assert server.cli("ping").strip() == "PONG"
    out = server.cli("info", "server")
    assert "redis_version:" in out
    # errors are printed too (without the "(error)" prefix when not a tty)
    assert "ERR" in server.cli("get", check=False)


def test_redis_cli_scan(server):
    r = server.client()
    r.mset({"user:%d" % i: i for i in range(300)})
    r.set("other", 1)
    out = server.cli("--scan").split()
    assert sorted(out) == sorted(["user:%d" % i for i in range(300)] + ["other"])
    out = server.cli("--scan", "--pattern", "user:1*").split()
    assert len(out) == 111
    assert all(k.startswith("user:1") for k in out)


def test_redis_cli_pipe_mode(server):
    payload = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$1\r\nv\r\n" % (len(b"k%d" % i), i)
                       for i in range(1000))
    out = server.cli("--pipe", input=payload)
    assert "errors: 0, replies: 1000" in out
    assert server.client().dbsize() == 1000


def test_redis_benchmark_finishes(server):
    proc = subprocess.run([REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(server.port),
                           "-q", "-n", "2000", "-t", "set,get"],
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, out
    assert "SET:" in out and "GET:" in out, out
    assert "requests per second" in out
    assert "ERR" not in out and "rror" not in out, out
    assert server.alive()
    assert server.client().ping() is True
