"""A local, deterministic OpenAI-compatible assistant that answers from the demo data.

For local runs and end-to-end tests only (never configured by default in production): shopping questions get a
numbered list of products and competitor sellers from the catalog the data provider holds, ranked by the
ratings, prices and sales in that data; listing-rewrite requests get a rewrite that obeys the marketplace rules
the listing job checks. The same request against the same data always gets the same answer.
"""
