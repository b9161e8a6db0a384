"""Management access: the console port, Telnet and SSH servers of a unit."""
