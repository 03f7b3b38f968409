"""The whole stack: Asterisk, the IVR application and the admin, supervised together."""
