"""`conda tuna installer`: the Miniconda/Miniforge installer for a machine, on the mirror.

Shows (default), prints (--print-url) or downloads and verifies (--download DIR) the
installer for the given os/arch (default: this machine) on the active mirror, or TUNA when
conda-tuna is not enabled. It never runs the installer: setting up another machine is the
user's call (scripts/bootstrap.sh does it for a machine without conda).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from conda.base.context import context

from ..base.errors import TunaError
from ..installers.catalog import CHECKSUMS, Installer, installer_for
from ..mirrors.adapter import configured_mirror
from ..mirrors.catalog import DEFAULT_MIRROR, Mirror, get_mirror
from .output import emit_json

if TYPE_CHECKING:
    from argparse import Namespace


def choose_mirror() -> tuple[Mirror, str]:
    """The active mirror (from conda-tuna's settings), else TUNA; and why."""
    mirror = configured_mirror()
    if mirror is not None:
        return mirror, "the active conda-tuna mirror"
    return get_mirror(DEFAULT_MIRROR), "default (conda-tuna is not enabled)"


def _show(inst: Installer, mirror: Mirror, why: str) -> None:
    print(f"{inst.flavor.capitalize()} installer for {inst.platform} on {mirror.name} "
          f"({mirror.root}, {why}):")
    print(f"  {inst.url}")
    print(f"Checksum: {CHECKSUMS[inst.flavor]}.")
    print(f"Download and verify it:  conda tuna installer --flavor {inst.flavor} "
          f"--os {inst.os_name} --arch {inst.arch} --download .")
    print(f"Then install it:         {inst.install_command()}")


def _download(inst: Installer, directory: str) -> dict[str, object]:
    from ..installers.download import download
    from ..mirrors.adapter import probe_config

    try:
        result = download(
            inst.url, directory, checksum_url=inst.checksum_url,
            progress=not context.json and not context.quiet and sys.stderr.isatty(),
            checksum_note="" if inst.checksum_expected else CHECKSUMS[inst.flavor],
            config=probe_config(),  # conda's proxies and TLS, no credentials
            # Miniforge always publishes a .sha256: its absence means an incomplete mirror
            require_checksum=inst.checksum_expected,
        )
    except OSError as exc:  # network errors arrive as TunaError; these are local files
        raise TunaError(f"Could not write the installer into {directory}: "
                        f"{exc.strerror or exc}") from exc
    return result.to_json()


def execute(args: Namespace) -> int:
    mirror, why = choose_mirror()
    inst = installer_for(mirror.root, args.flavor or "miniforge", args.os_name, args.arch)
    payload: dict[str, object] = {"success": True, "installer": inst.to_json(),
                                  "mirror": {"name": mirror.name, "url": mirror.root,
                                             "why": why}}
    if args.download:
        payload["download"] = download = _download(inst, args.download)
        if context.json:
            emit_json(payload)
            return 0
        action = "Reused" if download["reused"] else "Downloaded"
        print(f"{action} {download['path']} ({download['size']} bytes) from {inst.url}")
        if download["resumed_from"]:
            print(f"Resumed an interrupted download at byte {download['resumed_from']}.")
        print(("" if download["verified"] else "WARNING: ") + str(download["note"]))
        print(f"Install it with: {inst.install_command(str(download['path']))}")
        return 0
    if context.json:
        emit_json(payload)
    elif args.print_url:
        print(inst.url)
    else:
        _show(inst, mirror, why)
    return 0
