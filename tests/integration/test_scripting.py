"""Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, replies and error strings as
Redis 7.0.15 gives them (every expected value below was read from Debian's redis-server; run
with SABLE_SERVER=/usr/bin/redis-server and every case passes too), the sandbox, the
application patterns our users write (a sliding-window rate limiter through redis-py's
register_script, lock release by compare-and-delete), and effects replication: a script's
writes reach the AOF and a Redis 7.0 replica as the commands it ran, wrapped in MULTI/EXEC.
"""
import hashlib
import os
import socket

import pytest
import redis

from conftest import RespError, wait_replica_synced
from test_aof import incr_path

REDIS_SERVER = "/usr/bin/redis-server"

SHA_INCR = "1f71dc1cd0b838440b29a02b9ecb8480e01af28a"  # return redis.call('incr','k')


def on(sha):
    return " script: %s, on @user_script:1." % sha


# (script, keys and args, expected reply as RespConn reads it)
CASES = [
    ("return 1", [0], 1),
    ("return {1,2,{3,'x'},nil,5}", [0], [1, 2, [3, b"x"]]),
    ("return redis.call('set',KEYS[1],ARGV[1])", [1, "k", "v"], "OK"),
    ("return redis.call('get',KEYS[1])", [1, "k"], b"v"),
    ("return redis.call('incr','k')", [0],
     RespError("ERR value is not an integer or out of range" + on(SHA_INCR))),
    ("return redis.pcall('incr','k')", [0],
     RespError("ERR value is not an integer or out of range")),
    ("return x", [0], RespError(
        "ERR user_script:1: Script attempted to access nonexistent global variable 'x'" +
        on("03c387736bb5cc009ff35151572cee04677aa374"))),
    ("x = 5", [0], RespError("ERR user_script:1: Attempt to modify a readonly table" +
                             on("818a330663e3c3e78469660421595218e5ab5c48"))),
    ("string.x = 1; return string.x", [0], RespError(
        "ERR user_script:1: Attempt to modify a readonly table" +
        on("b5f616d77d58183dd70ae072a5012c9bb80ac0b5"))),
    ("return redis.call('nosuch')", [0], RespError(
        "ERR Unknown Redis command called from script" +
        on("206396248e12c6e742fd7296250433c8d7343b74"))),
    ("return redis.call('get')", [0], RespError(
        "ERR Wrong number of args calling Redis command from script" +
        on("f187dee77f607f7cff00bbabc9df38507582c78d"))),
    ("return redis.call('multi')", [0], RespError(
        "ERR This Redis command is not allowed from script" +
        on("c329a1a294be6bf95b44144f7502610661ae925a"))),
    ("return redis.call('blpop','nol',0)", [0], RespError(
        "ERR This Redis command is not allowed from script" +
        on("f91a66c0381b0e1a423ba7cd008254f3cb4bca2f"))),
    ("return redis.call('get', {})", [0], RespError(
        "ERR Lua redis lib command arguments must be strings or integers" +
        on("4368e88f98d93af9caf358186e5fbf273374ee91"))),
    ("return redis.error_reply('My Error')", [0], RespError("My Error")),
    ("return redis.error_reply('oops')", [0], RespError("ERR oops")),
    ("return redis.status_reply('FINE')", [0], "FINE"),
    ("error('boom')", [0], RespError("ERR user_script:1: boom" +
                                     on("82903a0434f1503e152f89c03c9acd881a0e8150"))),
    ("error({err='CUSTOM thing'})", [0], RespError(
        "CUSTOM thing" + on("e66aa8534b0a1e32981e2a95aa5b6f619bc8ac68"))),
    ("return 3.99", [0], 3),
    ("return 123456789012345", [0], 123456789012345),
    ("return true", [0], 1),
    ("return false", [0], None),
    ("return", [0], None),
    ("return redis.sha1hex('abc')", [0], b"a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("return cjson.encode({a=1})", [0], b'{"a":1}'),
    ("return cjson.decode('[1,2,3]')[2]", [0], 2),
    ("return bit.band(7,3)", [0], 3),
    ("return string.format('%d-%s', 5, 'a') .. ('abc'):upper()", [0], b"5-aABC"),
    ("return tostring(loadfile)", [0], RespError(
        "ERR user_script:1: Script attempted to access nonexistent global variable 'loadfile'" +
        on("28aa3d8c65d6a12c8039869c1334db05f0affdf4"))),
    ("return redis.REDIS_VERSION", [0], b"7.0.15"),
    ("return {redis.call('get','nokey'), 1}", [0], [None, 1]),
    ("return type(redis.pcall('hget','k','x'))", [0], b"table"),
    ("return redis.setresp(4)", [0], RespError(
        "ERR RESP version must be 2 or 3." + on("921c0a48021d97dfd5884aeea41875972c7804d9"))),
    ("return 1 +", [0], RespError(
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near "
        "'<eof>'")),
    ("redis.set_repl()", [0], RespError("ERR redis.set_repl() requires two arguments." +
                                        on("e39b47fd8e0d5dc1c7155bbafcefaf48cf163f82"))),
    ("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, "
     "redis.REPL_ALL}", [0], [0, 1, 2, 2, 3]),
    ("return 1", [-1], RespError("ERR Number of keys can't be negative")),
    ("return 1", [3, "a"], RespError("ERR Number of keys can't be greater than number of args")),
    ("return 1", ["x"], RespError("ERR value is not an integer or out of range")),
]


def test_replies_and_errors_match_redis(server):
    c = server.conn()
    for script, rest, expected in CASES:
        assert c.call("EVAL", script, *rest) == expected, script
    assert c.call("EVAL_RO", "return redis.call('set','a','b')", 0) == RespError(
        "ERR Write commands are not allowed from read-only scripts." +
        on("ff967d0ae0e68b4f9e360fa91c54598bc25ad9b6"))
    assert c.call("EVAL_RO", "return redis.call('get','k')", 0) == b"v"
    # the connection is still usable after every error
    assert c.call("PING") == "PONG"


def test_math_random_is_one_lrand48_stream(server):
    c = server.conn()
    script = "return {math.random(1000000), math.random(1000000), math.random(1000000)}"
    assert c.call("EVAL", script, 0) == [396465, 840486, 353337]
    assert c.call("EVAL", "math.randomseed(0); return {math.random(1000000), math.random()}",
                  0)[0] == 170829


def test_script_cache(server):
    c = server.conn()
    sha = c.call("SCRIPT", "LOAD", "return 'hi'")
    assert sha == b"2f31ba2bb6d6a0f42cc159d2e2dad55440778de3"
    assert c.call("EVALSHA", sha, 0) == b"hi"
    assert c.call("EVALSHA", sha.upper(), 0) == b"hi"
    assert c.call("EVALSHA_RO", sha, 0) == b"hi"
    assert c.call("SCRIPT", "EXISTS", sha, "abc") == [1, 0]
    # EVAL caches what it ran
    two = hashlib.sha1(b"return 2").hexdigest()
    assert c.call("SCRIPT", "EXISTS", two) == [0]
    c.call("EVAL", "return 2", 0)
    assert c.call("SCRIPT", "EXISTS", two) == [1]
    info = server.client().info("memory")
    assert info["number_of_cached_scripts"] == 2
    assert info["used_memory_lua"] > 10000 and info["used_memory_scripts_eval"] > 0
    assert c.call("SCRIPT", "FLUSH") == "OK"
    assert c.call("SCRIPT", "EXISTS", sha) == [0]
    assert server.client().info("memory")["number_of_cached_scripts"] == 0
    assert c.call("EVALSHA", sha, 0) == RespError("NOSCRIPT No matching script. Please use EVAL.")
    assert c.call("SCRIPT", "FLUSH", "ASYNC") == "OK"
    assert c.call("SCRIPT", "FLUSH", "bad") == RespError(
        "ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    assert c.call("SCRIPT", "KILL") == RespError("NOTBUSY No scripts in execution right now.")
    assert c.call("SCRIPT", "LOAD", "return +") == RespError(
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'")


def test_select_inside_a_script_stays_inside(server):
    c = server.conn()
    assert c.call("EVAL", "redis.call('select', 3); return redis.call('set', 'k3', 1)", 0) == "OK"
    assert c.call("GET", "k3") is None
    assert c.call("SELECT", 3) == "OK"
    assert c.call("GET", "k3") == b"1"


def test_rate_limiter_through_register_script(server):
    # A sliding-window limiter: drop what fell out of the window, count, admit under the limit.
    r = server.client()
    limiter = r.register_script("""
        local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]),
                                        tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
        if redis.call('ZCARD', key) >= limit then return 0 end
        redis.call('ZADD', key, now, ARGV[4])
        redis.call('PEXPIRE', key, window)
        return 1
    """)
    admitted = [limiter(keys=["rl:user"], args=[1000 + i, 100, 5, "req%d" % i])
                for i in range(8)]
    assert admitted == [1, 1, 1, 1, 1, 0, 0, 0]
    # 100 ms later the first ones left the window
    assert limiter(keys=["rl:user"], args=[1102, 100, 5, "late"]) == 1
    assert r.zcard("rl:user") == 3  # 1003, 1004 and the late one
    assert 0 < r.pttl("rl:user") <= 100
    # register_script runs EVALSHA and falls back to EVAL after SCRIPT FLUSH
    r.script_flush()
    assert limiter(keys=["rl:other"], args=[1, 100, 5, "x"]) == 1


def test_lock_release_by_compare_and_delete(server):
    r = server.client()
    release = r.register_script(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
        "else return 0 end")
    assert r.set("lock", "token-a", nx=True, px=10000)
    assert release(keys=["lock"], args=["token-b"]) == 0
    assert r.get("lock") == "token-a"
    assert release(keys=["lock"], args=["token-a"]) == 1
    assert r.exists("lock") == 0


def test_error_midway_keeps_what_was_written(server):
    r = server.client()
    with pytest.raises(redis.ResponseError) as e:
        r.eval("redis.call('set', 'first', 1); redis.call('incr', 'first'); "
               "redis.call('hset', 'first', 'f', 'v'); redis.call('set', 'never', 1)", 0)
    assert str(e.value).startswith("WRONGTYPE Operation against a key holding the wrong kind")
    assert r.get("first") == "2"
    assert r.exists("never") == 0


def test_script_writes_break_watch_and_count_as_commands(server):
    r = server.client()
    r.set("w", "1")
    pipe = r.pipeline()
    pipe.watch("w")
    other = server.client()
    other.eval("return redis.call('incr', KEYS[1])", 1, "w")
    pipe.multi()
    pipe.set("w", "from-tx")
    with pytest.raises(redis.WatchError):
        pipe.execute()
    assert r.get("w") == "2"
    stats = r.info("commandstats")
    assert stats["cmdstat_incr"]["calls"] == 1
    assert stats["cmdstat_eval"]["calls"] == 1


def test_blocking_pops_in_scripts_do_not_block(server):
    r = server.client()
    # BLMPOP and BZMPOP are allowed in scripts in Redis 7.0; with nothing to pop they answer
    # at once
    assert r.eval("return redis.call('blmpop', 0, 1, 'nolist', 'LEFT')", 0) is None
    r.rpush("q", "a")
    assert r.eval("return redis.call('blmpop', 0, 1, 'q', 'LEFT')", 0) == ["q", ["a"]]


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="needs Debian's redis-server")
def test_effects_reach_a_redis_replica_and_the_aof(make_server):
    primary = make_server(extra_args=["--appendonly", "yes", "--appendfsync", "always"])
    replica = make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port)],
                          binary=REDIS_SERVER)
    wait_replica_synced(primary, replica)
    p = primary.client()
    # random values are computed once, on the primary: the replica gets the results
    p.eval("redis.call('set', KEYS[1], math.random(1000000)); "
           "redis.call('rpush', KEYS[2], redis.call('get', KEYS[1])); "
           "return redis.call('incrby', KEYS[3], 5)", 3, "rnd", "lst", "ctr")
    p.eval("return redis.call('get', 'rnd')", 0)  # a read-only script propagates nothing
    p.eval("redis.call('select', 2); redis.call('set', 'in2', 'x')", 0)
    wait_replica_synced(primary, replica)
    rc = replica.client()
    assert rc.get("rnd") == p.get("rnd")
    assert rc.lrange("lst", 0, -1) == [p.get("rnd")]
    assert rc.get("ctr") == "5"
    assert replica.client(db=2).get("in2") == "x"
    assert p.get("in2") is None
    data = open(incr_path(primary), "rb").read()
    assert b"eval" not in data.lower()
    assert b"MULTI" in data.upper() and b"INCRBY" in data.upper()
    # the AOF replays to the same data
    primary.stop()
    primary.start()
    p = primary.client()
    assert p.get("ctr") == "5" and p.get("rnd") == rc.get("rnd")
    assert primary.client(db=2).get("in2") == "x"


SHEBANG_CASES = [
    ('#!lua flags=no-writes\nreturn redis.call("set","a","b")', RespError(
        "ERR Write commands are not allowed from read-only scripts. script: "
        "fd62e2d5b0fa7f778ebeeae125841af41328b852, on @user_script:2.")),
    ("#!lua flags=bogus\nreturn 1", RespError("ERR Unexpected flag in script shebang: bogus")),
    ("#!python\nreturn 1", RespError("ERR Unexpected engine in script shebang: #!python")),
    ("#!lua\nreturn x", RespError(
        "ERR user_script:2: Script attempted to access nonexistent global variable 'x' script: "
        "58b72ca6d006e3bafbb8cc006de4820497ce9cf8, on @user_script:2.")),
    ("#!lua name=foo\nreturn 1", RespError("ERR Unknown lua shebang option: name=foo")),
    ("#!lua flags=no-writes,allow-stale\nreturn 1", 1),
    ("#!lua flags=\nreturn 1", 1),
    ('#!lua\nreturn redis.call("set","a","b")', "OK"),
    ("#!lua", RespError("ERR Invalid script shebang")),
]


def test_shebang_flags(server):
    c = server.conn()
    for script, expected in SHEBANG_CASES:
        assert c.call("EVAL", script, 0) == expected, script
    assert c.call("EVAL_RO", "#!lua\nreturn 1", 0) == RespError(
        "ERR Can not execute a script with write flag using *_ro command.")
    assert c.call("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get', 'a')", 0) == b"b"
    assert c.call("SCRIPT", "LOAD", "#!lua flags=bad\nreturn 1") == RespError(
        "ERR Unexpected flag in script shebang: bad")


@pytest.mark.parametrize("binary", ["sable", "redis"])
def test_cluster_mode_keys(make_server, binary):
    from test_cluster_commands import cluster_args, claim_all, tag_for
    if binary == "redis" and not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    s = make_server(extra_args=cluster_args("--cluster-require-full-coverage", "no"),
                    binary=REDIS_SERVER if binary == "redis" else None)
    claim_all(s)
    c = s.conn()
    a, b = "{%s}x" % tag_for(1), "{%s}y" % tag_for(2)
    assert c.call("CLUSTER", "DELSLOTS", 3) == "OK"
    unbound = "{%s}z" % tag_for(3)
    sha = hashlib.sha1
    # undeclared keys: any local slot for a plain script, the declared keys' slot for one
    # with flags unless it allows crossing
    script = "redis.call('set', KEYS[1], 1); return redis.call('get', ARGV[1])"
    assert c.call("EVAL", script, 1, a, a) == b"1"
    assert c.call("EVAL", script, 1, a, b) is None
    flagged = "#!lua\n" + script
    assert c.call("EVAL", flagged, 1, a, b) == RespError(
        "ERR Script attempted to access keys that do not hash to the same slot script: %s, "
        "on @user_script:2." % sha(flagged.encode()).hexdigest())
    assert c.call("EVAL", "#!lua flags=allow-cross-slot-keys\n" + script, 1, a, b) is None
    assert c.call("EVAL", script, 1, a, unbound) == RespError(
        "ERR Script attempted to access a non local key in a cluster node script: %s, "
        "on @user_script:1." % sha(script.encode()).hexdigest())
    assert c.call("EVAL", "#!lua flags=no-cluster\nreturn 1", 0) == RespError(
        "ERR Can not run script on cluster, 'no-cluster' flag is set.")
    # the declared keys are routed like any command's
    assert c.call("EVAL", "return 1", 2, a, b) == RespError(
        "CROSSSLOT Keys in request don't hash to the same slot")


BUSY_EVAL = RespError(
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
BUSY_FUNCTION = RespError(
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.")
UNKILLABLE = RespError(
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
    "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
    "NOSAVE command.")


# Against Redis too with SABLE_COMPARE_REDIS=1 (it passed there; one unexplained failure of the
# Redis run under load keeps it out of the default suite until looked into).
@pytest.mark.parametrize("binary", ["sable", "redis"] if os.environ.get("SABLE_COMPARE_REDIS")
                         else ["sable"])
def test_busy_script_kill_and_shutdown_nosave(make_server, binary):
    if binary == "redis" and not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    s = make_server(extra_args=["--busy-reply-threshold", "100", "--appendonly", "yes"],
                    binary=REDIS_SERVER if binary == "redis" else None)
    runner, other = s.conn(), s.conn()
    spin = "local a = 0 while true do a = a + 1 end"
    runner.send("EVAL", spin, 0)
    # The other client waits until the script passes the threshold, then hears BUSY; so does
    # a connection made while it runs. Only the allow-busy commands do anything.
    assert other.call("PING") == BUSY_EVAL
    assert s.conn().call("GET", "k") == BUSY_EVAL
    assert other.call("FUNCTION", "KILL") == BUSY_EVAL
    assert other.call("FUNCTION", "STATS") == BUSY_EVAL
    assert other.call("SHUTDOWN") == BUSY_EVAL
    assert other.call("SCRIPT", "KILL") == "OK"
    assert runner.read() == RespError(
        "ERR Script killed by user with SCRIPT KILL... script: %s, on @user_script:1." %
        hashlib.sha1(spin.encode()).hexdigest())
    assert other.call("PING") == "PONG"
    assert other.call("SCRIPT", "KILL") == RespError("NOTBUSY No scripts in execution right now.")
    # A function: FUNCTION KILL, and FUNCTION STATS names it
    assert other.call("FUNCTION", "LOAD", "#!lua name=busy\nredis.register_function('spin', "
                      "function(keys, args) " + spin + " end)") == b"busy"
    runner.send("FCALL", "spin", 0)
    assert other.call("PING") == BUSY_FUNCTION
    stats = other.call("FUNCTION", "STATS")
    running = dict(zip(stats[1][0::2], stats[1][1::2]))
    assert running[b"name"] == b"spin" and running[b"command"] == [b"FCALL", b"spin", b"0"]
    assert running[b"duration_ms"] >= 100
    assert other.call("SCRIPT", "KILL") == BUSY_FUNCTION
    assert other.call("FUNCTION", "KILL") == "OK"
    assert runner.read() == RespError(
        "ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.")
    # A script that wrote cannot be killed; SHUTDOWN NOSAVE ends it and the server, and what
    # it wrote reaches neither the AOF nor a restart (Redis exits inside the script).
    assert other.call("SET", "before", 1) == "OK"
    runner.send("EVAL", "redis.call('set', 'w', 1) " + spin, 0)
    assert other.call("PING") == BUSY_EVAL
    assert other.call("SCRIPT", "KILL") == UNKILLABLE
    other.send("SHUTDOWN", "NOSAVE")
    assert s.wait_exit(timeout=10) == 0
    s.start()
    after = s.conn()
    assert after.call("GET", "before") == b"1"
    assert after.call("EXISTS", "w") == 0


@pytest.mark.parametrize("binary", ["sable", "redis"] if os.environ.get("SABLE_COMPARE_REDIS")
                         else ["sable"])
def test_busy_script_keeps_its_clock(make_server, binary):
    """A key that expires while a busy script runs stays alive to the script: commands served
    from inside it (here BUSY replies) do not move its clock."""
    if binary == "redis" and not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    s = make_server(extra_args=["--busy-reply-threshold", "50"],
                    binary=REDIS_SERVER if binary == "redis" else None)
    runner, other = s.conn(), s.conn()
    script = """
        redis.call('set', KEYS[1], 'v', 'px', 150)
        local function now() local t = redis.call('time') return t[1] * 1000000 + t[2] end
        local start = now()
        while now() - start < 400000 do end
        return redis.call('exists', KEYS[1])"""
    runner.send("EVAL", script, 1, "k")
    busy = 0
    for _ in range(100000):
        reply = other.call("PING")
        if reply != BUSY_EVAL:
            break
        busy += 1
    assert reply == "PONG" and busy > 0
    assert runner.read() == 1
    assert other.call("EXISTS", "k") == 0


# A script's table results as Redis 7.0.15 converts them, in RESP2 and RESP3 (the bytes were
# read from Debian's redis-server): the RESP3 shapes in either protocol, fields read raw, so a
# metatable never runs, and numbers truncated as a C cast truncates them.
RESULT_CASES = [
    ("return {double=3.5}", b"$3\r\n3.5\r\n", b",3.5\r\n"),
    ("return {double=0.1}", b"$19\r\n0.10000000000000001\r\n", b",0.10000000000000001\r\n"),
    ("return {double=1/0}", b"$3\r\ninf\r\n", b",inf\r\n"),
    ("return {double='3'}", b"*0\r\n", b"*0\r\n"),
    ("return {map={a=1}}", b"*2\r\n$1\r\na\r\n:1\r\n", b"%1\r\n$1\r\na\r\n:1\r\n"),
    ("return {map={x={1,{ok='s'}}}}", b"*2\r\n$1\r\nx\r\n*2\r\n:1\r\n+s\r\n",
     b"%1\r\n$1\r\nx\r\n*2\r\n:1\r\n+s\r\n"),
    ("return {map={a={double=1.5}}}", b"*2\r\n$1\r\na\r\n$3\r\n1.5\r\n",
     b"%1\r\n$1\r\na\r\n,1.5\r\n"),
    ("return {set={a=true}}", b"*1\r\n$1\r\na\r\n", b"~1\r\n$1\r\na\r\n"),
    ("return {set={}}", b"*0\r\n", b"~0\r\n"),
    ("return {big_number='123'}", b"$3\r\n123\r\n", b"(123\r\n"),
    ("return {big_number='12\\r\\n3'}", b"$5\r\n12  3\r\n", b"(12  3\r\n"),
    ("return {verbatim_string={format='txt',string='hi'}}", b"$2\r\nhi\r\n",
     b"=6\r\ntxt:hi\r\n"),
    ("return {verbatim_string={format='markdown',string='x'}}", b"$1\r\nx\r\n",
     b"=5\r\nmar:x\r\n"),
    ("return {verbatim_string={format='a',string='x'}}", b"$1\r\nx\r\n", b"=5\r\na  :x\r\n"),
    ("return {1, {double=2.5}, {big_number='9'}}", b"*3\r\n:1\r\n$3\r\n2.5\r\n$1\r\n9\r\n",
     b"*3\r\n:1\r\n,2.5\r\n(9\r\n"),
    ("return {ok='a\\r\\nb'}", b"+a  b\r\n", b"+a  b\r\n"),
    ("return {ok=1}", b"*0\r\n", b"*0\r\n"),
    ("return setmetatable({}, {__index=function() error('x') end})", b"*0\r\n", b"*0\r\n"),
    ("return {err=setmetatable({}, {__index=function() return 'x' end})}", b"*0\r\n", b"*0\r\n"),
    ("return 1e300", b":-9223372036854775808\r\n", b":-9223372036854775808\r\n"),
    ("return 0/0", b":-9223372036854775808\r\n", b":-9223372036854775808\r\n"),
    ("return -2^63", b":-9223372036854775808\r\n", b":-9223372036854775808\r\n"),
    ("return -1.9", b":-1\r\n", b":-1\r\n"),
]


def raw_reply(sock, request):
    """Sends one request and reads until the reply is complete (a whole number of lines that
    the next PING's PONG follows)."""
    sock.sendall(request + b"*1\r\n$4\r\nPING\r\n")
    data = b""
    while not data.endswith(b"+PONG\r\n"):
        chunk = sock.recv(65536)
        assert chunk, "connection closed"
        data += chunk
    return data[:-len(b"+PONG\r\n")]


@pytest.mark.parametrize("binary", ["sable", "redis"])
def test_table_results_in_both_protocols(make_server, binary):
    if binary == "redis" and not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    s = make_server(binary=REDIS_SERVER if binary == "redis" else None)
    for proto in (2, 3):
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        if proto == 3:
            raw_reply(sock, b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")
        for script, resp2, resp3 in RESULT_CASES:
            body = script.encode()
            request = b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%s\r\n$1\r\n0\r\n" % (len(body), body)
            assert raw_reply(sock, request) == (resp2 if proto == 2 else resp3), (proto, script)
        sock.close()


# struct and cmsgpack as scripts use them; every expected value was read from Redis 7.0.15
LIB_CASES = [
    ("return struct.pack('>I2', 258)", b"\x01\x02"),
    ("return struct.pack('<i4', -2)", b"\xfe\xff\xff\xff"),
    ("return struct.pack('>bBhHlL', -1, 255, -2, 65535, -3, 4)",
     b"\xff\xff\xff\xfe\xff\xff" + b"\xff" * 7 + b"\xfd" + b"\x00" * 7 + b"\x04"),
    ("return struct.pack('!4 b i', 1, 2)", b"\x01\x00\x00\x00\x02\x00\x00\x00"),
    ("return struct.pack('>d', 1.5)", b"\x3f\xf8" + b"\x00" * 6),
    ("return struct.pack('<f', 0.25)", b"\x00\x00\x80\x3e"),
    ("return struct.pack('sc3c0x', 'ab', 'xyz', 'rest')", b"ab\x00xyzrest\x00"),
    ("return {struct.unpack('>I2i4', '\\1\\2\\255\\255\\255\\254')}", [258, -2, 7]),
    ("return {struct.unpack('s', 'hi\\0tail')}", [b"hi", 4]),
    ("return {struct.unpack('bc0', '\\3abcd')}", [b"abc", 5]),
    ("return {struct.unpack('>h', '\\0\\0\\1\\2', 3)}", [258, 5]),
    ("return struct.size('>i4hd')", 14),
    ("return struct.size('!8bd')", 16),
    ("return struct.pack('y', 1)", RespError(None)),
    ("return struct.unpack('>I4', 'ab')", RespError(None)),
    ("return struct.size('s')", RespError(None)),
    ("return struct.pack('i33', 1)", RespError(None)),
    ("return cmsgpack.pack(1, -1, 127, 128, -33, 256, 65536, 4294967296, -129, -40000)",
     b"\x01\xff\x7f\xcc\x80\xd0\xdf\xcd\x01\x00\xce\x00\x01\x00\x00"
     b"\xcf\x00\x00\x00\x01\x00\x00\x00\x00\xd1\xff\x7f\xd2\xff\xff\x63\xc0"),
    ("return cmsgpack.pack(0.5, 0.1, true, false, nil)",
     b"\xca\x3f\x00\x00\x00\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a\xc3\xc2\xc0"),
    ("return cmsgpack.pack('abc', string.rep('x', 40))", b"\xa3abc\xd9\x28" + b"x" * 40),
    ("return cmsgpack.pack({1, 2, {3}}, {}, {a = 1})",
     b"\x93\x01\x02\x91\x03\x90\x81\xa1a\x01"),
    ("local t = {} for i = 1, 20 do t[i] = i end return cmsgpack.pack(t)",
     b"\xdc\x00\x14" + bytes(range(1, 21))),
    ("local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end "
     "return cmsgpack.pack(t)", b"\x91" * 16 + b"\xc0"),
    ("return cmsgpack.unpack(cmsgpack.pack({1, 'two', {x = 3}}))[3].x", 3),
    ("return {cmsgpack.unpack(cmsgpack.pack(1, 2, 3))}", [1, 2, 3]),
    ("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2))}", [1, 1]),
    ("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1)}", [-1, 2]),
    ("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}", [2, 1, 2]),
    ("return cmsgpack.unpack('\\205\\1')", RespError(None)),
    ("return cmsgpack.unpack('\\193')", RespError(None)),
    ("return cmsgpack.pack()", RespError(None)),
    ("return cmsgpack.unpack_one('\\1', 5)", RespError(None)),
]


@pytest.mark.parametrize("binary", ["sable", "redis"])
def test_struct_and_cmsgpack(make_server, binary):
    if binary == "redis" and not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    c = make_server(binary=REDIS_SERVER if binary == "redis" else None).conn()
    errors = []
    for script, expected in LIB_CASES:
        got = c.call("EVAL", script, 0)
        if isinstance(expected, RespError) and expected.args[0] is None:
            assert isinstance(got, RespError), script
            errors.append(str(got))
        else:
            assert got == expected, script
    # the error texts are Redis's too
    assert errors == LIB_ERRORS, errors
    if binary == "sable":
        # hostile input: nesting far past any sane depth is refused, not recursed into
        got = c.call("EVAL", "return cmsgpack.unpack(string.rep('\\145', 100000))", 0)
        assert isinstance(got, RespError) and "Bad data format in input." in str(got)
        assert c.call("PING") == "PONG"


LIB_ERROR_TEXTS = [
    "bad argument #1 to 'pack' (invalid format option 'y')",
    "bad argument #2 to 'unpack' (data string too short)",
    "bad argument #1 to 'size' (option 's' has no fixed size)",
    "integral size 33 is larger than limit of 32",
    "Missing bytes in input.",
    "Bad data format in input.",
    "bad argument #0 to 'pack' (MessagePack pack needs input.)",
    "Start offset 5 greater than input length 1.",
]
LIB_ERRORS = [
    "ERR user_script:1: %s script: %s, on @user_script:1." % (
        msg, hashlib.sha1(script.encode()).hexdigest())
    for msg, script in zip(LIB_ERROR_TEXTS, [sc for sc, e in LIB_CASES
                                             if isinstance(e, RespError)])]
