"""Chapter 7, the capstone: the digits experiments, the digits explorer, the exercise
checks."""
