"""The HTTP gateway: authenticates, checks access, validates, calls services."""

from extranet_gateway.french import speak_french

speak_french()
