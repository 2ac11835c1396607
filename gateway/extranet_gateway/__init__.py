"""The HTTP gateway: authenticates, checks access, validates, calls services."""
