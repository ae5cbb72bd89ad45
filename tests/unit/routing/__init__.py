"""Unit tests of conda_tuna.routing."""
