"""The web app (ADR 0048): pages over the query layer, for people with accounts."""
