"""API views, one module per area; importing this package registers them."""

from extranet_gateway.api import agency, auth, docs, me  # noqa: F401
