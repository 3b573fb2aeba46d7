"""MULTI / EXEC / DISCARD / WATCH semantics and error texts."""
import pytest

from conftest import RespError, eventually

EXECABORT = RespError("EXECABORT Transaction discarded because of previous errors.")


@pytest.fixture
def c(server):
    return server.conn()


@pytest.fixture
def other(server):
    return server.client(raw_replies=True)


def test_multi_exec_basic(c, other):
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "a", "1") == "QUEUED"
    assert c.call("INCR", "a") == "QUEUED"
    assert c.call("GET", "a") == "QUEUED"
    assert c.call("GET", "missing") == "QUEUED"
    # nothing runs before EXEC
    assert other.get("a") is None
    assert c.call("EXEC") == ["OK", 2, b"2", None]
    assert other.get("a") == "2"


def test_empty_transaction(c):
    assert c.call("MULTI") == "OK"
    assert c.call("EXEC") == []


def test_discard(c, other):
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "a", "1") == "QUEUED"
    assert c.call("DISCARD") == "OK"
    assert other.get("a") is None
    assert c.call("EXEC") == RespError("ERR EXEC without MULTI")
    assert c.call("PING") == "PONG"


def test_exec_discard_without_multi(c):
    assert c.call("EXEC") == RespError("ERR EXEC without MULTI")
    assert c.call("DISCARD") == RespError("ERR DISCARD without MULTI")


def test_nested_multi_error(c, other):
    assert c.call("MULTI") == "OK"
    assert c.call("MULTI") == RespError("ERR MULTI calls can not be nested")
    assert c.call("SET", "a", "1") == "QUEUED"
    # the nested MULTI does not abort the transaction
    assert c.call("EXEC") == ["OK"]
    assert other.get("a") == "1"


def test_watch_inside_multi_error(c, other):
    assert c.call("MULTI") == "OK"
    assert c.call("WATCH", "a") == RespError("ERR WATCH inside MULTI is not allowed")
    assert c.call("SET", "a", "1") == "QUEUED"
    assert c.call("EXEC") == ["OK"]
    assert other.get("a") == "1"


def test_execabort_on_queued_arity_error(c, other):
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "a", "1") == "QUEUED"
    assert c.call("SET", "b") == RespError("ERR wrong number of arguments for 'set' command")
    assert c.call("SET", "c", "3") == "QUEUED"
    assert c.call("EXEC") == EXECABORT
    assert other.execute_command("DBSIZE") == 0
    # the client left MULTI state
    assert c.call("EXEC") == RespError("ERR EXEC without MULTI")


def test_execabort_on_unknown_command(c, other):
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "a", "1") == "QUEUED"
    assert c.call("NOSUCH", "x") == RespError(
        "ERR unknown command 'NOSUCH', with args beginning with: 'x' ")
    assert c.call("EXEC") == EXECABORT
    assert other.get("a") is None


def test_runtime_errors_are_not_rolled_back(c, other):
    other.set("s", "notanumber")
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "a", "1") == "QUEUED"
    assert c.call("INCR", "s") == "QUEUED"
    assert c.call("SET", "b", "2") == "QUEUED"
    assert c.call("SET", "x", "y", "EX", "0") == "QUEUED"
    assert c.call("EXEC") == [
        "OK",
        RespError("ERR value is not an integer or out of range"),
        "OK",
        RespError("ERR invalid expire time in 'set' command"),
    ]
    assert other.get("a") == "1"
    assert other.get("b") == "2"
    assert other.get("s") == "notanumber"


def test_transaction_is_atomic_for_other_clients(server, c):
    other = server.conn()
    assert c.call("MULTI") == "OK"
    for i in range(100):
        assert c.call("INCR", "ctr") == "QUEUED"
    assert other.call("GET", "ctr") is None
    c.send("EXEC")
    other.send("GET", "ctr")
    assert c.read() == list(range(1, 101))
    assert other.read() in (None, b"100")


# ---------------------------------------------------------------- WATCH

def test_watch_unmodified_key_commits(c, other):
    other.set("k", "1")
    assert c.call("WATCH", "k") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "2") == "QUEUED"
    assert c.call("EXEC") == ["OK"]
    assert other.get("k") == "2"


def test_watch_broken_by_set(c, other):
    other.set("k", "1")
    assert c.call("WATCH", "k") == "OK"
    other.set("k", "1")  # same value still counts as a modification
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "mine") == "QUEUED"
    assert c.call("EXEC") is None
    assert other.get("k") == "1"


def test_watch_missing_key_broken_by_creation(c, other):
    assert c.call("WATCH", "k") == "OK"
    other.set("k", "x")
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "mine") == "QUEUED"
    assert c.call("EXEC") is None
    assert other.get("k") == "x"


def test_watch_modified_inside_multi_by_other_after_queueing(c, other):
    assert c.call("WATCH", "k") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "mine") == "QUEUED"
    other.set("k", "theirs")
    assert c.call("EXEC") is None
    assert other.get("k") == "theirs"


def test_watch_broken_by_own_write_before_multi(c, other):
    assert c.call("WATCH", "k") == "OK"
    assert c.call("SET", "k", "1") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "2") == "QUEUED"
    assert c.call("EXEC") is None
    assert other.get("k") == "1"


def test_watch_broken_by_expiry(c, other):
    other.set("k", "v", px=100)
    assert c.call("WATCH", "k") == "OK"
    eventually(lambda: other.exists("k") == 0, timeout=5)
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "mine") == "QUEUED"
    assert c.call("EXEC") is None
    assert other.exists("k") == 0


def test_watch_broken_by_flushdb(c, other):
    other.set("k", "v")
    assert c.call("WATCH", "k") == "OK"
    assert other.execute_command("FLUSHDB") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "mine") == "QUEUED"
    assert c.call("EXEC") is None
    assert other.exists("k") == 0


def test_watch_broken_by_flushall(c, other):
    other.set("k", "v")
    assert c.call("WATCH", "k") == "OK"
    assert other.execute_command("FLUSHALL") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("PING") == "QUEUED"
    assert c.call("EXEC") is None


def test_watch_broken_by_swapdb(server, c):
    db0 = server.client(raw_replies=True)
    db1 = server.client(raw_replies=True, db=1)
    db0.set("k", "in0")
    db1.set("k", "in1")
    assert c.call("WATCH", "k") == "OK"
    assert db0.execute_command("SWAPDB", 0, 1) == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("GET", "k") == "QUEUED"
    assert c.call("EXEC") is None
    assert db0.get("k") == "in1"


def test_watch_broken_by_rename_from_other_client(c, other):
    other.set("src", "v")
    assert c.call("WATCH", "dst") == "OK"
    assert other.execute_command("RENAME", "src", "dst") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "dst", "mine") == "QUEUED"
    assert c.call("EXEC") is None
    assert other.get("dst") == "v"


def test_watch_source_of_rename(c, other):
    other.set("src", "v")
    assert c.call("WATCH", "src") == "OK"
    assert other.execute_command("RENAME", "src", "dst") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "src", "mine") == "QUEUED"
    assert c.call("EXEC") is None


def test_watch_other_key_does_not_abort(c, other):
    assert c.call("WATCH", "k") == "OK"
    other.set("unrelated", "x")
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "mine") == "QUEUED"
    assert c.call("EXEC") == ["OK"]


def test_watch_other_db_does_not_abort(server, c):
    db1 = server.client(raw_replies=True, db=1)
    assert c.call("WATCH", "k") == "OK"
    db1.set("k", "x")
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "mine") == "QUEUED"
    assert c.call("EXEC") == ["OK"]


def test_unwatch(c, other):
    assert c.call("WATCH", "k") == "OK"
    assert c.call("UNWATCH") == "OK"
    other.set("k", "x")
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "mine") == "QUEUED"
    assert c.call("EXEC") == ["OK"]


def test_exec_and_discard_clear_watches(c, other):
    assert c.call("WATCH", "k") == "OK"
    other.set("k", "1")
    assert c.call("MULTI") == "OK"
    assert c.call("EXEC") is None
    # the failed EXEC unwatched everything
    other.set("k", "2")
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "3") == "QUEUED"
    assert c.call("EXEC") == ["OK"]
    assert c.call("WATCH", "k") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("DISCARD") == "OK"
    other.set("k", "4")
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "k", "5") == "QUEUED"
    assert c.call("EXEC") == ["OK"]


def test_watch_many_keys_one_touched(c, other):
    assert c.call("WATCH", "a", "b", "c") == "OK"
    assert c.call("WATCH", "d") == "OK"
    other.execute_command("DEL", "zzz")  # no-op: nothing deleted
    other.set("d", "1")
    assert c.call("MULTI") == "OK"
    assert c.call("PING") == "QUEUED"
    assert c.call("EXEC") is None


def test_del_of_missing_key_does_not_break_watch(c, other):
    assert c.call("WATCH", "k") == "OK"
    assert other.execute_command("DEL", "k") == 0
    assert c.call("MULTI") == "OK"
    assert c.call("PING") == "QUEUED"
    assert c.call("EXEC") == ["PONG"]


def test_multi_in_resp3(server):
    c = server.conn()
    c.call("HELLO", "3")
    assert c.call("MULTI") == "OK"
    assert c.call("GET", "nope") == "QUEUED"
    assert c.call("SET", "a", "1") == "QUEUED"
    assert c.call("EXEC") == [None, "OK"]
