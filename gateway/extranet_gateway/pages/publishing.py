"""Publishing: the agency's news and documents pages, and the caregiver's
news pages (read, marked read)."""
