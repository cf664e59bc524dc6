"""E-mail sequences on the write side: sequences, enrollments, each step once, replies and unsubscribes."""
