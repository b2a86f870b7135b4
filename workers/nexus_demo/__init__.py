"""Stand-ins for the services the worker talks to, for local runs (`make run`) and tests only; never in the image.

- `nexus_demo.assistant`: a deterministic OpenAI-compatible assistant answering from the demo data.
- `nexus_demo.catalog_server`: the catalog API that `nexus_worker.data.http_provider.HttpProvider` speaks, served
  from any data provider.
"""
