"""Names every conda command may need about conda-tuna's drop-in, without the drop-in's
reader and writer (``dropin`` imports the journal and the YAML editor): the pre-command hook
checks conda's already-parsed configuration for an old drop-in before every fetching command,
and must not pay for those imports."""

from __future__ import annotations

# architecture: pure

#: The drop-in's file name, in a ``condarc.d`` directory conda reads.
FILE_NAME = "conda-tuna.yml"

#: Keys conda-tuna 0.1 wrote to route by rewriting channel URLs (issue 9 moved routing to
#: the request layer); a drop-in still holding one of them is reported and replaced.
OLD_ROUTING_KEYS = ("custom_channels", "custom_multichannels", "default_channels",
                    "migrated_custom_channels", "repodata_use_shards")
