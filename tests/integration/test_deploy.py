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


def run(*cmd, **kw):
    return subprocess.run(list(cmd), capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
                          **kw)


BIN = os.path.join(ROOT, "build", "bin")


def test_compose_commands_run_in_private_namespaces(tmp_path):
    """The compose file's own command lines and health checks, run as local processes: the
    primary and one sentinel, each in a network namespace holding its compose address (both
    listen on 0.0.0.0 and use the real ports, as in their containers)."""
    import pytest
    from conftest import eventually

    cfg = compose_config("sentinel.yml")
    primary, sentinel = cfg["services"]["primary"], cfg["services"]["sentinel1"]
    tag = "%d" % (os.getpid() % 100000)
    ns_p, ns_s = "sdp%s" % tag, "sds%s" % tag
    if_p, if_s = "sdpa%s" % tag, "sdsa%s" % tag
    procs = []
    try:
        steps = [["ip", "netns", "add", ns_p], ["ip", "netns", "add", ns_s],
                 ["ip", "link", "add", if_p, "type", "veth", "peer", "name", if_s],
                 ["ip", "link", "set", if_p, "netns", ns_p],
                 ["ip", "link", "set", if_s, "netns", ns_s]]
        for ns, ifname, ip in ((ns_p, if_p, "172.28.0.10"), (ns_s, if_s, "172.28.0.21")):
            steps += [["ip", "netns", "exec", ns, "ip", "addr", "add", ip + "/24", "dev", ifname],
                      ["ip", "netns", "exec", ns, "ip", "link", "set", ifname, "up"],
                      ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]]
        for step in steps:
            p = run(*step)
            if p.returncode != 0:
                pytest.skip("cannot set up network namespaces here: %s: %s"
                            % (" ".join(step), p.stderr.decode(errors="replace").strip()))

        def health(ns, test):
            # The compose healthcheck, with our build's sable-ctl.
            cmd = test[1:] if test[0] == "CMD" else ["sh", "-c", test[1]]
            cmd = [os.path.join(BIN, c) if c == "sable-ctl" else c for c in cmd]
            if cmd[0] == "sh":
                cmd[2] = cmd[2].replace("sable-ctl", os.path.join(BIN, "sable-ctl"))
            return run("ip", "netns", "exec", ns, *cmd).returncode == 0

        pdir = tmp_path / "primary"
        pdir.mkdir()
        argv = [os.path.join(BIN, "sable-server") if a == "sable-server" else a
                for a in primary["command"]] + ["--save", ""]
        log = open(pdir / "log", "wb")
        procs.append(subprocess.Popen(["ip", "netns", "exec", ns_p] + argv, cwd=pdir,
                                      stdout=log, stderr=subprocess.STDOUT))
        eventually(lambda: health(ns_p, primary["healthcheck"]["test"]), timeout=15,
                   msg="the primary's compose health check never passed")

        sdir = tmp_path / "sentinel"
        sdir.mkdir()
        script = sentinel["command"][-1].replace("$$", "$").replace("/data/", str(sdir) + "/")
        script = script.replace("exec sable-sentinel",
                                "exec " + os.path.join(BIN, "sable-sentinel"))
        env = dict(os.environ, **sentinel["environment"])
        slog = open(sdir / "log", "wb")
        procs.append(subprocess.Popen(["ip", "netns", "exec", ns_s, "sh", "-c", script],
                                      cwd=sdir, env=env, stdout=slog,
                                      stderr=subprocess.STDOUT))
        eventually(lambda: health(ns_s, sentinel["healthcheck"]["test"]), timeout=15,
                   msg="the sentinel's compose health check never passed")

        def sentinel_sees_primary():
            out = run("ip", "netns", "exec", ns_s, "redis-cli", "-p", "26379", "SENTINEL",
                      "master", "mymaster").stdout.decode()
            lines = out.splitlines()
            fields = dict(zip(lines[0::2], lines[1::2]))
            # The run id comes from NodeAdmin.GetState: the secret was accepted.
            return fields.get("ip") == "172.28.0.10" and fields.get("flags") == "master" \
                and len(fields.get("runid", "")) == 40

        eventually(sentinel_sees_primary, timeout=15,
                   msg="the sentinel never reached the primary:\n"
                   + (sdir / "log").read_text(errors="replace"))
        # The sentinel reached the primary's NodeAdmin with the shared secret.
        conf = (sdir / "sentinel.conf").read_text()
        assert "sentinel myid" in conf and "control-auth" in conf
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        run("ip", "netns", "del", ns_p)
        run("ip", "netns", "del", ns_s)


CLUSTER_IPS = ["172.29.0.%d" % (10 + i) for i in range(1, 7)]


def test_cluster_compose_is_valid_and_complete():
    cfg = compose_config("cluster.yml")
    services = cfg["services"]
    nodes = ["node%d" % i for i in range(1, 7)]
    assert sorted(services) == ["create"] + nodes
    for name, ip in zip(nodes, CLUSTER_IPS):
        svc = services[name]
        test = " ".join(svc["healthcheck"]["test"])
        assert "sable-ctl" in test and "health" in test, (name, test)
        assert svc["image"] == "sable:latest"
        assert svc["build"]["dockerfile"] == "compose/Dockerfile"
        cmd = svc["command"]
        assert cmd[0] == "sable-server"
        assert cmd[cmd.index("--cluster-enabled") + 1] == "yes"
        assert cmd[cmd.index("--cluster-announce-ip") + 1] == ip
        assert svc["networks"]["sable"]["ipv4_address"] == ip
        # The control port and the cluster bus share the secret from the environment.
        assert cmd[cmd.index("--control-auth") + 1] == "test-secret"
    job = services["create"]
    assert job["restart"] == "no"
    assert sorted(job["depends_on"]) == nodes
    assert all(d["condition"] == "service_healthy" for d in job["depends_on"].values())
    script = " ".join(job["command"][-1].replace("\\\n", " ").split())
    create = "redis-cli --cluster create %s --cluster-replicas 1 --cluster-yes" % " ".join(
        ip + ":6379" for ip in CLUSTER_IPS)
    assert create in script


def test_cluster_compose_commands_run_in_private_namespaces(tmp_path):
    """The six node command lines and health checks of cluster.yml, and the one-shot create
    job's script, run as local processes: each in a network namespace holding its compose
    address, joined by a bridge (every node listens on 0.0.0.0:6379, as in its container)."""
    import pytest
    from conftest import eventually

    cfg = compose_config("cluster.yml")
    services = cfg["services"]
    tag = "%d" % (os.getpid() % 100000)
    hub = "scch%s" % tag
    members = [("node%d" % i, CLUSTER_IPS[i - 1]) for i in range(1, 7)] + \
        [("create", "172.29.0.20")]
    nss = {name: "scc%s%s" % (tag, name[-1] if name != "create" else "j") for name, _ in members}
    procs = []
    try:
        steps = [["ip", "netns", "add", hub],
                 ["ip", "netns", "exec", hub, "ip", "link", "add", "br0", "type", "bridge"],
                 ["ip", "netns", "exec", hub, "ip", "link", "set", "br0", "up"]]
        for name, ip in members:
            ns = nss[name]
            inside, outside = "sc%sa%s" % (tag, name[-1]), "sc%sb%s" % (tag, name[-1])
            if name == "create":
                inside, outside = "sc%saj" % tag, "sc%sbj" % tag
            steps += [["ip", "netns", "add", ns],
                      ["ip", "link", "add", inside, "type", "veth", "peer", "name", outside],
                      ["ip", "link", "set", inside, "netns", ns],
                      ["ip", "link", "set", outside, "netns", hub],
                      ["ip", "netns", "exec", hub, "ip", "link", "set", outside, "master", "br0"],
                      ["ip", "netns", "exec", hub, "ip", "link", "set", outside, "up"],
                      ["ip", "netns", "exec", ns, "ip", "addr", "add", ip + "/24", "dev", inside],
                      ["ip", "netns", "exec", ns, "ip", "link", "set", inside, "up"],
                      ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]]
        for step in steps:
            p = run(*step)
            if p.returncode != 0:
                pytest.skip("cannot set up network namespaces here: %s: %s"
                            % (" ".join(step), p.stderr.decode(errors="replace").strip()))

        def health(ns, test):
            cmd = [os.path.join(BIN, c) if c == "sable-ctl" else c for c in test[1:]]
            return run("ip", "netns", "exec", ns, *cmd).returncode == 0

        for name, _ in members[:-1]:
            d = tmp_path / name
            d.mkdir()
            argv = [os.path.join(BIN, "sable-server") if a == "sable-server" else
                    a.replace("/data/", str(d) + "/") for a in services[name]["command"]]
            log = open(d / "log", "wb")
            procs.append(subprocess.Popen(["ip", "netns", "exec", nss[name]] + argv +
                                          ["--save", ""], cwd=d, stdout=log,
                                          stderr=subprocess.STDOUT))
        for name, _ in members[:-1]:
            eventually(lambda: health(nss[name], services[name]["healthcheck"]["test"]),
                       timeout=15, msg="%s's compose health check never passed" % name)

        script = services["create"]["command"][-1]
        job = subprocess.run(["ip", "netns", "exec", nss["create"], "sh", "-c", script],
                             capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
        out = job.stdout.decode(errors="replace")
        assert job.returncode == 0, out + job.stderr.decode(errors="replace")
        assert "[OK] All 16384 slots covered." in out, out

        def cli(*args):
            return run("ip", "netns", "exec", nss["create"], "redis-cli", "-h", CLUSTER_IPS[0],
                       "-p", "6379", *args).stdout.decode(errors="replace")

        eventually(lambda: "cluster_state:ok" in cli("cluster", "info"), timeout=30,
                   msg="the cluster never became ok")
        nodes = cli("cluster", "nodes")
        assert nodes.count("master") == 3 and nodes.count("slave") == 3, nodes
        assert all(ip + ":6379@16379" in nodes for ip in CLUSTER_IPS), nodes
        # Run again (a restarted stack): the job sees the cluster and leaves it alone.
        again = subprocess.run(["ip", "netns", "exec", nss["create"], "sh", "-c", script],
                               capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        assert again.returncode == 0 and b"cluster already created" in again.stdout
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        for ns in list(nss.values()) + [hub]:
            run("ip", "netns", "del", ns)
