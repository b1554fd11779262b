"""Two hosts on this machine: network namespaces joined by a veth pair, each with a hostname of
its own (a UTS namespace), and a media folder both see, as NFS would. The same code on both,
only the configuration differs:

    host a  10.250.N.1  Redis, the launcher (embedded database listening on 10.250.N.1, web,
                        workers, beat)
    host b  10.250.N.2  the launcher with LAUNCHER_ROLE=worker: the workers alone, on host a's
                        database (MONGODB_URI), broker (REDIS_URL) and media (MEDIA_ROOT)

Real corpus images are uploaded to host a over HTTP; once host b has ingested a few, every
process of host b is killed (SIGKILL), and the run waits until every image is ready: what host b
held is sent again by the jobs sweep (leases of 60 s, messages queued 90 s; the sweep runs every
5 s here). Needs root and `ip netns`.

    .venv/bin/python bench/cluster.py [--images N]

Last line: cluster: hosts=<n> images=<n> ready=<n> duplicates=<n> lost=<n>
"""

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("SHARED_DIR", BASE_DIR.parent / "shared")) / "corpus"
EMAIL, PASSWORD = "cluster@example.com", "pw-cluster-1234567"
DB_PORT, WEB_PORT, REDIS_PORT = 27117, 8000, 6379  # each host has its own network: no clash
# What the hosts must not inherit from the caller's environment
CLEARED = (
    "MONGODB_URI",
    "MONGODB_NAME",
    "REDIS_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_KEY_PREFIX",
    "VAR_DIR",
    "MEDIA_ROOT",
    "MODEL_DIR",
    "EMBEDDED_DB_HOST",
    "EMBEDDED_DB_PORT",
    "LAUNCHER_ROLE",
    "HOST",
    "PORT",
)


IP = shutil.which("ip") or "/usr/sbin/ip"


def sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True)


def netns_kill(name: str) -> int:
    """SIGKILL every process in the network namespace; how many there were."""
    pids = subprocess.run([IP, "netns", "pids", name], capture_output=True, text=True).stdout
    for pid in pids.split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    return len(pids.split())


def netns_permitted() -> str:
    """Empty when network namespaces can be made here, else why not."""
    if not shutil.which("ip") or not shutil.which("unshare"):
        return "needs the ip and unshare commands (iproute2, util-linux)"
    probe = f"imgprobe{os.getpid()}"
    result = subprocess.run([IP, "netns", "add", probe], capture_output=True, text=True)
    if result.returncode:
        return f"`ip netns add` is not permitted here: {result.stderr.strip()}"
    sh(IP, "netns", "del", probe)
    return ""


class Hosts:
    """Two namespaces a and b joined by a veth pair on 10.250.N.0/24."""

    def __init__(self) -> None:
        tag = str(os.getpid())
        self.names = {"a": f"imga{tag}", "b": f"imgb{tag}"}
        subnet = f"10.250.{os.getpid() % 250}"
        self.addresses = {"a": f"{subnet}.1", "b": f"{subnet}.2"}
        self.links = {"a": f"vima{tag}"[:15], "b": f"vimb{tag}"[:15]}

    def create(self) -> None:
        for name in self.names.values():
            sh(IP, "netns", "add", name)
            sh(IP, "-n", name, "link", "set", "lo", "up")
        sh(IP, "link", "add", self.links["a"], "type", "veth", "peer", "name", self.links["b"])
        for host, name in self.names.items():
            link = self.links[host]
            sh(IP, "link", "set", link, "netns", name)
            sh(IP, "-n", name, "addr", "add", f"{self.addresses[host]}/24", "dev", link)
            sh(IP, "-n", name, "link", "set", link, "up")

    def command(self, host: str, *command: str) -> list[str]:
        """A command line that runs on the host: in its network, under its hostname."""
        script = f'hostname host{host} && exec "$@"'
        return [IP, "netns", "exec", self.names[host], "unshare", "--uts"] + [
            "sh",
            "-c",
            script,
            "sh",
            *command,
        ]

    def kill(self, host: str) -> int:
        return netns_kill(self.names[host])

    def destroy(self) -> None:
        for host, name in self.names.items():
            self.kill(host)
            subprocess.run([IP, "netns", "del", name], capture_output=True)


def wait_for(path: Path, text: str, *, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() or text not in path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = path.read_text(errors="replace")[-3000:] if path.exists() else ""
            raise RuntimeError(f"no {text!r} in {path}:\n{tail}")
        time.sleep(0.3)


def succeeded(log: Path, task: str) -> int:
    if not log.exists():
        return 0
    return len(
        re.findall(rf"{re.escape(task)}\[[^\]]+\] succeeded", log.read_text(errors="replace"))
    )


def drive(
    netns_b: str, base: str, uri: str, log_b: Path, timeout: float, files: list[Path]
) -> None:
    """On host a: sign up a user, upload the files, kill host b once it has ingested a few,
    wait until every upload is ready; prints `result stored= ready= duplicates= lost=`."""
    import hashlib
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import pymongo
    from bson import ObjectId
    from upload import Session

    create = (
        "from accounts.models import User; from allauth.account.models import EmailAddress; "
        f"u = User.objects.create_user(username='cluster', email={EMAIL!r}, "
        f"password={PASSWORD!r}); EmailAddress.objects.create(user=u, email={EMAIL!r}, "
        "verified=True, primary=True); print(u.pk)"
    )
    owner = ObjectId(
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", create],
            cwd=BASE_DIR,
            env={**os.environ, "MONGODB_URI": uri},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
    )
    database = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)["imagesite"]
    session = Session(base, EMAIL, PASSWORD)
    acknowledged: set[str] = set()
    lock = threading.Lock()

    def upload(path: Path) -> None:
        data = path.read_bytes()
        if "outcome-stored" in session.upload(data, path.name):
            with lock:
                acknowledged.add(hashlib.sha256(data).hexdigest())

    def ready_hashes() -> set[str]:
        found = database.gallery_image.find({"owner_id": owner, "status": "ready"}, {"sha256": 1})
        return {str(doc["sha256"]) for doc in found}

    killed = False
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        uploads = [pool.submit(upload, path) for path in files]
        while not killed and time.monotonic() < started + timeout:
            if succeeded(log_b, "gallery.tasks.image_ingest_task") >= 3:
                count = netns_kill(netns_b)
                killed = True
                print(
                    f"killed host b's {count} processes (SIGKILL) with "
                    f"{len(ready_hashes())} of {len(files)} images ready",
                    flush=True,
                )
            time.sleep(0.05)
        for future in uploads:
            future.result()
    if not killed:
        print("host b ingested fewer than 3 images: nothing was killed mid-batch", flush=True)
    while ready_hashes() < acknowledged and time.monotonic() < started + timeout:
        time.sleep(1)
    print(
        f"all ready {time.monotonic() - started:.0f} s after the first upload "
        f"({len(acknowledged)} acknowledged)",
        flush=True,
    )
    ready = ready_hashes()
    counts: dict[str, int] = {}
    for doc in database.gallery_image.find({"owner_id": owner}, {"sha256": 1}):
        counts[str(doc["sha256"])] = counts.get(str(doc["sha256"]), 0) + 1
    ingested_twice = sum(  # an image whose ingest job succeeded more than once
        max(0, doc["n"] - 1)
        for doc in database.processing_job.aggregate(
            [
                {"$match": {"owner_id": owner, "kind": "ingest", "status": "succeeded"}},
                {"$group": {"_id": "$image_id", "n": {"$sum": 1}}},
            ]
        )
    )
    duplicates = sum(n - 1 for n in counts.values()) + ingested_twice
    lost = len(acknowledged - ready) + (len(files) - len(acknowledged))
    print(
        f"result stored={sum(counts.values())} ready={len(ready & acknowledged)} "
        f"duplicates={duplicates} lost={lost}",
        flush=True,
    )


def main() -> int:
    if sys.argv[1:2] == ["--drive"]:
        netns_b, base, uri, log_b, timeout, *paths = sys.argv[2:]
        drive(netns_b, base, uri, Path(log_b), float(timeout), [Path(p) for p in paths])
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for ready")
    options = parser.parse_args()
    if reason := netns_permitted():
        print(f"cluster: skipped: {reason}")
        return 2
    files = sorted((CORPUS / "coco128" / "images").rglob("*.jpg"))[: options.images]
    if len(files) < options.images:
        print(f"cluster: skipped: {CORPUS / 'coco128'} holds {len(files)} images")
        return 2
    hosts = Hosts()
    root = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    media = root / "shared-media"  # what both hosts mount
    media.mkdir()
    a, b = hosts.addresses["a"], hosts.addresses["b"]
    redis_url = f"redis://{a}:{REDIS_PORT}/0"
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    common = {
        **base,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(media),
        "SCHEDULE_JOBS_SWEEP_S": "5",
        "JOB_LEASE_S": "10",  # a killed host's jobs are sent again within seconds, not a minute
        "JOB_RESEND_AFTER_S": "15",
        "HEARTBEAT_S": "5",
        "DJANGO_ALLOWED_HOSTS": f"{a},127.0.0.1,localhost",
    }
    env_a = {
        **common,
        "VAR_DIR": str(root / "a"),
        "MODEL_DIR": str(root / "a" / "models"),
        "EMBEDDED_DB_HOST": a,
        "EMBEDDED_DB_PORT": str(DB_PORT),
        "HOST": a,
        "PORT": str(WEB_PORT),
        "WORKER_CONCURRENCY": "1",
    }
    env_b = {
        **common,
        "VAR_DIR": str(root / "b"),
        "MODEL_DIR": str(root / "b" / "models"),
        "LAUNCHER_ROLE": "worker",
        "MONGODB_URI": f"mongodb://{a}:{DB_PORT}/?directConnection=true",
        "WORKER_CONCURRENCY": "2",
    }
    launcher = [sys.executable, "-m", "imagesite.launcher"]
    processes: list[subprocess.Popen[bytes]] = []

    def start(
        host: str, command: list[str], env: dict[str, str], log: Path
    ) -> "subprocess.Popen[bytes]":
        log.parent.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            hosts.command(host, *command),
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(process)
        return process

    lost = duplicates = ready = stored = 0
    try:
        hosts.create()
        redis = [shutil.which("redis-server") or "redis-server", "--bind", a, "127.0.0.1"]
        redis += ["--port", str(REDIS_PORT), "--save", "", "--appendonly", "no"]
        redis += ["--protected-mode", "no"]  # reached from host b; a private network
        start("a", redis, env_a, root / "a" / "redis.log")
        app_a = start("a", launcher, env_a, root / "a" / "launcher.log")
        wait_for(root / "a" / "launcher.log", "is running at", timeout=240, process=app_a)
        app_b = start("b", launcher, env_b, root / "b" / "launcher.log")
        wait_for(root / "b" / "launcher.log", "workers are running", timeout=120, process=app_b)
        wait_for(root / "b" / "log" / "worker.log", " ready.", timeout=120, process=app_b)
        print(f"host a {a}: redis, database, web, workers, beat; host b {b}: workers", flush=True)
        driver = [sys.executable, str(Path(__file__)), "--drive", hosts.names["b"]]
        driver += [f"http://{a}:{WEB_PORT}", f"mongodb://{a}:{DB_PORT}/?directConnection=true"]
        driver += [str(root / "b" / "log" / "worker.log"), str(options.timeout)]
        driver += [str(path) for path in files]
        result = subprocess.run(
            hosts.command("a", *driver),
            cwd=BASE_DIR,
            env=env_a,
            stdout=subprocess.PIPE,
            text=True,
            timeout=options.timeout + 300,
        )
        for line in result.stdout.splitlines():
            if line.startswith("result "):
                values = dict(item.split("=") for item in line.split()[1:])
                stored, ready = int(values["stored"]), int(values["ready"])
                duplicates, lost = int(values["duplicates"]), int(values["lost"])
            else:
                print(line, flush=True)
        worker_a = root / "a" / "log" / "worker.log"
        ingest = "gallery.tasks.image_ingest_task"
        resent = sum(
            int(n)
            for n in re.findall(
                r"jobs_sweep_task\[[^\]]+\] succeeded in [^:]+: \[?\(?(\d+),",
                worker_a.read_text(errors="replace") if worker_a.exists() else "",
            )
        )
        print(
            f"ingests: host a {succeeded(worker_a, ingest)}, host b "
            f"{succeeded(root / 'b' / 'log' / 'worker.log', ingest)} (before it was killed); "
            f"jobs sent again by the sweep: {resent}",
            flush=True,
        )
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        hosts.destroy()
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"cluster: hosts=2 images={len(files)} ready={ready} duplicates={duplicates} lost={lost}"
        + (f" stored={stored}" if stored != len(files) else "")
    )
    return 0 if ready == len(files) and not duplicates and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
