"""Keys of every collection type, in each of their encodings, for the tests that carry data
between Sable and Redis 7.0 (replication both ways, MIGRATE both ways): write them with
populate(), change them with mutate() (commands whose propagation differs from the command,
such as SPOP as SREM or blocking pops), read any server's copy back with contents().
"""

def populate(c):
    """Writes small (listpack, intset) and large (quicklist nodes, hashtable, skiplist) keys of
    every type with a binary-safe client (decode_responses=False)."""
    c.rpush(b"list:small", b"a", b"\x00\xff", b"12", b"-7")
    c.rpush(b"list:big", *[b"item:%d" % i for i in range(300)])
    c.rpush(b"list:big", b"x" * 70000)  # a node of its own
    c.hset(b"hash:small", mapping={b"f": b"v", b"n": b"12", b"bin\x00": b"\r\n"})
    c.hset(b"hash:big", mapping={b"f%d" % i: b"v" * (i % 90) for i in range(600)})
    c.sadd(b"set:ints", 1, -5, 300, 70000, 2 ** 40)
    c.sadd(b"set:bigints", *range(600))
    c.sadd(b"set:small", b"a", b"b", b"\x00")
    c.sadd(b"set:big", *[b"m%d" % i for i in range(700)])
    c.zadd(b"zset:small", {b"a": 1, b"b": 2.5, b"c": -3, b"d": 1e300})
    c.zadd(b"zset:big", {b"m%d" % i: i / 7 for i in range(500)})
    c.pexpire(b"hash:big", 900000)
    c.pexpire(b"zset:small", 900000)


def mutate(c):
    """Writes after the sync: the replica must end up equal to the primary."""
    c.lpush(b"list:small", b"head")
    c.rpoplpush(b"list:big", b"list:small")
    c.lmove(b"list:small", b"list:new", "LEFT", "RIGHT")
    c.ltrim(b"list:big", 5, -5)
    c.linsert(b"list:big", "BEFORE", b"item:100", b"inserted")
    c.hincrby(b"hash:small", b"n", 30)
    c.hincrbyfloat(b"hash:small", b"float", "1.25")
    c.hdel(b"hash:big", b"f1", b"f2")
    c.spop(b"set:big", 3)  # propagated as SREM of what was popped
    c.spop(b"set:small")
    c.srem(b"set:ints", 300)
    c.smove(b"set:bigints", b"set:moved", 7)
    c.sinterstore(b"set:inter", b"set:bigints", b"set:ints")
    c.zincrby(b"zset:big", 2.5, b"m3")
    c.zpopmin(b"zset:big", 2)
    c.zremrangebyscore(b"zset:small", "-inf", "(0")
    c.zunionstore(b"zset:union", {b"zset:small": 2, b"zset:big": 1}, aggregate="MAX")
    c.blpop([b"list:new"], timeout=1)
    c.execute_command("LMPOP", 1, b"list:big", "RIGHT", "COUNT", 2)
    c.execute_command("ZMPOP", 1, b"zset:big", "MAX", "COUNT", 2)


def contents(c):
    """{key: (type, value, has_ttl)} for every key, in a form that compares across servers."""
    out = {}
    for key in c.scan_iter(count=1000):
        t = c.type(key)
        if t == b"list":
            v = tuple(c.lrange(key, 0, -1))
        elif t == b"hash":
            v = tuple(sorted(c.hgetall(key).items()))
        elif t == b"set":
            v = tuple(sorted(c.smembers(key)))
        elif t == b"zset":
            v = tuple(c.zrange(key, 0, -1, withscores=True))
        else:
            v = c.get(key)
        out[key] = (t, v, c.pttl(key) > 0)
    return out



def check_replication(primary, replica, wait_synced):
    """After populate() on the primary: the replica holds the same keys after the full sync,
    and again after mutate() has gone through the command stream."""
    p = primary.client(decode_responses=False)
    r = replica.client(decode_responses=False)
    wait_synced(primary, replica)
    before = contents(p)
    assert len(before) == 10
    assert contents(r) == before
    mutate(p)
    wait_synced(primary, replica)
    after = contents(p)
    assert after != before
    assert contents(r) == after
