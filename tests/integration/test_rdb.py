"""RDB persistence: SAVE/BGSAVE, loading at start-up, save points, SHUTDOWN, MISCONF, DEBUG RELOAD,
DUMP/RESTORE, and interoperability with Debian's redis-server 7.0 and redis-check-rdb.

Run with SABLE_SERVER=/usr/bin/redis-server to check the expectations against real Redis; the
few Sable-only messages are skipped then.
"""
import os
import shutil
import subprocess

import pytest
import redis

from conftest import ServerProcess, eventually, is_real_redis

REDIS_SERVER = "/usr/bin/redis-server"
REDIS_CHECK_RDB = shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb"
needs_redis = pytest.mark.skipif(not os.path.exists(REDIS_SERVER),
                                 reason="Debian's redis-server is not installed")


def info(c, section="persistence"):
    """INFO section as a dict with integer values where they are integers, from any client."""
    raw = c.execute_command("INFO", section)
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, bytes):
        raw = raw.decode()
    out = {}
    for line in raw.splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        k, v = line.split(":", 1)
        try:
            out[k] = int(v)
        except ValueError:
            out[k] = v
    return out


def wait_bgsave_done(c, timeout=20.0):
    """Poll INFO until no BGSAVE runs; returns the persistence section."""
    return eventually(lambda: (lambda i: i if i["rdb_bgsave_in_progress"] == 0 else None)(
        info(c)), timeout=timeout, msg="BGSAVE still in progress")


def populate(c):
    """A dataset across all 16 dbs: every string encoding, binary values, big values, TTLs.
    Returns {db: {key: (value, has_ttl)}}."""
    data = {}
    for db in range(16):
        c.execute_command("SELECT", db)
        keys = {}
        vals = {
            b"int:%d" % db: b"%d" % (db * 1000 - 7),
            b"neg": b"-9223372036854775808",
            b"big-int": b"9223372036854775807",
            b"not-int": b"007",
            b"embstr": b"hello from db %d" % db,
            b"raw": b"r" * 45 + b"%d" % db,
            b"binary": bytes(range(256)),
            b"crlf": b"a\r\nb\x00c",
            b"empty": b"",
            b"\x00key\xff": b"binary key",
        }
        if db in (0, 15):
            vals[b"big-compressible"] = b"abc" * 200000
            vals[b"big-random"] = os.urandom(100000)
        for k, v in vals.items():
            c.set(k, v)
            keys[k] = (v, False)
        c.set(b"ttl-ms", b"v", px=500000)
        c.set(b"ttl-s", b"12", ex=3600)
        keys[b"ttl-ms"] = (b"v", True)
        keys[b"ttl-s"] = (b"12", True)
        data[db] = keys
    c.execute_command("SELECT", 0)
    return data


def check_dataset(c, data):
    for db, keys in data.items():
        c.execute_command("SELECT", db)
        assert c.dbsize() == len(keys), db
        for k, (v, has_ttl) in keys.items():
            assert c.get(k) == v, (db, k)
            pttl = c.pttl(k)
            if has_ttl:
                assert pttl > 0, (db, k, pttl)
            else:
                assert pttl == -1, (db, k, pttl)
    c.execute_command("SELECT", 0)


def encodings(c, data):
    out = {}
    for db, keys in data.items():
        c.execute_command("SELECT", db)
        for k in keys:
            out[(db, k)] = c.object("encoding", k)
    c.execute_command("SELECT", 0)
    return out


def restart(s):
    s.stop()
    s.start()
    return s.client(decode_responses=False)


# -- SAVE / load --------------------------------------------------------------------------------

def test_save_then_restart_loads_everything(server):
    c = server.client(decode_responses=False)
    data = populate(c)
    before_enc = encodings(c, data)
    digest = c.execute_command("DEBUG", "DIGEST")
    assert c.save() is True
    assert os.path.exists(os.path.join(server.dir, "dump.rdb"))
    assert info(c)["rdb_changes_since_last_save"] == 0
    c = restart(server)
    check_dataset(c, data)
    assert encodings(c, data) == before_enc
    assert c.execute_command("DEBUG", "DIGEST") == digest
    assert info(c)["rdb_last_load_keys_loaded"] == sum(len(k) for k in data.values())
    if not is_real_redis():
        assert "DB loaded from disk" in server.output()


def test_rdbcompression_and_checksum_off(make_server):
    s = make_server(["--rdbcompression", "no", "--rdbchecksum", "no"])
    c = s.client(decode_responses=False)
    c.set("k", b"x" * 10000)
    assert c.save() is True
    with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
        raw = f.read()
    assert raw.endswith(b"\xff" + b"\x00" * 8)
    assert len(raw) > 10000  # not compressed
    c = restart(s)
    assert c.get("k") == b"x" * 10000


def test_expired_keys_are_not_loaded(server):
    c = server.client()
    c.set("short", "v", px=300)
    c.set("long", "v", ex=1000)
    assert c.save() is True
    eventually(lambda: c.exists("short") == 0, timeout=5)
    c = restart(server)
    assert c.exists("short") == 0
    assert c.get("long") == b"v"
    assert info(c)["rdb_last_load_keys_expired"] == 1


def test_missing_file_starts_empty(server):
    c = server.client()
    assert c.dbsize() == 0
    assert info(c)["rdb_last_load_keys_loaded"] == 0


def test_info_persistence_fields(server):
    c = server.client()
    i = info(c)
    assert i["rdb_bgsave_in_progress"] == 0
    assert i["rdb_last_bgsave_status"] == "ok"
    assert i["rdb_last_bgsave_time_sec"] == -1
    assert i["rdb_current_bgsave_time_sec"] == -1
    assert i["loading"] == 0
    saves = i["rdb_saves"]
    c.set("a", "1")
    assert info(c)["rdb_changes_since_last_save"] == 1
    c.save()
    assert info(c)["rdb_saves"] == saves + 1
    forks = info(c, "stats")["total_forks"]
    assert c.bgsave()
    i = wait_bgsave_done(c)
    assert i["rdb_saves"] == saves + 2
    assert i["rdb_last_bgsave_time_sec"] >= 0
    st = info(c, "stats")
    assert st["total_forks"] == forks + 1
    assert st["latest_fork_usec"] > 0


# -- BGSAVE ---------------------------------------------------------------------------------------

def test_bgsave_completes_and_updates_lastsave(server):
    c = server.client(raw_replies=True)
    for i in range(1000):
        c.set("key:%d" % i, "value:%d" % i)
    before = c.execute_command("LASTSAVE")
    assert c.execute_command("BGSAVE") == "Background saving started"
    i = wait_bgsave_done(c)
    assert i["rdb_last_bgsave_status"] == "ok"
    assert i["rdb_changes_since_last_save"] == 0
    assert c.execute_command("LASTSAVE") >= before
    path = os.path.join(server.dir, "dump.rdb")
    assert os.path.exists(path)
    assert not [f for f in os.listdir(server.dir) if f.startswith("temp-")]
    c = restart(server)
    assert c.dbsize() == 1000


def test_bgsave_in_progress_errors(make_server):
    s = make_server(["--rdb-key-save-delay", "200000"])  # 0.2 s per key
    c = s.client(raw_replies=True)
    for i in range(5):
        c.set("k%d" % i, "v")
    assert c.execute_command("BGSAVE") == "Background saving started"
    i = info(c)
    assert i["rdb_bgsave_in_progress"] == 1
    assert i["rdb_current_bgsave_time_sec"] >= 0
    with pytest.raises(redis.ResponseError, match="^Background save already in progress$"):
        c.execute_command("BGSAVE")
    with pytest.raises(redis.ResponseError, match="^Background save already in progress$"):
        c.execute_command("SAVE")
    # Writes go on while the child saves; they stay counted as unsaved.
    c.set("during", "x")
    i = wait_bgsave_done(c)
    assert i["rdb_last_bgsave_status"] == "ok"
    assert i["rdb_changes_since_last_save"] == 1


def test_bgsave_syntax_and_schedule_in_exec(server):
    c = server.client(raw_replies=True)
    with pytest.raises(redis.ResponseError, match="syntax error"):
        c.execute_command("BGSAVE", "NOW")
    c.set("k", "v")
    saves = info(c)["rdb_saves"]
    p = c.pipeline(transaction=True)
    p.execute_command("BGSAVE")
    assert p.execute() == ["Background saving scheduled"]
    # The scheduled save runs from cron once nothing else forks.
    i = eventually(lambda: (lambda i: i if i["rdb_saves"] > saves and
                            i["rdb_bgsave_in_progress"] == 0 else None)(info(c)), timeout=10)
    assert i["rdb_last_bgsave_status"] == "ok"
    assert os.path.exists(os.path.join(server.dir, "dump.rdb"))


def test_save_points_trigger_bgsave(make_server):
    s = make_server(["--save", "1 2"])
    c = s.client()
    c.set("a", "1")
    c.set("b", "2")
    eventually(lambda: info(c)["rdb_changes_since_last_save"] == 0 and
               info(c)["rdb_bgsave_in_progress"] == 0, timeout=15,
               msg="save point did not trigger")
    assert os.path.exists(os.path.join(s.dir, "dump.rdb"))
    assert info(c)["rdb_last_bgsave_status"] == "ok"


def test_save_point_needs_enough_changes(make_server):
    s = make_server(["--save", "1 100"])
    c = s.client()
    c.set("a", "1")
    saves = info(c)["rdb_saves"]
    # Poll for a while: with 1 change of the 100 needed, nothing is saved.
    with pytest.raises(AssertionError):
        eventually(lambda: info(c)["rdb_saves"] > saves, timeout=2.5)
    assert not os.path.exists(os.path.join(s.dir, "dump.rdb"))


def test_flushall_resets_the_rdb_with_save_points(make_server):
    s = make_server(["--save", "3600 1"])
    c = s.client()
    c.set("k", "v")
    assert c.save() is True
    c.flushall()
    # The file on disk is empty now: a crash (SIGKILL, no final save) does not resurrect "k".
    s.proc.kill()
    s.wait_exit()
    s.start()
    assert s.client().dbsize() == 0


# -- SHUTDOWN -------------------------------------------------------------------------------------

def test_shutdown_saves_with_save_points(make_server):
    s = make_server(["--save", "3600 1"])
    c = s.client()
    c.set("persisted", "yes")
    c.shutdown()  # redis-py treats the closed connection as success
    assert s.wait_exit() == 0
    s.start()
    assert s.client().get("persisted") == "yes"


def test_shutdown_nosave_and_save_flags(make_server):
    s = make_server()  # --save "": no save points
    c = s.client()
    c.set("k", "v")
    c.shutdown(nosave=True)
    assert s.wait_exit() == 0
    assert not os.path.exists(os.path.join(s.dir, "dump.rdb"))
    s.start()
    c = s.client()
    c.set("k", "v")
    c.shutdown(save=True)
    assert s.wait_exit() == 0
    s.start()
    assert s.client().get("k") == "v"


def test_sigterm_saves_with_save_points(make_server):
    s = make_server(["--save", "3600 1"])
    s.client().set("k", "v")
    s.stop()  # SIGTERM
    s.start()
    assert s.client().get("k") == "v"


# -- corrupt files --------------------------------------------------------------------------------

def saved_file(server):
    c = server.client()
    for i in range(200):
        c.set("key:%d" % i, "value:%d" % i * 3)
    c.save()
    with open(os.path.join(server.dir, "dump.rdb"), "rb") as f:
        return f.read()


def start_fails(s):
    with pytest.raises(RuntimeError, match="exited with [1-9]"):
        s.start()
    return s.output()


def test_truncated_rdb_stops_startup(server):
    raw = saved_file(server)
    server.stop()
    for cut in (5, 20, len(raw) // 2, len(raw) - 4):
        with open(os.path.join(server.dir, "dump.rdb"), "wb") as f:
            f.write(raw[:cut])
        out = start_fails(server)
        assert "Short read" in out, out


def test_bad_checksum_stops_startup(server):
    raw = bytearray(saved_file(server))
    server.stop()
    raw[-1] ^= 0xff
    with open(os.path.join(server.dir, "dump.rdb"), "wb") as f:
        f.write(raw)
    out = start_fails(server)
    assert "checksum" in out.lower(), out


def test_garbage_file_stops_startup(server):
    server.stop()
    with open(os.path.join(server.dir, "dump.rdb"), "wb") as f:
        f.write(b"NOT AN RDB FILE AT ALL")
    out = start_fails(server)
    assert "Wrong signature" in out, out


# -- MISCONF --------------------------------------------------------------------------------------

MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
           "the RDB error.")


def test_misconf_after_failed_bgsave(make_server):
    s = make_server(["--save", "3600 1"])
    c = s.client(raw_replies=True)
    c.set("k", "v")
    # As root no permission bit stops us: a directory where the file goes makes rename() fail.
    blocker = os.path.join(s.dir, "dump.rdb")
    os.mkdir(blocker)
    conn = s.conn()
    assert str(conn.call("SAVE")) == "ERR"  # Redis's bare error; the reason is in the log
    assert c.execute_command("BGSAVE") == "Background saving started"
    i = wait_bgsave_done(c)
    assert i["rdb_last_bgsave_status"] == "err"
    err = conn.call("SET", "k", "v2")
    assert str(err) == MISCONF
    assert str(conn.call("PING")) == MISCONF
    assert conn.call("GET", "k") == b"v"
    assert not [f for f in os.listdir(s.dir) if f.startswith("temp-")]
    # MULTI: the queued write is refused, so EXEC aborts.
    assert conn.call("MULTI") == "OK"
    assert str(conn.call("SET", "x", "1")) == MISCONF
    assert str(conn.call("EXEC")).startswith("EXECABORT")
    # Turning the option off lets writes through; without save points there is no MISCONF.
    c.config_set("stop-writes-on-bgsave-error", "no")
    assert conn.call("SET", "k", "v3") == "OK"
    c.config_set("stop-writes-on-bgsave-error", "yes")
    assert str(conn.call("SET", "k", "v3")) == MISCONF
    # Fixed: a successful BGSAVE clears the state.
    os.rmdir(blocker)
    assert c.execute_command("BGSAVE") == "Background saving started"
    assert wait_bgsave_done(c)["rdb_last_bgsave_status"] == "ok"
    assert conn.call("SET", "k", "v4") == "OK"


def test_shutdown_refused_when_final_save_fails(make_server):
    s = make_server(["--save", "3600 1"])
    c = s.client()
    c.set("k", "v")
    os.mkdir(os.path.join(s.dir, "dump.rdb"))
    with pytest.raises(redis.ResponseError, match="Errors trying to SHUTDOWN"):
        c.shutdown()
    assert s.alive()
    os.rmdir(os.path.join(s.dir, "dump.rdb"))


# -- DEBUG RELOAD ---------------------------------------------------------------------------------

def test_debug_reload(server):
    c = server.client(decode_responses=False)
    data = populate(c)
    digest = c.execute_command("DEBUG", "DIGEST")
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    check_dataset(c, data)
    assert c.execute_command("DEBUG", "DIGEST") == digest
    # NOSAVE: back to the file, dropping what changed since.
    c.set("later", "x")
    c.delete("embstr")
    assert c.execute_command("DEBUG", "RELOAD", "NOSAVE") == b"OK"
    assert c.exists("later") == 0
    assert c.get("embstr") == b"hello from db 0"
    with pytest.raises(redis.ResponseError, match="only supports the MERGE, NOFLUSH and NOSAVE"):
        c.execute_command("DEBUG", "RELOAD", "BOGUS")


# -- redis-check-rdb and real Redis ----------------------------------------------------------------

def test_redis_check_rdb_accepts_our_file(server):
    c = server.client(decode_responses=False)
    populate(c)
    c.save()
    r = subprocess.run([REDIS_CHECK_RDB, os.path.join(server.dir, "dump.rdb")],
                       capture_output=True, timeout=60)
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0, out
    assert "RDB looks OK" in out


def compare_servers(a, b, dbs=range(16)):
    """Every key of a is in b with the same value and (about) the same TTL, and nothing else."""
    for db in dbs:
        a.execute_command("SELECT", db)
        b.execute_command("SELECT", db)
        keys = set(a.keys("*"))
        assert set(b.keys("*")) == keys, db
        for k in keys:
            assert b.type(k) == a.type(k)
            assert b.get(k) == a.get(k), (db, k)
            ta, tb = a.pttl(k), b.pttl(k)
            if ta == -1:
                assert tb == -1, (db, k)
            else:
                assert abs(ta - tb) < 60000, (db, k, ta, tb)
    a.execute_command("SELECT", 0)
    b.execute_command("SELECT", 0)


@needs_redis
def test_real_redis_loads_our_rdb(server, make_server):
    c = server.client(decode_responses=False)
    populate(c)
    c.save()
    real = make_server(binary=REDIS_SERVER, start=False)
    shutil.copy(os.path.join(server.dir, "dump.rdb"), os.path.join(real.dir, "dump.rdb"))
    real.start()
    rc = real.client(decode_responses=False)
    compare_servers(c, rc)
    assert rc.execute_command("DEBUG", "DIGEST") == c.execute_command("DEBUG", "DIGEST")


@needs_redis
def test_we_load_real_redis_rdb(server, make_server):
    real = make_server(binary=REDIS_SERVER)
    rc = real.client(decode_responses=False)
    populate(rc)
    rc.save()
    server.stop()
    shutil.copy(os.path.join(real.dir, "dump.rdb"), os.path.join(server.dir, "dump.rdb"))
    server.start()
    c = server.client(decode_responses=False)
    compare_servers(rc, c)
    assert c.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")


@needs_redis
def test_streams_cross_the_rdb_both_ways_with_real_redis(server, make_server):
    from test_streams import KEYS, fill, xinfo_full
    real = make_server(binary=REDIS_SERVER)
    for src, dst in ((real, server), (server, real)):
        c = src.conn()
        c.call("FLUSHALL")
        fill(c)
        before = {k: xinfo_full(c, k) for k in KEYS}
        digest = c.call("DEBUG", "DIGEST")
        assert c.call("SAVE") == "OK"
        dst.stop()
        shutil.copy(os.path.join(src.dir, "dump.rdb"), os.path.join(dst.dir, "dump.rdb"))
        dst.start()
        d = dst.conn()
        assert {k: xinfo_full(d, k) for k in KEYS} == before
        assert d.call("DEBUG", "DIGEST") == digest


# -- DUMP / RESTORE -----------------------------------------------------------------------------

def test_dump_restore_roundtrip(server):
    c = server.client(decode_responses=False)
    values = [b"1", b"-129", b"2147483648", b"", b"x" * 21, b"ab" * 5000, bytes(range(256))]
    for i, v in enumerate(values):
        c.set("k%d" % i, v)
        payload = c.dump("k%d" % i)
        assert c.restore("copy%d" % i, 0, payload) == b"OK"
        assert c.get("copy%d" % i) == v
        assert c.object("encoding", "copy%d" % i) == c.object("encoding", "k%d" % i)
    assert c.dump("missing") is None
    payload = c.dump("k0")
    conn = server.conn()
    assert str(conn.call("RESTORE", "k0", 0, payload)) == "BUSYKEY Target key name already exists."
    assert c.restore("k0", 0, payload, replace=True) == b"OK"
    assert str(conn.call("RESTORE", "n", -1, payload)) == "ERR Invalid TTL value, must be >= 0"
    bad = payload[:-1] + bytes([payload[-1] ^ 1])
    assert (str(conn.call("RESTORE", "n", 0, bad)) ==
            "ERR DUMP payload version or checksum are wrong")
    assert (str(conn.call("RESTORE", "n", "x", payload)) ==
            "ERR value is not an integer or out of range")
    assert (str(conn.call("RESTORE", "n", 0, payload, "IDLETIME", -1)) ==
            "ERR Invalid IDLETIME value, must be >= 0")
    assert (str(conn.call("RESTORE", "n", 0, payload, "FREQ", 256)) ==
            "ERR Invalid FREQ value, must be >= 0 and <= 255")
    assert str(conn.call("RESTORE", "n", 0, payload, "REPLACE", "X")) == "ERR syntax error"
    assert c.restore("t", 10000, payload) == b"OK"
    assert 9000 < c.pttl("t") <= 10000
    assert c.restore("u", 1, payload, absttl=True) == b"OK"  # long past: nothing created
    assert c.exists("u") == 0
    assert c.restore("idle", 0, payload, idletime=1000) == b"OK"
    assert c.object("idletime", "idle") >= 1000


@needs_redis
def test_dump_restore_across_real_redis(server, make_server):
    real = make_server(binary=REDIS_SERVER)
    rc = real.client(decode_responses=False)
    c = server.client(decode_responses=False)
    values = [b"7", b"-32769", b"9223372036854775807", b"hello", b"z" * 1000, os.urandom(3000)]
    for i, v in enumerate(values):
        k = "k%d" % i
        rc.set(k, v)
        c.set(k, v)
        theirs, ours = rc.dump(k), c.dump(k)
        assert ours == theirs, v[:20]  # byte-identical payloads, LZF included
        assert c.restore("from-redis%d" % i, 0, theirs) == b"OK"
        assert c.get("from-redis%d" % i) == v
        assert rc.restore("from-sable%d" % i, 5000, ours) == b"OK"
        assert rc.get("from-sable%d" % i) == v
    # Hashes both ways: a listpack and a hashtable written by Redis, and ours read by Redis.
    rc.hset("h", mapping={"f": "v", "n": "12"})
    rc.hset("big", mapping={"f%d" % i: "v" * (i % 70) for i in range(600)})
    for k in ("h", "big"):
        assert c.restore("from-redis-" + k, 0, rc.dump(k)) == b"OK"
        assert c.hgetall("from-redis-" + k) == rc.hgetall(k)
        c.restore("ours-" + k, 0, rc.dump(k))
        assert rc.restore("from-sable-" + k, 0, c.dump("ours-" + k)) == b"OK"
        assert rc.hgetall("from-sable-" + k) == rc.hgetall(k)
    rc.xadd("x", {"f": "v"}, id="1-1")
    assert c.restore("x", 0, rc.dump("x")) == b"OK"
    assert c.xrange("x") == [(b"1-1", {b"f": b"v"})]
