"""Documentation consistency generator: facts.yaml in, wiki pages, skills and managed blocks out."""

__version__ = "0.1.0"
