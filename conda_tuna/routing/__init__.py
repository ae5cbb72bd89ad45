"""Where each channel goes: the routing table (``routes``, pure), the credential guard and
failover (both inside conda's own commands)."""
