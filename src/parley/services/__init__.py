"""Domain operations: the only code that writes Parley's models and emits
real-time events. One module per domain; consumers and views call these."""
