"""Motivation: sales plans, schemes, payout rules, statements, reversals, what-if."""
