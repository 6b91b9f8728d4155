"""Business time, pure Python: coverage calendars for SLA clocks and business dates for meetings."""
