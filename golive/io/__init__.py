"""I/O behind small interfaces: journal files, processes, HTTP."""
