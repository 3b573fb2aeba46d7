"""Redis 7 functions: FUNCTION LOAD / LIST / DELETE / FLUSH / DUMP / RESTORE / STATS / KILL and
FCALL / FCALL_RO, with the replies and error strings of Redis 7.0.15 (each parametrized test runs
against Debian's redis-server too), and the libraries' life beyond one process: the RDB, the AOF
(rewritten or not), full and partial replication to and from Redis 7.0, and FUNCTION DUMP
payloads read by either server.
"""
import hashlib
import os

import pytest

from conftest import RespError, eventually, wait_replica_synced

REDIS_SERVER = "/usr/bin/redis-server"

BINARIES = ["sable", "redis"]


def start(make_server, binary, extra_args=()):
    if binary == "redis" and not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    return make_server(extra_args=list(extra_args),
                       binary=REDIS_SERVER if binary == "redis" else None)


def lib(name, *bodies):
    return "#!lua name=%s\n" % name + "\n".join(bodies)


def reg(fname, body, flags=None, description=None):
    """A redis.register_function call with a callback of (keys, args)."""
    if flags is None and description is None:
        return "redis.register_function('%s', function(keys, args) %s end)" % (fname, body)
    parts = ["function_name='%s'" % fname, "callback=function(keys, args) %s end" % body]
    if flags is not None:
        parts.append("flags={%s}" % ", ".join("'%s'" % f for f in flags))
    if description is not None:
        parts.append("description='%s'" % description)
    return "redis.register_function{%s}" % ", ".join(parts)


def registering(msg):
    return RespError("ERR Error registering functions: ERR " + msg)


LOAD_ERRORS = [
    ("return 1", RespError("ERR Missing library metadata")),
    ("#!lua name=x", RespError("ERR Invalid library metadata")),
    ("#!lua\nreturn 1", RespError("ERR Library name was not given")),
    ("#!lua name=x foo=bar\nreturn 1", RespError("ERR Invalid metadata value given: foo=bar")),
    ("#!lua name=x name=y\nreturn 1",
     RespError("ERR Invalid metadata value, name argument was given multiple times")),
    ("#!lua name=a-b\nreturn 1", RespError(
        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long")),
    ("#!js name=x\nreturn 1", RespError("ERR Engine 'js' not found")),
    ("#!lua name=x\nreturn 1", RespError("ERR No functions registered")),
    ("#!lua name=x\nlocal x = = 1",
     RespError("ERR Error compiling function: user_function:2: unexpected symbol near '='")),
    (lib("x", "redis.call('ping')"), registering(
        "user_function:2: Script attempted to access nonexistent global variable 'call'")),
    (lib("x", "return math.random()"), registering(
        "user_function:2: Script attempted to access nonexistent global variable 'math'")),
    (lib("x", "error('boom')"), registering(
        "user_function:2: Script attempted to access nonexistent global variable 'error'")),
    (lib("x", reg("a", "return 1"), reg("a", "return 2")),
     registering("Function already exists in the library")),
    (lib("x", reg("f-1", "return 1")), registering(
        "Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long")),
    (lib("x", "redis.register_function('a', function() end, 3)"),
     registering("wrong number of arguments to redis.register_function")),
    (lib("x", "redis.register_function('a')"), registering(
        "calling redis.register_function with a single argument is only applicable to Lua "
        "table (representing named arguments).")),
    (lib("x", "redis.register_function(1, 2)"),
     registering("second argument to redis.register_function must be a function")),
    (lib("x", "redis.register_function({}, function() end)"),
     registering("first argument to redis.register_function must be a string")),
    (lib("x", "redis.register_function{function_name='a'}"),
     registering("redis.register_function must get a callback argument")),
    (lib("x", "redis.register_function{callback=function() end}"),
     registering("redis.register_function must get a function name argument")),
    (lib("x", "redis.register_function{function_name='a', callback=function() end, foo=1}"),
     registering("unknown argument given to redis.register_function")),
    (lib("x", "redis.register_function{function_name='a', callback=function() end, "
              "flags='no-writes'}"),
     registering("flags argument to redis.register_function must be a table representing "
                 "function flags")),
    (lib("x", "redis.register_function{function_name='a', callback=function() end, "
              "flags={'bad'}}"), registering("unknown flag given")),
    (lib("x", "redis.register_function{function_name='a', callback=3}"),
     registering("callback argument given to redis.register_function must be a function")),
    (lib("x", "local a = 0 while true do a = a + 1 end"), registering("FUNCTION LOAD timeout")),
]


@pytest.mark.parametrize("binary", BINARIES)
def test_load_errors(make_server, binary):
    c = start(make_server, binary).conn()
    for code, expected in LOAD_ERRORS:
        assert c.call("FUNCTION", "LOAD", code) == expected, code
    assert c.call("FUNCTION", "LIST") == []
    # the interpreter is clean after every failed load: nothing half-registered
    assert c.call("FUNCTION", "LOAD", lib("x", reg("a", "return 1"))) == b"x"
    assert c.call("FCALL", "a", 0) == 1


@pytest.mark.parametrize("binary", BINARIES)
def test_fcall(make_server, binary):
    c = start(make_server, binary).conn()
    code = lib("mylib",
               "local function echo(keys, args) return {keys[1], args[1], #keys, #args} end",
               "redis.register_function('echo', echo)",
               reg("setget", "redis.call('set', keys[1], args[1]); "
                             "return redis.call('get', keys[1])"),
               reg("ro_get", "return redis.call('get', keys[1])", flags=["no-writes"],
                   description="reads a key"),
               reg("bad_write", "return redis.call('set', 'k', 'v')", flags=["no-writes"]),
               reg("oops", "error('oops')"),
               reg("uses_keys", "return KEYS"),
               reg("register_late", "return redis.register_function('x', function() end)"),
               reg("version", "return {redis.REDIS_VERSION_NUM > 0 and 1 or 0, "
                              "type(redis.call), type(cjson.encode)}"))
    assert c.call("FUNCTION", "LOAD", code) == b"mylib"
    assert c.call("FCALL", "echo", 2, "k1", "k2", "a1") == [b"k1", b"a1", 2, 1]
    assert c.call("FCALL", "ECHO", 1, "K") == [b"K"]  # names compare without case
    assert c.call("FCALL", "setget", 1, "key", "val") == b"val"
    assert c.call("FCALL_RO", "ro_get", 1, "key") == b"val"
    assert c.call("FCALL_RO", "setget", 1, "key", "v") == RespError(
        "ERR Can not execute a script with write flag using *_ro command.")
    assert c.call("FCALL", "bad_write", 0) == RespError(
        "ERR Write commands are not allowed from read-only scripts. script: bad_write, on "
        "@user_function:6.")
    assert c.call("FCALL", "oops", 0) == RespError(
        "ERR user_function:7: oops script: oops, on @user_function:7.")
    assert c.call("FCALL", "uses_keys", 0) == RespError(
        "ERR user_function:8: Script attempted to access nonexistent global variable 'KEYS' "
        "script: uses_keys, on @user_function:8.")
    assert c.call("FCALL", "register_late", 0) == RespError(
        "ERR user_function:9: attempt to call field 'register_function' (a nil value) script: "
        "register_late, on @user_function:9.")
    assert c.call("FCALL", "version", 0) == [1, b"function", b"function"]
    assert c.call("FCALL", "nope", 0) == RespError("ERR Function not found")
    assert c.call("FCALL", "echo", "x") == RespError("ERR Bad number of keys provided")
    assert c.call("FCALL", "echo", -1) == RespError("ERR Number of keys can't be negative")
    assert c.call("FCALL", "echo", 2, "k") == RespError(
        "ERR Number of keys can't be greater than number of args")
    assert c.call("FCALL", "echo") == RespError(
        "ERR wrong number of arguments for 'fcall' command")
    # neither FCALL nor FUNCTION may run from a script
    script = "return redis.call('fcall', 'echo', 0)"
    assert c.call("EVAL", script, 0) == RespError(
        "ERR This Redis command is not allowed from script script: %s, on @user_script:1." %
        hashlib.sha1(script.encode()).hexdigest())
    # the libraries' interpreter is not EVAL's: SCRIPT FLUSH leaves functions alone
    assert c.call("SCRIPT", "FLUSH") == "OK"
    assert c.call("FCALL", "echo", 1, "k", "a") == [b"k", b"a", 1, 1]


@pytest.mark.parametrize("binary", BINARIES)
def test_library_management(make_server, binary):
    c = start(make_server, binary).conn()
    one = lib("lib1", reg("f1", "return 1"))
    two = lib("lib2", reg("f2", "return 2", flags=["no-writes", "allow-stale"],
                          description="second"))
    assert c.call("FUNCTION", "LOAD", one) == b"lib1"
    assert c.call("FUNCTION", "LOAD", two) == b"lib2"
    assert c.call("FUNCTION", "LOAD", one) == RespError("ERR Library 'lib1' already exists")
    # a function name is one namespace across libraries, without case
    assert c.call("FUNCTION", "LOAD", lib("lib3", reg("F1", "return 3"))) == RespError(
        "ERR Function F1 already exists")
    listing = c.call("FUNCTION", "LIST")
    by_name = {entry[1]: entry for entry in listing}
    assert by_name[b"lib1"] == [b"library_name", b"lib1", b"engine", b"LUA", b"functions",
                                [[b"name", b"f1", b"description", None, b"flags", []]]]
    assert by_name[b"lib2"] == [b"library_name", b"lib2", b"engine", b"LUA", b"functions",
                                [[b"name", b"f2", b"description", b"second", b"flags",
                                  ["no-writes", "allow-stale"]]]]
    assert c.call("FUNCTION", "LIST", "LIBRARYNAME", "*2", "WITHCODE") == [
        [b"library_name", b"lib2", b"engine", b"LUA", b"functions",
         [[b"name", b"f2", b"description", b"second", b"flags", ["no-writes", "allow-stale"]]],
         b"library_code", two.encode()]]
    assert c.call("FUNCTION", "LIST", "libraryname", "nomatch*") == []
    assert c.call("FUNCTION", "LIST", "bogus") == RespError("ERR Unknown argument bogus")
    assert c.call("FUNCTION", "LIST", "LIBRARYNAME") == RespError(
        "ERR library name argument was not given")
    assert c.call("FUNCTION", "STATS") == [
        b"running_script", None, b"engines",
        [b"LUA", [b"libraries_count", 2, b"functions_count", 2]]]
    assert c.call("FUNCTION", "KILL") == RespError("NOTBUSY No scripts in execution right now.")
    # REPLACE swaps a library's functions for the new set
    assert c.call("FUNCTION", "LOAD", "REPLACE", lib("lib1", reg("g1", "return 11"))) == b"lib1"
    assert c.call("FCALL", "f1", 0) == RespError("ERR Function not found")
    assert c.call("FCALL", "g1", 0) == 11
    # a failed REPLACE keeps the old library
    assert c.call("FUNCTION", "LOAD", "replace", lib("lib1", reg("f2", "return 0"))) == \
        RespError("ERR Function f2 already exists")
    assert c.call("FCALL", "g1", 0) == 11
    assert c.call("FUNCTION", "LOAD", "x", "y") == RespError("ERR Unknown option given: x")
    assert c.call("FUNCTION", "LOAD", "REPLACE") == RespError("ERR Missing library metadata")
    assert c.call("FUNCTION", "DELETE", "nope") == RespError("ERR Library not found")
    assert c.call("FUNCTION", "DELETE", "lib1") == "OK"
    assert c.call("FCALL", "g1", 0) == RespError("ERR Function not found")
    assert c.call("FUNCTION", "FLUSH", "x") == RespError(
        "ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    assert c.call("FUNCTION", "FLUSH", "sync", "x") == RespError(
        "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.")
    assert c.call("FUNCTION", "FLUSH", "ASYNC") == "OK"
    assert c.call("FUNCTION", "LIST") == []
    assert c.call("FUNCTION", "NOPE") == RespError(
        "ERR unknown subcommand 'NOPE'. Try FUNCTION HELP.")
    info = c.call("INFO", "memory").decode()
    assert "number_of_functions:0" in info and "number_of_libraries:0" in info


@pytest.mark.parametrize("binary", BINARIES)
def test_dump_restore_policies(make_server, binary):
    c = start(make_server, binary).conn()
    c.call("FUNCTION", "LOAD", lib("a", reg("fa", "return 'a'")))
    c.call("FUNCTION", "LOAD", lib("b", reg("fb", "return 'b'")))
    payload = c.call("FUNCTION", "DUMP")
    # Redis names whichever library its dict yields first; Sable goes by name
    assert c.call("FUNCTION", "RESTORE", payload) in (
        RespError("ERR Library a already exists"), RespError("ERR Library b already exists"))
    assert c.call("FUNCTION", "RESTORE", payload, "BOGUS") == RespError(
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    assert c.call("FUNCTION", "RESTORE", payload, "append", "x") == RespError(
        "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.")
    assert c.call("FUNCTION", "RESTORE", b"garbage") == RespError(
        "ERR DUMP payload version or checksum are wrong")
    corrupt = bytearray(payload)
    corrupt[3] ^= 0xFF
    assert c.call("FUNCTION", "RESTORE", bytes(corrupt)) == RespError(
        "ERR DUMP payload version or checksum are wrong")
    # a key's DUMP payload is not a library
    c.call("SET", "k", "v")
    assert c.call("FUNCTION", "RESTORE", c.call("DUMP", "k")) == RespError(
        "ERR given type is not a function")
    c.call("FUNCTION", "LOAD", "REPLACE", lib("a", reg("fa", "return 'A'")))
    assert c.call("FUNCTION", "RESTORE", payload, "REPLACE") == "OK"
    assert c.call("FCALL", "fa", 0) == b"a"
    c.call("FUNCTION", "LOAD", lib("c", reg("fc", "return 'c'")))
    c.call("FUNCTION", "DELETE", "b")
    c.call("FUNCTION", "LOAD", lib("b2", reg("fb", "return 'b2'")))
    # REPLACE replaces libraries by name; a function another library holds still refuses
    assert c.call("FUNCTION", "RESTORE", payload, "REPLACE") == RespError(
        "ERR Function fb already exists")
    assert c.call("FCALL", "fb", 0) == b"b2"
    assert c.call("FUNCTION", "RESTORE", payload, "FLUSH") == "OK"
    names = sorted(entry[1] for entry in c.call("FUNCTION", "LIST"))
    assert names == [b"a", b"b"]
    assert c.call("FCALL", "fb", 0) == b"b"
    c.call("FUNCTION", "FLUSH")
    assert c.call("FUNCTION", "RESTORE", payload) == "OK"
    assert c.call("FCALL", "fa", 0) == b"a"
    # an empty set dumps to a payload that restores to nothing
    c.call("FUNCTION", "FLUSH")
    assert c.call("FUNCTION", "RESTORE", c.call("FUNCTION", "DUMP")) == "OK"
    assert c.call("FUNCTION", "LIST") == []


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="needs Debian's redis-server")
def test_dump_payloads_cross_servers(make_server):
    sable = make_server()
    redis_ = make_server(binary=REDIS_SERVER)
    s, r = sable.conn(), redis_.conn()
    code = lib("cross", reg("cf", "return {keys[1], args[1]}", flags=["no-writes"],
                            description="crosses"))
    for c in (s, r):
        assert c.call("FUNCTION", "LOAD", code) == b"cross"
    # the same libraries dump to the same bytes, and each server reads the other's
    assert s.call("FUNCTION", "DUMP") == r.call("FUNCTION", "DUMP")
    s.call("FUNCTION", "LOAD", lib("only_sable", reg("os", "return 1")))
    for src, dst in ((s, r), (r, s)):
        payload = src.call("FUNCTION", "DUMP")
        assert dst.call("FUNCTION", "RESTORE", payload, "FLUSH") == "OK"
        assert dst.call("FCALL_RO", "cf", 1, "k", "a") == [b"k", b"a"]
    assert r.call("FCALL", "os", 0) == 1


def libraries(c):
    return sorted((e[1], e[-1]) for e in c.call("FUNCTION", "LIST", "WITHCODE"))


@pytest.mark.parametrize("aof", ["rdb", "aof-preamble", "aof-commands"])
def test_libraries_survive_restart(make_server, aof):
    args = {"rdb": [],
            "aof-preamble": ["--appendonly", "yes"],
            "aof-commands": ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]}[aof]
    s = make_server(extra_args=args)
    c = s.conn()
    c.call("FUNCTION", "LOAD", lib("keep", reg("k1", "return 1"), reg("k2", "return 2")))
    c.call("FUNCTION", "LOAD", lib("gone", reg("g", "return 0")))
    c.call("FUNCTION", "DELETE", "gone")
    c.call("FUNCTION", "LOAD", lib("after", reg("a1", "return redis.call('incr', keys[1])")))
    c.call("FCALL", "a1", 1, "n")
    before = libraries(c)
    if aof == "rdb":
        assert c.call("SAVE") == "OK"
    else:
        assert c.call("BGREWRITEAOF") is not None
        eventually(lambda: b"aof_rewrite_in_progress:0" in c.call("INFO", "persistence") and
                   b"aof_last_bgrewrite_status:ok" in c.call("INFO", "persistence"))
        # and what follows the rewrite is logged as commands
        c.call("FUNCTION", "LOAD", lib("later", reg("l1", "return 'l'")))
        before = libraries(c)
    s.stop()
    s.start()
    c = s.conn()
    assert libraries(c) == before
    assert c.call("FCALL", "a1", 1, "n") == 2
    assert c.call("FCALL", "k2", 0) == 2


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="needs Debian's redis-server")
def test_rdb_with_libraries_read_by_redis_and_back(make_server, tmp_path):
    s = make_server()
    c = s.conn()
    c.call("FUNCTION", "LOAD", lib("disk", reg("d", "return redis.call('get', keys[1])")))
    c.call("SET", "x", "1")
    assert c.call("SAVE") == "OK"
    r = make_server(binary=REDIS_SERVER, extra_args=["--dir", s.dir])
    rc = r.conn()
    assert rc.call("FCALL", "d", 1, "x") == b"1"
    rc.call("FUNCTION", "LOAD", lib("from_redis", reg("fr", "return 'r'")))
    assert rc.call("SAVE") == "OK"
    r.stop()
    s.stop()
    s.start()
    c = s.conn()
    assert c.call("FCALL", "fr", 0) == b"r"
    assert c.call("FCALL", "d", 1, "x") == b"1"


@pytest.mark.parametrize("replica_binary", BINARIES)
def test_libraries_replicate(make_server, replica_binary):
    primary = make_server()
    p = primary.conn()
    p.call("FUNCTION", "LOAD", lib("early", reg("e", "return redis.call('incr', keys[1])")))
    replica = start(make_server, replica_binary,
                    ["--replicaof", "127.0.0.1", str(primary.port)])
    wait_replica_synced(primary, replica)
    rc = replica.conn()
    # the full sync carried the library; what follows travels as commands
    assert libraries(rc) == libraries(p)
    p.call("FUNCTION", "LOAD", lib("late", reg("l", "return 'late'", flags=["no-writes"])))
    p.call("FCALL", "e", 1, "ctr")
    p.call("FUNCTION", "DELETE", "early")
    wait_replica_synced(primary, replica)
    assert libraries(rc) == libraries(p)
    assert rc.call("GET", "ctr") == b"1"
    # a replica serves read-only functions, and refuses writes from its own clients
    assert rc.call("FCALL_RO", "l", 0) == b"late"
    p.call("FUNCTION", "LOAD", lib("writer", reg("w", "return redis.call('incr', keys[1])")))
    wait_replica_synced(primary, replica)
    assert rc.call("FCALL", "w", 1, "ctr") == RespError(
        "READONLY You can't write against a read only replica.")
    assert rc.call("FUNCTION", "LOAD", lib("mine", reg("m", "return 1"))) == RespError(
        "READONLY You can't write against a read only replica.")
    payload = p.call("FUNCTION", "DUMP")
    p.call("FUNCTION", "FLUSH")
    wait_replica_synced(primary, replica)
    assert rc.call("FUNCTION", "LIST") == []
    p.call("FUNCTION", "RESTORE", payload)
    wait_replica_synced(primary, replica)
    assert libraries(rc) == libraries(p)


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="needs Debian's redis-server")
def test_sable_replica_of_redis_gets_libraries(make_server):
    primary = make_server(binary=REDIS_SERVER)
    p = primary.conn()
    p.call("FUNCTION", "LOAD", lib("rlib", reg("rf", "return 'from redis'", flags=["no-writes"])))
    replica = make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port)])
    wait_replica_synced(primary, replica)
    rc = replica.conn()
    assert rc.call("FCALL", "rf", 0) == b"from redis"
    p.call("FUNCTION", "LOAD", "REPLACE", lib("rlib", reg("rf2", "return 2")))
    wait_replica_synced(primary, replica)
    assert libraries(rc) == libraries(p)
