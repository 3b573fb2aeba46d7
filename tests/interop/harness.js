// What every interop script shares with its Python driver: the JSON config in argv[2], events
// as JSON lines on stdout, progress on stderr, one overall deadline, and bounded polling.
"use strict";

function harness(defaultDeadlineMs) {
  const cfg = JSON.parse(process.argv[2]);
  const deadlineMs = cfg.deadlineMs || defaultDeadlineMs;
  const deadline = Date.now() + deadlineMs;
  const t0 = Date.now();
  const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // Progress on stderr: the driver shows it when something fails.
  const log = (...a) => process.stderr.write(((Date.now() - t0) / 1000).toFixed(2) + "s " +
                                             a.join(" ") + "\n");
  function fail(msg, extra) {
    out(Object.assign({ event: "error", message: String(msg) }, extra || {}));
    process.exit(1);
  }
  setTimeout(() => fail("deadline passed"), deadlineMs).unref();
  // Polls pred until it returns something truthy; fails the script at the deadline.
  async function until(what, pred, intervalMs = 50) {
    for (;;) {
      try {
        const v = await pred();
        if (v) return v;
      } catch (e) {
        // not yet
      }
      if (Date.now() > deadline) fail("timed out waiting for " + what);
      await sleep(intervalMs);
    }
  }
  return { cfg, out, sleep, log, fail, until, deadline, t0 };
}

module.exports = { harness };
