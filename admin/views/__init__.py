"""One blueprint per area of the admin (the API lives in ``admin.api``)."""
