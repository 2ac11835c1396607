"""Hours validation: each caregiver's monthly timesheet, built from planning."""
