"""townhall-ivr: the telephone front door of a French town hall."""

__version__ = "0.1.0"
