"""Conda first, then pip: environment history and contents, the guard's decisions, pip's
config and the PEP 668 marker (pure), and ``adapter``, the rule inside conda's commands.

The guarded commands are defined here, not in ``adapter``: ``runtime.py`` reads them for
every fetching command, and must not load the adapter for commands the rule leaves alone
(``conda remove conda-tuna`` deletes the adapter's siblings before the post-command hook).
"""

#: Commands that add packages to an existing environment: the conda-then-pip rule guards these.
PIP_GUARDED_COMMANDS = frozenset({"install", "update", "env_update"})
