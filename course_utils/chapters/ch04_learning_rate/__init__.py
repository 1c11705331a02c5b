"""Chapter 4, the learning rate and the landscape: noisy gradients, the cliff and schedule
explorers, the exercise checks."""
