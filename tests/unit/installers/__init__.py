"""Unit tests of conda_tuna.installers."""
