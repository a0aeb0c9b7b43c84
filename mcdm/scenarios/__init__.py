"""Runnable jobs ("scenarios"): each compiles a config into arrays, simulates shards, and reports."""
