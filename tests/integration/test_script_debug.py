"""SCRIPT DEBUG and the Lua debugger (LDB) as Redis 7.0.15 speaks it: every expected byte below
was read from Debian's redis-server, and the parametrized tests pass on it too. A forked session
(YES) leaves the server serving and its changes die with it; a sync one (SYNC) blocks the server
and keeps them; `redis-cli --ldb --eval` steps through a script file.
"""
import os
import select
import socket
import subprocess

import pytest

from conftest import eventually

REDIS_SERVER = "/usr/bin/redis-server"
BINARIES = ["sable", "redis"]


def start(make_server, binary, **kw):
    if binary == "redis" and not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    return make_server(binary=REDIS_SERVER if binary == "redis" else None, **kw)


def encode(*parts):
    out = b"*%d\r\n" % len(parts)
    for p in parts:
        p = p.encode() if isinstance(p, str) else str(p).encode() if isinstance(p, int) else p
        out += b"$%d\r\n%s\r\n" % (len(p), p)
    return out


class Console:
    """The debugged client: each request is answered by one RESP value, read whole here."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        """A status-line array as a list of str; anything else as its raw first line (bulk
        replies with their data)."""
        line = self._line()
        if line[:1] == b"*":
            n = int(line[1:])
            items = []
            for _ in range(n):
                item = self._line()
                if item[:1] == b"+":
                    items.append(item[1:].decode("latin1"))
                elif item[:1] == b"$":
                    items.append(self._exact(int(item[1:])))
                else:
                    items.append(item.decode("latin1"))
            return items
        if line[:1] == b"$" and int(line[1:]) >= 0:
            return self._exact(int(line[1:]))
        return line.decode("latin1")

    def cmd(self, *parts):
        self.sock.sendall(encode(*parts))
        return self.read()

    def closed(self):
        """The server closed the connection (bounded wait)."""
        self.sock.settimeout(10)
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True


SCRIPT = """local x = 1
redis.call('set', KEYS[1], 'v')
local t = {1,2,a='b'}
redis.debug('hi', t, 3)
return x"""


@pytest.mark.parametrize("binary", BINARIES)
def test_stepping_listing_printing_breakpoints(make_server, binary):
    s = start(make_server, binary)
    c = Console(s.port)
    assert c.cmd("SCRIPT", "DEBUG", "YES") == "+OK"
    assert c.cmd("EVAL", SCRIPT, 1, "k1", "a1") == [
        "* Stopped at 1, stop reason = step over", "-> 1   local x = 1"]
    assert c.cmd("s") == ["* Stopped at 2, stop reason = step over",
                          "-> 2   redis.call('set', KEYS[1], 'v')"]
    assert c.cmd("next") == ['<redis> set k1 v', '<reply> "+OK"',
                             "* Stopped at 3, stop reason = step over",
                             "-> 3   local t = {1,2,a='b'}"]
    assert c.cmd("p") == ["<value> x = 1"]
    assert c.cmd("print", "x") == ["<value> 1"]
    assert c.cmd("p", "KEYS") == ['<value> {"k1"}']
    assert c.cmd("p", "nope") == ["No such variable."]
    assert c.cmd("l", "1", "1") == ["   1   local x = 1", "   2   redis.call('set', KEYS[1], 'v')"]
    assert c.cmd("w")[2:] == ["-> 3   local t = {1,2,a='b'}", "   4   redis.debug('hi', t, 3)",
                              "   5   return x"]
    assert c.cmd("b", "5") == ["   4   redis.debug('hi', t, 3)", "  #5   return x"]
    assert c.cmd("b", "100") == ["Wrong line number."]
    assert c.cmd("b") == ["1 breakpoints set:", "  #5   return x"]
    assert c.cmd("t") == ["In top level:", "-> 3   local t = {1,2,a='b'}"]
    assert c.cmd("e", "1+1") == ["<retval> 2"]
    assert c.cmd("e", "error('boom')") == ["<error> ldb_eval:1: boom"]
    assert c.cmd("e", "(") == ["<error> ldb_eval:1: unexpected symbol near '<eof>'"]
    assert c.cmd("r", "get", "k1") == ["<redis> get k1", '<reply> "v"']
    assert c.cmd("r", "hgetall") == [
        "<redis> hgetall", "<error> Wrong number of args calling Redis command from script"]
    assert c.cmd("r") == [
        "<error> Unknown Redis Lua debugger command or wrong number of arguments."]
    assert c.cmd("m", "5") == ["<value> replies are truncated at 60 bytes."]
    assert c.cmd("m", "0") == ["<value> replies are unlimited."]
    help_lines = c.cmd("h")
    assert help_lines[0] == "Redis Lua debugger help:" and len(help_lines) == 30
    assert c.cmd("c") == ['<debug> line 4: "hi", {[1]=1; [2]=2; ["a"]="b"}, 3',
                          "* Stopped at 5, stop reason = break point", "->#5   return x"]
    assert c.cmd("c") == ["<endsession>"]
    assert c.read() == ":1"
    assert c.closed()


FUNC_SCRIPT = """local function f(a)
  local y = {1,2,3}
  redis.breakpoint()
  return a
end
local z = f('x"y\\n')
redis.call('rpush', 'lst', 'a', 'b', 1, 2, 3, 4, 5, 6, 7, 8, 9)
redis.pcall('incr', 'lst')
redis.call('lrange', 'lst', 0, 1)
redis.call('get', string.rep('k', 300))
return {1, 'two'}"""


@pytest.mark.parametrize("binary", BINARIES)
def test_functions_traces_errors_and_trimming(make_server, binary):
    s = start(make_server, binary)
    c = Console(s.port)
    assert c.cmd("SCRIPT", "DEBUG", "YES") == "+OK"
    # the first line event of this chunk is the closure's, at its 'end'
    assert c.cmd("EVAL", FUNC_SCRIPT, 0) == ["* Stopped at 5, stop reason = step over",
                                             "-> 5   end"]
    assert c.cmd("c") == ["* Stopped at 4, stop reason = redis.breakpoint() called",
                          "-> 4     return a"]
    assert c.cmd("t") == ["In f:", "-> 4     return a", "From top level:",
                          "   6   local z = f('x\"y\\n')"]
    assert c.cmd("p") == ['<value> a = "x\\"y\\n"', "<value> y = {1; 2; 3}"]
    assert c.cmd("b", "-5") == ["No breakpoint in the specified line."]
    assert c.cmd("b", "9", "-9", "0") == [
        "   8   redis.pcall('incr', 'lst')", "  #9   redis.call('lrange', 'lst', 0, 1)",
        "   10  redis.call('get', string.rep('k', 300))", "Breakpoint removed.",
        "All breakpoints removed."]
    assert c.cmd("s") == ["* Stopped at 7, stop reason = step over",
                          "-> 7   redis.call('rpush', 'lst', 'a', 'b', 1, 2, 3, 4, 5, 6, 7, 8, 9)"]
    assert c.cmd("s")[:2] == ["<redis> rpush lst a b 1 2 3 4 5 6 ... (2 more)", "<reply> 11"]
    assert c.cmd("s")[:3] == [
        "<redis> incr lst",
        "<error> -WRONGTYPE Operation against a key holding the wrong kind of value",
        '<reply> "-WRONGTYPE Operation against a key holding the wrong kind of value"']
    assert c.cmd("s")[:2] == ["<redis> lrange lst 0 1", '<reply> ["a","b"]']
    got = c.cmd("s")
    assert got[1] == "<reply> NULL"
    assert got[0] == "<redis> get " + "k" * 300  # commands are not trimmed
    assert c.cmd("e", "string.rep('y', 300)") == [
        '<retval> "' + "y" * 246 + " ...",
        "<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming."]
    assert c.cmd("e", "string.rep('y', 300)") == ['<retval> "' + "y" * 246 + " ..."]
    assert c.cmd("s") == ["<endsession>"]
    assert c.read() == [":1", b"two"]  # the script's own reply follows
    # a forked session's changes died with it
    assert s.conn().call("EXISTS", "lst") == 0


@pytest.mark.parametrize("binary", BINARIES)
def test_abort_errors_and_refusals(make_server, binary):
    s = start(make_server, binary)
    c = Console(s.port)
    assert c.cmd("SCRIPT", "DEBUG", "MAYBE") == "-ERR Use SCRIPT DEBUG YES/SYNC/NO"
    assert c.cmd("MULTI") == "+OK"
    assert c.cmd("SCRIPT", "DEBUG", "YES") == "+QUEUED"
    assert c.cmd("EXEC") == ["-ERR SCRIPT DEBUG must be called outside a pipeline"]
    sha = s.conn().call("SCRIPT", "LOAD", "return 1").decode()
    assert c.cmd("SCRIPT", "DEBUG", "YES") == "+OK"
    assert c.cmd("EVALSHA", sha, 0) == "-ERR Please use EVAL instead of EVALSHA for debugging"
    assert c.cmd("EVALSHA", "abc", 0) == "-NOSCRIPT No matching script. Please use EVAL."
    assert c.cmd("EVAL", "local a = 1\nreturn 2", 0)[0].startswith("* Stopped at 1")
    assert c.cmd("abort") == ["<endsession>"]
    assert c.read() == ("-ERR script aborted for user request script: "
                        "c6cc4390bd3eebf32407e8b2ea617e3a685c1374, on @user_script:1.")
    assert c.closed()
    # not the debugger protocol: the session ends with a protocol error
    c = Console(s.port)
    assert c.cmd("SCRIPT", "DEBUG", "SYNC") == "+OK"
    assert c.cmd("EVAL", "local a=1", 0)[0].startswith("* Stopped at 1")
    c.sock.sendall(b"hello\r\n")
    assert c.read() == ["<endsession>"]
    assert c.read().startswith("-ERR protocol error script: ")
    assert c.closed()
    assert s.conn().call("PING") == "PONG"


def children_of(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_forked_session_leaves_the_server_serving(make_server):
    s = make_server(extra_args=["--appendonly", "yes"])
    c = Console(s.port)
    assert c.cmd("SCRIPT", "DEBUG", "YES") == "+OK"
    assert c.cmd("EVAL", "redis.call('set', 'forked', 1)\nreturn 1", 0)[0].startswith("* Stopped")
    assert c.cmd("s")[:2] == ["<redis> set forked 1", '<reply> "+OK"']
    # stopped in the debugger, the write made: the server serves others and sees none of it
    other = s.conn()
    assert other.call("PING") == "PONG"
    assert other.call("EXISTS", "forked") == 0
    assert len(children_of(s.proc.pid)) == 1
    assert c.cmd("c") == ["<endsession>"]
    assert c.read() == ":1"
    assert c.closed()
    eventually(lambda: children_of(s.proc.pid) == [], msg="the session child was not reaped")
    assert other.call("EXISTS", "forked") == 0
    aof_dir = os.path.join(s.dir, "appendonlydir")
    for name in os.listdir(aof_dir):
        with open(os.path.join(aof_dir, name), "rb") as f:
            assert b"forked" not in f.read()
    # a session still running when the server shuts down is killed with it
    c = Console(s.port)
    assert c.cmd("SCRIPT", "DEBUG", "YES") == "+OK"
    assert c.cmd("EVAL", "return 1", 0)[0].startswith("* Stopped")
    [child] = children_of(s.proc.pid)
    other.send("SHUTDOWN", "NOSAVE")
    assert s.wait_exit(timeout=10) == 0
    eventually(lambda: not os.path.exists("/proc/%d" % child) or
               open("/proc/%d/stat" % child).read().split()[2] == "Z")
    assert c.closed()


def test_sync_session_blocks_and_keeps_changes(make_server):
    s = make_server()
    c = Console(s.port)
    assert c.cmd("SCRIPT", "DEBUG", "SYNC") == "+OK"
    assert c.cmd("EVAL", "redis.call('set', 'kept', 1)\nreturn 1", 0)[0].startswith("* Stopped")
    other = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    other.sendall(encode("GET", "kept"))
    # the server is held by the session: nothing answers while it is stopped
    assert select.select([other], [], [], 0.5)[0] == []
    assert c.cmd("c") == ["<endsession>"]
    assert c.read() == ":1"
    assert c.closed()
    assert other.recv(100) == b"$1\r\n1\r\n"
    # a client gone mid-session: the script runs to its end, breakpoints ignored, changes kept
    c = Console(s.port)
    assert c.cmd("SCRIPT", "DEBUG", "SYNC") == "+OK"
    assert c.cmd("EVAL", "redis.call('set', 'gone', 1)\nredis.breakpoint()\n"
                 "redis.call('set', 'gone', 2)\nreturn 1", 0)[0].startswith("* Stopped")
    c.sock.close()
    eventually(lambda: s.conn().call("GET", "gone") == b"2")


def test_timeout_stops_an_infinite_loop(make_server):
    s = make_server(extra_args=["--busy-reply-threshold", "200"])
    c = Console(s.port)
    assert c.cmd("SCRIPT", "DEBUG", "SYNC") == "+OK"
    assert c.cmd("EVAL", "local a = 0\nwhile true do\n  a = a + 1\nend", 0)[0].startswith("* St")
    stop = c.cmd("c")
    assert stop[0] in ("* Stopped at 2, stop reason = timeout reached, infinite loop?",
                       "* Stopped at 3, stop reason = timeout reached, infinite loop?"), stop
    assert c.cmd("a") == ["<endsession>"]
    assert c.read().startswith("-ERR script aborted for user request")


@pytest.mark.parametrize("mode", ["--ldb", "--ldb-sync-mode"])
def test_redis_cli_ldb_eval(make_server, tmp_path, mode):
    s = make_server()
    s.conn().call("SET", "cnt", 10)
    script = tmp_path / "s.lua"
    script.write_text("local src = KEYS[1]\nlocal n = redis.call('incr', src)\n"
                      "redis.debug('n is', n)\nreturn n + tonumber(ARGV[1])\n")
    out = subprocess.run(
        ["redis-cli", "-p", str(s.port), mode, "--eval", str(script), "cnt", ",", "5"],
        input="step\nprint\nbreak 4\ncontinue\nprint n\nstep\n", capture_output=True,
        text=True, timeout=30).stdout
    assert "Lua debugging session started" in out
    assert "<value> src = \"cnt\"" in out
    assert '<debug> line 3: "n is", 11' in out
    assert "stop reason = break point" in out and "<value> 11" in out
    assert "(integer) 16" in out
    if mode == "--ldb":
        assert "(Lua debugging session ended -- dataset changes rolled back)" in out
        assert s.conn().call("GET", "cnt") == b"10"
    else:
        assert "(Lua debugging session ended)" in out
        assert s.conn().call("GET", "cnt") == b"11"
