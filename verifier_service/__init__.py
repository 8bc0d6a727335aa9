"""Specificity-aware verifier: grades open-world classifier answers into six categories."""

__version__ = "0.1.0"
