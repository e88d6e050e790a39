"""The generic hash chain that makes an append-only log tamper-evident, and the table of every
chain's head. Both audit trails (the catalogue's, the engagements') use it; it knows neither.

`chain`: `chain_append` seals an event after its owner's head and moves the head;
`chain_check` and `head_problems` name each break; `chain_hash` is the seal and `actor_name` the
name an event keeps of its actor. `models`: `AuditChainHead`, each chain's length and last hash.
"""
