"""The ioredis interop harness shared by the client tests: the pinned ioredis in tests/interop
(installed with `npm ci` when missing) and a node script driven over stdin/stdout as JSON lines.
"""
import json
import os
import queue
import shutil
import subprocess
import threading
import time

import pytest

from conftest import HERE

INTEROP = os.path.normpath(os.path.join(HERE, "..", "interop"))


def npm_ready():
    """node/npm present and ioredis installed (installs it with `npm ci` if needed)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are required for the ioredis interop test (install Debian's "
                    "nodejs and npm packages, e.g. via scripts/setup); found node=%s npm=%s"
                    % (node, npm))
    if not os.path.isdir(os.path.join(INTEROP, "node_modules", "ioredis")):
        p = subprocess.run([npm, "ci", "--prefix", INTEROP, "--no-audit", "--no-fund"],
                           capture_output=True, text=True, timeout=300,
                           stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            pytest.fail("`npm ci --prefix tests/interop` failed (%d):\n%s%s"
                        % (p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
    return node


class NodeScript:
    """The node process; stdout read line by line (JSON) on a thread; stdin open for commands."""

    def __init__(self, node, script, cfg):
        self.proc = subprocess.Popen([node, os.path.join(INTEROP, script), json.dumps(cfg)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.PIPE, text=True, cwd=INTEROP)
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def stderr_text(self):
        text = "".join(self.stderr)
        return text if len(text) < 8000 else text[:5000] + "\n...\n" + text[-3000:]

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def event(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no output from the node script within %.0fs; stderr:\n%s"
                                     % (timeout, self.stderr_text()))
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait(timeout=5)
                raise AssertionError("node script exited (%s) early; stderr:\n%s"
                                     % (self.proc.returncode, self.stderr_text()))
            line = line.strip()
            if not line.startswith("{"):
                continue
            ev = json.loads(line)
            assert ev["event"] != "error", "ioredis script failed: %r\nstderr:\n%s" % (
                ev, self.stderr_text())
            return ev

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=5)
