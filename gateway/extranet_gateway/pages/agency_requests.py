"""The agency's pages for the requests caregivers send: the list, a
thread, the answer, the approval of an unplanned intervention."""
