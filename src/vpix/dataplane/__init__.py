"""The packet pipeline (sans-IO): routes, the connection table, the forwarding decision."""
