"""What-if scenarios on the read side (ADR 0066): their definitions, kept beside the read models,
and the branches of the read models they are answered from."""
