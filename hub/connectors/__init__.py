"""Connectors: pull projects and contributions from citizen-science platforms."""
