"""The mirrors: the catalog (pure facts), health probes and sync status (pure), and
``adapter``, which feeds them conda's settings, proxies and TLS."""
