"""Mirrors as a transport: conda keeps its channels' own URLs, each request goes to a mirror.

``urls`` (pure) decides which upstream request may go to which mirror; ``chain`` (pure) is the
failover table, the short failure memory and the liveness gate; ``routes`` (pure) explains a
channel for ``status`` and ``enable``; ``handler`` is conda's side: the auth handler conda
selects through the drop-in's ``channel_settings``.
"""
