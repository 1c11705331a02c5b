"""Chapter 3, gradient descent: stochastic and mini-batch experiments, the mini-batch
explorer, the exercise checks."""
