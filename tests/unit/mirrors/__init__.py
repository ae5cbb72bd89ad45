"""Unit tests of conda_tuna.mirrors."""
