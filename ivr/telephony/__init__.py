"""Adapters that talk to Asterisk: ARI (calls), AMI (queues) and RTP (media)."""
