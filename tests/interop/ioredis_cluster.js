// ioredis's Cluster client against a Sable cluster, driven by
// tests/integration/test_cluster_clients.py.
//
// Usage: node ioredis_cluster.js '<json>' with {seed: {host, port}, keys, deadlineMs}.
// Prints one JSON object per line on stdout:
//   {"event":"ready", ...}    'ready' seen, nodes known to the client
//   {"event":"bulk", ...}     2000 keys over all slots written and read back, MSET/MGET with hash
//                             tags, a pipeline, a sharded pub/sub (SSUBSCRIBE/SPUBLISH) round trip
//   {"event":"writing", ...}  the failover writer is running; the driver now kill -9s a primary
//                             and writes "killed <port> <kill time, ms since the epoch>" on stdin
//   {"event":"done", ...}     writes resumed on the dead primary's slots, then `tail` more writes
//                             all succeeded; every acknowledged key was read back
//   {"event":"error", ...}    anything else (exit code 1)
"use strict";
const Redis = require("ioredis");
const calculateSlot = require("cluster-key-slot");
const readline = require("readline");

const { cfg, out, sleep, log, fail, until, deadline, t0 } = require("./harness").harness(60000);

// "killed <port> <epoch ms>" from the driver, on stdin.
let killed = null;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const m = /^killed (\d+) (\d+)$/.exec(line.trim());
  if (m) {
    killed = { port: Number(m[1]), at: Number(m[2]), heardAt: Date.now() - Number(m[2]) };
    log("driver killed", m[1]);
  }
});

function ownerOf(cluster, key) {
  const owners = cluster.slots[calculateSlot(key)];
  return owners && owners[0];
}

async function bulk(cluster) {
  const n = cfg.keys || 2000;
  const slots = new Set();
  const owners = {};
  await Promise.all(Array.from({ length: n }, (_, i) => {
    const k = "bulk:" + i;
    slots.add(calculateSlot(k));
    const o = ownerOf(cluster, k);
    owners[o] = (owners[o] || 0) + 1;
    return cluster.set(k, "v" + i).then((r) => {
      if (r !== "OK") fail("SET " + k + " -> " + r);
    });
  }));
  const got = await Promise.all(Array.from({ length: n }, (_, i) => cluster.get("bulk:" + i)));
  const wrong = got.map((v, i) => (v === "v" + i ? null : ["bulk:" + i, v])).filter((x) => x);
  if (wrong.length) fail("bulk read back differs", { wrong: wrong.slice(0, 10) });

  // Multi-key commands on one slot (hash tags), and a CROSSSLOT refusal.
  const mset = await cluster.mset("{user1}a", "A", "{user1}b", "B", "{user1}c", "C");
  const mget = await cluster.mget("{user1}a", "{user1}b", "{user1}c", "{user1}missing");
  await cluster.mset({ "{user2}x": "1", "{user2}y": "2" });
  const mget2 = await cluster.mget("{user2}x", "{user2}y");
  let crossslot = null;
  try {
    await cluster.mget("bulk:1", "bulk:2");
  } catch (e) {
    crossslot = e.message;
  }

  // A pipeline over many slots (ioredis groups by node; all keys of one pipeline must be on one
  // node in ioredis, so use one hash tag) and a MULTI on a tag.
  const pipe = cluster.pipeline();
  for (let i = 0; i < 50; i++) pipe.set("{pipe}" + i, String(i));
  pipe.incrby("{pipe}counter", 5);
  for (let i = 0; i < 50; i++) pipe.get("{pipe}" + i);
  const pres = await pipe.exec();
  const pipeErrors = pres.filter(([e]) => e).map(([e]) => e.message);
  const pipeGets = pres.slice(51).map(([, v]) => v);
  const pipeOk = pipeErrors.length === 0 && pres[50][1] === 5 &&
    pipeGets.every((v, i) => v === String(i));
  const multi = await cluster.multi().set("{tx}a", "1").incr("{tx}a").get("{tx}a").exec();

  // Sharded pub/sub: the subscriber connects to the channel's shard (shardedSubscribers).
  let spubsub = null;
  if (cfg.shardedPubsub) {
    const channel = "chan:{shard}";
    const received = [];
    cluster.on("smessage", (ch, msg) => received.push([ch, msg]));
    await cluster.ssubscribe(channel);
    let receivers = 0;
    await until("an SPUBLISH subscriber", async () => {
      receivers = await cluster.spublish(channel, "hello");
      return receivers >= 1;
    });
    await until("the smessage", () => received.length >= 1);
    spubsub = { channel, receivers, received, owner: ownerOf(cluster, channel) };
  }
  return { keys: n, slotsCovered: slots.size, owners, mset, mget, mget2, crossslot,
           pipeOk, pipeErrors, multi: multi.map(([e, v]) => (e ? e.message : v)), spubsub };
}

const progress = {};

async function failoverWriter(cluster) {
  const acked = new Map(); // key -> value, only for writes whose reply was OK
  const errors = []; // {key, message, at (ms since the kill, or null before it), owner}
  let i = 0;
  // recoveredAt: ms after the kill at which the first write to a slot the dead primary owned
  // (in the slot map taken just before the kill) was acknowledged; afterRecovery counts the
  // writes acknowledged after that, on any slot.
  let recoveredAt = null;
  let afterRecovery = 0;
  let writingSent = false;
  let ownersBefore = null;
  const deadAddr = () => "127.0.0.1:" + killed.port;
  // A few writers at once, so the writes stuck on the dead shard do not stop the others.
  const writer = async () => {
    while (Date.now() < deadline) {
      const k = "fo:" + i++;
      const v = "w" + i;
      const slot = calculateSlot(k);
      const owner = ownerOf(cluster, k);
      progress.inflight = Object.assign(progress.inflight || {}, { [k]: owner });
      Object.assign(progress, { attempted: i, acked: acked.size, errors: errors.length,
                                recoveredAt, afterRecovery });
      try {
        const r = await cluster.set(k, v).finally(() => delete progress.inflight[k]);
        if (r !== "OK") throw new Error("SET replied " + r);
        acked.set(k, v);
        if (killed) {
          if (recoveredAt === null && ownersBefore[slot] === deadAddr()) {
            recoveredAt = Date.now() - killed.at;
            log("recovered: write to the dead primary's slot", slot, "acked", recoveredAt,
                "ms after the kill");
          } else if (recoveredAt !== null) {
            afterRecovery++;
          }
        }
      } catch (e) {
        errors.push({ key: k, message: e.message, owner,
                      at: killed ? Date.now() - killed.at : null,
                      afterRecovery: recoveredAt !== null });
      }
      if (!writingSent && acked.size >= 200) {
        writingSent = true;
        ownersBefore = cluster.slots.map((o) => o && o[0]);
        out({ event: "writing", acked: acked.size });
      }
      if (recoveredAt !== null && afterRecovery >= (cfg.tail || 1000)) return;
      if (!killed) await sleep(1);
    }
  };
  await Promise.all(Array.from({ length: 4 }, writer));
  if (recoveredAt === null) fail("writes never resumed on the dead primary's slots",
                                 { errors: errors.slice(0, 20), acked: acked.size });
  const finishedAt = Date.now() - killed.at;
  // Read every acknowledged key back.
  const keys = Array.from(acked.keys());
  const lost = [];
  for (let j = 0; j < keys.length; j += 500) {
    const chunk = keys.slice(j, j + 500);
    const vals = await Promise.all(chunk.map((k) => cluster.get(k)));
    vals.forEach((v, n) => {
      if (v !== acked.get(chunk[n])) lost.push([chunk[n], acked.get(chunk[n]), v]);
    });
  }
  const deadSlots = cluster.slots.filter((o) => o && o[0] === deadAddr()).length;
  return { heardAt: killed.heardAt, attempted: i, acked: acked.size, errors, lost, recoveredAt,
           finishedAt,
           deadSlotsStillMapped: deadSlots, readBackMs: Date.now() - killed.at - finishedAt,
           ackedKeys: keys };
}

async function main() {
  const cluster = new Redis.Cluster([cfg.seed], {
    shardedSubscribers: !!cfg.shardedPubsub,
    scaleReads: "master",
    maxRedirections: 300,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 1000,
    clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
    redisOptions: { connectTimeout: 1000, maxRetriesPerRequest: null },
  });
  // Counted, logged once a second: ioredis reports every reconnect attempt to a dead node.
  const seen = {};
  const count = (what) => { seen[what] = (seen[what] || 0) + 1; };
  cluster.on("error", (e) => count("error " + e.message));
  cluster.on("node error", (e, key) => count("node error " + key + " " + e.message));
  cluster.on("+node", (n) => count("+node " + n.options.port));
  cluster.on("-node", (n) => count("-node " + n.options.port));
  setInterval(() => {
    log("status", cluster.status, JSON.stringify(progress), JSON.stringify(seen));
  }, 1000).unref();
  await until("'ready'", () => cluster.status === "ready" ||
    new Promise((r) => cluster.once("ready", () => r(true))));
  const masters = cluster.nodes("master").map((n) => n.options.port).sort();
  const replicas = cluster.nodes("slave").map((n) => n.options.port).sort();
  out({ event: "ready", masters, replicas, ms: Date.now() - t0 });

  const b = await bulk(cluster);
  out(Object.assign({ event: "bulk", ms: Date.now() - t0 }, b));

  if (cfg.failover) {
    const f = await failoverWriter(cluster);
    out(Object.assign({ event: "done", ms: Date.now() - t0 }, f));
  } else {
    out({ event: "done", ms: Date.now() - t0 });
  }
  await cluster.quit().catch(() => cluster.disconnect());
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : e));
