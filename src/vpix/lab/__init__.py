"""Labs: a YAML file naming units and their ports, run together in one process."""
