// The job types and the dispatch form's fields, generated from the params JSON Schemas in crds/params (the same
// files the gateway validates every dispatch with, generated from the workers' models): a field's control, its
// hint, its bounds and its default all come from its schema. The gateway's field errors are shown beside them.
import competitorScan from "../../crds/params/competitor_scan.schema.json";
import listingOptimize from "../../crds/params/listing_optimize.schema.json";
import llmVisibilityScore from "../../crds/params/llm_visibility_score.schema.json";
import pricingRecalculate from "../../crds/params/pricing_recalculate.schema.json";
import returnClassify from "../../crds/params/return_classify.schema.json";
import reviewSentiment from "../../crds/params/review_sentiment.schema.json";

/** The subset of JSON Schema the params schemas use. */
export interface PropertySchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: PropertySchema;
}

interface ParamsSchema {
  properties: Record<string, PropertySchema>;
  required?: string[];
}

// Labels for people, in the API reference's order; the compiler checks each has its schema.
const TYPES = {
  pricing_recalculate: { label: "Pricing recalculation", schema: pricingRecalculate },
  review_sentiment: { label: "Review sentiment", schema: reviewSentiment },
  return_classify: { label: "Return classification", schema: returnClassify },
  llm_visibility_score: { label: "LLM visibility score", schema: llmVisibilityScore },
  competitor_scan: { label: "Competitor scan", schema: competitorScan },
  listing_optimize: { label: "Listing optimisation", schema: listingOptimize },
} satisfies Record<string, { label: string; schema: ParamsSchema }>;

export type JobTypeName = keyof typeof TYPES;
export const TYPE_NAMES = Object.keys(TYPES) as JobTypeName[];
export const STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export const PRIORITIES = ["low", "normal", "high"] as const;

export type FieldKind = "list" | "bool" | "int" | "number" | "date" | "text";

export interface ParamField {
  name: string;
  kind: FieldKind;
  required: boolean;
  min?: number;
  max?: number;
  maxLength?: number;
  default?: unknown;
  hint: string;
}

export function labelOf(type: string): string {
  return (TYPES as Record<string, { label: string }>)[type]?.label ?? type;
}

/** The form's fields of a job type, one per property of its params schema, in the schema's order. */
export function fieldsOf(type: string): ParamField[] {
  const schema = (TYPES as Record<string, { schema: ParamsSchema }>)[type]?.schema;
  if (!schema) return [];
  return Object.entries(schema.properties).map(([name, property]) =>
    fieldOf(name, property, schema.required?.includes(name) ?? false));
}

function typesOf(property: PropertySchema): string[] {
  const types = Array.isArray(property.type) ? property.type : property.type ? [property.type] : [];
  return types.filter((t) => t !== "null");
}

export function fieldOf(name: string, property: PropertySchema, required: boolean): ParamField {
  const [type] = typesOf(property);
  const kind: FieldKind =
    type === "array" ? "list"
    : type === "boolean" ? "bool"
    : type === "integer" ? "int"
    : type === "number" ? "number"
    : property.format === "date" ? "date"
    : "text";
  const field: ParamField = {
    name, kind, required, default: property.default, hint: "",
    min: property.minimum ?? property.exclusiveMinimum, max: property.maximum ?? property.exclusiveMaximum,
    maxLength: kind === "text" ? property.maxLength : undefined,
  };
  field.hint = hintOf(kind, property);
  return field;
}

function sentence(text: string): string {
  return text === "" ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** The schema's description, then its bounds and its default, in words. */
function hintOf(kind: FieldKind, p: PropertySchema): string {
  const parts = [sentence(p.description ?? "")];
  if (kind === "list") {
    parts.push("separated by commas or new lines" + (p.maxItems !== undefined ? `, at most ${p.maxItems}` : ""));
  }
  const low = p.minimum !== undefined ? `${p.minimum}` : p.exclusiveMinimum !== undefined ? `above ${p.exclusiveMinimum}` : undefined;
  const high = p.maximum !== undefined ? `${p.maximum}` : p.exclusiveMaximum !== undefined ? `below ${p.exclusiveMaximum}` : undefined;
  if (low !== undefined && high !== undefined) parts.push(`from ${low} to ${high}`);
  else if (low !== undefined) parts.push(`at least ${low}`);
  else if (high !== undefined) parts.push(`at most ${high}`);
  if (kind === "date") parts.push("a date, YYYY-MM-DD");
  if (p.default !== undefined && p.default !== null) parts.push(`default ${JSON.stringify(p.default)}`);
  return parts.filter((s) => s !== "").join("; ");
}

/** Reads one field's control value into a param value; undefined = leave the param out (server default). */
export function readField(field: ParamField, raw: string): unknown {
  const value = raw.trim();
  if (value === "") return undefined;
  switch (field.kind) {
    case "list":
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
