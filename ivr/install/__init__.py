"""A real install on a Debian server: systemd units, /etc and /var/lib layout."""
