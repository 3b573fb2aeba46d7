"""Append-only file: Redis 7.0's multi-part layout, durability across restarts and kill -9,
torn and corrupt files, BGREWRITEAOF under load, the stream's exact form, disk errors, and
interoperability with Debian's redis-server 7.0 in both directions.

Set SABLE_SERVER=/usr/bin/redis-server to run the same checks against real Redis."""
import os
import re
import shutil
import subprocess
import threading
import time

import pytest
import redis

from conftest import ServerProcess, eventually, is_real_redis

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CHECK_AOF = shutil.which("redis-check-aof") or "/usr/bin/redis-check-aof"
AOF_ON = ["--appendonly", "yes"]


# ---------------------------------------------------------------- helpers

def aof_dir(s):
    return os.path.join(s.dir, "appendonlydir")


def manifest_lines(s):
    with open(os.path.join(aof_dir(s), "appendonly.aof.manifest")) as f:
        return f.read().splitlines()


def manifest_files(s, kind):
    """Names of the manifest's files of one type ('b', 'i', 'h')."""
    out = []
    for line in manifest_lines(s):
        parts = line.split()
        if parts[-1] == kind:
            out.append(parts[1])
    return out


def incr_path(s):
    return os.path.join(aof_dir(s), manifest_files(s, "i")[-1])


def parse_commands(data):
    """The commands of an AOF in command form, as lists of str; annotations skipped."""
    cmds, pos = [], 0
    while pos < len(data):
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        assert data[pos:pos + 1] == b"*", data[pos:pos + 40]
        end = data.index(b"\r\n", pos)
        argc = int(data[pos + 1:end])
        pos = end + 2
        argv = []
        for _ in range(argc):
            end = data.index(b"\r\n", pos)
            n = int(data[pos + 1:end])
            pos = end + 2
            argv.append(data[pos:pos + n].decode("latin-1"))
            pos += n + 2
        cmds.append(argv)
    return cmds


def incr_commands(s):
    with open(incr_path(s), "rb") as f:
        return parse_commands(f.read())


def info(c, section="persistence"):
    return c.info(section)


def wait_rewrite_done(c, timeout=20):
    def done():
        p = info(c)  # one snapshot: a scheduled rewrite may start between two INFO calls
        return p["aof_rewrite_in_progress"] == 0 and p["aof_rewrite_scheduled"] == 0
    eventually(done, timeout=timeout, msg="AOF rewrite did not finish")


def check_aof(s):
    """redis-check-aof on the manifest; returns its output (asserting success)."""
    r = subprocess.run([REDIS_CHECK_AOF, os.path.join(aof_dir(s), "appendonly.aof.manifest")],
                       capture_output=True, timeout=30)
    out = r.stdout.decode() + r.stderr.decode()
    assert r.returncode == 0, out
    assert "is valid" in out, out
    return out


def dataset(s):
    """{db: {key: (value, pexpiretime)}} for every non-empty db (string keys)."""
    out = {}
    for db in range(16):
        c = redis.Redis(host="127.0.0.1", port=s.port, db=db, socket_timeout=10)
        try:
            keys = {}
            for k in c.scan_iter(count=1000):
                keys[k] = (c.get(k), c.execute_command("PEXPIRETIME", k))
            if keys:
                out[db] = keys
        finally:
            c.close()
    return out


def fill(c, n=50, prefix="k"):
    """Some keys in several dbs, with and without TTLs, through several kinds of writes."""
    pipe = c.pipeline(transaction=False)
    for i in range(n):
        pipe.set("%s%d" % (prefix, i), "v%d" % i)
    pipe.execute()
    c.set("ttl", "x", ex=1000)
    c.incrbyfloat("float", "1.5")
    c.append("app", "abc")
    c.append("app", "def")
    c.expire("k0", 5000)
    c.getex("k1", px=70000)
    c.setex("sx", 900, "v")
    c.delete("k2")
    with c.pipeline(transaction=True) as p:
        p.set("tx1", "1").incr("tx2").execute()
    c.execute_command("SELECT", 3)
    c.set("db3", "three")
    c.execute_command("SELECT", 0)
    c.set("bin", b"\x00\r\n\xff")


def restart(s, extra=None):
    s.stop()
    if extra is not None:
        s.extra_args = [str(a) for a in extra]
    s.start()
    return s


def kill9(s):
    s.proc.kill()
    s.proc.wait(timeout=10)


def start_fails(s, extra=None):
    """Starts s expecting it to refuse (exit 1); returns its log."""
    if extra is not None:
        s.extra_args = [str(a) for a in extra]
    with pytest.raises(RuntimeError):
        s.start(timeout=10)
    assert s.proc.returncode == 1
    return s.output()


@pytest.fixture
def aof_server(make_server):
    return make_server(extra_args=AOF_ON)


# ---------------------------------------------------------------- layout and restart

def test_fresh_start_creates_base_incr_and_manifest(aof_server):
    assert manifest_lines(aof_server) == [
        "file appendonly.aof.1.base.rdb seq 1 type b",
        "file appendonly.aof.1.incr.aof seq 1 type i",
    ]
    assert sorted(os.listdir(aof_dir(aof_server))) == [
        "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
    c = aof_server.client()
    p = info(c)
    assert p["aof_enabled"] == 1
    for field in ("aof_current_size", "aof_base_size", "aof_pending_rewrite",
                  "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync"):
        assert field in p
    check_aof(aof_server)


def test_info_when_disabled(server):
    p = info(server.client())
    assert p["aof_enabled"] == 0
    assert p["aof_last_bgrewrite_status"] == "ok"
    assert p["aof_last_write_status"] == "ok"
    assert "aof_current_size" not in p


def test_writes_survive_restart(aof_server):
    c = aof_server.client()
    fill(c)
    before = dataset(aof_server)
    check_aof(aof_server)
    restart(aof_server)
    assert dataset(aof_server) == before
    assert "DB loaded from append only file" in aof_server.output() or is_real_redis()


def test_appendonly_yes_without_aof_ignores_the_rdb(make_server):
    """Redis 7.0: with appendonly yes the AOF is the dataset, even when only an RDB exists."""
    s = make_server(extra_args=["--save", "", "--appendonly", "no"])
    c = s.client()
    c.set("from_rdb", "1")
    c.save()
    restart(s, AOF_ON)
    assert s.client().dbsize() == 0
    assert os.path.exists(os.path.join(aof_dir(s), "appendonly.aof.1.base.rdb"))


# ---------------------------------------------------------------- durability

def _incr_load(s, nthreads, stop, acked):
    def work(i):
        c = redis.Redis(host="127.0.0.1", port=s.port, socket_timeout=10)
        try:
            while not stop.is_set():
                c.incr("counter:%d" % i)
                acked[i] += 1
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            pass
        finally:
            c.close()
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(nthreads)]
    for t in threads:
        t.start()
    return threads


def _kill9_under_load_and_restart(s, stop, threads, acked):
    """kill -9 while the writers run, stop them, and restart: the acknowledged counts."""
    kill9(s)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    snapshot = list(acked)
    s.start()
    return snapshot


def test_kill9_with_appendfsync_always_keeps_every_acknowledged_write(make_server):
    s = make_server(extra_args=AOF_ON + ["--appendfsync", "always"])
    stop = threading.Event()
    acked = [0] * 4
    threads = _incr_load(s, 4, stop, acked)
    eventually(lambda: sum(acked) >= 2000, timeout=30, msg="INCR load too slow")
    snapshot = _kill9_under_load_and_restart(s, stop, threads, acked)
    c = s.client()
    for i, n in enumerate(snapshot):
        value = int(c.get("counter:%d" % i) or 0)
        # Every acknowledged INCR is there; at most the one in flight when killed is extra.
        assert n <= value <= n + 1, (i, n, value)


def test_kill9_with_appendfsync_always_keeps_acknowledged_list_and_hash_writes(make_server):
    # hashes past 64 fields are tables, so both encodings are replayed
    s = make_server(extra_args=AOF_ON + ["--appendfsync", "always",
                                         "--hash-max-listpack-entries", "64"])
    stop = threading.Event()
    acked = [0] * 4

    def work(i):
        # Each acknowledged step is one RPUSH of a unique id and one HSET of a unique field.
        c = redis.Redis(host="127.0.0.1", port=s.port, socket_timeout=10)
        try:
            while not stop.is_set():
                n = acked[i]
                c.rpush("queue:%d" % i, "job:%d" % n)
                c.hset("seen:%d" % i, "f%d" % n, "v%d" % n)
                acked[i] += 1
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            pass
        finally:
            c.close()
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    eventually(lambda: min(acked) >= 100, timeout=30, msg="list/hash load too slow")
    snapshot = _kill9_under_load_and_restart(s, stop, threads, acked)
    c = s.client()
    for i, n in enumerate(snapshot):
        jobs = c.lrange("queue:%d" % i, 0, -1)
        # every acknowledged push, in order, and at most the one in flight beyond them
        assert jobs[:n] == ["job:%d" % k for k in range(n)], i
        assert len(jobs) <= n + 1, (i, n, len(jobs))
        fields = c.hgetall("seen:%d" % i)
        assert all(fields.get("f%d" % k) == "v%d" % k for k in range(n)), i
        assert len(fields) <= n + 1 and len(fields) <= len(jobs), (i, n, len(fields))
    assert c.object("encoding", "seen:0") == "hashtable"


def test_kill9_with_everysec_loses_at_most_two_seconds(make_server):
    s = make_server(extra_args=AOF_ON + ["--appendfsync", "everysec"])
    acks = []
    stop = threading.Event()

    def work():
        c = redis.Redis(host="127.0.0.1", port=s.port, socket_timeout=10)
        try:
            while not stop.is_set():
                c.incr("counter")
                acks.append(time.monotonic())
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            pass
    t = threading.Thread(target=work, daemon=True)
    t.start()
    eventually(lambda: len(acks) >= 3000, timeout=30, msg="INCR load too slow")
    killed_at = time.monotonic()
    kill9(s)
    stop.set()
    t.join(timeout=10)
    s.start()
    value = int(s.client().get("counter") or 0)
    must_have = sum(1 for a in acks if a < killed_at - 2.0)
    assert must_have <= value <= len(acks) + 1


# ---------------------------------------------------------------- torn and corrupt files

def _write_and_stop(s):
    c = s.client()
    fill(c, n=20)
    before = dataset(s)
    s.stop()
    return before


def test_torn_last_record_loads_with_warning(aof_server):
    before = _write_and_stop(aof_server)
    path = incr_path(aof_server)
    good_size = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$5\r\nval")
    aof_server.start()
    assert dataset(aof_server) == before
    log = aof_server.output()
    assert "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!" in log
    assert "loaded anyway because aof-load-truncated is enabled" in log
    assert os.path.getsize(path) == good_size
    check_aof(aof_server)


def test_torn_last_record_refused_without_aof_load_truncated(aof_server):
    _write_and_stop(aof_server)
    with open(incr_path(aof_server), "ab") as f:
        f.write(b"*2\r\n$3\r\nDEL\r\n$2\r\nk")
    log = start_fails(aof_server, AOF_ON + ["--aof-load-truncated", "no"])
    assert "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" in log


def test_corrupt_record_in_the_middle_is_refused(aof_server):
    _write_and_stop(aof_server)
    path = incr_path(aof_server)
    with open(path, "rb") as f:
        data = f.read()
    cut = data.index(b"*", len(data) // 2)
    with open(path, "wb") as f:
        f.write(data[:cut] + b"this is not a command\r\n" + data[cut:])
    log = start_fails(aof_server)
    assert "Bad file format reading the append only file appendonly.aof.1.incr.aof" in log


def test_unfinished_transaction_at_the_end_is_reverted(aof_server):
    c = aof_server.client()
    c.set("before", "1")
    aof_server.stop()
    with open(incr_path(aof_server), "ab") as f:
        f.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$5\r\nlater\r\n$1\r\n1\r\n")
    aof_server.start()
    c = aof_server.client()
    assert c.get("before") == "1"
    assert c.get("later") is None
    assert "Revert incomplete MULTI/EXEC transaction in AOF file" in aof_server.output()


def test_invalid_manifest_is_refused(aof_server):
    aof_server.stop()
    with open(os.path.join(aof_dir(aof_server), "appendonly.aof.manifest"), "w") as f:
        f.write("file appendonly.aof.1.base.rdb seq 1\n")
    log = start_fails(aof_server)
    assert "Invalid AOF manifest file format" in log


# ---------------------------------------------------------------- rewrite

def test_bgrewriteaof_under_concurrent_writes(make_server):
    s = make_server(extra_args=AOF_ON)
    c = s.client()
    fill(c, n=2000)
    # Slow the child down so the writers below overlap it.
    c.config_set("rdb-key-save-delay", 500)
    stop = threading.Event()
    acked = [0] * 2
    threads = _incr_load(s, 2, stop, acked)
    eventually(lambda: sum(acked) > 100, timeout=10)
    raw = s.client(raw_replies=True)
    assert raw.execute_command("BGREWRITEAOF") == "Background append only file rewriting started"
    with pytest.raises(redis.ResponseError) as e:
        raw.execute_command("BGREWRITEAOF")
    assert str(e.value) == "Background append only file rewriting already in progress"
    assert info(c)["aof_rewrite_in_progress"] == 1
    written_during = sum(acked)
    wait_rewrite_done(c)
    assert sum(acked) > written_during, "no writes overlapped the rewrite"
    stop.set()
    for t in threads:
        t.join(timeout=10)
    c.config_set("rdb-key-save-delay", 0)
    p = info(c)
    assert p["aof_last_bgrewrite_status"] == "ok" and p["aof_rewrites"] >= 1
    assert manifest_lines(s) == [
        "file appendonly.aof.2.base.rdb seq 2 type b",
        "file appendonly.aof.2.incr.aof seq 2 type i",
    ]
    eventually(lambda: sorted(os.listdir(aof_dir(s))) == [
        "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"])
    before = dataset(s)
    check_aof(s)
    restart(s)
    assert dataset(s) == before


def test_rewrite_without_rdb_preamble_writes_commands(make_server):
    s = make_server(extra_args=AOF_ON + ["--aof-use-rdb-preamble", "no"])
    c = s.client()
    fill(c, n=10)
    assert manifest_files(s, "b") == ["appendonly.aof.1.base.aof"]
    c.execute_command("BGREWRITEAOF")
    wait_rewrite_done(c)
    assert manifest_files(s, "b") == ["appendonly.aof.2.base.aof"]
    with open(os.path.join(aof_dir(s), "appendonly.aof.2.base.aof"), "rb") as f:
        base = parse_commands(f.read())
    assert ["SELECT", "3"] in base and ["SET", "db3", "three"] in base
    assert any(cmd[0] == "PEXPIREAT" and cmd[1] == "ttl" for cmd in base)
    before = dataset(s)
    check_aof(s)
    restart(s)
    assert dataset(s) == before


def test_bgrewriteaof_is_scheduled_while_bgsave_runs(make_server):
    s = make_server(extra_args=AOF_ON)
    c = s.client()
    fill(c, n=500)
    c.config_set("rdb-key-save-delay", 2000)
    raw = s.client(raw_replies=True)
    assert raw.execute_command("BGSAVE") == "Background saving started"
    assert (raw.execute_command("BGREWRITEAOF")
            == "Background append only file rewriting scheduled")
    assert info(c)["aof_rewrite_scheduled"] == 1
    c.config_set("rdb-key-save-delay", 0)
    wait_rewrite_done(c, timeout=30)
    assert manifest_files(s, "b") == ["appendonly.aof.2.base.rdb"]


def test_history_kept_with_aof_disable_auto_gc(make_server):
    s = make_server(extra_args=AOF_ON + ["--aof-disable-auto-gc", "yes"])
    c = s.client()
    c.set("a", "1")
    c.execute_command("BGREWRITEAOF")
    wait_rewrite_done(c)
    assert manifest_lines(s) == [
        "file appendonly.aof.2.base.rdb seq 2 type b",
        "file appendonly.aof.1.incr.aof seq 1 type h",
        "file appendonly.aof.1.base.rdb seq 1 type h",
        "file appendonly.aof.2.incr.aof seq 2 type i",
    ]
    restart(s)
    assert s.client().get("a") == "1"


def test_automatic_rewrite_on_growth(make_server):
    s = make_server(extra_args=AOF_ON + ["--auto-aof-rewrite-min-size", "1mb",
                                          "--auto-aof-rewrite-percentage", "100"])
    c = s.client()
    value = "x" * 1000
    pipe = c.pipeline(transaction=False)
    for i in range(1500):
        pipe.set("big%d" % (i % 10), value)
    pipe.execute()
    eventually(lambda: info(c)["aof_rewrites"] >= 1, timeout=10)
    wait_rewrite_done(c)
    assert info(c)["aof_current_size"] < 1024 * 1024


def test_config_set_appendonly_at_runtime(server):
    c = server.client()
    fill(c, n=30)
    assert c.config_set("appendonly", "yes")
    eventually(lambda: info(c)["aof_enabled"] == 1 and info(c)["aof_rewrite_in_progress"] == 0
               and os.path.exists(os.path.join(aof_dir(server), "appendonly.aof.manifest")))
    wait_rewrite_done(c)
    c.set("after", "1")
    assert manifest_files(server, "i") == ["appendonly.aof.1.incr.aof"]
    before = dataset(server)
    check_aof(server)
    restart(server, AOF_ON)
    assert dataset(server) == before
    c = server.client()
    assert c.config_set("appendonly", "no")
    assert info(c)["aof_enabled"] == 0
    c.set("not-logged", "1")
    restart(server, AOF_ON)
    assert server.client().get("not-logged") is None


def test_old_single_file_aof_is_adopted(make_server):
    s = make_server(start=False, extra_args=AOF_ON)
    with open(os.path.join(s.dir, "appendonly.aof"), "wb") as f:
        f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$1\r\n1\r\n")
    s.start()
    assert s.client().get("old") == "1"
    assert manifest_lines(s) == [
        "file appendonly.aof seq 1 type b",
        "file appendonly.aof.1.incr.aof seq 1 type i",
    ]
    assert not os.path.exists(os.path.join(s.dir, "appendonly.aof"))
    s.client().set("new", "2")
    restart(s)
    assert s.client().mget("old", "new") == ["1", "2"]


def test_timestamp_annotations(make_server):
    s = make_server(extra_args=AOF_ON + ["--aof-timestamp-enabled", "yes",
                                          "--aof-use-rdb-preamble", "no"])
    c = s.client()
    c.set("a", "1")
    # A write in a later second than the previous one is preceded by an annotation.
    t0 = int(time.time())
    eventually(lambda: int(time.time()) > t0, timeout=3)
    c.set("a2", "1")
    # With appendfsync everysec a write may wait (up to 2 s, as in Redis) behind an fsync still
    # running in the background, while the reply already went out: poll the file.
    pattern = re.compile(rb"#TS:\d+\r\n\*3\r\n\$3\r\nSET\r\n\$2\r\na2")

    def annotated():
        with open(incr_path(s), "rb") as f:
            return pattern.search(f.read())

    eventually(annotated, timeout=5)
    c.execute_command("BGREWRITEAOF")
    wait_rewrite_done(c)
    with open(os.path.join(aof_dir(s), manifest_files(s, "b")[0]), "rb") as f:
        assert f.read().startswith(b"#TS:")
    c.set("b", "2")
    check_aof(s)
    restart(s)
    assert s.client().mget("a", "a2", "b") == ["1", "1", "2"]


# ---------------------------------------------------------------- the stream's form

def test_ttls_are_absolute_and_expirations_are_deletes(aof_server):
    c = aof_server.client()
    c.set("a", "1", ex=100)
    c.setex("b", 100, "v")
    c.expire("a", 200)
    c.incrbyfloat("f", "2.5")
    c.getex("a", ex=50)
    c.getex("a", persist=True)
    c.set("short", "x", px=50)   # expires actively
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    c.set("lazy", "x", px=50)    # expires on access
    deadline = time.time() + 0.2
    eventually(lambda: time.time() > deadline)
    assert c.get("lazy") is None
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    eventually(lambda: ["DEL", "short"] in incr_commands(aof_server), timeout=5)
    cmds = incr_commands(aof_server)
    heads = [cmd[:2] + cmd[3:4] for cmd in cmds]
    assert ["SET", "a", "PXAT"] in heads and ["SET", "b", "PXAT"] in heads
    assert ["PEXPIREAT", "a"] in [cmd[:2] for cmd in cmds]
    assert ["SET", "f", "KEEPTTL"] in heads
    assert ["PERSIST", "a"] in cmds
    assert ["DEL", "lazy"] in cmds
    for cmd in cmds:
        if cmd[0] in ("SET", "PEXPIREAT") and len(cmd) > 3 and cmd[-2] == "PXAT":
            assert abs(int(cmd[-1]) / 1000 - time.time()) < 300


def _normalize(cmds):
    """Absolute times replaced by their rounded offset from now, names upper-cased."""
    out = []
    now = time.time() * 1000
    for cmd in cmds:
        norm = [cmd[0].upper()]
        for a in cmd[1:]:
            if re.fullmatch(r"1\d{12}", a):
                a = "T%+d" % round((int(a) - now) / 10000)
            norm.append(a)
        out.append(norm)
    return out


STREAM_SCRIPT = [
    ["SET", "a", "1", "EX", "100"], ["SET", "b", "2", "GET"], ["SET", "b", "3", "NX"],
    ["SET", "c", "1", "PX", "100000", "NX", "GET"], ["EXPIRE", "a", "200", "GT"],
    ["PEXPIRE", "a", "300000"], ["SETEX", "d", "100", "v"], ["INCRBYFLOAT", "f", "1.5"],
    ["GETEX", "a", "EX", "50"], ["GETEX", "a", "PERSIST"], ["GETEX", "c", "EXAT", "1"],
    ["MULTI"], ["SET", "m1", "1"], ["EXEC"], ["MULTI"], ["SET", "m2", "1"], ["INCR", "m2"],
    ["EXEC"], ["MULTI"], ["GET", "m1"], ["EXEC"], ["APPEND", "s", "x"], ["SETRANGE", "s", "3", "y"],
    ["SELECT", "3"], ["SET", "x", "1"], ["INCRBYFLOAT", "x", "1"], ["SELECT", "0"],
    ["MSET", "p", "1", "q", "2"], ["DEL", "p", "nope"], ["RENAME", "q", "q2"], ["PERSIST", "d"],
    ["SETNX", "n", "1"], ["SETNX", "n", "2"], ["MSETNX", "n", "3", "o", "4"],
    ["MSETNX", "o", "4", "o2", "5"], ["GETSET", "n", "9"], ["GETDEL", "o"], ["INCRBY", "n", "5"],
    ["DECRBY", "n", "2"], ["DECR", "n"], ["PSETEX", "ps", "5000", "v"],
    ["EXPIREAT", "ps", "4000000000"], ["PEXPIREAT", "ps", "4000000000000", "XX"],
    ["SET", "ps", "w", "KEEPTTL"], ["SET", "ps", "w2", "EXAT", "4000000001"],
    ["EXPIRE", "ps", "-1"], ["RENAMENX", "n", "m1"], ["RENAMENX", "n", "n2"],
    ["COPY", "n2", "n3"], ["COPY", "n2", "n3", "DB", "5", "REPLACE"], ["MOVE", "n3", "6"],
    ["SWAPDB", "5", "6"], ["UNLINK", "n2", "zz"], ["CONFIG", "SET", "lazyfree-lazy-user-del", "yes"],
    ["DEL", "m1"], ["CONFIG", "SET", "lazyfree-lazy-expire", "yes"], ["SET", "e", "1"],
    ["EXPIRE", "e", "0"], ["GETEX", "s", "PXAT", "1"], ["SELECT", "5"], ["FLUSHDB"],
    ["SELECT", "0"], ["FLUSHALL", "ASYNC"], ["SET", "last", "1"],
]


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server not installed")
def test_stream_matches_redis_server(make_server):
    streams = []
    for binary in (None, REDIS_SERVER):
        s = make_server(extra_args=AOF_ON + ["--appendfsync", "always"], binary=binary)
        conn = s.conn()
        for cmd in STREAM_SCRIPT:
            conn.call(*cmd)
        streams.append(_normalize(incr_commands(s)))
    assert streams[0] == streams[1]


# ---------------------------------------------------------------- disk errors

def test_write_errors_refuse_writes_with_misconf(make_server):
    s = make_server(extra_args=AOF_ON + ["--appendfsync", "everysec"])
    c = s.client()
    c.set("a", "1")
    # The incr file the next rewrite opens is a full disk.
    os.symlink("/dev/full", os.path.join(aof_dir(s), "appendonly.aof.2.incr.aof"))
    c.execute_command("BGREWRITEAOF")
    wait_rewrite_done(c)
    c.set("b", "1")  # accepted: the error shows when it is written
    eventually(lambda: info(c)["aof_last_write_status"] == "err")
    expected = "MISCONF Errors writing to the AOF file: No space left on device"
    with pytest.raises(redis.ResponseError) as e:
        c.set("c", "1")
    assert str(e.value) == expected
    with pytest.raises(redis.ResponseError) as e:
        c.ping()
    assert str(e.value) == expected
    assert c.get("a") == "1"  # reads still work
    # Turning the AOF off clears the condition.
    assert c.config_set("appendonly", "no")
    assert c.set("c", "1")


def test_write_error_with_appendfsync_always_exits(make_server):
    """The reply is queued but the write cannot be made durable: Redis exits before replying."""
    s = make_server(extra_args=AOF_ON + ["--appendfsync", "always"])
    c = s.client()
    os.symlink("/dev/full", os.path.join(aof_dir(s), "appendonly.aof.2.incr.aof"))
    c.execute_command("BGREWRITEAOF")
    wait_rewrite_done(c)
    with pytest.raises((redis.ConnectionError, redis.TimeoutError)):
        c.set("lost", "1")
    assert s.wait_exit() == 1
    assert ("Can't recover from AOF write error when the AOF fsync policy is 'always'. "
            "Exiting...") in s.output()


def test_file_listed_in_the_manifest_but_missing_is_refused(aof_server):
    aof_server.client().set("a", "1")
    aof_server.stop()
    os.unlink(os.path.join(aof_dir(aof_server), "appendonly.aof.1.base.rdb"))
    log = start_fails(aof_server)
    assert "Unable to obtain the AOF file appendonly.aof.1.base.rdb length" in log


# ---------------------------------------------------------------- interoperability

def _compare_with(make_server, writer_binary, reader_binary, extra):
    w = make_server(extra_args=AOF_ON + extra, binary=writer_binary)
    c = w.client()
    fill(c, n=100)
    c.execute_command("BGREWRITEAOF")
    wait_rewrite_done(c)
    fill(c, n=20, prefix="after")  # in the incr file after the rewrite
    before = dataset(w)
    w.stop()
    r = ServerProcess(extra_args=AOF_ON + extra, binary=reader_binary, start=False)
    shutil.rmtree(r.dir)
    r.dir = w.dir
    r.log_path = os.path.join(w.dir, "reader.log")
    try:
        r.start()
        assert dataset(r) == before
    finally:
        r.stop()


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server not installed")
@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_redis_server_loads_our_aof(make_server, preamble):
    _compare_with(make_server, None, REDIS_SERVER, ["--aof-use-rdb-preamble", preamble])


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="redis-server not installed")
@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_we_load_redis_server_aof(make_server, preamble):
    _compare_with(make_server, REDIS_SERVER, None, ["--aof-use-rdb-preamble", preamble])
