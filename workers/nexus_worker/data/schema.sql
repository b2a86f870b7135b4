-- Every table is keyed by tenant first: no query may cross tenants.
CREATE TABLE IF NOT EXISTS products (
    tenant TEXT NOT NULL, marketplace TEXT NOT NULL, sku TEXT NOT NULL,
    title TEXT NOT NULL, brand TEXT NOT NULL, category TEXT NOT NULL,
    price REAL NOT NULL, cost REAL NOT NULL, currency TEXT NOT NULL,
    seller_rating REAL NOT NULL, fulfillment TEXT NOT NULL,
    PRIMARY KEY (tenant, marketplace, sku)
);
CREATE TABLE IF NOT EXISTS sales_weekly (
    tenant TEXT NOT NULL, marketplace TEXT NOT NULL, sku TEXT NOT NULL,
    week_start TEXT NOT NULL, price REAL NOT NULL, units INTEGER NOT NULL,
    PRIMARY KEY (tenant, marketplace, sku, week_start)
);
CREATE TABLE IF NOT EXISTS price_changes (
    tenant TEXT NOT NULL, marketplace TEXT NOT NULL, sku TEXT NOT NULL, job_id TEXT NOT NULL,
    old_price REAL NOT NULL, new_price REAL NOT NULL, applied_at TEXT NOT NULL,
    PRIMARY KEY (tenant, marketplace, sku, job_id)
);
CREATE TABLE IF NOT EXISTS reviews (
    tenant TEXT NOT NULL, review_id TEXT NOT NULL, sku TEXT NOT NULL, marketplace TEXT NOT NULL,
    rating INTEGER NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (tenant, review_id)
);
CREATE INDEX IF NOT EXISTS reviews_by_sku ON reviews (tenant, sku);
CREATE TABLE IF NOT EXISTS review_scores (
    tenant TEXT NOT NULL, review_id TEXT NOT NULL, job_id TEXT NOT NULL,
    label TEXT NOT NULL, score REAL NOT NULL, aspects TEXT NOT NULL, scored_at TEXT NOT NULL,
    PRIMARY KEY (tenant, review_id)
);
CREATE TABLE IF NOT EXISTS returns (
    tenant TEXT NOT NULL, return_id TEXT NOT NULL, marketplace TEXT NOT NULL, sku TEXT NOT NULL,
    return_date TEXT NOT NULL, reason_code TEXT NOT NULL, reason_text TEXT NOT NULL,
    PRIMARY KEY (tenant, return_id)
);
CREATE INDEX IF NOT EXISTS returns_by_sku ON returns (tenant, marketplace, sku);
CREATE TABLE IF NOT EXISTS market_offers (
    tenant TEXT NOT NULL, marketplace TEXT NOT NULL, sku TEXT NOT NULL, seller TEXT NOT NULL,
    price REAL NOT NULL, shipping REAL NOT NULL, seller_rating REAL NOT NULL, fulfillment TEXT NOT NULL,
    PRIMARY KEY (tenant, marketplace, sku, seller)
);
CREATE TABLE IF NOT EXISTS competitor_scans (
    tenant TEXT NOT NULL, marketplace TEXT NOT NULL, sku TEXT NOT NULL, job_id TEXT NOT NULL,
    scanned_at TEXT NOT NULL, offers TEXT NOT NULL,
    PRIMARY KEY (tenant, marketplace, sku, job_id)
);
CREATE TABLE IF NOT EXISTS listings (
    tenant TEXT NOT NULL, marketplace TEXT NOT NULL, sku TEXT NOT NULL,
    title TEXT NOT NULL, bullets TEXT NOT NULL, description TEXT NOT NULL, keywords TEXT NOT NULL,
    PRIMARY KEY (tenant, marketplace, sku)
);
CREATE TABLE IF NOT EXISTS search_terms (
    tenant TEXT NOT NULL, marketplace TEXT NOT NULL, category TEXT NOT NULL,
    term TEXT NOT NULL, monthly_volume INTEGER NOT NULL,
    PRIMARY KEY (tenant, marketplace, category, term)
);
