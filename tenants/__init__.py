"""The customer's tenant as a witness: admin consent, Graph readings, observations, drift."""
