"""Benchmarks of airflow-provider-uipath; ``make bench`` runs :mod:`benchmarks.triggerer`."""
