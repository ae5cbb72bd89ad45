"""Hatch build hook: compile the gettext catalogs (.po -> .mo) into the wheel.

A standard wheel gets the .mo files from a temporary directory (the source tree stays
clean); an editable install writes them next to the .po files (git-ignored), because the
package is then imported from the source tree. Fuzzy entries are left out, as msgfmt does.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALE_DIR = "conda_tuna/i18n/locale"


class CatalogBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root)
        self._tmp = None if version == "editable" else Path(tempfile.mkdtemp(prefix="mo-"))
        for po in sorted((root / LOCALE_DIR).glob("*/LC_MESSAGES/*.po")):
            relative = po.relative_to(root).with_suffix(".mo")
            target = root / relative if self._tmp is None else self._tmp / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as f:
                catalog = read_po(f)
            with target.open("wb") as f:
                write_mo(f, catalog, use_fuzzy=False)
            if self._tmp is not None:
                build_data["force_include"][str(target)] = relative.as_posix()

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
