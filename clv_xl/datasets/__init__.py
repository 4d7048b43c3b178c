"""Bundled reference data; see README.md here for provenance and licence."""
