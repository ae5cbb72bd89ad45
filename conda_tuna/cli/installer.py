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
from ..i18n import N_, _
from ..installers.catalog import CHECKSUMS, Installer, installer_for
from ..mirrors.adapter import configured_mirror
from ..mirrors.catalog import DEFAULT_MIRROR, Mirror, get_mirror
from .output import display_width, emit_json, pad

if TYPE_CHECKING:
    from argparse import Namespace


#: why this mirror; the English text is also --json's `mirror.why` (language-neutral), the
#: text output shows it translated
WHY_ACTIVE = N_("the active conda-tuna mirror")
WHY_DEFAULT = N_("default (conda-tuna is not enabled)")

#: where each flavor's checksum is published, as the text output says it (--json keeps
#: installers/catalog.CHECKSUMS, in English)
_CHECKSUM_WHERE = {
    "miniforge": N_("a <file>.sha256 next to each installer (conda-forge's release assets)"),
    "miniconda": N_("none on the mirrors: Anaconda lists SHA-256 sums only on "
                    "https://repo.anaconda.com/miniconda/ (its index page)"),
}


def choose_mirror() -> tuple[Mirror, str]:
    """The active mirror (from conda-tuna's settings), else TUNA; and why (in English)."""
    mirror = configured_mirror()
    if mirror is not None:
        return mirror, WHY_ACTIVE
    return get_mirror(DEFAULT_MIRROR), WHY_DEFAULT


def _show(inst: Installer, mirror: Mirror, why: str) -> None:
    title = (_("Miniforge installer for {platform} on {mirror} ({url}, {why}):")
             if inst.flavor == "miniforge" else
             _("Miniconda installer for {platform} on {mirror} ({url}, {why}):"))
    print(title.format(platform=inst.platform, mirror=mirror.name, url=mirror.root,
                       why=_(why)))
    print(f"  {inst.url}")
    where = _CHECKSUM_WHERE.get(inst.flavor)
    print(_("Checksum: {where}.").format(where=_(where) if where else CHECKSUMS[inst.flavor]))
    download = (f"conda tuna installer --flavor {inst.flavor} --os {inst.os_name} "
                f"--arch {inst.arch} --download .")
    install = inst.install_command()
    labels = (_("Download and verify it:"), _("Then install it:"))
    width = max(display_width(label) for label in labels) + 2
    print(pad(labels[0], width) + download)
    print(pad(labels[1], width) + install)


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
        raise TunaError(_("Could not write the installer into {directory}: {error}").format(
            directory=directory, error=exc.strerror or exc)) from exc
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
        text = (_("Reused {path} ({size} bytes) from {url}") if download["reused"]
                else _("Downloaded {path} ({size} bytes) from {url}"))
        print(text.format(path=download["path"], size=download["size"], url=inst.url))
        if download["resumed_from"]:
            print(_("Resumed an interrupted download at byte {offset}.").format(
                offset=download["resumed_from"]))
        note = str(download["note"])
        print(note if download["verified"] else _("WARNING: {note}").format(note=note))
        print(_("Install it with: {command}").format(
            command=inst.install_command(str(download["path"]))))
        return 0
    if context.json:
        emit_json(payload)
    elif args.print_url:
        print(inst.url)
    else:
        _show(inst, mirror, why)
    return 0
