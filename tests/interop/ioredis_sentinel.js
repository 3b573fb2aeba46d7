// ioredis against sable-sentinel, driven by tests/integration/test_sentinel_clients.py.
//
// Usage: node ioredis_sentinel.js '<json>' with {name, sentinels: [{host, port}...],
// subscribe: {host, port}, deadlineMs}. Prints one JSON object per line on stdout:
//   {"event":"ready", ...}  connected through the sentinels; the driver now kills the primary
//   {"event":"done", ...}   followed the failover: +switch-master seen, writes resumed on the
//                           new primary, role:'slave' connections read them
//   {"event":"error", ...}  anything else (exit code 1)
// The master connection is given only the first sentinel: it must learn the others through
// SENTINEL sentinels, because the driver stops that first sentinel before the kill.
"use strict";
const Redis = require("ioredis");

const { cfg, out, sleep, log, fail, until, deadline } = require("./harness").harness(40000);
const quiet = () => {}; // connection errors while the primary is gone are expected

function infoField(text, field) {
  const m = new RegExp("^" + field + ":(.*)$", "m").exec(text);
  return m ? m[1].trim() : null;
}

async function main() {
  const common = {
    name: cfg.name,
    sentinelRetryStrategy: () => 100,
    retryStrategy: () => 100,
    connectTimeout: 2000,
    maxRetriesPerRequest: null,
  };
  // Not `failoverDetector: true`: in ioredis 5.9.3 a +switch-master that arrives while the
  // client is still reconnecting (the primary was killed, the failover took under a second)
  // aborts the reconnection for good ("Connection is closed."), a client-side race.
  const master = new Redis(Object.assign({}, common, { sentinels: [cfg.sentinels[0]] }));
  master.on("error", quiet);
  for (const ev of ["ready", "reconnecting", "close"]) {
    master.on(ev, () => log("master", ev, master.stream ? master.stream.remotePort : ""));
  }
  const replica = new Redis(Object.assign({}, common, { sentinels: cfg.sentinels, role: "slave" }));
  replica.on("error", quiet);
  // A plain subscriber on a sentinel, as Jedis-style clients do.
  const sub = new Redis({ host: cfg.subscribe.host, port: cfg.subscribe.port });
  sub.on("error", quiet);
  const switches = [];
  sub.on("message", (channel, message) => {
    log("event", channel, message);
    if (channel === "+switch-master") switches.push(message);
  });
  await sub.subscribe("+switch-master");

  await master.set("ioredis:before", "1");
  const firstPort = master.stream.remotePort;
  const masterRole = infoField(await master.info("replication"), "role");
  const replicaInfo = await replica.info("replication");
  await until("the replica connection to read the first write",
              async () => (await replica.get("ioredis:before")) === "1");
  // The master connection learned the other sentinels through SENTINEL sentinels.
  const known = master.connector.sentinelIterator.sentinels.map((s) => s.host + ":" + s.port);
  out({
    event: "ready",
    masterPort: firstPort,
    masterRole,
    replicaPort: replica.stream.remotePort,
    replicaRole: infoField(replicaInfo, "role"),
    knownSentinels: known,
  });

  // Write continuously until the failover is over and writes land on another node.
  let n = 0;
  let failed = 0;
  let newPort = null;
  let lastKey = null;
  let lastError = null;
  for (;;) {
    if (Date.now() > deadline) fail("no write on a new primary", { switches, n, failed });
    n += 1;
    const key = "ioredis:k:" + n;
    try {
      await Promise.race([
        master.set(key, String(n)),
        sleep(2000).then(() => { throw new Error("write timed out"); }),
      ]);
      const port = master.stream && master.stream.remotePort;
      if (port !== firstPort || n % 50 === 0) log("write", key, "on", port);
      if (port && port !== firstPort) {
        newPort = port;
        lastKey = key;
        if (switches.length > 0) break;
      }
    } catch (e) {
      failed += 1;
      if (e.message !== lastError) log("write", key, "failed:", e.message);
      lastError = e.message;
    }
    await sleep(20);
  }
  log("writes resumed on", newPort);
  const newRole = infoField(await master.info("replication"), "role");
  // The role:'slave' connection reads what was written on the new primary.
  await until("the replica connection to read a write made after the failover",
              async () => (await replica.get(lastKey)) === String(n));
  // The replica connection made before the failover may sit on the node that was promoted
  // (Redis Sentinel disconnects normal clients of every node it reconfigures, so ioredis would
  // resolve again). A role:'slave' connection made now must land on a replica.
  log("old replica connection read it");
  const oldReplicaRole = infoField(await replica.info("replication"), "role");
  const fresh = new Redis(Object.assign({}, common, { sentinels: cfg.sentinels, role: "slave" }));
  fresh.on("error", quiet);
  await until("a new replica connection to read a write made after the failover",
              async () => (await fresh.get(lastKey)) === String(n));
  const afterInfo = await fresh.info("replication");
  out({
    event: "done",
    newPort,
    newRole,
    switches,
    writes: n,
    failedWrites: failed,
    lastKey,
    oldReplicaPort: replica.stream.remotePort,
    oldReplicaRole,
    replicaPort: fresh.stream.remotePort,
    replicaRole: infoField(afterInfo, "role"),
  });
  fresh.disconnect();
  master.disconnect();
  replica.disconnect();
  sub.disconnect();
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : e));
