"""The agency's team pages: its caregivers (list, invite) and who is free
for a slot."""
