"""Chapter 6, adaptive methods: the optimizer race, its explorer, the exercise checks."""
