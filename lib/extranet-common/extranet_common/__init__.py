"""Shared plumbing of the extranet services: one clock, local time rules,
errors that cross RPC, the transactional outbox and idempotent consumers."""
