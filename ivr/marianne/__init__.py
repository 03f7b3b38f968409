"""Référentiel Marianne: the figures of the five commitments (pure), the survey and
complaint rules; queries in ``ivr.store.marianne``."""
