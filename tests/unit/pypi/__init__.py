"""Unit tests of conda_tuna.pypi."""
