"""Pure domain logic: no terminal, network or process I/O lives here.

tests/test_layers.py proves that nothing in this package imports textual,
paramiko, psutil or httpx.
"""
