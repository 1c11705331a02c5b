"""Chapter 2, gradient information: the cost of a gradient, random restarts, the network
explorers, the exercise checks."""
