"""Stand-ins for the two things a conda installation gets from its installer: a Python and
conda itself, made from the interpreter that runs the tests.

conda is not a conda package here (it is installed from source into a venv), and no real
Python conda package can be downloaded. So the tests make *honest stubs*:

* a prefix becomes a venv of the host interpreter (``pyvenv.cfg`` with ``home = ...`` and
  ``bin/python3.X`` a symlink to the base interpreter), so ``<prefix>/bin/python`` is a real
  CPython whose ``sys.prefix`` is the prefix and whose site-packages is the prefix's own;
* conda and its dependencies come from a *filtered view* of the host's site-packages (one
  symlink per entry), put on ``sys.path`` by a ``.pth`` file. conda-tuna itself is left out
  of the view, so the only conda-tuna such a prefix can import is one installed into it.

`python_stub_package` wraps the venv part as a conda package named ``python`` and
`conda_stub_package` wraps the .pth as a package named ``conda`` (with the host's versions),
so ``conda create``/``conda install`` can solve a ``noarch: python`` package's
``python``/``conda`` dependencies from a local channel. `write_stub_installer` makes an
installer script that builds the same prefix when run as ``sh installer -b -p PREFIX``.

Everything produced is tied to this machine's interpreter paths; it is for tests only.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import sysconfig
import tarfile
from pathlib import Path

from .mirror import Pkg, index_json, tar_add

PY_VER = f"{sys.version_info.major}.{sys.version_info.minor}"
PY_FULL = ".".join(map(str, sys.version_info[:3]))
SITE_REL = f"lib/python{PY_VER}/site-packages"
#: Names in the host's site-packages that the view leaves out (the package under test).
EXCLUDED = ("conda_tuna", "conda-tuna", "_editable_impl_conda_tuna", "__editable__.conda_tuna")


def base_interpreter() -> Path:
    """The real CPython binary behind this (possibly venv) interpreter."""
    exe = getattr(sys, "_base_executable", None) or sys.executable
    return Path(os.path.realpath(exe))


def host_site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def host_site_view(dest: Path, exclude: tuple[str, ...] = EXCLUDED) -> Path:
    """A directory of symlinks to the host's site-packages entries, minus `exclude`.

    Only the entries are linked, so .pth files in it are not processed (they would be, for
    a site dir): the editable install of conda-tuna stays invisible.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for entry in host_site_packages().iterdir():
        name = entry.name.lower().replace("-", "_")
        if any(name.startswith(x.lower().replace("-", "_")) for x in exclude):
            continue
        if entry.suffix == ".pth" or entry.name == "__pycache__":
            continue
        link = dest / entry.name
        if not link.exists():
            link.symlink_to(entry)
    return dest


def pyvenv_cfg() -> str:
    exe = base_interpreter()
    return (f"home = {exe.parent}\ninclude-system-site-packages = false\n"
            f"version = {PY_FULL}\nexecutable = {exe}\n")


def make_venv_prefix(prefix: Path, site_view: Path | None) -> Path:
    """Turn `prefix` into a venv of the host interpreter (what the stub installer does)."""
    (prefix / "bin").mkdir(parents=True, exist_ok=True)
    (prefix / SITE_REL).mkdir(parents=True, exist_ok=True)
    (prefix / "pyvenv.cfg").write_text(pyvenv_cfg())
    (prefix / "bin" / f"python{PY_VER}").symlink_to(base_interpreter())
    for alias in ("python", "python3"):
        (prefix / "bin" / alias).symlink_to(f"python{PY_VER}")
    if site_view is not None:
        (prefix / SITE_REL / "_conda_tuna_test_host.pth").write_text(f"{site_view}\n")
    return prefix


# --------------------------------------------------------------------------- conda packages
def _build(pkg: Pkg, dest: Path, files: dict[str, bytes], links: dict[str, str]) -> Path:
    """A .tar.bz2 conda package with regular `files` and symbolic `links` (path -> target)."""
    import bz2

    paths = [{"_path": p, "path_type": "hardlink", "sha256": hashlib.sha256(c).hexdigest(),
              "size_in_bytes": len(c)} for p, c in files.items()]
    paths += [{"_path": p, "path_type": "softlink"} for p in links]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar_add(tar, "info/index.json", json.dumps(index_json(pkg), indent=2).encode())
        tar_add(tar, "info/paths.json",
                 json.dumps({"paths": paths, "paths_version": 1}).encode())
        tar_add(tar, "info/files", ("\n".join([*files, *links]) + "\n").encode())
        for path, content in files.items():
            tar_add(tar, path, content, 0o755 if path.startswith("bin/") else 0o644)
        for path, target in links.items():
            info = tarfile.TarInfo(path)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            info.mtime = 1_700_000_000
            tar.addfile(info)
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / (pkg.stem + ".tar.bz2")
    out.write_bytes(bz2.compress(raw.getvalue()))
    return out


def python_stub_package(dest: Path, subdir: str) -> Path:
    """`python-<host version>`: the env becomes a venv of the host interpreter.

    Carries what conda looks for in a python package (bin/python, the version, the
    site-packages directory) so that noarch: python packages link and compile for real.
    """
    pkg = Pkg("python", PY_FULL, subdir, extra_index={"build": "0_host_venv"})
    files = {"pyvenv.cfg": pyvenv_cfg().encode(),
             f"{SITE_REL}/README.conda-tuna-stub": b"python stub: a venv of the host\n"}
    links = {f"bin/python{PY_VER}": str(base_interpreter()),
             "bin/python": f"python{PY_VER}", "bin/python3": f"python{PY_VER}"}
    out = _build(pkg, dest, files, links)
    return out.rename(dest / f"python-{PY_FULL}-0_host_venv.tar.bz2")


def conda_stub_package(dest: Path, subdir: str, site_view: Path, version: str) -> Path:
    """`conda-<host version>`: makes the host's conda (not conda-tuna) importable."""
    pkg = Pkg("conda", version, subdir, depends=[f"python {PY_VER}.*"],
              extra_index={"build": "0_host_view"})
    files = {f"{SITE_REL}/_conda_tuna_test_host.pth": f"{site_view}\n".encode(),
             "bin/conda": (b"#!/bin/sh\nexec \"$(dirname \"$0\")/python\" -m conda \"$@\"\n"
                           )}
    out = _build(pkg, dest, files, {})
    return out.rename(dest / f"conda-{version}-0_host_view.tar.bz2")


# --------------------------------------------------------------------------- installer
def write_stub_installer(path: Path, site_view: Path) -> Path:
    """An installer stand-in: `sh installer -b -p PREFIX` makes PREFIX a venv of the host
    interpreter with conda importable and a bin/conda, records its arguments in
    PREFIX/.stub-installer-ran, and, like the real installers, refuses an existing PREFIX.
    """
    exe = base_interpreter()
    path.write_text(f"""#!/bin/sh
# Test stand-in for a Miniforge/Miniconda installer (see tests/support/python_stub.py).
set -eu
batch=0 prefix=
while [ $# -gt 0 ]; do
  case $1 in
    -b) batch=1; shift ;;
    -p) prefix=$2; shift 2 ;;
    *) echo "stub installer: unexpected argument $1" >&2; exit 2 ;;
  esac
done
[ "$batch" = 1 ] || {{ echo "stub installer: only batch mode (-b) is supported" >&2; exit 2; }}
[ -n "$prefix" ] || {{ echo "stub installer: -p PREFIX is required" >&2; exit 2; }}
if [ -e "$prefix" ]; then
  echo "ERROR: File or directory already exists: '$prefix'" >&2; exit 1
fi
mkdir -p "$prefix/bin" "$prefix/conda-meta" "$prefix/{SITE_REL}"
cat > "$prefix/pyvenv.cfg" <<'EOF'
{pyvenv_cfg().rstrip()}
EOF
ln -s '{exe}' "$prefix/bin/python{PY_VER}"
ln -s 'python{PY_VER}' "$prefix/bin/python"
echo '{site_view}' > "$prefix/{SITE_REL}/_conda_tuna_test_host.pth"
cat > "$prefix/bin/conda" <<EOF
#!/bin/sh
exec "$prefix/bin/python" -m conda "\\$@"
EOF
chmod 755 "$prefix/bin/conda"
: > "$prefix/conda-meta/history"
echo "$0 -b -p $prefix" >> "$prefix/.stub-installer-ran"
echo "stub installer: installed into $prefix"
""")
    path.chmod(0o755)
    return path
