"""Thin API views: each asks engagements/access.py, reads through the selectors and writes
through the services, exactly as the pages do. One module per resource."""
