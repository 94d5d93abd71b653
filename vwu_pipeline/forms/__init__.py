"""Blank forms for the reporting units, and synthetic data written through them."""
