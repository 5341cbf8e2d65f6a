"""Benchmarks of the hotline, each measured against a baseline in the same run."""
