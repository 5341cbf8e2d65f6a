"""Ticket rules: topics, references, assignment to agents, and opening tickets for
calls.
"""
