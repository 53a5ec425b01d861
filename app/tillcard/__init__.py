"""Tillcard: a cashier point-of-sale for closed-loop stored-value cards."""

__version__ = "0.1.0"
