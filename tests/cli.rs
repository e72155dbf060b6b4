//! Integration tests of the evotune binary.
