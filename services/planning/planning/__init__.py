"""The planning service: families, shifts, CSV imports and planning views."""
