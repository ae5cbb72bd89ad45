"""conda's own round-trip YAML (ruamel, comments kept), across conda 24-26.

conda moved its serializers between releases (26: ``conda.common.serialize.yaml`` package;
24-25: functions in ``conda.common.serialize``); every conda-tuna module that reads or
writes YAML goes through here so there is one place to follow conda.
"""

from __future__ import annotations

from typing import Any


def yaml_loads(text: str) -> Any:
    """Parse YAML text as conda does, keeping comments for a later round trip."""
    try:
        from conda.common.serialize.yaml import loads  # conda 25.x+ (a package)
    except ImportError:  # older conda: one module with yaml_round_trip_load
        from conda.common.serialize import yaml_round_trip_load as loads
    return loads(text)


def yaml_dumps(data: Any) -> str:
    """Write YAML the way `conda config` writes it."""
    try:
        from conda.common.serialize.yaml import dumps
    except ImportError:
        from conda.common.serialize import yaml_round_trip_dump as dumps
    return dumps(data)
