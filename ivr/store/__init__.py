"""The shared request store: models, migrations, durable writer and queries."""

from ivr.store.db import Store
from ivr.store.writer import StoreWriter

__all__ = ["Store", "StoreWriter"]
