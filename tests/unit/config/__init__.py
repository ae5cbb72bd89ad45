"""Unit tests of conda_tuna.config."""
