"""Deployment files: the compose topologies are valid for Debian's docker-compose (Docker itself
cannot run here), and they describe what the docs promise."""
import os
import shutil
import subprocess

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
COMPOSE = shutil.which("docker-compose") or "/usr/bin/docker-compose"


def compose_config(name):
    p = subprocess.run([COMPOSE, "-f", os.path.join(ROOT, "compose", name), "config"],
                       capture_output=True, timeout=60, cwd=ROOT,
                       env=dict(os.environ, SABLE_CONTROL_AUTH="test-secret"))
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return yaml.safe_load(p.stdout)


def test_sentinel_compose_is_valid_and_complete():
    cfg = compose_config("sentinel.yml")
    services = cfg["services"]
    assert sorted(services) == ["primary", "replica1", "replica2",
                                "sentinel1", "sentinel2", "sentinel3"]
    for name, svc in services.items():
        # Every container is health-checked through the gRPC health service.
        test = " ".join(svc["healthcheck"]["test"])
        assert "sable-ctl" in test and "health" in test, (name, test)
        assert svc["image"] == "sable:latest"
    assert services["primary"]["build"]["dockerfile"] == "compose/Dockerfile"
    for name in ("replica1", "replica2"):
        cmd = services[name]["command"]
        assert cmd[cmd.index("--replicaof") + 1] == "172.28.0.10"
    # Non-loopback control ports carry the shared secret from the environment.
    assert "test-secret" in services["primary"]["command"]
    for name in ("sentinel1", "sentinel2", "sentinel3"):
        script = services[name]["command"][-1]
        assert "sentinel monitor mymaster 172.28.0.10 6379 2" in script
        assert services[name]["environment"]["SABLE_CONTROL_AUTH"] == "test-secret"


def test_dockerfile_builds_with_our_scripts():
    with open(os.path.join(ROOT, "compose", "Dockerfile")) as f:
        text = f.read()
    assert "FROM debian:bookworm AS build" in text
    assert "scripts/build" in text
    for binary in ("sable-server", "sable-sentinel", "sable-ctl"):
        assert binary in text
