"""The simulator finds the contact its call left in the store, by ``ref``."""

from __future__ import annotations

from pathlib import Path

from ivr.clock import Clock
from ivr.simulate import lookup_contact
from ivr.store.db import Store
from ivr.store.writer import StoreWriter
from townhall_support.ports import free_port


def test_contact_found_by_ref(store: Store, db_url: str, tmp_path: Path) -> None:
    writer = StoreWriter(store, tmp_path / "spool")
    now = Clock().now()
    writer.start_contact("call-1", now, "0612345678", "3000", ref="sim-ref-1")
    writer.update_contact("call-1", target="etat-civil", routed_by="dtmf", menu_path="1")
    writer.finish_contact("call-1", now, "answered")
    assert writer.flush(10)
    writer.close()
    found = lookup_contact(db_url, "sim-ref-1", wait=0)
    assert found is not None and isinstance(found.pop("id"), int)
    assert found == {"target": "etat-civil", "routed_by": "dtmf", "menu_path": "1",
                     "outcome": "answered"}
    assert lookup_contact(db_url, "unknown-ref", wait=0.2) is None


def test_unreachable_store_is_no_contact() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    assert lookup_contact(url, "any", wait=0) is None
