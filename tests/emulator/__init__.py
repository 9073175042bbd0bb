"""Tests of the Orchestrator emulator."""
