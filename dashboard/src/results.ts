import { barChart, stackedBar } from "./charts";
import { asArray, asRecord, fmtNum, h, text } from "./dom";

// The result of each job type rendered for people (shapes in workers/README.md). Values are read defensively:
// an unexpected shape shows what it can, and the raw JSON view below always shows everything.

type Renderer = (result: Record<string, unknown>) => HTMLElement;

/** "key: value · key: value" of an object's plain (non-object) fields; nested detail stays in the raw JSON. */
function scalars(value: unknown): string {
  const entries = Object.entries(asRecord(value)).filter(([, v]) => v === null || typeof v !== "object");
  return entries.length ? entries.map(([k, v]) => `${k.replace(/_/g, " ")}: ${typeof v === "number" ? fmtNum(v, 4).replace(/\.?0+$/, "") : text(v)}`).join(" · ") : text(value);
}

function table(label: string, headers: string[], rows: (string | Node)[][], id?: string): HTMLTableElement {
  return h("table", { "aria-label": label, id },
    h("thead", {}, h("tr", {}, ...headers.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c)))))));
}

function summary(pairs: [string, unknown][]): HTMLElement {
  return h("dl", { class: "facts" }, ...pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, text(v))]));
}

function confidence(value: unknown): HTMLElement {
  const n = typeof value === "number" ? value : 0;
  const meter = h("meter", { min: 0, max: 1, value: n, "aria-label": `confidence ${fmtNum(value)}` });
  return h("span", { class: "conf" }, meter, ` ${fmtNum(value)}`);
}

const pricing: Renderer = (r) => {
  const recs = asArray(r.recommendations).map(asRecord);
  return h("div", {},
    summary([["Processed", r.processed_count], ["Updated", r.updated_count]]),
    table("Price recommendations", ["SKU", "Current price", "Recommended price", "Change", "Confidence", "Applied", "Reasoning"],
      recs.map((x) => {
        const cur = Number(x.current_price), rec = Number(x.recommended_price);
        const change = cur > 0 && Number.isFinite(rec) ? `${(((rec - cur) / cur) * 100).toFixed(1)} %` : "–";
        return [text(x.sku), fmtNum(x.current_price), fmtNum(x.recommended_price), change, confidence(x.confidence), text(x.applied), text(x.reasoning)];
      }), "pricing-table"));
};

const sentiment: Renderer = (r) => {
  const skus = asArray(r.skus).map(asRecord);
  return h("div", { id: "sentiment-view" },
    summary([["Reviews scored", r.scored_count]]),
    ...skus.map((s) => {
      const aspects = [
        ...asArray(s.positive_aspects).map(asRecord).map((a) => ({ label: `${text(a.aspect)} (${text(a.mentions)})`, value: Number(a.mean_score) || 0, kind: "pos" })),
        ...asArray(s.negative_aspects).map(asRecord).map((a) => ({ label: `${text(a.aspect)} (${text(a.mentions)})`, value: Number(a.mean_score) || 0, kind: "neg" })),
      ];
      return h("section", { class: "sku", "data-sku": text(s.sku) },
        h("h3", {}, text(s.sku)),
        summary([["Reviews scored", s.reviews_scored], ["Mean score", fmtNum(s.mean_score)], ["Positive share", fmtNum(s.positive_share)]]),
        stackedBar(`Review labels of ${text(s.sku)}`, [
          { label: "positive", value: Number(s.positive) || 0, kind: "pos" },
          { label: "neutral", value: Number(s.neutral) || 0, kind: "neutral" },
          { label: "negative", value: Number(s.negative) || 0, kind: "neg" }]),
        aspects.length ? barChart(`Mean sentiment per aspect of ${text(s.sku)}`, aspects, { max: 1 }) : h("p", {}, "No aspects mentioned."));
    }));
};

const returns: Renderer = (r) => {
  const counts = Object.entries(asRecord(r.taxonomy_counts)).map(([label, v]) => ({ label, value: Number(v) || 0 }));
  const anomalies = asArray(r.anomalies).map(asRecord);
  return h("div", {},
    summary([["Returns classified", r.classified_count], ["Window", scalars(r.window)], ["Method", scalars(r.method)]]),
    h("h3", {}, "Return categories"),
    barChart("Returns per category", counts, { digits: 0, id: "returns-chart" }),
    h("h3", {}, `Anomalies (${anomalies.length})`),
    anomalies.length === 0 ? h("p", {}, "No anomaly flagged.")
      : h("ul", { id: "anomalies" }, ...anomalies.map((a) => h("li", {},
        h("strong", {}, text(a.sku)), ` ${text(a.kind)}: p = ${typeof a.p_value === "number" ? a.p_value.toExponential(2) : text(a.p_value)} (threshold ${typeof a.threshold === "number" ? a.threshold.toExponential(2) : text(a.threshold)})`,
        a.evidence !== undefined ? h("div", { class: "hint" }, scalars(a.evidence)) : null))));
};

const competitors: Renderer = (r) => {
  const skus = asArray(r.skus).map(asRecord);
  return h("div", { id: "competitor-view" },
    summary([["SKUs scanned", r.scanned_count], ["Marketplace", r.marketplace], ["Scanned at", r.scanned_at]]),
    ...skus.map((s) => {
      const bb = asRecord(s.buy_box);
      const offers = asArray(s.offers).map(asRecord);
      return h("section", { class: "sku", "data-sku": text(s.sku) },
        h("h3", {}, text(s.sku)),
        summary([["Our price", fmtNum(s.our_price)], ["Our rank", `${text(s.our_rank)} of ${text(s.offer_count ?? offers.length)}`],
          ["Lowest", `${fmtNum(s.lowest_price)} (${text(s.lowest_seller)})`],
          ["Buy box", `${text(bb.likely_winner)}${bb.we_win === true ? " (we win)" : ""}, our share ${fmtNum(bb.our_share_estimate)}`]]),
        table(`Competitor offers for ${text(s.sku)}`, ["Seller", "Price", "Shipping", "Landed", "Rating", "Fulfilment"],
          offers.map((o) => [text(o.seller), fmtNum(o.price), fmtNum(o.shipping), fmtNum(o.landed_price ?? o.landed), fmtNum(o.seller_rating, 1), text(o.fulfillment)])));
    }));
};

const visibility: Renderer = (r) => {
  const perAssistant = Object.entries(asRecord(r.assistant_scores)).map(([label, v]) => ({ label, value: Number(v) || 0 }));
  const skus = asArray(r.skus).map(asRecord);
  const names = Array.from(new Set([...perAssistant.map((a) => a.label), ...skus.flatMap((s) => Object.keys(asRecord(s.assistants)))]));
  const errors = asArray(r.errors);
  return h("div", { id: "visibility-view" },
    summary([["Overall score", fmtNum(r.overall_score, 1)], ["Partial", r.partial]]),
    h("h3", {}, "Score per assistant"),
    barChart("Visibility score per assistant (0–100)", perAssistant, { max: 100, digits: 1, id: "visibility-chart" }),
    errors.length ? h("ul", { class: "error-box" }, ...errors.map((e) => h("li", {}, text(e)))) : "",
    table("Visibility per SKU and assistant", ["SKU", "Brand", "Overall", ...names.map((n) => `${n}: score / best rank / mentions`)],
      skus.map((s) => [text(s.sku), text(s.brand), fmtNum(s.overall_score, 1), ...names.map((n) => {
        const a = asRecord(asRecord(s.assistants)[n]);
        return `${fmtNum(a.score, 1)} / ${text(a.best_rank)} / ${text(a.mentions)} of ${text(a.prompts)}`;
      })])));
};

/** A proposal's before or after: a text, or a list of terms. */
function proposalValue(value: unknown): string {
  return Array.isArray(value) ? value.map((v) => text(v)).join(", ") : text(value);
}

const listing: Renderer = (r) => {
  const skus = asArray(r.skus).map(asRecord);
  return h("div", { id: "listing-view" },
    summary([["Listings analysed", r.analyzed_count], ["Proposals", r.proposal_count], ["Assistant", r.assistant], ["Applied", r.applied]]),
    ...skus.map((s) => {
      const proposals = asArray(s.proposals).map(asRecord);
      return h("section", { class: "sku", "data-sku": text(s.sku) },
        h("h3", {}, text(s.sku)),
        s.listing_found === false ? h("p", {}, "No listing found.") : proposals.length === 0 ? h("p", {}, "Nothing to improve.") :
          h("ul", { class: "proposals" }, ...proposals.map((p) => {
            const impact = asRecord(p.expected_impact);
            return h("li", {},
              h("p", {}, h("strong", {}, text(p.field)), ` — ${text(p.issue)}`, impact.level ? ` (impact: ${text(impact.level)})` : ""),
              h("div", { class: "before-after" },
                h("div", {}, h("h4", {}, "Before"), h("p", { class: "before" }, proposalValue(p.current))),
                h("div", {}, h("h4", {}, "After"), h("p", { class: "after" }, proposalValue(p.proposed)))),
              p.reason ? h("p", { class: "hint" }, text(p.reason)) : null);
          })));
    }));
};

export const RENDERERS: Record<string, Renderer> = {
  pricing_recalculate: pricing,
  review_sentiment: sentiment,
  return_classify: returns,
  competitor_scan: competitors,
  llm_visibility_score: visibility,
  listing_optimize: listing,
};

export function renderResult(type: string, result: unknown): HTMLElement {
  const render = RENDERERS[type];
  if (!render) return h("p", {}, "No view for this job type: see the raw JSON.");
  try {
    return render(asRecord(result));
  } catch (e) {
    return h("p", { class: "error-box" }, `The result could not be shown (${String(e)}): see the raw JSON.`);
  }
}
