"""``townhall-ivr doctor``: is this deployment ready? Pure checks over gathered facts."""
