"""Unit tests of conda_tuna.archcheck."""
