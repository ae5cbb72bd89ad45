"""A channel with a real Python and a real pip as conda packages, plus a PyPI index of wheels.

No Python conda package can be downloaded here, so the "python" package is made from the
interpreter that runs the tests, as a real (non-venv) installation: its post-link script
copies the host's CPython binary to ``<prefix>/bin/pythonX.Y`` and links every entry of the
host's standard library into a real ``<prefix>/lib/pythonX.Y/`` directory. CPython then finds
its prefix from the binary's location, so ``sys.prefix`` is the environment, site-packages is
the environment's own and ``sysconfig.get_path("stdlib")`` is ``<prefix>/lib/pythonX.Y``:
exactly where pip reads a PEP 668 ``EXTERNALLY-MANAGED`` marker. (A venv would not do: pip
skips the PEP 668 check inside a virtual environment.)

The "pip" package is the pip wheel bundled with the host's ``ensurepip`` unpacked into
site-packages with ``INSTALLER=conda``, like conda-forge's pip. Wheels for the loopback PyPI
index are built with zipfile. Nothing touches the network.
"""

from __future__ import annotations

import base64
import bz2
import hashlib
import io
import json
import os
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

from .mirror import MirrorTree, index_json, tar_add

PY_VER = f"{sys.version_info.major}.{sys.version_info.minor}"
PY_FULL = ".".join(map(str, sys.version_info[:3]))
SITE = f"lib/python{PY_VER}/site-packages"
SUBDIR = "linux-aarch64" if os.uname().machine in ("aarch64", "arm64") else "linux-64"
#: host stdlib entries the environment must not inherit
_NOT_LINKED = ("site-packages", "dist-packages", "EXTERNALLY-MANAGED", "__pycache__")


def host_binary() -> Path:
    return Path(os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable))


def host_stdlib() -> Path:
    return Path(sysconfig.get_path("stdlib", vars={"installed_base": sys.base_prefix,
                                                   "base": sys.base_prefix}))


def bundled_pip_wheel() -> Path | None:
    import ensurepip

    bundled = Path(ensurepip.__file__).parent / "_bundled"
    wheels = sorted(bundled.glob("pip-*.whl"))
    return wheels[-1] if wheels else None


# --------------------------------------------------------------------------- conda packages


def build_conda_package(dest: Path, name: str, version: str, files: dict[str, bytes],
                        depends: tuple[str, ...] = (), subdir: str = SUBDIR) -> tuple[str, dict]:
    """A real .tar.bz2 conda package with byte payloads; returns (filename, repodata record)."""
    from .mirror import Pkg

    pkg = Pkg(name, version, subdir, depends=list(depends))
    paths = [{"_path": p, "path_type": "hardlink", "sha256": hashlib.sha256(c).hexdigest(),
              "size_in_bytes": len(c)} for p, c in files.items()]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar_add(tar, "info/index.json", json.dumps(index_json(pkg), indent=2).encode())
        tar_add(tar, "info/paths.json", json.dumps({"paths": paths, "paths_version": 1}).encode())
        tar_add(tar, "info/files", ("\n".join(files) + "\n").encode())
        for path, content in files.items():
            tar_add(tar, path, content, 0o755 if path.startswith("bin/") else 0o644)
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / f"{pkg.stem}.tar.bz2"
    out.write_bytes(bz2.compress(raw.getvalue()))
    data = out.read_bytes()
    record = {**index_json(pkg), "md5": hashlib.md5(data).hexdigest(),
              "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return out.name, record


def post_link_script() -> bytes:
    """bin/.python-post-link.sh: make <prefix> a real installation of the host CPython."""
    lib = f'"$PREFIX/lib/python{PY_VER}"'
    skip = " ".join(_NOT_LINKED)
    libpython = Path(sys.base_prefix) / "lib" / f"libpython{PY_VER}.so.1.0"
    return f"""#!/bin/bash
set -e
mkdir -p {lib}/site-packages
for entry in "{host_stdlib()}"/*; do
  base=$(basename "$entry")
  case " {skip} " in *" $base "*) continue;; esac
  [ -e {lib}/"$base" ] || ln -s "$entry" {lib}/"$base"
done
cp "{host_binary()}" "$PREFIX/bin/python{PY_VER}"
ln -sf "python{PY_VER}" "$PREFIX/bin/python"
ln -sf "python{PY_VER}" "$PREFIX/bin/python3"
if [ -e "{libpython}" ]; then ln -sf "{libpython}" "$PREFIX/lib/"; fi
""".encode()


def python_package(dest: Path) -> tuple[str, dict]:
    files = {f"{SITE}/README.txt": b"site-packages of a conda-tuna test environment\n",
             "bin/.python-post-link.sh": post_link_script()}
    return build_conda_package(dest, "python", PY_FULL, files)


def pip_package(dest: Path) -> tuple[str, dict] | None:
    wheel = bundled_pip_wheel()
    if wheel is None:
        return None
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if not name.endswith("/"):
                files[f"{SITE}/{name}"] = zf.read(name)
    version = wheel.name.split("-")[1]
    files[f"{SITE}/pip-{version}.dist-info/INSTALLER"] = b"conda\n"
    return build_conda_package(dest, "pip", version, files, depends=("python",))


def _dist_info(name: str, version: str, installer: str | None,
               requires: tuple[str, ...] = ()) -> dict[str, bytes]:
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    info = f"{name}-{version}.dist-info"
    files = {f"{info}/METADATA": meta.encode(),
             f"{name}/__init__.py": f'__version__ = "{version}"\n'.encode()}
    if installer:
        files[f"{info}/INSTALLER"] = installer.encode() + b"\n"
    return files


def pure_package(dest: Path, name: str, version: str) -> tuple[str, dict]:
    """A pure-Python conda package, laid out the way conda-build leaves one."""
    payload = _dist_info(name, version, "conda")
    record = [f"{p},sha256={_b64_digest(c)},{len(c)}" for p, c in payload.items()]
    payload[f"{name}-{version}.dist-info/RECORD"] = (
        "\n".join([*record, f"{name}-{version}.dist-info/RECORD,,"]) + "\n").encode()
    files = {f"{SITE}/{p}": c for p, c in payload.items()}
    return build_conda_package(dest, name, version, files, depends=("python",))


# --------------------------------------------------------------------------- wheels
def _b64_digest(content: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()


def build_wheel(dest: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A tiny pure-Python wheel (with a correct RECORD)."""
    files = _dist_info(name, version, None, requires)
    info = f"{name}-{version}.dist-info"
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: conda-tuna-tests\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = [f"{path},sha256={_b64_digest(content)},{len(content)}"
              for path, content in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w") as zf:
        for path, content in files.items():
            zf.writestr(path, content)
    return out


# --------------------------------------------------------------------------- the mirror
def build_world(root: Path) -> MirrorTree | None:
    """pkgs/main with python, pip and pure packages; PyPI with wheels. None without pip."""
    main = root / "anaconda" / "pkgs" / "main"
    built = [python_package(main / SUBDIR)]
    pip = pip_package(main / SUBDIR)
    if pip is None:
        return None
    built += [pip, pure_package(main / SUBDIR, "tunapure", "1.0"),
              pure_package(main / SUBDIR, "tunaboth", "1.5")]
    tree = MirrorTree(root)
    tree.write_repodata("pkgs/main", SUBDIR, {"packages": dict(built)})
    for subdir in {"noarch", "linux-64", "linux-aarch64"} - {SUBDIR}:
        tree.write_repodata("pkgs/main", subdir, {})
    tree.write_repodata("pkgs/r", "noarch", {})
    tree.write_repodata("pkgs/r", SUBDIR, {})
    wheels = root.parent / f"{root.name}-wheels"
    for name, version, requires in (("tunapip", "1.0", ()), ("tunapure", "2.0", ()),
                                    ("tunadep", "1.0", ("tunapure>=2",)),
                                    ("tunaboth", "1.5", ()), ("tunalater", "0.3", ())):
        tree.add_wheel(name, build_wheel(wheels, name, version, requires))
    tree.write()  # no conda packages of its own: writes the PyPI simple index
    return tree
