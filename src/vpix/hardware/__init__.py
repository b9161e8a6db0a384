"""Hardware: the platform catalog and the unit directory that holds one unit's identity."""
