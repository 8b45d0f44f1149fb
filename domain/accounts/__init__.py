"""Organisations, users, tokens and roles: who may touch what."""
