"""Nexus AI Jobs worker: runs the six AI job types behind the operator's worker HTTP contract."""

__version__ = "0.1.0"
