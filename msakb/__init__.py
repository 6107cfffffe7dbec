"""msakb: a cited knowledge base of meter socket adapter rules, and the filings drafted from it."""

__version__ = "0.1.0"
