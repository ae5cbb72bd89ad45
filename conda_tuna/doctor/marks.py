"""The marks `conda doctor` prints (conda 26 exports them as constants; 24-25 do not).

Their own module so that every check can import them without importing the list of checks
in ``doctor/__init__.py`` (which imports the checks: that would be a cycle).
"""

from __future__ import annotations

OK_MARK = "\u2705"
X_MARK = "\u274c"
