"""Chapter 1, error surfaces: stationary points, the Taylor and bowl explorers, the
exercise checks."""
