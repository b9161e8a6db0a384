"""vpix's own command line: images, units, labs, the console."""
