"""Dramatiq: the broker and the actors that run the domain's background steps."""
