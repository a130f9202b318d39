"""Randomized studies of a program: screening and waitlist, concealed allocation, corrections."""
