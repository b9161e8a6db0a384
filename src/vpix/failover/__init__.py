"""Failover: the sans-IO state machine (machine.py); wire format, links, replication and the
CLI come on top of it."""
