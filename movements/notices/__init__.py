"""Advance booking notices to the receiving mission: sending, delivery, acknowledgement."""
