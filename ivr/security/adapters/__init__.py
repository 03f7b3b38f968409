"""The security log Asterisk writes and the PJSIP ACL it reads."""
