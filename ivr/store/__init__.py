"""The shared request store: models, migrations, durable writer and queries."""
