"""Renderers of a run's findings: text, JSON, SARIF 2.1.0, GitHub workflow commands."""
