"""asv benchmarks of nanobragg-nb: simulate() over detector sizes and workloads, start-up and compile time."""
