"""Reads: querysets with their joins, each a fixed number of queries however many rows they
cover (the tests pin the counts). One module per sub-domain."""
