// The dispatch form's fields per job type, as hints for the form: the params JSON Schemas in crds/params (published
// in the gateway's OpenAPI document) are the source of truth, and the gateway validates every dispatch with them;
// its field errors are shown beside these fields. Every type takes skus (default: all) and marketplace (default
// amazon_us).
export type FieldKind = "skus" | "marketplace" | "bool" | "int" | "number" | "date" | "identifier" | "identifiers";

export interface ParamField {
  name: string;
  kind: FieldKind;
  required?: boolean;
  min?: number;
  max?: number;
  hint: string;
}

export const MARKETPLACES = [
  "amazon_us", "amazon_ca", "amazon_mx", "amazon_br", "amazon_uk", "amazon_de", "amazon_fr", "amazon_it", "amazon_es",
  "amazon_nl", "amazon_se", "amazon_pl", "amazon_jp", "amazon_au", "amazon_in", "ebay_us", "ebay_uk", "ebay_de",
  "walmart_us", "etsy", "shopify",
] as const;

const skus = (required: boolean): ParamField => ({
  name: "skus", kind: "skus", required,
  hint: "SKUs, separated by commas or new lines (letters, digits, . _ -)" + (required ? "" : "; empty = every SKU"),
});
const marketplace = (required: boolean): ParamField => ({
  name: "marketplace", kind: "marketplace", required, hint: required ? "Marketplace" : "Marketplace (default amazon_us)",
});

export const JOB_TYPES: Record<string, { label: string; fields: ParamField[] }> = {
  pricing_recalculate: {
    label: "Pricing recalculation",
    fields: [
      skus(false), marketplace(false),
      { name: "apply", kind: "bool", hint: "Write the recommended prices (default false)" },
      { name: "min_margin", kind: "number", min: 0, max: 5, hint: "Minimum margin over cost, fraction of cost, 0–5 (default 0.15)" },
      { name: "max_change", kind: "number", min: 0, max: 0.5, hint: "Maximum price change per run, above 0 up to 0.5 (default 0.10)" },
      { name: "competitor_band", kind: "number", min: 0, max: 1, hint: "Distance allowed from the lowest competitor price, above 0 up to 1 (default 0.15)" },
      { name: "min_uplift", kind: "number", min: 0, max: 1, hint: "Minimum expected profit uplift to change a price, 0–1 (default 0.01)" },
    ],
  },
  review_sentiment: {
    label: "Review sentiment",
    fields: [
      skus(false), marketplace(false),
      { name: "rescore", kind: "bool", hint: "Score reviews again even if already scored (default false)" },
      { name: "max_reviews_in_result", kind: "int", min: 0, max: 5000, hint: "Per-review scores listed in the result, 0–5000 (default 200)" },
      { name: "top_aspects", kind: "int", min: 1, max: 10, hint: "Aspects listed per SKU and sentiment, 1–10 (default 3)" },
    ],
  },
  return_classify: {
    label: "Return classification",
    fields: [
      skus(false), marketplace(false),
      { name: "as_of", kind: "date", hint: "End of the current window (default: the latest sales week's end)" },
      { name: "window_days", kind: "int", min: 7, max: 365, hint: "Current window in days, 7–365 (default 28)" },
      { name: "baseline_days", kind: "int", min: 14, max: 730, hint: "Baseline window before it in days, 14–730 (default 154)" },
      { name: "alpha", kind: "number", min: 0, max: 0.5, hint: "False-alarm rate of the anomaly tests, between 0 and 0.5 (default 0.05)" },
      { name: "min_current_returns", kind: "int", min: 1, max: 1000, hint: "Fewer current returns than this: no test, 1–1000 (default 5)" },
      { name: "max_returns_in_result", kind: "int", min: 0, max: 5000, hint: "Classified returns listed in the result, 0–5000 (default 100)" },
    ],
  },
  llm_visibility_score: {
    label: "LLM visibility score",
    fields: [
      skus(false), marketplace(false),
      { name: "prompts_per_sku", kind: "int", min: 1, max: 4, hint: "Shopping prompts per SKU, 1–4 (default 3)" },
      { name: "providers", kind: "identifiers", hint: "Assistants to ask, comma-separated names (default: all configured)" },
    ],
  },
  competitor_scan: {
    label: "Competitor scan",
    fields: [skus(false), marketplace(false)],
  },
  listing_optimize: {
    label: "Listing optimisation",
    fields: [
      skus(false), marketplace(false),
      { name: "max_missing_terms", kind: "int", min: 1, max: 10, hint: "Search terms to suggest per listing, 1–10 (default 3)" },
      { name: "use_assistant", kind: "bool", hint: "Draft rewrites with the configured assistant (default true)" },
      { name: "assistant", kind: "identifier", hint: "Assistant to draft with (default: the first configured)" },
    ],
  },
};

export const TYPE_NAMES = Object.keys(JOB_TYPES);
export const STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export const PRIORITIES = ["low", "normal", "high"] as const;

/** Reads one field's control value into a param value; undefined = leave the param out (server default). */
export function readField(field: ParamField, raw: string): unknown {
  const value = raw.trim();
  if (value === "") return undefined;
  switch (field.kind) {
    case "skus":
    case "identifiers":
      return value.split(/[\s,]+/).filter((s) => s !== "");
    case "bool":
      return value === "true";
    case "int":
    case "number": {
      const n = Number(value);
      // A non-number goes to the API as typed, so its error names the field.
      return Number.isFinite(n) ? n : value;
    }
    default:
      return value;
  }
}
