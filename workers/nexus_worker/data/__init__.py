"""Tenant-scoped data access for the job methods: one interface, SQLite and HTTP implementations."""
