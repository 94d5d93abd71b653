"""vwu: the reporting pipeline of the Vietnam Women's Union."""

__version__ = "0.1.0"
