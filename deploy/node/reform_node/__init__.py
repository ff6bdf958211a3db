"""The embedded commune node: real servers as child processes, for development, demos and tests."""
