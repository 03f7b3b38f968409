"""SIPp phones for the simulator and the tests: scenario templates and process control."""
