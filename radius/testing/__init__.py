"""Test and bench helpers: the RADIUS agent and FreeRADIUS 3 as real processes on loopback.

No Django here, so tests without Django and the benches can use them.
"""
