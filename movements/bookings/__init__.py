"""Bookings: the flight, its travellers and tickets, transit, escorts, departure and arrival;
the readiness board and travel windows that decide what can be booked."""
