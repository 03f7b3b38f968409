"""The call flow: pure decisions, events in and commands out, no I/O."""
