"""Cluster mode, first increment: slot math and the per-slot key index of one node.

KEYSLOT is checked against Debian's redis-server in cluster mode; the key index through
COUNTKEYSINSLOT / GETKEYSINSLOT after the commands that add, remove or rename keys. The node
first claims every slot, since keyed commands for slots nobody serves are refused.
"""
import os
import random

import pytest
import redis

from conftest import ServerProcess, eventually, free_port, is_real_redis

REDIS_SERVER = "/usr/bin/redis-server"


def cluster_args():
    # An explicit bus port: port+10000 may not exist for a port from the ephemeral range.
    return ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
            "--cluster-config-file", "nodes.conf"]


@pytest.fixture
def node(make_server):
    s = make_server(extra_args=cluster_args())
    c = s.client()
    c.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
    eventually(lambda: c.execute_command("CLUSTER", "INFO").find("cluster_state:ok") >= 0)
    return s


@pytest.fixture
def reference(make_server):
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("Debian's redis-server is not installed")
    return make_server(extra_args=cluster_args(), binary=REDIS_SERVER)


def raw(s):
    """A client that keeps keys and replies as bytes (binary-safe keys)."""
    return redis.Redis(host=s.host, port=s.port, socket_timeout=10)


def slot_of(c, key):
    return c.execute_command("CLUSTER", "KEYSLOT", key)


def keys_in(c, slot, count=1000):
    return set(c.execute_command("CLUSTER", "GETKEYSINSLOT", slot, count))


def count_in(c, slot):
    return c.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot)


def test_keyslot_matches_redis(node, reference):
    rng = random.Random(6)
    keys = [b"", b"foo", b"{user1000}.following", b"{user1000}.followers", b"foo{}{bar}",
            b"foo{{bar}}zap", b"foo{bar}{zap}", b"{", b"}", b"{}", b"a{b", b"\xff{\x00}\xfe"]
    for _ in range(200):
        n = rng.randint(0, 40)
        alphabet = [rng.randrange(256) for _ in range(8)] + list(b"{}")
        keys.append(bytes(rng.choice(alphabet) if rng.random() < 0.3 else rng.randrange(256)
                          for _ in range(n)))
    ours, theirs = raw(node), raw(reference)
    for k in keys:
        assert slot_of(ours, k) == slot_of(theirs, k), k
    assert slot_of(ours, b"{user1000}.following") == slot_of(ours, b"{user1000}.followers")


def test_index_follows_writes(node):
    c = raw(node)
    slot = slot_of(c, b"{t}")
    assert count_in(c, slot) == 0
    assert keys_in(c, slot) == set()
    for i in range(5):
        c.set(b"{t}%d" % i, b"v")
    c.set(b"{t}0", b"again")  # Overwriting does not add a key.
    assert count_in(c, slot) == 5
    assert keys_in(c, slot) == {b"{t}%d" % i for i in range(5)}
    assert len(c.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 2)) == 2
    assert c.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 0) == []

    assert c.delete(b"{t}4") == 1
    assert count_in(c, slot) == 4

    # RENAME swaps the name within the slot (across slots is CROSSSLOT in a cluster); onto an
    # existing key it removes one.
    c.rename(b"{t}3", b"{t}renamed")
    assert keys_in(c, slot) == {b"{t}0", b"{t}1", b"{t}2", b"{t}renamed"}
    c.set(b"{t}extra", b"v")
    c.rename(b"{t}renamed", b"{t}extra")
    assert keys_in(c, slot) == {b"{t}0", b"{t}1", b"{t}2", b"{t}extra"}
    c.delete(b"{t}extra")
    c.set(b"{u}other", b"v")
    assert keys_in(c, slot_of(c, b"{u}")) == {b"{u}other"}

    # EXPIRE in the past deletes at once; a short TTL goes through lazy or active expiry.
    assert c.expire(b"{t}2", 0)
    assert count_in(c, slot) == 2
    c.pexpire(b"{t}1", 20)
    eventually(lambda: c.get(b"{t}1") is None and count_in(c, slot) == 1, timeout=5)
    assert keys_in(c, slot) == {b"{t}0"}

    c.flushall()
    assert count_in(c, slot) == 0
    assert count_in(c, slot_of(c, b"{u}")) == 0
    c.set(b"{t}after", b"v")
    assert keys_in(c, slot) == {b"{t}after"}


def test_index_after_reload(node):
    if is_real_redis():
        pytest.skip("DEBUG RELOAD needs enable-debug-command, set up the same either way")
    c = raw(node)
    for i in range(50):
        c.set(b"k%d" % i, b"v")
    slot = slot_of(c, b"k7")
    before = keys_in(c, slot)
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert keys_in(c, slot) == before
    assert sum(count_in(c, slot_of(c, b"k%d" % i)) > 0 for i in range(50)) == 50


def test_errors(node):
    c = node.client()
    with pytest.raises(redis.ResponseError, match="^Invalid slot$"):
        c.execute_command("CLUSTER", "COUNTKEYSINSLOT", 16384)
    with pytest.raises(redis.ResponseError, match="^Invalid slot$"):
        c.execute_command("CLUSTER", "COUNTKEYSINSLOT", -1)
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        c.execute_command("CLUSTER", "COUNTKEYSINSLOT", "x")
    for args in ((16384, 1), (-1, 1), (0, -1)):
        with pytest.raises(redis.ResponseError, match="^Invalid slot or number of keys$"):
            c.execute_command("CLUSTER", "GETKEYSINSLOT", *args)
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        c.execute_command("CLUSTER", "GETKEYSINSLOT", 0, "x")
    with pytest.raises(redis.ResponseError,
                       match=r"^unknown subcommand 'nope'\. Try CLUSTER HELP\.$"):
        c.execute_command("CLUSTER", "nope")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'cluster\|keyslot' command$"):
        c.execute_command("CLUSTER", "KEYSLOT")
    with pytest.raises(redis.ResponseError, match="^SELECT is not allowed in cluster mode$"):
        c.execute_command("SELECT", 1)
    assert c.execute_command("SELECT", 0) is True
    with pytest.raises(redis.ResponseError, match="^SWAPDB is not allowed in cluster mode$"):
        c.execute_command("SWAPDB", 0, 1)
    help_lines = c.execute_command("CLUSTER", "HELP")
    assert help_lines[0].startswith("CLUSTER <subcommand>")
    assert "KEYSLOT <key>" in help_lines


def test_myid_and_info(node):
    c = node.client()
    myid = c.execute_command("CLUSTER", "MYID")
    assert len(myid) == 40 and all(ch in "0123456789abcdef" for ch in myid)
    assert c.execute_command("CLUSTER", "MYID") == myid
    assert c.info("cluster") == {"cluster_enabled": 1}
    assert c.info("server")["redis_mode"] == "cluster"


def test_config(node):
    c = node.client()
    assert c.config_get("cluster-enabled") == {"cluster-enabled": "yes"}
    assert c.config_get("cluster-node-timeout") == {"cluster-node-timeout": "15000"}
    assert c.config_get("cluster-announce-hostname") == {"cluster-announce-hostname": ""}
    c.config_set("cluster-announce-hostname", "node-1.example")
    assert c.config_get("cluster-announce-hostname") == {
        "cluster-announce-hostname": "node-1.example"}
    with pytest.raises(redis.ResponseError, match="hyphens or dots"):
        c.config_set("cluster-announce-hostname", "a_b")
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        c.config_set("cluster-enabled", "no")
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        c.config_set("cluster-port", "5")
    c.config_set("cluster-require-full-coverage", "no")
    c.config_set("cluster-migration-barrier", "2")
    assert c.config_get("cluster-migration-barrier") == {"cluster-migration-barrier": "2"}


def test_disabled(server):
    c = server.client()
    for args in (("KEYSLOT", "foo"), ("COUNTKEYSINSLOT", 0), ("GETKEYSINSLOT", 0, 1),
                 ("MYID",), ("HELP",)):
        with pytest.raises(redis.ResponseError,
                           match="^This instance has cluster support disabled$"):
            c.execute_command("CLUSTER", *args)
    with pytest.raises(redis.ResponseError,
                       match=r"^unknown subcommand 'nope'\. Try CLUSTER HELP\.$"):
        c.execute_command("CLUSTER", "nope")
    assert c.info("cluster") == {"cluster_enabled": 0}
    assert c.execute_command("SELECT", 1) is True
