"""Extraction stage: clauses become structured, cited obligations (timescale, actor, topic, cohort)."""
