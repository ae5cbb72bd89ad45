"""A TUNA-shaped mirror for tests: real conda packages, real repodata, a PyPI simple index and
a tunasync.json, served over HTTP on 127.0.0.1 with a request log and injectable faults.

Nothing here imports conda, so the tree and server can be unit-tested too; building the
`.conda` format needs conda-package-handling (a conda dependency) and is skipped without it.
"""

from __future__ import annotations

import bz2
import contextlib
import hashlib
import io
import json
import re
import socket
import tarfile
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONDA_SUBDIRS = ("noarch", "linux-64", "linux-aarch64", "osx-arm64", "win-64")


# --------------------------------------------------------------------------- packages
@dataclass
class Pkg:
    """One conda package to build: name, version, subdir and what it depends on."""

    name: str
    version: str = "1.0"
    subdir: str = "linux-64"
    depends: list[str] = field(default_factory=list)
    build_number: int = 0
    fmt: str = ".tar.bz2"  # or ".conda"
    noarch: str | None = None  # "generic" for noarch packages
    files: dict[str, str] = field(default_factory=dict)
    extra_index: dict[str, object] = field(default_factory=dict)

    @property
    def build(self) -> str:
        return f"h{self.build_number}_0" if not self.noarch else f"{self.build_number}"

    @property
    def stem(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"

    @property
    def filename(self) -> str:
        return self.stem + self.fmt


def tar_add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = 1_700_000_000
    tar.addfile(info, io.BytesIO(data))


def index_json(pkg: Pkg) -> dict[str, object]:
    """The package's info/index.json (also the core of its repodata record)."""
    record: dict[str, object] = {
        "name": pkg.name,
        "version": pkg.version,
        "build": pkg.build,
        "build_number": pkg.build_number,
        "depends": list(pkg.depends),
        "license": "BSD-3-Clause",
        "subdir": pkg.subdir,
        "timestamp": 1_700_000_000_000,
    }
    if pkg.noarch:
        record["noarch"] = pkg.noarch
    record.update(pkg.extra_index)
    return record


def build_tar_bz2(pkg: Pkg, dest: Path) -> Path:
    """Write `pkg` as a real .tar.bz2 conda package (info/ metadata plus payload files)."""
    files = dict(pkg.files) or {f"share/{pkg.name}/{pkg.name}.txt": f"{pkg.stem}\n"}
    paths = [
        {"_path": p, "path_type": "hardlink",
         "sha256": hashlib.sha256(c.encode()).hexdigest(), "size_in_bytes": len(c.encode())}
        for p, c in files.items()
    ]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar_add(tar, "info/index.json", json.dumps(index_json(pkg), indent=2).encode())
        tar_add(tar, "info/paths.json",
                 json.dumps({"paths": paths, "paths_version": 1}).encode())
        tar_add(tar, "info/files", ("\n".join(files) + "\n").encode())
        for path, content in files.items():
            mode = 0o755 if path.startswith(("bin/", "Scripts/")) else 0o644
            tar_add(tar, path, content.encode(), mode)
    out = dest / (pkg.stem + ".tar.bz2")
    out.write_bytes(bz2.compress(raw.getvalue()))
    return out


def build_package(pkg: Pkg, dest: Path) -> Path:
    """Write `pkg` into `dest` in its format; `.conda` is transmuted from the .tar.bz2."""
    dest.mkdir(parents=True, exist_ok=True)
    tarball = build_tar_bz2(pkg, dest)
    if pkg.fmt == ".tar.bz2":
        return tarball
    from conda_package_handling.api import transmute

    transmute(str(tarball), ".conda", out_folder=str(dest))
    tarball.unlink()  # like the mirrors: a .tar.bz2 with a .conda twin is deleted
    return dest / pkg.filename


def record_for(pkg: Pkg, path: Path) -> dict[str, object]:
    data = path.read_bytes()
    return {**index_json(pkg), "md5": hashlib.md5(data).hexdigest(),
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


# --------------------------------------------------------------------------- tree
@dataclass
class MirrorTree:
    """A mirror root on disk with TUNA's layout; `add` packages, then `write`.

    Channels are given as TUNA paths below `anaconda/`: "pkgs/main", "pkgs/r",
    "cloud/conda-forge", ... For an anaconda.org-shaped upstream use `layout="upstream"`:
    channels are then plain names ("conda-forge", "nvidia") served at the root.
    """

    root: Path
    layout: str = "tuna"
    packages: dict[str, list[Pkg]] = field(default_factory=dict)
    wheels: dict[str, list[Path]] = field(default_factory=dict)

    def channel_dir(self, channel: str) -> Path:
        return self.root / "anaconda" / channel if self.layout == "tuna" else self.root / channel

    def add(self, channel: str, *pkgs: Pkg) -> MirrorTree:
        self.packages.setdefault(channel, []).extend(pkgs)
        return self

    def add_wheel(self, project: str, wheel: Path) -> MirrorTree:
        self.wheels.setdefault(project, []).append(wheel)
        return self

    def write(self, subdirs: tuple[str, ...] = CONDA_SUBDIRS) -> MirrorTree:
        """Build every package and write repodata.json for each channel and subdir.

        Each channel gets a noarch/repodata.json (conda requires one) and an empty
        repodata.json for every subdir in `subdirs` that has no packages, as the real
        mirrors do for the subdirs they sync.
        """
        for channel, pkgs in self.packages.items():
            base = self.channel_dir(channel)
            by_subdir: dict[str, dict[str, dict[str, object]]] = {}
            for pkg in pkgs:
                built = build_package(pkg, base / pkg.subdir)
                key = "packages.conda" if pkg.fmt == ".conda" else "packages"
                by_subdir.setdefault(pkg.subdir, {}).setdefault(key, {})[built.name] = (
                    record_for(pkg, built)
                )
            for subdir in set(subdirs) | {"noarch"} | set(by_subdir):
                self.write_repodata(channel, subdir, by_subdir.get(subdir, {}))
        self._write_pypi()
        return self

    def write_repodata(self, channel: str, subdir: str, groups: dict[str, object]) -> None:
        directory = self.channel_dir(channel) / subdir
        directory.mkdir(parents=True, exist_ok=True)
        repodata = {"info": {"subdir": subdir}, "packages": groups.get("packages", {}),
                    "packages.conda": groups.get("packages.conda", {}), "removed": [],
                    "repodata_version": 1}
        (directory / "repodata.json").write_text(json.dumps(repodata, indent=1))

    def _write_pypi(self) -> None:
        if not self.wheels:
            return
        simple = self.root / "pypi" / "web" / "simple"
        links = []
        for project, wheels in self.wheels.items():
            pdir = simple / project
            pdir.mkdir(parents=True, exist_ok=True)
            anchors = []
            for wheel in wheels:
                (pdir / wheel.name).write_bytes(wheel.read_bytes())
                digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
                anchors.append(f'<a href="{wheel.name}#sha256={digest}">{wheel.name}</a><br/>')
            (pdir / "index.html").write_text(
                "<!DOCTYPE html><html><body>\n" + "\n".join(anchors) + "\n</body></html>\n")
            links.append(f'<a href="{project}/">{project}</a><br/>')
        (simple / "index.html").write_text(
            "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n")

    def write_tunasync(self, jobs: list[dict[str, object]],
                       path: str = "static/tunasync.json") -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(jobs, indent=1))
        return target


def tunasync_job(name: str, *, age_hours: float = 1.0, status: str = "success",
                 failed: bool = False, now: float | None = None) -> dict[str, object]:
    """One tunasync.json entry whose last successful sync is `age_hours` old."""
    now = time.time() if now is None else now
    last_update = int(now - age_hours * 3600)
    last_ended = last_update + (1800 if failed else 0)
    fmt = lambda ts: time.strftime("%Y-%m-%d %H:%M:%S +0800", time.gmtime(ts + 8 * 3600))  # noqa: E731
    return {"name": name, "is_master": True, "status": status,
            "last_update": fmt(last_update), "last_update_ts": last_update,
            "last_started": fmt(last_update - 600), "last_started_ts": last_update - 600,
            "last_ended": fmt(last_ended), "last_ended_ts": last_ended,
            "next_schedule": fmt(now + 3600), "next_schedule_ts": int(now + 3600),
            "upstream": "https://repo.continuum.io/", "size": "1.00G"}


# --------------------------------------------------------------------------- server
@dataclass
class Fault:
    """What the server does for paths under a prefix instead of serving the file."""

    status: int | None = None  # answer with this status (e.g. 503, 404)
    delay: float = 0.0  # sleep this long first (a slow mirror)
    hang: bool = False  # never answer (until the server stops)
    truncate_after: int | None = None  # send only this many bytes of a file's body, then cut
    times: int | None = None  # apply to this many requests only, then serve normally


@dataclass
class Request:
    method: str
    path: str
    status: int
    headers: dict[str, str]


class MirrorServer:
    """Serves a directory on 127.0.0.1 (HTTP/1.1), logging every request.

    Use as a context manager. `faults[prefix] = Fault(...)` changes behaviour at run time;
    `requests` is the log; `paths()` the requested paths.
    """

    def __init__(self, root: Path, name: str = "mirror", *, accept_tokens: bool = False) -> None:
        self.root = Path(root)
        self.name = name
        #: serve /t/<token>/<path> as /<path>, like anaconda.org does for tokens
        self.accept_tokens = accept_tokens
        self.requests: list[Request] = []
        self.faults: dict[str, Fault] = {}
        #: faults for paths ending with a suffix (".conda", "repodata.json", ...), checked
        #: after the prefix faults
        self.suffix_faults: dict[str, Fault] = {}
        #: bodies served for exact paths instead of the tree's files (e.g. a per-server
        #: static/tunasync.json when two servers share one tree)
        self.files: dict[str, bytes] = {}
        #: honour Range/If-Range for files (off: the whole file with 200, as before)
        self.ranges = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def start(self) -> MirrorServer:
        server = self

        class Handler(SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(server.root), **kwargs)

            def log_message(self, *args):  # keep test output clean
                pass

            def _fault(self) -> Fault | None:
                path = self.path.split("?", 1)[0]
                matches = [f for p, f in sorted(server.faults.items(), key=lambda x: -len(x[0]))
                           if path.startswith(p)]
                matches += [f for p, f in server.suffix_faults.items() if path.endswith(p)]
                for fault in matches:
                    with server._lock:
                        if fault.times is not None:
                            if fault.times <= 0:
                                continue
                            fault.times -= 1
                    return fault
                return None

            def _send_override(self, body: bytes, head: bool) -> None:
                server._log(self, 200)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _send_file(self, target: Path, fault: Fault | None) -> None:
                """A file with Range support and an optional cut after N body bytes."""
                data = target.read_bytes()
                stamp = self.date_time_string(int(target.stat().st_mtime))
                start, wanted = 0, self.headers.get("Range") if server.ranges else None
                if wanted and self.headers.get("If-Range", stamp) == stamp:
                    match = re.fullmatch(r"bytes=(\d+)-", wanted.strip())
                    start = int(match.group(1)) if match else 0
                if start >= len(data) > 0:
                    server._log(self, 416)
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = data[start:]
                server._log(self, 206 if start else 200)
                self.send_response(206 if start else 200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Last-Modified", stamp)
                if server.ranges:
                    self.send_header("Accept-Ranges", "bytes")
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                if fault and fault.truncate_after is not None:
                    body = body[: fault.truncate_after]
                    self.close_connection = True
                self.wfile.write(body)
                self.wfile.flush()

            def translate_path(self, path):
                if server.accept_tokens:
                    path = re.sub(r"^/t/[^/]+/", "/", path)
                return super().translate_path(path)

            def _handle(self, head: bool) -> None:
                fault = self._fault()
                if fault and fault.hang:
                    server._log(self, 0)
                    server._stopping.wait(60)
                    self.close_connection = True
                    return
                if fault and fault.delay:
                    time.sleep(fault.delay)
                if not fault and self.path.split("?", 1)[0] in server.files:
                    self._send_override(server.files[self.path.split("?", 1)[0]], head)
                    return
                if fault and fault.status:
                    server._log(self, fault.status)
                    body = f"{fault.status} injected by test\n".encode()
                    self.send_response(fault.status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not head:
                        self.wfile.write(body)
                    return
                target = Path(self.translate_path(self.path))
                cut = fault is not None and fault.truncate_after is not None
                if not head and target.is_file() and (server.ranges or cut):
                    self._send_file(target, fault)
                    return
                status = 200 if target.is_file() or (target / "index.html").is_file() else 404
                server._log(self, status)
                if head:
                    super().do_HEAD()
                else:
                    super().do_GET()

            def do_GET(self):
                self._handle(head=False)

            def do_HEAD(self):
                self._handle(head=True)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.timeout = 5.0  # an idle wait; stop() wakes the loop at once
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        """Accept connections until stop(). Not serve_forever(): its shutdown() is only seen
        at the next poll (every 0.5 s), which cost every test using a server up to half a
        second; here stop() sets the flag and then connects once, so the loop wakes now."""
        httpd = self._httpd
        assert httpd is not None
        while not self._stopping.is_set():
            httpd.handle_request()

    def stop(self) -> None:
        """Stop at once: hanging handlers return (they wait on the same flag), the accept
        loop is woken by one connection and exits, and the socket is closed."""
        if self._httpd is None or self._stopping.is_set():
            return
        self._stopping.set()
        # (an error means the loop is not waiting in accept: it sees the flag on its own)
        with contextlib.suppress(OSError):
            socket.create_connection(self._httpd.server_address[:2], timeout=1).close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._httpd.server_close()

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- log
    def _log(self, handler: SimpleHTTPRequestHandler, status: int) -> None:
        with self._lock:
            self.requests.append(Request(handler.command, handler.path, status,
                                         dict(handler.headers.items())))

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def mark(self) -> tuple[int, list[tuple[Fault, int | None]]]:
        """The log's length and each fault's remaining `times`, for :meth:`rewind`."""
        with self._lock:
            faults = [*self.faults.values(), *self.suffix_faults.values()]
            return len(self.requests), [(f, f.times) for f in faults]

    def rewind(self, mark: tuple[int, list[tuple[Fault, int | None]]]) -> None:
        """Forget the requests made since `mark` and give back the faults they used up, as
        if the command that made them never ran (a run the test harness repeats)."""
        length, faults = mark
        with self._lock:
            del self.requests[length:]
            for fault, times in faults:
                fault.times = times
