"""Streams: XADD, XRANGE, XREAD, consumer groups, their replies and error strings as Redis
7.0.15 gives them (SEQUENCE below was read from Debian's redis-server; run with
SABLE_SERVER=/usr/bin/redis-server and the differential cases pass too), blocked readers and
their wake-ups (by XADD, by replication, by a deleted key or group), the propagation of
XREADGROUP, XCLAIM and approximate trims to replicas and the AOF, and the stream RDB form read
and written both ways with Redis through DUMP/RESTORE, plus restarts from the RDB and from a
rewritten AOF.
"""
import os
import shutil
import struct

import pytest
import redis

from conftest import RespError, eventually, is_real_redis, wait_replica_synced
from test_lists import sealed

REDIS_SERVER = "/usr/bin/redis-server"

SEQUENCE = [
    ('XADD s 1-1 a 1', b'1-1'),
    ('FLUSHALL', 'OK'),
    ('XADD s 1-1 a 1', b'1-1'),
    ('XADD s 1-* b 2', b'1-2'),
    ('XADD s 0-0 a 1', RespError('ERR The ID specified in XADD must be greater than 0-0')),
    ('XADD s 2 c 3 d 4', b'2-0'),
    ('XADD s 5-5 a', RespError("ERR wrong number of arguments for 'xadd' command")),
    ('XADD s MAXLEN', RespError("ERR wrong number of arguments for 'xadd' command")),
    ('XADD s MAXLEN 5 MINID 3 * a 1', RespError('ERR syntax error, MAXLEN and MINID options at the same time are not compatible')),
    ('XADD s MAXLEN -1 * a 1', RespError('ERR The MAXLEN argument must be >= 0.')),
    ('XADD s LIMIT 5 10-1 a 1', RespError('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy')),
    ('XADD s MAXLEN 5 LIMIT 5 10-1 a 1', RespError('ERR syntax error, LIMIT cannot be used without the special ~ option')),
    ('XADD s MAXLEN = 5 LIMIT 5 10-1 a 1', RespError('ERR syntax error, LIMIT cannot be used without the special ~ option')),
    ('XADD s MAXLEN ~ 5 LIMIT -5 10-1 a 1', RespError('ERR The LIMIT argument must be >= 0.')),
    ('XADD s MAXLEN ~ 5 LIMIT 5 10-1 a 1', b'10-1'),
    ('XADD s NOMKSTREAM 11-1 a 1', b'11-1'),
    ('XADD nos NOMKSTREAM * a 1', None),
    ('EXISTS nos', 0),
    ('XADD s abc a 1', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XADD s 12-abc a 1', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XADD s -1 a 1', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XADD s 18446744073709551615-18446744073709551615 a 1', b'18446744073709551615-18446744073709551615'),
    ('XADD s * a 1', RespError('ERR The stream has exhausted the last possible ID, unable to add more items')),
    ('XLEN s', 6),
    ('XRANGE s - +', [[b'1-1', [b'a', b'1']], [b'1-2', [b'b', b'2']], [b'2-0', [b'c', b'3', b'd', b'4']], [b'10-1', [b'a', b'1']], [b'11-1', [b'a', b'1']], [b'18446744073709551615-18446744073709551615', [b'a', b'1']]]),
    ('XRANGE s - + COUNT 2', [[b'1-1', [b'a', b'1']], [b'1-2', [b'b', b'2']]]),
    ('XRANGE s - + COUNT 0', None),
    ('XRANGE s - + COUNT -1', None),
    ('XRANGE s (1-1 +', [[b'1-2', [b'b', b'2']], [b'2-0', [b'c', b'3', b'd', b'4']], [b'10-1', [b'a', b'1']], [b'11-1', [b'a', b'1']], [b'18446744073709551615-18446744073709551615', [b'a', b'1']]]),
    ('XRANGE s (- +', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XRANGE s ( +', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XRANGE s - (1-1', []),
    ('XRANGE s - (0-0', RespError('ERR invalid end ID for the interval')),
    ('XRANGE s (18446744073709551615-18446744073709551615 +', RespError('ERR invalid start ID for the interval')),
    ('XRANGE s 2 2', [[b'2-0', [b'c', b'3', b'd', b'4']]]),
    ('XRANGE s 1 1', [[b'1-1', [b'a', b'1']], [b'1-2', [b'b', b'2']]]),
    ('XREVRANGE s + -', [[b'18446744073709551615-18446744073709551615', [b'a', b'1']], [b'11-1', [b'a', b'1']], [b'10-1', [b'a', b'1']], [b'2-0', [b'c', b'3', b'd', b'4']], [b'1-2', [b'b', b'2']], [b'1-1', [b'a', b'1']]]),
    ('XREVRANGE s + - COUNT 1', [[b'18446744073709551615-18446744073709551615', [b'a', b'1']]]),
    ('XREVRANGE s (10-1 -', [[b'2-0', [b'c', b'3', b'd', b'4']], [b'1-2', [b'b', b'2']], [b'1-1', [b'a', b'1']]]),
    ('XRANGE s - + FOO', RespError('ERR syntax error')),
    ('XRANGE missing - +', []),
    ('XRANGE s x +', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('SET str x', 'OK'),
    ('XRANGE str - +', RespError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ('XLEN str', RespError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ('XADD str * a 1', RespError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ('XLEN missing', 0),
    ('XDEL s 1-1 2-0 999', 2),
    ('XDEL s bad', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XDEL missing 1', 0),
    ('XLEN s', 4),
    ('XRANGE s - +', [[b'1-2', [b'b', b'2']], [b'10-1', [b'a', b'1']], [b'11-1', [b'a', b'1']], [b'18446744073709551615-18446744073709551615', [b'a', b'1']]]),
    ('XTRIM s MAXLEN 2', 2),
    ('XTRIM s', RespError("ERR wrong number of arguments for 'xtrim' command")),
    ('XTRIM s LIMIT 1', RespError('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy')),
    ('XTRIM s MAXLEN ~ 1 LIMIT 1 FOO', RespError('ERR syntax error')),
    ('XTRIM s MINID 10-1', 0),
    ('XRANGE s - +', [[b'11-1', [b'a', b'1']], [b'18446744073709551615-18446744073709551615', [b'a', b'1']]]),
    ('XTRIM missing MAXLEN 0', 0),
    ('XSETID s 1-1', RespError('ERR The ID specified in XSETID is smaller than the target stream top item')),
    ('XSETID s 99-0', RespError('ERR The ID specified in XSETID is smaller than the target stream top item')),
    ('XSETID s 99-0 ENTRIESADDED 1', RespError('ERR The ID specified in XSETID is smaller than the target stream top item')),
    ('XSETID s 99-0 ENTRIESADDED -1', RespError('ERR entries_added must be positive')),
    ('XSETID s 99-0 MAXDELETEDID 100-0', RespError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id')),
    ('XSETID s 99-0 ENTRIESADDED 50 MAXDELETEDID 50-0', RespError('ERR The ID specified in XSETID is smaller than the target stream top item')),
    ('XSETID missing 1-1', RespError('ERR no such key')),
    ('XSETID s 99-0 FOO', RespError('ERR syntax error')),
    ('XADD s 99-0 a 1', RespError('ERR The stream has exhausted the last possible ID, unable to add more items')),
    ('XADD s 99-* a 1', RespError('ERR The stream has exhausted the last possible ID, unable to add more items')),
    ('XADD s 98-* a 1', RespError('ERR The stream has exhausted the last possible ID, unable to add more items')),
    ('XINFO STREAM missing', RespError('ERR no such key')),
    ('XINFO FOO', RespError("ERR unknown subcommand 'FOO'. Try XINFO HELP.")),
    ('XGROUP CREATE s g $', 'OK'),
    ('XGROUP CREATE s g $', RespError('BUSYGROUP Consumer Group name already exists')),
    ('XGROUP CREATE missing g $', RespError('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.')),
    ('XGROUP CREATE missing g $ MKSTREAM', 'OK'),
    ('XGROUP CREATE s g2 0 ENTRIESREAD 0', 'OK'),
    ('XGROUP CREATE s g3 0 ENTRIESREAD -5', RespError('ERR value for ENTRIESREAD must be positive or -1')),
    ('XGROUP CREATE s g3 0 FOO', RespError("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.")),
    ('XGROUP SETID s nog 0', RespError("NOGROUP No such consumer group 'nog' for key name 's'")),
    ('XGROUP SETID s g 0 MKSTREAM', RespError("ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.")),
    ('XGROUP SETID s g - ENTRIESREAD 3', 'OK'),
    ('XGROUP CREATECONSUMER s g alice', 1),
    ('XGROUP CREATECONSUMER s g alice', 0),
    ('XGROUP DELCONSUMER s g bob', 0),
    ('XGROUP DESTROY s g3', 0),
    ('XGROUP DESTROY s g2', 1),
    ('XGROUP FOO', RespError("ERR unknown subcommand 'FOO'. Try XGROUP HELP.")),
    ('XGROUP DESTROY missing2 g', RespError('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.')),
    ('FLUSHALL', 'OK'),
    ('XADD s 1-1 a 1', b'1-1'),
    ('XADD s 2-1 b 2', b'2-1'),
    ('XADD s 3-1 c 3', b'3-1'),
    ('XADD s 4-1 d 4', b'4-1'),
    ('XADD s 5-1 e 5', b'5-1'),
    ('XGROUP CREATE s g 0', 'OK'),
    ('XREADGROUP GROUP g alice COUNT 2 STREAMS s >', [[b's', [[b'1-1', [b'a', b'1']], [b'2-1', [b'b', b'2']]]]]),
    ('XREADGROUP GROUP g bob STREAMS s >', [[b's', [[b'3-1', [b'c', b'3']], [b'4-1', [b'd', b'4']], [b'5-1', [b'e', b'5']]]]]),
    ('XREADGROUP GROUP g bob STREAMS s >', None),
    ('XREADGROUP GROUP g alice STREAMS s 0', [[b's', [[b'1-1', [b'a', b'1']], [b'2-1', [b'b', b'2']]]]]),
    ('XREADGROUP GROUP g alice COUNT 1 STREAMS s 0', [[b's', [[b'1-1', [b'a', b'1']]]]]),
    ('XREADGROUP GROUP g alice STREAMS s 1-1', [[b's', [[b'2-1', [b'b', b'2']]]]]),
    ('XREADGROUP GROUP g carol STREAMS s 0', [[b's', []]]),
    ('XINFO GROUPS s', [[b'name', b'g', b'consumers', 3, b'pending', 5, b'last-delivered-id', b'5-1', b'entries-read', 5, b'lag', 0]]),
    ('XPENDING s g', [5, b'1-1', b'5-1', [[b'alice', b'2'], [b'bob', b'3']]]),
    ('XPENDING s nog', RespError("NOGROUP No such key 's' or consumer group 'nog'")),
    ('XPENDING missing g', RespError("NOGROUP No such key 'missing' or consumer group 'g'")),
    ('XPENDING s g - + x', RespError('ERR value is not an integer or out of range')),
    ('XPENDING s g x + 10', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XACK s g 1-1 9-9', 1),
    ('XACK s g bad', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XACK s nog 1-1', 0),
    ('XACK missing g 1-1', 0),
    ('XPENDING s g', [4, b'2-1', b'5-1', [[b'alice', b'1'], [b'bob', b'3']]]),
    ('XDEL s 2-1', 1),
    ('XREADGROUP GROUP g alice STREAMS s 0', [[b's', [[b'2-1', None]]]]),
    ('XCLAIM s g carol 0 2-1 3-1', [[b'3-1', [b'c', b'3']]]),
    ('XCLAIM s g carol 0 3-1 JUSTID', [b'3-1']),
    ('XCLAIM s g carol 0 4-1 RETRYCOUNT 7', [[b'4-1', [b'd', b'4']]]),
    ('XCLAIM s g carol 0 5-1 FORCE JUSTID', [b'5-1']),
    ('XCLAIM s g carol 0 1-1 FORCE', [[b'1-1', [b'a', b'1']]]),
    ('XCLAIM s g carol 0 1-1 FOO', RespError("ERR Unrecognized XCLAIM option 'FOO'")),
    ('XCLAIM s g carol x 1-1', RespError('ERR Invalid min-idle-time argument for XCLAIM')),
    ('XCLAIM s g carol 0 1-1 IDLE x', RespError('ERR Invalid IDLE option argument for XCLAIM')),
    ('XCLAIM s g carol 0 1-1 TIME x', RespError('ERR Invalid TIME option argument for XCLAIM')),
    ('XCLAIM s g carol 0 1-1 RETRYCOUNT x', RespError('ERR Invalid RETRYCOUNT option argument for XCLAIM')),
    ('XCLAIM s g carol 0 1-1 LASTID x', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XCLAIM s nog carol 0 1-1', RespError("NOGROUP No such key 's' or consumer group 'nog'")),
    ('XCLAIM s g carol 100000 1-1', []),
    ('XINFO CONSUMERS s nog', RespError("NOGROUP No such consumer group 'nog' for key name 's'")),
    ('XGROUP DELCONSUMER s g carol', 4),
    ('XPENDING s g', [0, None, None, None]),
    ('XREADGROUP GROUP g dave NOACK STREAMS s 0', [[b's', []]]),
    ('XGROUP SETID s g 0', 'OK'),
    ('XREADGROUP GROUP g dave NOACK STREAMS s >', [[b's', [[b'1-1', [b'a', b'1']], [b'3-1', [b'c', b'3']], [b'4-1', [b'd', b'4']], [b'5-1', [b'e', b'5']]]]]),
    ('XPENDING s g', [0, None, None, None]),
    ('XGROUP SETID s g 0', 'OK'),
    ('XREADGROUP GROUP g erin COUNT 10 STREAMS s >', [[b's', [[b'1-1', [b'a', b'1']], [b'3-1', [b'c', b'3']], [b'4-1', [b'd', b'4']], [b'5-1', [b'e', b'5']]]]]),
    ('XAUTOCLAIM s g frank 0 - COUNT 2', [b'4-1', [[b'1-1', [b'a', b'1']], [b'3-1', [b'c', b'3']]], []]),
    ('XAUTOCLAIM s g frank 0 - COUNT 10 JUSTID', [b'0-0', [b'1-1', b'3-1', b'4-1', b'5-1'], []]),
    ('XDEL s 3-1', 1),
    ('XAUTOCLAIM s g frank 0 0', [b'0-0', [[b'1-1', [b'a', b'1']], [b'4-1', [b'd', b'4']], [b'5-1', [b'e', b'5']]], [b'3-1']]),
    ('XAUTOCLAIM s g frank 0 0 COUNT 0', RespError('ERR COUNT must be > 0')),
    ('XAUTOCLAIM s g frank x 0', RespError('ERR Invalid min-idle-time argument for XAUTOCLAIM')),
    ('XAUTOCLAIM s g frank 0 x', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XAUTOCLAIM s g frank 0 0 FOO', RespError('ERR syntax error')),
    ('XAUTOCLAIM s nog frank 0 0', RespError("NOGROUP No such key 's' or consumer group 'nog'")),
    ('XAUTOCLAIM missing g frank 0 0', RespError("NOGROUP No such key 'missing' or consumer group 'g'")),
    ('XREAD STREAMS s 0', [[b's', [[b'1-1', [b'a', b'1']], [b'4-1', [b'd', b'4']], [b'5-1', [b'e', b'5']]]]]),
    ('XREAD COUNT 1 STREAMS s 0', [[b's', [[b'1-1', [b'a', b'1']]]]]),
    ('XREAD STREAMS s $', None),
    ('XREAD STREAMS s missing 0 0', [[b's', [[b'1-1', [b'a', b'1']], [b'4-1', [b'd', b'4']], [b'5-1', [b'e', b'5']]]]]),
    ('XREAD STREAMS s', RespError("ERR wrong number of arguments for 'xread' command")),
    ('XREAD STREAMS s >', RespError('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.')),
    ('XREAD GROUP g c STREAMS s 0', RespError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.')),
    ('XREAD NOACK STREAMS s 0', RespError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.')),
    ('XREAD FOO STREAMS s 0', RespError('ERR syntax error')),
    ('XREAD COUNT x STREAMS s 0', RespError('ERR value is not an integer or out of range')),
    ('XREAD BLOCK x STREAMS s 0', RespError('ERR timeout is not an integer or out of range')),
    ('XREAD BLOCK -1 STREAMS s 0', RespError('ERR timeout is negative')),
    ('XREAD COUNT 1', RespError("ERR wrong number of arguments for 'xread' command")),
    ('XREADGROUP STREAMS s >', RespError("ERR wrong number of arguments for 'xreadgroup' command")),
    ('XREADGROUP GROUP g c STREAMS s $', RespError('ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.')),
    ('XREADGROUP GROUP nog c STREAMS s >', RespError("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option")),
    ('XREADGROUP GROUP g c STREAMS missing >', RespError("NOGROUP No such key 'missing' or consumer group 'g' in XREADGROUP with GROUP option")),
    ('XREADGROUP GROUP g c STREAMS s bad', RespError('ERR Invalid stream ID specified as stream command argument')),
    ('XREADGROUP GROUP g c STREAMS s', RespError("ERR wrong number of arguments for 'xreadgroup' command")),
    ('SET str x', 'OK'),
    ('XREAD STREAMS str 0', RespError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ('XREADGROUP GROUP g c STREAMS str >', RespError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ('XGROUP CREATE str g 0', RespError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ('XACK str g 1-1', RespError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ('XINFO STREAM str', RespError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ('FLUSHALL', 'OK'),
    ('XADD s 1-1 a 1', b'1-1'),
    ('XADD s 2-1 b 2 c 3', b'2-1'),
    ('XADD s 3-1 a 9', b'3-1'),
    ('XGROUP CREATE s g 0', 'OK'),
    ('XGROUP CREATE s g2 $', 'OK'),
    ('XREADGROUP GROUP g alice COUNT 1 STREAMS s >', [[b's', [[b'1-1', [b'a', b'1']]]]]),
    ('XDEL s 3-1', 1),
    ('XINFO STREAM s', [b'length', 2, b'radix-tree-keys', 1, b'radix-tree-nodes', 2, b'last-generated-id', b'3-1', b'max-deleted-entry-id', b'3-1', b'entries-added', 3, b'recorded-first-entry-id', b'1-1', b'groups', 2, b'first-entry', [b'1-1', [b'a', b'1']], b'last-entry', [b'2-1', [b'b', b'2', b'c', b'3']]]),
    ('XINFO GROUPS s', [[b'name', b'g', b'consumers', 1, b'pending', 1, b'last-delivered-id', b'1-1', b'entries-read', 1, b'lag', None], [b'name', b'g2', b'consumers', 0, b'pending', 0, b'last-delivered-id', b'3-1', b'entries-read', None, b'lag', 0]]),
    ('XGROUP CREATE e g 0 MKSTREAM', 'OK'),
    ('XINFO STREAM e', [b'length', 0, b'radix-tree-keys', 0, b'radix-tree-nodes', 1, b'last-generated-id', b'0-0', b'max-deleted-entry-id', b'0-0', b'entries-added', 0, b'recorded-first-entry-id', b'0-0', b'groups', 1, b'first-entry', None, b'last-entry', None]),
    ('XINFO STREAM s FOO', RespError("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.")),
]


def test_replies_and_errors_match_redis(server):
    c = server.conn()
    for cmd, expected in SEQUENCE:
        got = c.call(*cmd.split())
        assert got == expected, cmd


def xinfo_full(conn, key):
    """XINFO STREAM FULL without the fields that depend on the clock or on Redis's radix tree
    layout (seen-time, active-time, radix-tree-*)."""
    def strip(v):
        if isinstance(v, list):
            out, skip = [], False
            for x in v:
                if skip:
                    skip = False
                    continue
                if x in (b"seen-time", b"active-time", b"radix-tree-nodes", b"radix-tree-keys"):
                    skip = True
                    continue
                out.append(strip(x))
            return out
        return v
    return strip(conn.call("XINFO", "STREAM", key, "FULL", "COUNT", "0"))


def fill(c):
    """A stream spread over several nodes, with deletions, two groups, pending entries owned by
    two consumers and a consumer holding none; an empty stream and one made by MKSTREAM."""
    for i in range(1, 350):
        fields = ("f", str(i), "g", "x" * (i % 7)) if i % 3 else ("other", str(i))
        assert c.call("XADD", "st", "%d-%d" % (i, i % 4), *fields) == b"%d-%d" % (i, i % 4)
    assert c.call("XDEL", "st", "3-3", "10-2", "200-0") == 3
    assert c.call("XGROUP", "CREATE", "st", "g1", "0") == "OK"
    assert c.call("XGROUP", "CREATE", "st", "g2", "$") == "OK"
    assert len(c.call("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "st",
                      ">")[0][1]) == 5
    assert len(c.call("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "st",
                      ">")[0][1]) == 3
    assert c.call("XGROUP", "CREATECONSUMER", "st", "g1", "carol") == 1
    assert c.call("XADD", "empty", "MAXLEN", "0", "*", "a", "1") is not None
    assert c.call("XGROUP", "CREATE", "mk", "g", "$", "MKSTREAM") == "OK"


KEYS = ("st", "empty", "mk")


@pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="needs Debian's redis-server")
def test_dump_restore_both_ways_with_redis(server, make_server):
    ref = make_server(binary=REDIS_SERVER)
    for src, dst in ((ref, server), (server, ref)):
        a, b = src.conn(), dst.conn()
        a.call("FLUSHALL")
        fill(a)
        for k in KEYS:
            payload = a.call("DUMP", k)
            assert b.call("RESTORE", k, "0", payload, "REPLACE") == "OK"
            assert xinfo_full(b, k) == xinfo_full(a, k), k
        assert xinfo_full(a, "st")[1] == 346  # length


@pytest.mark.skipif(is_real_redis(), reason="Redis 7.0 without sanitize-dump-payload asserts on some")
def test_corrupt_payloads_are_refused_or_whole(server):
    c = server.conn()
    fill(c)
    payload = c.call("DUMP", "st")
    body, version = payload[:-10], struct.unpack("<H", payload[-10:-8])[0]
    # A flipped byte behind a bad checksum is refused outright.
    assert isinstance(c.call("RESTORE", "x", "0", payload[:5] + b"!" + payload[6:]), RespError)
    # With the checksum recomputed, each corruption is refused by the stream checks, or (a byte
    # inside a field's text) yields a whole stream the server can walk and dump again.
    refused = 0
    for at in range(1, len(body), 3):
        bad = body[:at] + bytes([body[at] ^ 0x5A]) + body[at + 1:]
        got = c.call("RESTORE", "bad", "0", sealed(bad, version), "REPLACE")
        if isinstance(got, RespError):
            refused += 1
            continue
        assert got == "OK", at
        info = c.call("XINFO", "STREAM", "bad", "FULL", "COUNT", "0")
        assert not isinstance(info, RespError), at
        assert isinstance(c.call("DUMP", "bad"), bytes)
    assert refused > 0
    assert c.call("PING") == "PONG"


def test_restart_from_rdb_and_from_rewritten_aof(make_server):
    s = make_server()
    c = s.conn()
    fill(c)
    before = {k: xinfo_full(c, k) for k in KEYS}
    assert c.call("SAVE") == "OK"
    s.stop()
    s.start()
    c = s.conn()
    assert {k: xinfo_full(c, k) for k in KEYS} == before

    a = make_server(extra_args=["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    c = a.conn()
    fill(c)
    before = {k: xinfo_full(c, k) for k in KEYS}
    assert c.call("BGREWRITEAOF") is not None
    eventually(lambda: a.client().info("persistence")["aof_rewrite_in_progress"] == 0 and
               a.client().info("persistence")["aof_rewrites"] >= 1, timeout=20)
    a.stop()
    a.start()
    c = a.conn()
    assert {k: xinfo_full(c, k) for k in KEYS} == before


def test_replica_keeps_the_same_groups_and_trims(make_server):
    primary = make_server()
    replica = make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port)])
    wait_replica_synced(primary, replica)
    p = primary.conn()
    fill(p)
    # An approximate trim drops whole nodes on the primary; the replica gets the exact form.
    for i in range(400, 1400):
        p.call("XADD", "st", "MAXLEN", "~", "300", "%d-0" % i, "f", "v")
    p.call("XACK", "st", "g1", "1-1", "2-2")
    p.call("XCLAIM", "st", "g1", "dave", "0", "4-0", "5-1")
    p.call("XAUTOCLAIM", "st", "g1", "erin", "0", "0", "COUNT", "1")
    p.call("XREADGROUP", "GROUP", "g2", "zed", "NOACK", "COUNT", "2", "STREAMS", "st", ">")
    wait_replica_synced(primary, replica)
    r = replica.conn()
    for k in KEYS:
        assert xinfo_full(r, k) == xinfo_full(p, k), k
    length = p.call("XLEN", "st")
    assert 300 <= length < 400


def test_blocked_group_readers_are_served_in_blocking_order(server):
    c = server.conn()
    c.call("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
    waiters = []
    for name in ("w1", "w2"):
        w = server.conn()
        w.send("XREADGROUP", "GROUP", "g", name, "COUNT", "1", "BLOCK", "0", "STREAMS", "q", ">")
        waiters.append(w)
        eventually(lambda n=len(waiters): server.client().info("clients")["blocked_clients"] == n)
    c.call("XADD", "q", "1-0", "job", "a")
    assert waiters[0].read() == [[b"q", [[b"1-0", [b"job", b"a"]]]]]
    assert not waiters[1].has_pending(0.1)
    c.call("XADD", "q", "2-0", "job", "b")
    assert waiters[1].read() == [[b"q", [[b"2-0", [b"job", b"b"]]]]]
    pending = c.call("XPENDING", "q", "g")
    assert pending[0] == 2 and pending[3] == [[b"w1", b"1"], [b"w2", b"1"]]


def test_xread_block_across_streams_and_timeouts(server):
    c = server.conn()
    c.call("XADD", "s1", "1-0", "a", "1")
    w = server.conn()
    # "$" means only what arrives after the call, on either stream.
    w.send("XREAD", "BLOCK", "0", "STREAMS", "s1", "s2", "$", "$")
    eventually(lambda: server.client().info("clients")["blocked_clients"] == 1)
    c.call("XADD", "s2", "5-0", "b", "2")
    assert w.read() == [[b"s2", [[b"5-0", [b"b", b"2"]]]]]
    # Every XREAD waiter sees the entry (nothing is consumed).
    ws = [server.conn() for _ in range(3)]
    for x in ws:
        x.send("XREAD", "COUNT", "10", "BLOCK", "0", "STREAMS", "s1", "$")
    eventually(lambda: server.client().info("clients")["blocked_clients"] == 3)
    c.call("XADD", "s1", "2-0", "c", "3")
    for x in ws:
        assert x.read() == [[b"s1", [[b"2-0", [b"c", b"3"]]]]]
    assert c.call("XREAD", "BLOCK", "50", "STREAMS", "s1", "$") is None
    assert c.call("XREAD", "STREAMS", "s1", "nokey", "0", "0") == [
        [b"s1", [[b"1-0", [b"a", b"1"]], [b"2-0", [b"c", b"3"]]]]]
    # RESP3 answers a map.
    c.call("HELLO", "3")
    assert c.call("XREAD", "COUNT", "1", "STREAMS", "s1", "0") == {
        b"s1": [[b"1-0", [b"a", b"1"]]]}


def test_blocked_group_reader_told_when_key_or_group_goes(server):
    c = server.conn()
    for key in ("k1", "k2"):
        c.call("XGROUP", "CREATE", key, "g", "$", "MKSTREAM")
    w1, w2 = server.conn(), server.conn()
    w1.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "k1", ">")
    w2.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "k2", ">")
    eventually(lambda: server.client().info("clients")["blocked_clients"] == 2)
    c.call("DEL", "k1")
    assert w1.read() == RespError("UNBLOCKED the stream key no longer exists")
    c.call("XGROUP", "DESTROY", "k2", "g")
    assert w2.read() == RespError(
        "NOGROUP the consumer group this client was blocked on no longer exists")


def test_blocked_reader_on_replica_woken_by_replication(make_server):
    primary = make_server()
    replica = make_server(extra_args=["--replicaof", "127.0.0.1", str(primary.port)])
    wait_replica_synced(primary, replica)
    w = replica.conn()
    w.send("XREAD", "BLOCK", "0", "STREAMS", "ev", "$")
    eventually(lambda: replica.client().info("clients")["blocked_clients"] == 1)
    primary.conn().call("XADD", "ev", "7-1", "k", "v")
    assert w.read(timeout=10) == [[b"ev", [[b"7-1", [b"k", b"v"]]]]]


def test_job_queue_through_redis_py(server):
    r = server.client()
    r.xgroup_create("jobs", "workers", id="0", mkstream=True)
    ids = [r.xadd("jobs", {"n": i}) for i in range(10)]
    got = r.xreadgroup("workers", "w1", {"jobs": ">"}, count=4)
    assert [e[0] for e in got[0][1]] == ids[:4]
    assert r.xack("jobs", "workers", *ids[:2]) == 2
    # w1 died holding two jobs: w2 claims them.
    cursor, claimed, deleted = r.xautoclaim("jobs", "workers", "w2", 0, "0-0")
    assert [e[0] for e in claimed] == ids[2:4] and deleted == []
    info = r.xpending("jobs", "workers")
    assert info["pending"] == 2 and info["consumers"] == [{"name": "w2", "pending": 2}]
    groups = r.xinfo_groups("jobs")
    assert groups[0]["entries-read"] == 4 and groups[0]["lag"] == 6
    assert r.xtrim("jobs", maxlen=5) == 0  # "~": the one node stays
    assert r.xtrim("jobs", maxlen=5, approximate=False) == 5
    assert r.xlen("jobs") == 5
    assert [e[0] for e in r.xrevrange("jobs", count=2)] == ids[:-3:-1]


def test_migrate_carries_groups(server, make_server):
    target = make_server()
    c = server.conn()
    fill(c)
    before = xinfo_full(c, "st")
    assert c.call("MIGRATE", "127.0.0.1", str(target.port), "st", "0", "5000") == "OK"
    assert c.call("EXISTS", "st") == 0
    assert xinfo_full(target.conn(), "st") == before


def test_keyspace_events_carry_redis_names(server):
    c = server.conn()
    c.call("CONFIG", "SET", "notify-keyspace-events", "Et")
    sub = server.conn()
    assert sub.call("PSUBSCRIBE", "__keyevent@0__:*") == [b"psubscribe", b"__keyevent@0__:*", 1]
    c.call("XADD", "s", "MAXLEN", "1", "1-1", "a", "1")
    c.call("XADD", "s", "MAXLEN", "1", "2-1", "a", "1")
    c.call("XDEL", "s", "2-1")
    c.call("XGROUP", "CREATE", "s", "g", "0")
    c.call("XGROUP", "CREATECONSUMER", "s", "g", "c")
    c.call("XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">")
    c.call("XGROUP", "SETID", "s", "g", "0")
    c.call("XCLAIM", "s", "g", "e", "0", "1-1")
    c.call("XAUTOCLAIM", "s", "g", "f", "0", "0")
    c.call("XGROUP", "DELCONSUMER", "s", "g", "c")
    c.call("XGROUP", "DESTROY", "s", "g")
    c.call("XSETID", "s", "5-5")
    c.call("XTRIM", "s", "MAXLEN", "0")
    c.call("PING")
    events = []
    while sub.has_pending(0.2):
        events.append(sub.read()[2].decode().split(":", 1)[1])
    assert events == ["xadd", "xadd", "xtrim", "xdel", "xgroup-create", "xgroup-createconsumer",
                      "xgroup-setid", "xgroup-delconsumer", "xgroup-destroy", "xsetid"]


@pytest.mark.skipif(is_real_redis(), reason="Redis 8.2 commands; the reference is 7.0.15")
def test_reference_policies_of_redis_8_2(server):
    c = server.conn()
    for i in range(1, 7):
        c.call("XADD", "s", "%d-0" % i, "f", "v")
    c.call("XGROUP", "CREATE", "s", "g1", "0")
    c.call("XGROUP", "CREATE", "s", "g2", "0")
    c.call("XREADGROUP", "GROUP", "g1", "a", "COUNT", "3", "STREAMS", "s", ">")
    c.call("XREADGROUP", "GROUP", "g2", "b", "COUNT", "2", "STREAMS", "s", ">")
    # 1-0: pending in both groups. ACKED keeps it; KEEPREF deletes and leaves the PELs.
    assert c.call("XDELEX", "s", "ACKED", "IDS", "2", "1-0", "9-0") == [2, -1]
    assert c.call("XDELEX", "s", "IDS", "1", "1-0") == [1]
    assert c.call("XPENDING", "s", "g1")[0] == 3
    # DELREF deletes 2-0 and drops it from both PELs.
    assert c.call("XDELEX", "s", "DELREF", "IDS", "1", "2-0") == [1]
    assert c.call("XPENDING", "s", "g1")[0] == 2 and c.call("XPENDING", "s", "g2")[0] == 1
    # XACKDEL: acked in g1 but g2 has not been handed 3-0 yet, so ACKED keeps it.
    assert c.call("XACKDEL", "s", "g1", "ACKED", "IDS", "2", "3-0", "4-0") == [2, -1]
    assert c.call("XLEN", "s") == 4
    c.call("XREADGROUP", "GROUP", "g2", "b", "STREAMS", "s", ">")
    assert c.call("XACKDEL", "s", "g2", "ACKED", "IDS", "1", "3-0") == [1]
    # Trimming with ACKED stops at the first entry a group still needs (4-0, pending in g2).
    assert c.call("XTRIM", "s", "MAXLEN", "0", "ACKED") == 0
    c.call("XACK", "s", "g2", "4-0", "5-0")
    assert c.call("XTRIM", "s", "MAXLEN", "0", "ACKED") == 0  # g1 has not read 4-0 yet
    c.call("XREADGROUP", "GROUP", "g1", "a", "STREAMS", "s", ">")
    assert c.call("XTRIM", "s", "MAXLEN", "0", "DELREF") == 3
    # Only the dangling 1-0 that KEEPREF left stays pending.
    assert c.call("XPENDING", "s", "g1")[:2] == [1, b"1-0"] and c.call("XLEN", "s") == 0
    assert c.call("XDELEX", "s", "IDS", "0", "1-0") == RespError(
        "ERR Number of IDs must be a positive integer")
    assert c.call("XDELEX", "s", "IDS", "3", "1-0") == RespError(
        "ERR The `numids` parameter must match the number of arguments")
    assert c.call("XDELEX", "s", "FOO", "IDS", "1", "1-0") == RespError("ERR syntax error")


def test_key_positions_skip_option_values(server):
    c = server.conn()
    # A group named "streams" is the GROUP option's value, not the keyword.
    assert c.call("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "streams", "c", "COUNT", "5",
                  "STREAMS", "k1", "k2", ">", ">") == [b"k1", b"k2"]
    assert c.call("COMMAND", "GETKEYS", "XREAD", "BLOCK", "0", "STREAMS", "k1", "0") == [b"k1"]


@pytest.mark.skipif(is_real_redis(), reason="Redis accepts this and then misplaces new entries")
def test_last_id_stays_above_a_deleted_tail_entry(server):
    c = server.conn()
    c.call("XADD", "s", "5-0", "f", "v")
    c.call("XADD", "s", "9-0", "f", "v")
    assert c.call("XDEL", "s", "9-0") == 1
    assert c.call("XSETID", "s", "9-0", "MAXDELETEDID", "0-1") == "OK"
    assert c.call("XSETID", "s", "7-0") == RespError(
        "ERR The ID specified in XSETID is smaller than the target stream top item")
    assert c.call("XADD", "s", "10-0", "f", "w") == b"10-0"
    assert [e[0] for e in c.call("XRANGE", "s", "-", "+")] == [b"5-0", b"10-0"]


def test_cluster_mode_routes_stream_keys(make_server):
    from test_cluster_commands import cluster_args, claim_all, tag_for
    s = make_server(extra_args=cluster_args("--cluster-require-full-coverage", "no"))
    claim_all(s)
    c = s.conn()
    a, b = "{%s}x" % tag_for(1), "{%s}y" % tag_for(2)
    a2 = "{%s}other" % tag_for(1)
    assert c.call("XADD", a, "1-1", "f", "v") == b"1-1"
    assert c.call("XADD", a2, "1-1", "f", "v") == b"1-1"
    assert c.call("XREAD", "STREAMS", a, a2, "0", "0") == [
        [a.encode(), [[b"1-1", [b"f", b"v"]]]], [a2.encode(), [[b"1-1", [b"f", b"v"]]]]]
    assert c.call("XREAD", "STREAMS", a, b, "0", "0") == RespError(
        "CROSSSLOT Keys in request don't hash to the same slot")
    c.call("XGROUP", "CREATE", a, "streams", "0")
    # The group named "streams" is no keyword: the key is still `a`, served here.
    assert c.call("XREADGROUP", "GROUP", "streams", "c", "STREAMS", a, ">")[0][0] == a.encode()
    assert c.call("CLUSTER", "DELSLOTS", 2) == "OK"
    got = c.call("XREAD", "STREAMS", b, "0")
    assert isinstance(got, RespError) and str(got).startswith("CLUSTERDOWN"), got
