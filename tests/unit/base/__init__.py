"""Unit tests of conda_tuna.base."""
