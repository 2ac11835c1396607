"""Development tooling: start every process, load the sample agency, read the
mailbox folder. Used by ``make run`` and by the end-to-end tests."""
