"""SLA clocks: business-time arithmetic (calendar.py, pure), due times and states on tickets."""
