"""Embedded SQLite data provider (the default)."""
from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional

from .provider import DataProvider, DataProviderError

_SCHEMA_FILE = Path(__file__).with_name("schema.sql")  # read when a database is opened, not at import


def _placeholders(values: Iterable) -> str:
    return ",".join("?" for _ in values)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class SqliteProvider(DataProvider):
    """One connection per thread: job methods run on worker threads, and sqlite3 objects are thread-bound.

    `path` may be a file path or ":memory:"; an in-memory database is shared by all threads of the
    process under a unique name and lives as long as this provider.
    """

    _memory_counter = 0
    _counter_lock = threading.Lock()

    def __init__(self, path: str):
        if path == ":memory:":
            with SqliteProvider._counter_lock:
                SqliteProvider._memory_counter += 1
                n = SqliteProvider._memory_counter
            self._uri = f"file:nexus-worker-{id(self)}-{n}?mode=memory&cache=shared"
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._uri = Path(path).resolve().as_uri()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._keeper = self._connect()  # keeps a shared in-memory database alive
        with self._keeper:
            self._keeper.executescript(_SCHEMA_FILE.read_text())

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._uri, uri=True, timeout=30, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        if "mode=memory" not in self._uri:
            conn.execute("PRAGMA journal_mode=WAL")
        with self._all_lock:
            self._all.append(conn)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()

    def _query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:  # e.g. "database is locked": transient
            raise DataProviderError(str(exc)) from exc

    def is_empty(self, tenant: str) -> bool:
        return not self._query("SELECT 1 FROM products WHERE tenant=? LIMIT 1", (tenant,))

    def tenants(self) -> list[str]:
        """Every tenant holding products (the demo assistant answers from all of them)."""
        return [r["tenant"] for r in self._query("SELECT DISTINCT tenant FROM products ORDER BY tenant")]

    # --- reads -----------------------------------------------------------------------------------

    def products(self, tenant, marketplace, skus=None):
        sql = "SELECT * FROM products WHERE tenant=? AND marketplace=?"
        args: tuple = (tenant, marketplace)
        if skus is not None:
            sql += f" AND sku IN ({_placeholders(skus)})"
            args += tuple(skus)
        rows = self._query(sql + " ORDER BY sku", args)
        return [{k: r[k] for k in r.keys() if k != "tenant"} for r in rows]

    def sales_history(self, tenant, marketplace, skus):
        out: dict[str, list[dict]] = {s: [] for s in skus}
        rows = self._query(
            f"SELECT sku, week_start, price, units FROM sales_weekly WHERE tenant=? AND marketplace=? "
            f"AND sku IN ({_placeholders(skus)}) ORDER BY sku, week_start", (tenant, marketplace, *skus))
        for r in rows:
            out[r["sku"]].append({"week_start": r["week_start"], "price": r["price"], "units": r["units"]})
        return out

    def price_change(self, tenant, marketplace, sku, job_id):
        rows = self._query("SELECT * FROM price_changes WHERE tenant=? AND marketplace=? AND sku=? AND job_id=?",
                           (tenant, marketplace, sku, job_id))
        return {k: rows[0][k] for k in rows[0].keys() if k != "tenant"} if rows else None

    def reviews_to_score(self, tenant, skus, job_id, rescore=False):
        cond = "" if rescore else " AND (s.review_id IS NULL OR s.job_id = ?)"
        args = (tenant, tenant, *skus) + (() if rescore else (job_id,))
        rows = self._query(
            "SELECT r.review_id, r.sku, r.marketplace, r.rating, r.title, r.body, r.created_at FROM reviews r "
            "LEFT JOIN review_scores s ON s.tenant = ? AND s.review_id = r.review_id "
            f"WHERE r.tenant = ? AND r.sku IN ({_placeholders(skus)}){cond} ORDER BY r.sku, r.review_id", args)
        return [dict(r) for r in rows]

    def returns(self, tenant, marketplace, skus):
        rows = self._query(
            "SELECT return_id, sku, marketplace, return_date, reason_code, reason_text FROM returns "
            f"WHERE tenant=? AND marketplace=? AND sku IN ({_placeholders(skus)}) ORDER BY return_date, return_id",
            (tenant, marketplace, *skus))
        return [dict(r) for r in rows]

    def market_offers(self, tenant, marketplace, skus):
        out: dict[str, list[dict]] = {s: [] for s in skus}
        rows = self._query(
            "SELECT sku, seller, price, shipping, seller_rating, fulfillment FROM market_offers "
            f"WHERE tenant=? AND marketplace=? AND sku IN ({_placeholders(skus)}) ORDER BY sku, seller",
            (tenant, marketplace, *skus))
        for r in rows:
            d = dict(r)
            out[d.pop("sku")].append(d)
        return out

    def latest_competitor_scans(self, tenant, marketplace, skus):
        rows = self._query(
            "SELECT sku, job_id, scanned_at, offers FROM competitor_scans c WHERE tenant=? AND marketplace=? "
            f"AND sku IN ({_placeholders(skus)}) AND scanned_at = (SELECT MAX(scanned_at) FROM competitor_scans d "
            "WHERE d.tenant=c.tenant AND d.marketplace=c.marketplace AND d.sku=c.sku) ORDER BY sku, job_id",
            (tenant, marketplace, *skus))
        return {r["sku"]: {"sku": r["sku"], "marketplace": marketplace, "job_id": r["job_id"],
                           "scanned_at": r["scanned_at"], "offers": json.loads(r["offers"])} for r in rows}

    def listings(self, tenant, marketplace, skus):
        rows = self._query(
            f"SELECT * FROM listings WHERE tenant=? AND marketplace=? AND sku IN ({_placeholders(skus)})",
            (tenant, marketplace, *skus))
        return {r["sku"]: {"sku": r["sku"], "marketplace": marketplace, "title": r["title"],
                           "bullets": json.loads(r["bullets"]), "description": r["description"],
                           "keywords": json.loads(r["keywords"])} for r in rows}

    def search_terms(self, tenant, marketplace, categories):
        out: dict[str, list[dict]] = {c: [] for c in categories}
        rows = self._query(
            "SELECT category, term, monthly_volume FROM search_terms WHERE tenant=? AND marketplace=? "
            f"AND category IN ({_placeholders(categories)}) ORDER BY category, monthly_volume DESC, term",
            (tenant, marketplace, *categories))
        for r in rows:
            out[r["category"]].append({"term": r["term"], "monthly_volume": r["monthly_volume"]})
        return out

    # --- writes ----------------------------------------------------------------------------------

    def _write(self, fn):
        conn = self.conn
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                return fn(conn)
        except sqlite3.OperationalError as exc:
            raise DataProviderError(str(exc)) from exc

    def apply_price(self, tenant, marketplace, sku, new_price, job_id):
        def tx(conn):
            done = conn.execute("SELECT * FROM price_changes WHERE tenant=? AND marketplace=? AND sku=? AND job_id=?",
                                (tenant, marketplace, sku, job_id)).fetchone()
            if done is not None:
                return {k: done[k] for k in done.keys() if k != "tenant"}
            row = conn.execute("SELECT price FROM products WHERE tenant=? AND marketplace=? AND sku=?",
                               (tenant, marketplace, sku)).fetchone()
            if row is None:
                raise KeyError(sku)
            change = {"marketplace": marketplace, "sku": sku, "job_id": job_id, "old_price": row["price"],
                      "new_price": new_price, "applied_at": _now()}
            conn.execute("INSERT INTO price_changes VALUES (?,?,?,?,?,?,?)",
                         (tenant, marketplace, sku, job_id, change["old_price"], new_price, change["applied_at"]))
            conn.execute("UPDATE products SET price=? WHERE tenant=? AND marketplace=? AND sku=?",
                         (new_price, tenant, marketplace, sku))
            return change
        return self._write(tx)

    def save_review_scores(self, tenant, job_id, scores):
        now = _now()
        self._write(lambda conn: conn.executemany(
            "INSERT OR REPLACE INTO review_scores VALUES (?,?,?,?,?,?,?)",
            [(tenant, s["review_id"], job_id, s["label"], s["score"], json.dumps(s["aspects"]), now) for s in scores]))

    def save_competitor_scan(self, tenant, marketplace, sku, job_id, scanned_at, offers):
        self._write(lambda conn: conn.execute(
            "INSERT OR REPLACE INTO competitor_scans VALUES (?,?,?,?,?,?)",
            (tenant, marketplace, sku, job_id, scanned_at, json.dumps(offers))))
