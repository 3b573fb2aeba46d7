"""SLOWLOG, MONITOR and LATENCY as Redis 7.0.15 answers them; each test runs against Sable and,
where Debian's redis-server is installed, against Redis with the same assertions.
"""
import os
import re
import socket
import time

import pytest

from conftest import RespError, eventually

REDIS_SERVER = "/usr/bin/redis-server"


def start(make_server, binary, args=()):
    if binary == "redis" and not os.path.exists(REDIS_SERVER):
        pytest.skip("needs Debian's redis-server")
    return make_server(extra_args=list(args),
                       binary=REDIS_SERVER if binary == "redis" else None)


def info(c, section):
    text = c.call("INFO", section).decode()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


@pytest.mark.parametrize("binary", ["sable", "redis"])
def test_slowlog_entries(make_server, binary):
    s = start(make_server, binary, ["--slowlog-log-slower-than", "0"])
    c = s.conn()
    assert c.call("CLIENT", "SETNAME", "worker") == "OK"
    assert c.call("SLOWLOG", "RESET") == "OK"
    assert c.call("SLOWLOG", "LEN") == 1  # the RESET itself, which ran past the threshold
    assert c.call("SET", "k", "v") == "OK"
    big = "x" * 200
    assert c.call("RPUSH", "l", big, *["e%d" % i for i in range(40)]) == 41
    assert isinstance(c.call("AUTH", "someone", "secret"), RespError)
    assert c.call("MULTI") == "OK"
    assert c.call("INCR", "n") == "QUEUED"
    assert c.call("EXEC") == [1]
    assert c.call("EVAL", "return redis.call('GET', 'k')", 0) == b"v"
    entries = c.call("SLOWLOG", "GET", -1)
    # newest first: EVAL, its GET (from the script client), INCR and MULTI (EXEC itself is never
    # logged), AUTH, RPUSH, SET, SLOWLOG LEN and RESET
    names = [e[3][0] for e in entries]
    assert names == [b"EVAL", b"GET", b"INCR", b"MULTI", b"AUTH", b"RPUSH", b"SET", b"SLOWLOG",
                     b"SLOWLOG"]
    ids = [e[0] for e in entries]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    ev, script_get, incr, _, auth, rpush, set_ = entries[:7]
    now = int(time.time())
    for e in entries:
        assert len(e) == 6
        assert abs(e[1] - now) <= 5 and e[2] >= 0
    port = c.sock.getsockname()[1]
    assert set_[3] == [b"SET", b"k", b"v"]
    assert set_[4] == ("127.0.0.1:%d" % port).encode() and set_[5] == b"worker"
    assert auth[3] == [b"AUTH", b"(redacted)", b"(redacted)"]
    # 32 arguments at most, the last saying how many were left out; 128 bytes each
    assert len(rpush[3]) == 32
    assert rpush[3][2] == b"x" * 128 + b"... (72 more bytes)"
    assert rpush[3][31] == b"... (12 more arguments)"
    assert incr[3] == [b"INCR", b"n"]
    assert script_get[3] == [b"GET", b"k"] and script_get[4] == b"?:0"
    assert ev[3][0] == b"EVAL"

    assert len(c.call("SLOWLOG", "GET")) == len(entries) + 1  # default 10
    assert [e[0] for e in c.call("SLOWLOG", "GET", 2)] == [ids[0] + 2, ids[0] + 1]
    err = RespError("ERR count should be greater than or equal to -1")
    assert c.call("SLOWLOG", "GET", -2) == err
    assert c.call("SLOWLOG", "GET", "x") == err
    assert c.call("SLOWLOG", "LEN", "x") == RespError(
        "ERR wrong number of arguments for 'slowlog|len' command")
    assert c.call("SLOWLOG", "HELP")[0].startswith("SLOWLOG <subcommand>")

    # slowlog-max-len trims at the next entry; a negative threshold stops logging
    assert c.call("CONFIG", "SET", "slowlog-max-len", 3) == "OK"
    assert c.call("PING") == "PONG"
    assert c.call("SLOWLOG", "LEN") == 3
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", -1) == "OK"
    assert c.call("SLOWLOG", "RESET") == "OK"
    assert c.call("SET", "k", "w") == "OK"
    assert c.call("SLOWLOG", "LEN") == 0
    # a threshold the fast commands stay under logs only the slow one
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", 20000) == "OK"
    assert c.call("EVAL", "local i = 0 while i < 30000000 do i = i + 1 end return 1", 0) == 1
    assert c.call("SET", "k", "v") == "OK"
    only = c.call("SLOWLOG", "GET")
    assert len(only) == 1 and only[0][3][0] == b"EVAL" and only[0][2] >= 20000


class Monitor:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(b"MONITOR\r\n")
        self.buf = b""
        assert self.line() == b"+OK"

    def line(self, timeout=5.0):
        deadline = time.time() + timeout
        while b"\r\n" not in self.buf:
            self.sock.settimeout(max(0.01, deadline - time.time()))
            data = self.sock.recv(65536)
            assert data, "monitor connection closed"
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def lines_until(self, marker, timeout=5.0):
        """Lines up to and including the first that contains marker, with the timestamp cut."""
        out = []
        while True:
            line = self.line(timeout)
            m = re.match(rb"^\+(\d+)\.(\d{6}) (\[.*)$", line)
            assert m, line
            assert abs(int(m.group(1)) - time.time()) < 10
            out.append(m.group(3))
            if marker in line:
                return out


@pytest.mark.parametrize("binary", ["sable", "redis"])
def test_monitor_lines(make_server, binary):
    s = start(make_server, binary)
    mon = Monitor(s.port)
    c = s.conn()
    addr = ("127.0.0.1:%d" % c.sock.getsockname()[1]).encode()
    c.call("SET", "k", b"a\nb\x01\"\\ \xff")
    c.call("SELECT", 1)
    c.call("MULTI")
    c.call("SET", "x", 1)
    c.call("INCR", "x")
    c.call("EXEC")
    c.call("EVAL", "redis.call('set', 'y', '2') return 1", 0)
    c.call("AUTH", "pw")
    c.call("AUTH", "user", "pw")
    c.call("HELLO", 2, "AUTH", "u", "p")
    c.call("CONFIG", "GET", "maxmemory")  # administrative: never shown
    c.call("GET")  # refused before it runs: not shown
    c.call("NOSUCH")
    c.call("FCALL", "nofunc", 0)  # shown before the function is looked up
    c.call("ECHO", "end")
    got = mon.lines_until(b'"end"')
    want = [
        b'[0 %s] "SET" "k" "a\\nb\\x01\\"\\\\ \\xff"',
        b'[1 %s] "SELECT" "1"',
        b'[1 %s] "MULTI"',
        b'[1 %s] "SET" "x" "1"',
        b'[1 %s] "INCR" "x"',
        b'[1 %s] "EXEC"',
        b'[1 %s] "EVAL" "redis.call(\'set\', \'y\', \'2\') return 1" "0"',
        b'[1 lua] "set" "y" "2"',
        b'[1 %s] "AUTH" "(redacted)"',
        b'[1 %s] "AUTH" "(redacted)" "(redacted)"',
        b'[1 %s] "HELLO" "2" "AUTH" "(redacted)" "(redacted)"',
        b'[1 %s] "FCALL" "nofunc" "0"',
        b'[1 %s] "ECHO" "end"',
    ]
    assert got == [w.replace(b"%s", addr) if b"%s" in w else w for w in want]
    # the monitor shows in CLIENT LIST with flag O; RESET ends monitoring
    listing = c.call("CLIENT", "LIST").decode()
    assert len(re.findall(r" flags=O ", listing)) == 1
    mon.sock.sendall(b"RESET\r\n")
    assert mon.line() == b"+RESET"
    c.call("PING")
    c.call("CLIENT", "LIST")
    assert " flags=O " not in c.call("CLIENT", "LIST").decode()
    mon.sock.sendall(b"PING\r\n")
    assert mon.line() == b"+PONG"  # no MONITOR line came before it


@pytest.mark.parametrize("binary", ["sable", "redis"])
def test_latency_monitor(make_server, binary):
    s = start(make_server, binary,
              ["--enable-debug-command", "yes", "--latency-monitor-threshold", "0"])
    c = s.conn()
    assert c.call("LATENCY", "DOCTOR").startswith(
        b"I'm sorry, Dave, I can't do that. Latency monitoring is disabled")
    assert c.call("CONFIG", "SET", "latency-monitor-threshold", 20) == "OK"
    assert c.call("LATENCY", "DOCTOR").startswith(
        b"Dave, no latency spike was observed during the lifetime of this Redis instance")
    assert c.call("DEBUG", "SLEEP", "0.01") == "OK"  # under the threshold
    assert c.call("LATENCY", "LATEST") == []
    assert c.call("DEBUG", "SLEEP", "0.05") == "OK"
    latest = c.call("LATENCY", "LATEST")
    assert len(latest) == 1
    name, when, ms, top = latest[0]
    assert name == b"command" and abs(when - time.time()) < 5 and ms >= 50 and top == ms
    history = c.call("LATENCY", "HISTORY", "command")
    assert history == [[when, ms]]
    assert c.call("LATENCY", "HISTORY", "nosuch") == []
    graph = c.call("LATENCY", "GRAPH", "command").decode()
    lines = graph.split("\n")
    assert lines[0] == "command - high %d ms, low %d ms (all time high %d ms)" % (ms, ms, ms)
    assert lines[1] == "-" * 80
    # one sample: four rows with the lowest mark at the bottom, a margin, "0s" written downwards
    assert lines[2:] == [" ", " ", " ", "_", " ", "0", "s", ""]
    assert c.call("LATENCY", "GRAPH", "nosuch") == RespError(
        "ERR No samples available for event 'nosuch'")
    doctor = c.call("LATENCY", "DOCTOR").decode()
    assert ("1. command: 1 latency spikes (average %dms, mean deviation 0ms, period "
            % ms) in doctor
    assert "Worst all time event %dms." % ms in doctor
    assert "I have a few advices for you:" in doctor
    assert c.call("LATENCY", "RESET", "nosuch") == 0
    assert c.call("LATENCY", "RESET") == 1
    assert c.call("LATENCY", "LATEST") == []
    assert c.call("LATENCY", "NOSUCH") == RespError(
        "ERR unknown subcommand 'NOSUCH'. Try LATENCY HELP.")
    assert c.call("LATENCY", "HELP")[0].startswith("LATENCY <subcommand>")


@pytest.mark.parametrize("binary", ["sable", "redis"])
def test_latency_tracking(make_server, binary):
    s = start(make_server, binary)
    c = s.conn()
    assert c.call("CONFIG", "RESETSTAT") == "OK"
    for i in range(100):
        c.call("SET", "k%d" % i, "v")
    c.call("CONFIG", "GET", "maxmemory")
    h = c.call("LATENCY", "HISTOGRAM", "set", "nosuch", "config")
    assert sorted(h[::2]) == [b"config|get", b"config|resetstat", b"set"]
    hist = dict(zip(h[::2], h[1::2]))
    fields = dict(zip(hist[b"set"][::2], hist[b"set"][1::2]))
    assert fields[b"calls"] == 100
    buckets = fields[b"histogram_usec"]
    bounds, counts = buckets[::2], buckets[1::2]
    assert counts == sorted(counts) and counts[-1] == 100  # cumulative
    assert all(b in (1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908)
               for b in bounds), bounds
    stats = info(c, "latencystats")
    line = stats["latency_percentiles_usec_set"]
    assert re.fullmatch(r"p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}", line), line
    assert "latency_percentiles_usec_config|get" in stats
    assert c.call("CONFIG", "SET", "latency-tracking-info-percentiles", "0 50 100") == "OK"
    line = info(c, "latencystats")["latency_percentiles_usec_set"]
    p0, p50, p100 = (float(v.split("=")[1]) for v in line.split(","))
    assert p0 <= p50 <= p100
    assert c.call("CONFIG", "RESETSTAT") == "OK"
    assert "latency_percentiles_usec_set" not in info(c, "latencystats")
    assert c.call("CONFIG", "SET", "latency-tracking", "no") == "OK"
    c.call("SET", "k", "v")
    assert c.call("LATENCY", "HISTOGRAM", "set") == []


INFO_MEMORY_FIELDS = """used_memory used_memory_human used_memory_rss used_memory_rss_human
used_memory_peak used_memory_peak_human used_memory_peak_perc used_memory_overhead
used_memory_startup used_memory_dataset used_memory_dataset_perc allocator_allocated
allocator_active allocator_resident total_system_memory total_system_memory_human
used_memory_lua used_memory_vm_eval used_memory_lua_human used_memory_scripts_eval
number_of_cached_scripts number_of_functions number_of_libraries used_memory_vm_functions
used_memory_vm_total used_memory_vm_total_human used_memory_functions used_memory_scripts
used_memory_scripts_human maxmemory maxmemory_human maxmemory_policy allocator_frag_ratio
allocator_frag_bytes allocator_rss_ratio allocator_rss_bytes rss_overhead_ratio
rss_overhead_bytes mem_fragmentation_ratio mem_fragmentation_bytes mem_not_counted_for_evict
mem_replication_backlog mem_total_replication_buffers mem_clients_slaves mem_clients_normal
mem_cluster_links mem_aof_buffer mem_allocator active_defrag_running lazyfree_pending_objects
lazyfreed_objects""".split()

MEMORY_STATS_KEYS = """peak.allocated total.allocated startup.allocated replication.backlog
clients.slaves clients.normal cluster.links aof.buffer lua.caches functions.caches db.0 db.3
overhead.total keys.count keys.bytes-per-key dataset.bytes dataset.percentage peak.percentage
allocator.allocated allocator.active allocator.resident allocator-fragmentation.ratio
allocator-fragmentation.bytes allocator-rss.ratio allocator-rss.bytes rss-overhead.ratio
rss-overhead.bytes fragmentation fragmentation.bytes""".split()


@pytest.mark.parametrize("binary", ["sable", "redis"])
def test_memory_commands(make_server, binary):
    s = start(make_server, binary)
    c = s.conn()
    c.call("SET", "small", "v")
    c.call("SET", "big", "x" * 100000)
    for i in range(0, 2000, 100):
        c.call("HSET", "h", *sum((["f%d" % j, "value%d" % j] for j in range(i, i + 100)), []))
    c.call("HSET", "h10", *sum((["f%d" % j, "value%d" % j] for j in range(10)), []))
    c.call("SELECT", 3)
    c.call("SET", "other", "v", "EX", 100)
    c.call("SELECT", 0)
    small = c.call("MEMORY", "USAGE", "small")
    big = c.call("MEMORY", "USAGE", "big")
    assert 0 < small < 200 and 100000 <= big < 140000
    h, h10 = c.call("MEMORY", "USAGE", "h"), c.call("MEMORY", "USAGE", "h10", "SAMPLES", 0)
    assert h > 2000 * 10 and h10 < h / 20
    assert c.call("MEMORY", "USAGE", "nosuch") is None
    assert c.call("MEMORY", "USAGE", "small", "SAMPLES", "x") == RespError(
        "ERR value is not an integer or out of range")
    assert c.call("MEMORY", "USAGE", "small", "SAMPLES", -1) == RespError("ERR syntax error")
    assert c.call("MEMORY", "USAGE", "small", "bar") == RespError("ERR syntax error")

    stats = c.call("MEMORY", "STATS")
    assert stats[::2] == [k.encode() for k in MEMORY_STATS_KEYS]
    st = dict(zip(stats[::2], stats[1::2]))
    assert st[b"keys.count"] == 5
    assert st[b"total.allocated"] >= st[b"startup.allocated"] > 0
    assert st[b"dataset.bytes"] > 100000
    db3 = dict(zip(st[b"db.3"][::2], st[b"db.3"][1::2]))
    assert db3[b"overhead.hashtable.expires"] > 0
    assert float(st[b"peak.percentage"]) <= 100.0001

    assert c.call("MEMORY", "DOCTOR").startswith(b"Hi Sam, this instance is empty")
    assert c.call("MEMORY", "PURGE") == "OK"
    assert c.call("MEMORY", "MALLOC-STATS").startswith(b"___ Begin jemalloc statistics ___")
    assert c.call("MEMORY", "HELP")[0].startswith("MEMORY <subcommand>")

    text = c.call("INFO", "memory").decode()
    names = [line.split(":", 1)[0] for line in text.splitlines() if ":" in line]
    assert names == INFO_MEMORY_FIELDS
    mem = info(c, "memory")
    assert int(mem["used_memory"]) >= int(mem["used_memory_startup"])
    assert int(mem["used_memory_dataset"]) > 100000
    assert mem["mem_allocator"].startswith("jemalloc-")
