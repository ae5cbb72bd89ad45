"""conda-tuna: route conda through the Tsinghua TUNA mirror (or a healthy sister), reversibly.

This package must stay cheap to import: conda imports ``conda_tuna.plugin`` on every command.
"""

from __future__ import annotations

try:  # written by hatch-vcs at build time
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "0.0.0+unknown"
