"""Thin views, one module per sub-domain: each asks `access` who may do what, validates a form,
calls a service or a selector, and renders or redirects."""
