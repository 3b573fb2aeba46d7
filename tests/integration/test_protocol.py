"""RESP parsing, pipelining, inline commands, protocol errors and limits."""
import random
import socket
import time

import pytest
import redis

from conftest import eventually, raw_command, recv_until, wait_closed


def line_reply(sock, timeout=5.0):
    return recv_until(sock, lambda b: b.endswith(b"\r\n"), timeout)


# ---------------------------------------------------------------- pipelining

def test_pipeline_10k_commands_in_one_write(server):
    s = server.raw()
    n = 10000
    payload = b"".join(
        b"*3\r\n$3\r\nSET\r\n$%d\r\nk:%d\r\n$%d\r\nv:%d\r\n"
        % (len(b"k:%d" % i), i, len(b"v:%d" % i), i)
        for i in range(n))
    payload += b"*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n" * n
    s.sendall(payload)
    expected = b"+OK\r\n" * n + b"".join(b":%d\r\n" % (i + 1) for i in range(n))
    got = recv_until(s, lambda b: len(b) >= len(expected), timeout=30)
    assert got == expected
    r = server.client()
    assert r.dbsize() == n + 1
    assert r.get("k:9999") == "v:9999"
    assert r.get("ctr") == str(n)


def test_pipeline_mixed_inline_and_multibulk(server):
    s = server.raw()
    s.sendall(b"PING\r\n*1\r\n$4\r\nPING\r\nECHO hi\r\n*2\r\n$4\r\nECHO\r\n$2\r\nyo\r\n")
    got = recv_until(s, lambda b: b.count(b"\r\n") >= 6)
    assert got == b"+PONG\r\n+PONG\r\n$2\r\nhi\r\n$2\r\nyo\r\n"


def test_command_split_byte_by_byte(server):
    s = server.raw()
    cmd = b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$7\r\nb\r\na\x00rr\r\n"
    for i in range(len(cmd)):
        s.sendall(cmd[i:i + 1])
    assert line_reply(s) == b"+OK\r\n"
    # an inline command split byte-by-byte too
    inline = b"GET foo\r\n"
    for i in range(len(inline)):
        s.sendall(inline[i:i + 1])
    assert recv_until(s, lambda b: len(b) >= 13) == b"$7\r\nb\r\na\x00rr\r\n"


def test_bulk_split_across_writes_at_awkward_points(server):
    s = server.raw()
    value = b"x" * 100000
    cmd = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n%s\r\n" % (len(value), value)
    pieces = [cmd[:20], cmd[20:23], cmd[23:60000], cmd[60000:-1], cmd[-1:]]
    for p in pieces:
        s.sendall(p)
    assert line_reply(s) == b"+OK\r\n"
    assert server.client().strlen("big") == len(value)


# ---------------------------------------------------------------- inline

def test_inline_commands(server):
    s = server.raw()
    s.sendall(b"PING\r\n")
    assert line_reply(s) == b"+PONG\r\n"
    s.sendall(b'SET a "b c"\r\n')
    assert line_reply(s) == b"+OK\r\n"
    s.sendall(b"GET a\r\n")
    assert recv_until(s, lambda b: b.count(b"\r\n") >= 2) == b"$3\r\nb c\r\n"
    # bare \n terminates inline commands too, and quoting escapes work
    s.sendall(b"SET q \"x\\ny\\x41\"\n")
    assert line_reply(s) == b"+OK\r\n"
    assert server.client().get("q") == "x\nyA"
    s.sendall(b"SET s 'it''s'\r\n")  # single quotes: no escapes, no adjacency allowed
    assert line_reply(s).startswith(b"-ERR Protocol error: unbalanced quotes")
    wait_closed(s)


def test_inline_unbalanced_quotes_closes_connection(server):
    s = server.raw()
    s.sendall(b'SET a "unterminated\r\n')
    got = wait_closed(s)
    assert got == b"-ERR Protocol error: unbalanced quotes in request\r\n"
    assert server.client().ping() is True


def test_inline_empty_lines_are_ignored(server):
    s = server.raw()
    s.sendall(b"\r\n\r\n   \r\nPING\r\n")
    assert line_reply(s) == b"+PONG\r\n"


# ---------------------------------------------------------------- binary safety

def test_binary_safe_keys_and_values(server):
    r = server.client(decode_responses=False)
    key = b"k\x00\r\nk\xff"
    val = b"v\x00\r\n\r\n\x00\xfe" * 10
    assert r.set(key, val) is True
    assert r.get(key) == val
    assert r.strlen(key) == len(val)
    assert r.exists(key) == 1
    assert r.exists(b"k\x00") == 0
    assert r.keys(b"*") == [key]
    s = server.raw()
    raw_command(s, b"GET", key)
    want = b"$%d\r\n%s\r\n" % (len(val), val)
    assert recv_until(s, lambda b: len(b) >= len(want)) == want


def test_empty_bulk_strings(server):
    s = server.raw()
    s.sendall(b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n")
    assert recv_until(s, lambda b: b.count(b"\r\n") >= 3) == b"+OK\r\n$0\r\n\r\n"


# ---------------------------------------------------------------- errors

def test_unknown_command_error_text(server):
    s = server.raw()
    raw_command(s, "foo", "a", "b")
    assert line_reply(s) == b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"
    raw_command(s, "nosuchcmd")
    assert line_reply(s) == b"-ERR unknown command 'nosuchcmd', with args beginning with: \r\n"
    s.sendall(b"FOO a b\r\n")
    assert line_reply(s) == b"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"
    # the connection stays usable after an unknown command
    raw_command(s, "PING")
    assert line_reply(s) == b"+PONG\r\n"


def test_unknown_subcommand_error_text(server):
    r = server.client()
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "BLAH")
    assert str(e.value) == "unknown subcommand 'BLAH'. Try CONFIG HELP."


def test_wrong_arity_error_text(server):
    s = server.raw()
    raw_command(s, "GET")
    assert line_reply(s) == b"-ERR wrong number of arguments for 'get' command\r\n"
    raw_command(s, "SET", "a")
    assert line_reply(s) == b"-ERR wrong number of arguments for 'set' command\r\n"
    raw_command(s, "get", "a", "b")
    assert line_reply(s) == b"-ERR wrong number of arguments for 'get' command\r\n"
    raw_command(s, "MSET", "a", "1", "b")
    assert line_reply(s) == b"-ERR wrong number of arguments for 'mset' command\r\n"
    raw_command(s, "PING")
    assert line_reply(s) == b"+PONG\r\n"


@pytest.mark.parametrize("payload,error", [
    (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\n$999999999999\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*2\r\n$3\r\nGET\r\n:12\r\n", b"-ERR Protocol error: expected '$', got ':'\r\n"),
    (b"*99999999999\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
])
def test_malformed_resp_closes_only_that_connection(server, payload, error):
    other = server.client()
    assert other.set("keep", "1") is True
    s = server.raw()
    s.sendall(payload)
    got = wait_closed(s)
    assert got == error
    assert got.startswith(b"-ERR Protocol error: ")
    # other clients are unaffected
    assert other.get("keep") == "1"
    assert other.ping() is True
    assert server.alive()


def test_protocol_error_after_valid_commands_in_same_write(server):
    s = server.raw()
    s.sendall(b"*1\r\n$4\r\nPING\r\n*x\r\n*1\r\n$4\r\nPING\r\n")
    got = wait_closed(s)
    assert got == b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"


def test_multibulk_zero_and_negative_are_ignored(server):
    s = server.raw()
    s.sendall(b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n")
    assert line_reply(s) == b"+PONG\r\n"


def test_too_big_inline_request(server):
    s = server.raw()
    try:
        s.sendall(b"A" * (70 * 1024))
    except (BrokenPipeError, ConnectionResetError):
        pass
    got = wait_closed(s)
    assert got == b"-ERR Protocol error: too big inline request\r\n"
    assert server.client().ping() is True


def test_fuzz_garbage_connections_do_not_hurt_server(server):
    r = server.client()
    r.set("fuzz:keep", "precious")
    rnd = random.Random(1234)
    tokens = [b"*", b"$", b"\r\n", b"\n", b"\r", b"-1", b"0", b"1", b"3", b"64",
              b"99999", b"PING", b"GET", b"SET", b"ECHO", b"x", b"\"", b"'",
              b" ", b"\x00", b"\xff", b"*2\r\n", b"$3\r\n", b"+OK", b":1", b"%2"]
    started = time.monotonic()
    for i in range(200):
        if rnd.random() < 0.5:
            data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 512)))
        else:
            data = b"".join(rnd.choice(tokens) for _ in range(rnd.randint(1, 80)))
        try:
            s = socket.create_connection(("127.0.0.1", server.port), timeout=2)
        except OSError as e:
            pytest.fail("connect %d failed: %s" % (i, e))
        try:
            s.sendall(data)
            s.settimeout(0.01)
            try:
                s.recv(65536)
            except (socket.timeout, OSError):
                pass
        except OSError:
            pass
        finally:
            s.close()
        assert time.monotonic() - started < 60, "fuzz loop took too long"
    assert server.alive()
    r2 = server.client()
    assert r2.ping() is True
    assert r2.get("fuzz:keep") == "precious"
    # all the garbage connections are gone eventually
    eventually(lambda: len(r2.client_list()) <= 3, timeout=10)


# ---------------------------------------------------------------- RESP3

def test_hello_3_switches_to_resp3(server):
    s = server.raw()
    raw_command(s, "GET", "missing")
    assert line_reply(s) == b"$-1\r\n"
    raw_command(s, "HELLO", "3")
    got = recv_until(s, lambda b: b"modules" in b and b.endswith(b"*0\r\n"))
    assert got.startswith(b"%7\r\n$6\r\nserver\r\n")
    for field in (b"$6\r\nserver\r\n", b"$7\r\nversion\r\n", b"$5\r\nproto\r\n:3\r\n",
                  b"$2\r\nid\r\n:", b"$4\r\nmode\r\n$10\r\nstandalone\r\n",
                  b"$4\r\nrole\r\n$6\r\nmaster\r\n", b"$7\r\nmodules\r\n*0\r\n"):
        assert field in got
    raw_command(s, "GET", "missing")
    assert line_reply(s) == b"_\r\n"
    raw_command(s, "SET", "f", "1.5")
    assert line_reply(s) == b"+OK\r\n"
    raw_command(s, "GET", "f")
    assert recv_until(s, lambda b: b.count(b"\r\n") >= 2) == b"$3\r\n1.5\r\n"
    # back to RESP2
    raw_command(s, "HELLO", "2")
    got = recv_until(s, lambda b: b"modules" in b and b.endswith(b"*0\r\n"))
    assert got.startswith(b"*14\r\n$6\r\nserver\r\n")
    assert b"$5\r\nproto\r\n:2\r\n" in got
    raw_command(s, "GET", "missing")
    assert line_reply(s) == b"$-1\r\n"


def test_hello_errors_and_setname(server):
    s = server.raw()
    raw_command(s, "HELLO", "4")
    assert line_reply(s) == b"-NOPROTO unsupported protocol version\r\n"
    raw_command(s, "HELLO", "abc")
    assert line_reply(s) == b"-ERR Protocol version is not an integer or out of range\r\n"
    raw_command(s, "HELLO", "3", "SETNAME", "myname")
    recv_until(s, lambda b: b"modules" in b and b.endswith(b"*0\r\n"))
    raw_command(s, "CLIENT", "GETNAME")
    assert recv_until(s, lambda b: b.count(b"\r\n") >= 2) == b"$6\r\nmyname\r\n"


def test_resp3_null_for_mget_and_types(server):
    s = server.raw()
    raw_command(s, "HELLO", "3")
    recv_until(s, lambda b: b"modules" in b and b.endswith(b"*0\r\n"))
    raw_command(s, "SET", "a", "1")
    line_reply(s)
    raw_command(s, "MGET", "a", "nope")
    assert recv_until(s, lambda b: b.count(b"\r\n") >= 4) == b"*2\r\n$1\r\n1\r\n_\r\n"
    raw_command(s, "EXISTS", "a")
    assert line_reply(s) == b":1\r\n"


# ---------------------------------------------------------------- limits

def test_proto_max_bulk_len_enforced(server):
    r = server.client()
    assert r.config_set("proto-max-bulk-len", 1024 * 1024) is True
    assert r.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "1048576"}
    s = server.raw()
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (1024 * 1024 + 1))
    assert wait_closed(s) == b"-ERR Protocol error: invalid bulk length\r\n"
    # exactly at the limit is fine
    val = b"z" * (1024 * 1024)
    s2 = server.raw()
    s2.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n" % (len(val), val))
    assert line_reply(s2, timeout=10) == b"+OK\r\n"
    assert r.strlen("k") == len(val)
    # commands that grow strings respect it too
    with pytest.raises(redis.ResponseError) as e:
        r.append("k", "y")
    assert str(e.value) == "string exceeds maximum allowed size (proto-max-bulk-len)"
    with pytest.raises(redis.ResponseError) as e:
        r.setrange("k2", 1024 * 1024, "y")
    assert str(e.value) == "string exceeds maximum allowed size (proto-max-bulk-len)"


def test_proto_max_bulk_len_minimum(server):
    r = server.client()
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("proto-max-bulk-len", 1000)
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument "
                            "'proto-max-bulk-len') - argument must be between "
                            "1048576 and 9223372036854775807 inclusive")


def connect_ping(srv):
    """A raw socket that got +PONG. Retries (bounded) while the server may
    still count an already-closed connection (e.g. the fixture's probe)."""
    def attempt():
        s = srv.raw()
        raw_command(s, "PING")
        if recv_until(s, lambda b: b.endswith(b"\r\n")) == b"+PONG\r\n":
            return s
        s.close()
        return None
    return eventually(attempt, timeout=5)


def test_maxclients_enforced(make_server):
    srv = make_server(extra_args=["--maxclients", "4"])
    socks = [connect_ping(srv) for _ in range(4)]
    extra = srv.raw()
    got = wait_closed(extra)
    assert got == b"-ERR max number of clients reached\r\n"
    # existing clients keep working; a slot frees up after one leaves
    raw_command(socks[0], "PING")
    assert line_reply(socks[0]) == b"+PONG\r\n"
    socks.pop().close()

    def can_connect():
        c = srv.raw()
        raw_command(c, "PING")
        ok = recv_until(c, lambda b: b.endswith(b"\r\n")) == b"+PONG\r\n"
        c.close()
        return ok
    eventually(can_connect, timeout=5)

    # one slot left for redis-py's own connection, once the server has seen
    # can_connect's socket close
    def config_via_redis_py():
        try:
            return srv.client(single_connection_client=True).config_get("maxclients")
        except redis.ConnectionError:
            return None
    assert eventually(config_via_redis_py, timeout=5) == {"maxclients": "4"}


def test_maxclients_config_set(server):
    r = server.client(single_connection_client=True)
    assert r.config_set("maxclients", 2) is True
    connect_ping(server)
    b = server.raw()
    assert wait_closed(b) == b"-ERR max number of clients reached\r\n"
    assert r.ping() is True
