"""The requests service: caregivers' requests to their agency, as threads."""
