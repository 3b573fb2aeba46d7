"""Pub/Sub: subscriptions, counts, PUBSUB introspection, RESP3 pushes,
keyspace notifications and the pubsub output buffer limit."""
import socket
import time

import pytest

from conftest import Push, RespError, eventually


@pytest.fixture
def pub(server):
    return server.client(raw_replies=True)


def test_subscribe_publish_counts(server, pub):
    s1 = server.conn()
    s2 = server.conn()
    s1.send("SUBSCRIBE", "news", "sport")
    assert s1.read() == [b"subscribe", b"news", 1]
    assert s1.read() == [b"subscribe", b"sport", 2]
    assert s2.call("SUBSCRIBE", "news") == [b"subscribe", b"news", 1]
    assert pub.execute_command("PUBLISH", "news", "hello") == 2
    assert pub.execute_command("PUBLISH", "sport", "goal") == 1
    assert pub.execute_command("PUBLISH", "nobody", "x") == 0
    assert s1.read() == [b"message", b"news", b"hello"]
    assert s1.read() == [b"message", b"sport", b"goal"]
    assert s2.read() == [b"message", b"news", b"hello"]
    assert not s2.has_pending(0.1)


def test_subscribe_same_channel_twice(server, pub):
    s = server.conn()
    assert s.call("SUBSCRIBE", "a") == [b"subscribe", b"a", 1]
    assert s.call("SUBSCRIBE", "a") == [b"subscribe", b"a", 1]
    assert pub.execute_command("PUBLISH", "a", "x") == 1
    assert s.read() == [b"message", b"a", b"x"]
    assert not s.has_pending(0.1)


def test_psubscribe_and_pattern_messages(server, pub):
    s = server.conn()
    assert s.call("PSUBSCRIBE", "news.*") == [b"psubscribe", b"news.*", 1]
    assert s.call("SUBSCRIBE", "news.tech") == [b"subscribe", b"news.tech", 2]
    # both the pattern and the channel subscription receive it
    assert pub.execute_command("PUBLISH", "news.tech", "m1") == 2
    got = [s.read(), s.read()]
    assert [b"pmessage", b"news.*", b"news.tech", b"m1"] in got
    assert [b"message", b"news.tech", b"m1"] in got
    assert pub.execute_command("PUBLISH", "news.art", "m2") == 1
    assert s.read() == [b"pmessage", b"news.*", b"news.art", b"m2"]
    assert pub.execute_command("PUBLISH", "other", "m3") == 0


def test_unsubscribe_counts(server):
    s = server.conn()
    assert s.call("UNSUBSCRIBE") == [b"unsubscribe", None, 0]
    assert s.call("PUNSUBSCRIBE") == [b"punsubscribe", None, 0]
    s.send("SUBSCRIBE", "a", "b", "c")
    assert [s.read() for _ in range(3)] == [
        [b"subscribe", b"a", 1], [b"subscribe", b"b", 2], [b"subscribe", b"c", 3]]
    assert s.call("PSUBSCRIBE", "p*") == [b"psubscribe", b"p*", 4]
    assert s.call("UNSUBSCRIBE", "b") == [b"unsubscribe", b"b", 3]
    # unsubscribing from something never subscribed still replies
    assert s.call("UNSUBSCRIBE", "zz") == [b"unsubscribe", b"zz", 3]
    assert s.call("PUNSUBSCRIBE", "nope*") == [b"punsubscribe", b"nope*", 3]
    s.send("UNSUBSCRIBE")
    got = [s.read(), s.read()]
    # order of channels is unspecified, the counts go down one by one
    assert [g[0] for g in got] == [b"unsubscribe", b"unsubscribe"]
    assert sorted(g[1] for g in got) == [b"a", b"c"]
    assert [g[2] for g in got] == [2, 1]
    assert s.call("PUNSUBSCRIBE") == [b"punsubscribe", b"p*", 0]
    # back to normal mode: regular commands work again
    assert s.call("SET", "k", "v") == "OK"


def test_subscribe_arity(server):
    s = server.conn()
    assert s.call("SUBSCRIBE") == RespError("ERR wrong number of arguments for 'subscribe' command")
    assert s.call("PSUBSCRIBE") == RespError("ERR wrong number of arguments for 'psubscribe' command")
    assert s.call("PUBLISH", "a") == RespError("ERR wrong number of arguments for 'publish' command")


def test_pubsub_introspection(server, pub):
    s1 = server.conn()
    s2 = server.conn()
    s1.send("SUBSCRIBE", "news.tech", "news.art", "weather")
    for _ in range(3):
        s1.read()
    assert s2.call("SUBSCRIBE", "news.tech") == [b"subscribe", b"news.tech", 1]
    assert s2.call("PSUBSCRIBE", "news.*") == [b"psubscribe", b"news.*", 2]
    s1.send("PSUBSCRIBE", "w*", "news.*")
    s1.read()
    s1.read()
    assert sorted(pub.execute_command("PUBSUB", "CHANNELS")) == ["news.art", "news.tech", "weather"]
    assert sorted(pub.execute_command("PUBSUB", "CHANNELS", "news.*")) == ["news.art", "news.tech"]
    assert pub.execute_command("PUBSUB", "CHANNELS", "x*") == []
    assert pub.execute_command("PUBSUB", "NUMSUB", "news.tech", "weather", "nope") == [
        "news.tech", 2, "weather", 1, "nope", 0]
    assert pub.execute_command("PUBSUB", "NUMSUB") == []
    # NUMPAT counts unique patterns
    assert pub.execute_command("PUBSUB", "NUMPAT") == 2
    s1.close()
    eventually(lambda: pub.execute_command("PUBSUB", "NUMSUB", "news.tech") == ["news.tech", 1])
    eventually(lambda: pub.execute_command("PUBSUB", "NUMPAT") == 1)
    assert pub.execute_command("PUBSUB", "CHANNELS") == ["news.tech"]


def test_pubsub_help_and_errors(pub):
    with pytest.raises(Exception) as e:
        pub.execute_command("PUBSUB", "FOO")
    assert str(e.value) == "unknown subcommand 'FOO'. Try PUBSUB HELP."
    lines = pub.execute_command("PUBSUB", "HELP")
    assert lines[0].startswith("PUBSUB <subcommand>")


def test_resp2_subscribed_client_restrictions(server):
    s = server.conn()
    assert s.call("SUBSCRIBE", "a") == [b"subscribe", b"a", 1]
    assert s.call("GET", "x") == RespError(
        "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
        "QUIT / RESET are allowed in this context")
    assert s.call("set", "x", "y") == RespError(
        "ERR Can't execute 'set': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
        "QUIT / RESET are allowed in this context")
    # PING is allowed and answers with a pong array
    assert s.call("PING") == [b"pong", b""]
    assert s.call("PING", "hi") == [b"pong", b"hi"]
    assert s.call("PSUBSCRIBE", "x*") == [b"psubscribe", b"x*", 2]
    # RESET leaves subscribed mode
    assert s.call("RESET") == "RESET"
    assert s.call("GET", "x") is None


def test_resp3_push_messages_interleaved_with_commands(server, pub):
    c = server.conn()
    hello = c.call("HELLO", "3")
    assert hello[b"proto"] == 3
    # in RESP3 the subscribe confirmation is itself a push
    c.send("SUBSCRIBE", "ch")
    c.sock.settimeout(5)
    first = c.read()
    assert isinstance(first, Push) and first == [b"subscribe", b"ch", 1]
    # raw bytes: a push frame starts with '>'
    assert pub.execute_command("PUBLISH", "ch", "one") == 1
    want = b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\none\r\n"
    while len(c.buf) < len(want):
        c._fill(time.monotonic() + 5)
    assert c.buf[:len(want)] == want
    assert c.read() == [b"message", b"ch", b"one"]
    # regular commands work while subscribed in RESP3
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("GET", "k") == b"v"
    assert c.call("PING") == "PONG"
    # a message published between commands arrives as a push, in order
    assert pub.execute_command("PUBLISH", "ch", "two") == 1
    c.send("GET", "k")
    m = c.read()
    assert isinstance(m, Push) and m == [b"message", b"ch", b"two"]
    assert c.read() == b"v"
    c.send("UNSUBSCRIBE", "ch")
    u = c.read()
    assert isinstance(u, Push) and u == [b"unsubscribe", b"ch", 0]


def test_resp3_pmessage_push(server, pub):
    c = server.conn()
    c.call("HELLO", "3")
    assert c.call("PSUBSCRIBE", "h*") == [b"psubscribe", b"h*", 1]
    assert pub.execute_command("PUBLISH", "hello", "w") == 1
    m = c.read()
    assert isinstance(m, Push) and m == [b"pmessage", b"h*", b"hello", b"w"]


# ---------------------------------------------------------------- keyspace notifications

def test_keyspace_notifications(server, pub):
    assert pub.execute_command("CONFIG", "SET", "notify-keyspace-events", "KEA") == "OK"
    cfg = pub.execute_command("CONFIG", "GET", "notify-keyspace-events")
    assert cfg[0] == "notify-keyspace-events"
    assert set(cfg[1]) == set("AKE")
    s = server.conn()
    assert s.call("PSUBSCRIBE", "__key*@0__:*") == [b"psubscribe", b"__key*@0__:*", 1]
    pub.set("k", "v")
    got = [s.read(), s.read()]
    assert [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:k", b"set"] in got
    assert [b"pmessage", b"__key*@0__:*", b"__keyevent@0__:set", b"k"] in got
    pub.expire("k", 100)
    got = [s.read(), s.read()]
    assert [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:k", b"expire"] in got
    assert [b"pmessage", b"__key*@0__:*", b"__keyevent@0__:expire", b"k"] in got
    pub.delete("k")
    got = [s.read(), s.read()]
    assert [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:k", b"del"] in got
    assert [b"pmessage", b"__key*@0__:*", b"__keyevent@0__:del", b"k"] in got
    # deleting a missing key emits nothing
    pub.delete("k")
    pub.set("t", "v", px=50)
    # SET with a TTL emits "set" then "expire"
    got = [s.read() for _ in range(4)]
    assert got[0][2:] in ([b"__keyspace@0__:t", b"set"], [b"__keyevent@0__:set", b"t"])
    assert [b"pmessage", b"__key*@0__:*", b"__keyevent@0__:set", b"t"] in got[:2]
    assert [b"pmessage", b"__key*@0__:*", b"__keyevent@0__:expire", b"t"] in got[2:]
    # the key expires on its own: the active expire cycle sends "expired"
    got = [s.read(timeout=10), s.read(timeout=10)]
    assert [b"pmessage", b"__key*@0__:*", b"__keyspace@0__:t", b"expired"] in got
    assert [b"pmessage", b"__key*@0__:*", b"__keyevent@0__:expired", b"t"] in got
    assert not s.has_pending(0.1)


def test_keyspace_notifications_exact_channels(server, pub):
    pub.execute_command("CONFIG", "SET", "notify-keyspace-events", "KEA")
    s = server.conn()
    assert s.call("SUBSCRIBE", "__keyspace@0__:k", "__keyevent@0__:set") is not None
    s.read()
    pub.set("k", "1")
    got = [s.read(), s.read()]
    assert [b"message", b"__keyspace@0__:k", b"set"] in got
    assert [b"message", b"__keyevent@0__:set", b"k"] in got
    # other databases use their own number in the channel
    db3 = server.client(raw_replies=True, db=3)
    s2 = server.conn()
    assert s2.call("SUBSCRIBE", "__keyevent@3__:set") == [b"subscribe", b"__keyevent@3__:set", 1]
    db3.set("x", "1")
    assert s2.read() == [b"message", b"__keyevent@3__:set", b"x"]


def test_keyspace_notifications_class_filters(server, pub):
    # only keyevent for generic commands (g) : SET is a string event ($), not sent
    pub.execute_command("CONFIG", "SET", "notify-keyspace-events", "Eg")
    s = server.conn()
    s.call("PSUBSCRIBE", "__key*__:*")
    pub.set("k", "v")
    pub.delete("k")
    assert s.read() == [b"pmessage", b"__key*__:*", b"__keyevent@0__:del", b"k"]
    assert not s.has_pending(0.1)
    # turned off: nothing is published
    pub.execute_command("CONFIG", "SET", "notify-keyspace-events", "")
    assert pub.execute_command("CONFIG", "GET", "notify-keyspace-events") == [
        "notify-keyspace-events", ""]
    pub.set("k", "v")
    pub.delete("k")
    assert not s.has_pending(0.2)


def test_keyspace_notification_config_errors(pub):
    with pytest.raises(Exception) as e:
        pub.execute_command("CONFIG", "SET", "notify-keyspace-events", "Q")
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument "
                            "'notify-keyspace-events') - Invalid event class character. "
                            "Use 'Ag$lshzxeKEtmdn'.")


# ---------------------------------------------------------------- output buffer limit

def test_pubsub_output_buffer_limit_disconnects_slow_subscriber(server, pub):
    assert pub.execute_command("CONFIG", "SET", "client-output-buffer-limit",
                               "pubsub 256kb 0 0") == "OK"
    # a subscriber with a tiny receive buffer that never reads
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.settimeout(5)
    slow.connect(("127.0.0.1", server.port))
    slow.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nflood\r\n")
    eventually(lambda: pub.execute_command("PUBSUB", "NUMSUB", "flood") == ["flood", 1])
    payload = "x" * 16384
    deadline = time.monotonic() + 30
    published = 0
    disconnected = False
    # bounded flood: at most 4000 * 16 KiB = 64 MiB, at most 30 s
    while published < 4000 and time.monotonic() < deadline:
        pipe = pub.pipeline(transaction=False)
        for _ in range(50):
            pipe.execute_command("PUBLISH", "flood", payload)
        pipe.execute()
        published += 50
        if pub.execute_command("PUBSUB", "NUMSUB", "flood") == ["flood", 0]:
            disconnected = True
            break
    assert disconnected, "slow subscriber still connected after %d messages" % published
    # the publisher and the server are fine
    assert pub.execute_command("PING") in ("PONG", True)
    assert pub.execute_command("PUBLISH", "flood", "x") == 0
    info = pub.execute_command("INFO", "clients")
    assert "connected_clients:1" in info
    # the slow client's socket is closed by the server (EOF after buffered data)
    buf = 0
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            chunk = slow.recv(1 << 20)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        buf += len(chunk)
    else:
        pytest.fail("slow subscriber socket was not closed")
    slow.close()
