"""Chapter 5, momentum: its theory (rates, stability), experiments, the momentum explorer,
the exercise checks."""
