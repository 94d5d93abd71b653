"""Stage 1: submitted files → checked tables → stored figures."""
