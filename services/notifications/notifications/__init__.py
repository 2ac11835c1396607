"""The notifications service of the caregiver extranet: emails and news."""
