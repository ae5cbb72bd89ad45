"""Shared foundation: errors, atomic files, conda's YAML and the conda context helpers.

``errors`` and ``files`` are pure; ``exceptions``, ``yaml`` and ``context`` are the thin layer
over conda that every feature shares.
"""
