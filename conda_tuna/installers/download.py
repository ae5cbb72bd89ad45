"""Download one large file (an installer) from a mirror: resumable, verified, atomic.

Pure Python (urllib, no conda, no requests), because it must behave the same in tests and
because an installer download is one plain GET. What it guarantees:

* the file appears under its final name only complete and, where a SHA-256 is published,
  verified: it is streamed into `<name>.part` and renamed into place at the end;
* an interrupted download (cut connection, Ctrl-C, timeout) leaves `<name>.part` and the
  next attempt asks only for the rest (HTTP Range, guarded by If-Range so a file that
  changed on the mirror in between is fetched whole instead of spliced);
* a checksum mismatch deletes the partial file: bytes that failed verification are
  never kept, so the next attempt cannot resume from them;
* every request carries a User-Agent (TUNA answers 403 to requests without one);
* `<name>.part`, its `.part.json` sidecar and the final name are never followed if they
  are symlinks (O_NOFOLLOW, O_EXCL; a partial file is resumed only if it is ours);
* where the publisher always ships a checksum (Miniforge), a missing one is an error.

It never runs what it downloads.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import socket
import stat
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..base.errors import TunaError
from ..base.neterrors import classify, from_status
from ..base.urls import is_loopback_host
from ..i18n import _
from ..mirrors.health import ProbeConfig, build_opener, proxy_for

# architecture: pure

CHUNK = 256 * 1024
_HEX64 = re.compile(r"\b[0-9a-fA-F]{64}\b")
#: Errors after which the partial file is kept and the download can be resumed.
_TRANSIENT = (http.client.IncompleteRead, ConnectionError, TimeoutError, socket.timeout,
              http.client.RemoteDisconnected)


def user_agent() -> str:
    from .. import __version__

    return f"conda-tuna/{__version__} (python-urllib/{sys.version_info[0]}.{sys.version_info[1]})"


@dataclass
class DownloadResult:
    """What was downloaded, and how far it can be trusted."""

    path: str
    url: str
    size: int
    sha256: str
    verified: bool
    checksum_url: str | None
    resumed_from: int
    reused: bool
    note: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)


# --------------------------------------------------------------------------- HTTP
def _opener(url: str, config: ProbeConfig | None = None) -> urllib.request.OpenerDirector:
    """An opener that honours the proxy settings, except for loopback (no proxy reaches it).

    With `config` (conda's proxy_servers, ssl_verify and client certificate, from the
    conda side), conda's TLS and proxy settings apply. urllib never reads ~/.netrc: these
    requests carry no credentials.
    """
    if is_loopback_host(urlsplit(url).hostname or ""):
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    if config is not None:
        return build_opener(config, url)
    return urllib.request.build_opener()


def _request(url: str, headers: dict[str, str], timeout: float,
             config: ProbeConfig | None = None):
    req = urllib.request.Request(url, headers={"User-Agent": user_agent(), **headers})
    return _opener(url, config).open(req, timeout=timeout)


def _http_error(url: str, exc: urllib.error.HTTPError) -> TunaError:
    if exc.code == 404:
        return TunaError(_("{url} is not on the mirror (HTTP 404).").format(url=url),
                         hint=_("The mirror may not carry this installer (yet); try the other "
                                "--flavor or another mirror (`conda tuna mirrors`)."))
    if exc.code == 403:
        return TunaError(_("The mirror refused {url} (HTTP 403).").format(url=url),
                         hint=_("Mirrors refuse requests without a User-Agent or from blocked "
                                "networks; conda-tuna sends one, so check proxies in between."))
    error = from_status(exc.code, str(exc.reason), url)
    return TunaError(_("Downloading {url} failed: {why}.").format(url=url, why=error.summary()),
                     hint=error.next_step())


def _unreachable(url: str, exc: BaseException, config: ProbeConfig | None,
                 message: str) -> TunaError:
    """A network failure in words (DNS, refused, timeout, TLS, proxy, ...) with the next
    step (base/neterrors.py); `message` has {url} and {why}."""
    host = urlsplit(url).hostname or ""
    proxy = None if is_loopback_host(host) else proxy_for(config or ProbeConfig(), url)
    error = classify(exc, url, proxy=proxy)
    return TunaError(message.format(url=url, why=error.summary()), hint=error.next_step())


def _must_exist(url: str, timeout: float, config: ProbeConfig | None = None) -> None:
    """TunaError (as for a download) when `url` is not on the mirror; one byte is asked."""
    try:
        with _request(url, {"Range": "bytes=0-0"}, timeout, config) as resp:
            resp.read(1)
    except urllib.error.HTTPError as exc:
        raise _http_error(url, exc) from exc
    except (urllib.error.URLError, *_TRANSIENT) as exc:
        raise _unreachable(url, exc, config, _("Could not reach {url}: {why}.")) from exc


def fetch_published_sha256(checksum_url: str, timeout: float = 30,
                           config: ProbeConfig | None = None) -> str | None:
    """The SHA-256 in a `<file>.sha256` sidecar, or None when the mirror has none (404).

    Any other failure is an error: a checksum that should be there but cannot be read must
    not silently turn into an unverified download.
    """
    try:
        with _request(checksum_url, {}, timeout, config) as resp:
            text = resp.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            return None
        raise _http_error(checksum_url, exc) from exc
    except (urllib.error.URLError, *_TRANSIENT) as exc:
        raise _unreachable(checksum_url, exc, config, _(
            "Could not read the published checksum {url}: {why}.")) from exc
    match = _HEX64.search(text)
    if match is None:
        raise TunaError(_("{url} does not contain a SHA-256 checksum.").format(url=checksum_url))
    return match.group(0).lower()


# --------------------------------------------------------------------------- progress
class _Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, name: str, total: int | None, done: int, enabled: bool) -> None:
        self.name, self.total, self.done, self.enabled = name, total, done, enabled
        self.start_done, self.started, self.drawn = done, time.monotonic(), 0.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and now - self.drawn >= 0.1:
            self.drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        mib = 1024 * 1024
        rate = (self.done - self.start_done) / max(now - self.started, 1e-6) / mib
        if self.total:
            pct = self.done * 100 // self.total
            bar = ("#" * (pct // 4)).ljust(25)
            text = (f"\r{self.name[:40]} [{bar}] {pct:3d}% "
                    f"{self.done / mib:.1f}/{self.total / mib:.1f} MiB {rate:.1f} MiB/s")
        else:
            text = f"\r{self.name[:40]} {self.done / mib:.1f} MiB {rate:.1f} MiB/s"
        sys.stderr.write(text)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            sys.stderr.write("\n")
            sys.stderr.flush()


# --------------------------------------------------------------------------- partial files
# `<name>.part` and its sidecar `<name>.part.json` live in a directory the user chose,
# perhaps shared (/tmp): a symlink planted at one of those names would make conda-tuna
# write, append to or read someone else's file (as root, any file). They are therefore
# opened with O_NOFOLLOW, created with O_EXCL, and a partial file is resumed only when it
# is a regular file owned by this user.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _meta_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _refuse_link(path: Path) -> None:
    """TunaError when `path` is a symlink or not a regular file (never followed)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise TunaError(
            _("{path} is a symbolic link or not a regular file; conda-tuna does not write "
              "through it.").format(path=path),
            hint=_("Someone may have planted it there. Remove it (or download into a "
                   "directory only you can write to) and run the command again."))


def _open_part(part: Path, resume: bool):
    """The partial file for writing: created exclusively, or (resume) an existing regular
    file of ours opened for appending; never through a symlink."""
    if not resume:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
        return os.fdopen(fd, "wb")
    fd = os.open(part, os.O_WRONLY | os.O_APPEND | _NOFOLLOW)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or (hasattr(os, "geteuid")
                                          and info.st_uid != os.geteuid()):
        os.close(fd)
        raise TunaError(_("{part} is not a partial download of yours; conda-tuna does not "
                          "resume it.").format(part=part),
                        hint=_("Remove it and run the command again."))
    return os.fdopen(fd, "ab")


def _ours(path: Path) -> bool:
    """True when `path` (not followed) belongs to this user (always true on Windows)."""
    return not hasattr(os, "geteuid") or os.lstat(path).st_uid == os.geteuid()


def _read_no_follow(path: Path, limit: int = 65536) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit)


def _load_validator(part: Path, url: str) -> str | None:
    """The ETag/Last-Modified the partial file was fetched under, if it is for `url`."""
    data = _read_no_follow(_meta_path(part))
    try:
        meta = json.loads(data.decode("utf-8")) if data else None
    except ValueError:
        return None
    if not isinstance(meta, dict) or meta.get("url") != url:
        return None
    validator = meta.get("validator")
    return validator if isinstance(validator, str) else None


def _save_validator(part: Path, url: str, headers) -> None:
    validator = headers.get("ETag") or headers.get("Last-Modified")
    meta = _meta_path(part)
    _refuse_link(meta)
    meta.unlink(missing_ok=True)
    fd = os.open(meta, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"url": url, "validator": validator}))


def discard_partial(part: Path) -> None:
    for path in (part, _meta_path(part)):
        path.unlink(missing_ok=True)  # a planted link is removed, never followed


def _size(path: Path) -> int:
    """Size of a regular file (0 when absent); a symlink is refused, not measured."""
    _refuse_link(path)
    try:
        return os.lstat(path).st_size
    except FileNotFoundError:
        return 0


def _sha256_of(path: Path) -> hashlib._Hash:
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest


# --------------------------------------------------------------------------- download
def _attempt(url: str, part: Path, timeout: float, progress: bool,
             config: ProbeConfig | None = None) -> tuple[int, str]:
    """One GET into `part`, resuming it when it holds bytes.

    Returns the resume offset and the SHA-256 of the whole file, hashed while streaming (the
    kept prefix is hashed first), so verification needs no second pass over the file.
    Raises a _TRANSIENT error when the connection breaks (the partial file stays).
    """
    offset = _size(part)
    if offset and not _ours(part):
        raise TunaError(_("{part} is not a partial download of yours; conda-tuna neither "
                          "resumes nor deletes it.").format(part=part),
                        hint=_("Remove it yourself, or download into another directory."))
    validator = _load_validator(part, url) if offset else None
    if offset and validator is None:  # bytes of unknown origin: start again
        discard_partial(part)
        offset = 0
    headers = {"Range": f"bytes={offset}-", "If-Range": validator} if offset else {}
    try:
        resp = _request(url, headers, timeout, config)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # our partial is longer than the file: start again
            discard_partial(part)
            return _attempt(url, part, timeout, progress, config)
        raise _http_error(url, exc) from exc
    with resp:
        if offset and resp.status != 206:  # server ignored Range, or the file changed
            offset = 0
        elif offset and not resp.headers.get("Content-Range", "").startswith(
                f"bytes {offset}-"):
            raise TunaError(_("{url}: the mirror answered a resume with the wrong range "
                              "({range}).").format(
                                  url=url, range=repr(resp.headers.get("Content-Range"))))
        if not offset:
            discard_partial(part)  # a fresh start: nothing of an earlier file is kept
            _save_validator(part, url, resp.headers)
        digest = _sha256_of(part) if offset else hashlib.sha256()
        length = resp.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else None
        bar = _Progress(part.name[: -len(".part")], total, offset, progress)
        try:
            with _open_part(part, resume=bool(offset)) as out:
                while True:
                    block = resp.read(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
                out.flush()
                os.fsync(out.fileno())
        finally:
            bar.close()
        if total is not None and _size(part) < total:
            raise http.client.IncompleteRead(b"", total - _size(part))
    return offset, digest.hexdigest()


def download(url: str, dest_dir: Path | str, *, filename: str | None = None,
             expected_sha256: str | None = None, checksum_url: str | None = None,
             progress: bool = False, retries: int = 2, timeout: float = 60,
             checksum_note: str = "", require_checksum: bool = False,
             config: ProbeConfig | None = None) -> DownloadResult:
    """Download `url` into `dest_dir`, resuming and verifying; see the module docstring.

    `expected_sha256` wins over `checksum_url` (a `.sha256` sidecar, fetched first; a 404
    there means "not published", and the result says the file is NOT verified, unless
    `require_checksum`: then nothing is downloaded and the error says why).
    `retries` more attempts, each resuming, follow a broken connection.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    name = filename or Path(urlsplit(url).path).name
    final, part = dest / name, dest / (name + ".part")
    expected = (expected_sha256 or "").lower() or (
        fetch_published_sha256(checksum_url, timeout, config) if checksum_url else None)
    source = "given" if expected_sha256 else (checksum_url if expected else None)
    if expected is None and require_checksum:
        _must_exist(url, timeout, config)  # no installer at all is the better error: HTTP 404
        raise TunaError(
            _("The mirror publishes no checksum for {name} ({checksum_url} is missing), "
              "though the publisher ships one; nothing was downloaded.").format(
                  name=name, checksum_url=checksum_url),
            hint=_("The mirror may be mid-sync: try again later, or another mirror "
                   "(`conda tuna mirrors --probe`)."))
    _refuse_link(final)

    if expected and final.exists() and _sha256_of(final).hexdigest() == expected:
        return DownloadResult(str(final), url, os.lstat(final).st_size, expected, True,
                              source, 0, True,
                              _("already downloaded and verified; nothing fetched"))

    resumed_from, error, digest = 0, None, ""
    for attempt in range(retries + 1):
        try:
            offset, digest = _attempt(url, part, timeout, progress, config)
            resumed_from = resumed_from or offset
            error = None
            break
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (*_TRANSIENT, OSError)) and attempt < retries:
                error = exc
                continue
            raise _unreachable(url, exc, config, _("Could not reach {url}: {why}.")) from exc
        except _TRANSIENT as exc:
            error = exc
    if error is not None:
        size = _size(part)
        why = classify(error, url).summary()
        raise TunaError(_("The download of {url} was interrupted after {size} bytes "
                          "({why}).").format(url=url, size=size, why=why),
                        hint=_("Run the same command again: it resumes where it stopped."))

    if expected and digest != expected:
        discard_partial(part)
        raise TunaError(
            _("Checksum mismatch for {name}: the mirror publishes {expected}, the download is "
              "{digest}. The file was deleted.").format(name=name, expected=expected,
                                                        digest=digest),
            hint=_("The mirror may be mid-sync (installer and .sha256 from different "
                   "releases); try again later or use another mirror."))
    size = _size(part)
    os.replace(part, final)
    _meta_path(part).unlink(missing_ok=True)
    if expected:
        note = _("verified: SHA-256 matches {source}").format(source=source)
    elif checksum_note:
        note = _("NOT verified: no checksum is published for this file ({why}). Its SHA-256 "
                 "is {digest}; compare it with the publisher's before running it.").format(
                     why=_(checksum_note), digest=digest)
    else:
        note = _("NOT verified: no checksum is published for this file. Its SHA-256 is "
                 "{digest}; compare it with the publisher's before running it.").format(
                     digest=digest)
    return DownloadResult(str(final), url, size, digest, bool(expected), source,
                          resumed_from, False, note)
