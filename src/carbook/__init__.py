"""Structured, source-checked data on CAR cell therapies, and the tables and figures of the book.

Start with :func:`carbook.data.load.load_library`, which gives every therapy validated against its source.
"""

from importlib.metadata import version

__version__ = version("carbook")
