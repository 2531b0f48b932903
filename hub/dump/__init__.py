"""The federated dump: the materialised RDF store, dump files, SPARQL for analysts, and cross-platform matching."""

from hub.dump.materialiser import Materialiser, open_store, run_materialiser
from hub.dump.store import HubStore

__all__ = ["HubStore", "Materialiser", "open_store", "run_materialiser"]
