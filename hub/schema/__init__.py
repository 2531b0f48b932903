"""The shared standard: PPSR Core models, JSON-LD context, IRIs, anonymisation, RDF."""
