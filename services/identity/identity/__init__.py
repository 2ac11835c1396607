"""The identity service: who may use the extranet, and how they prove it."""
