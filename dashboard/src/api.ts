// The AI Jobs REST API as the dashboard uses it (api-gateway/README.md): same origin, Bearer key, X-Tenant-ID.
// The answers' types are generated from the gateway's OpenAPI document (api-schema.gen.ts, by openapi-typescript in
// make build), so a field the API gains or renames shows up here at compile time.
import type { components } from "./api-schema.gen";

type Schemas = components["schemas"];
export type JobType = Schemas["JobType"];
export type JobStatus = Schemas["JobStatus"];
export type Priority = Schemas["Priority"];
export type JobError = Schemas["JobError"];
export type Job = Schemas["Job"];
export type Page = Schemas["JobPage"];
export type FieldError = Schemas["FieldError"];
export type Batch = Schemas["Batch"];
export type BatchDispatch = Schemas["BatchDispatch"];
export type ErrorCode = Schemas["ErrorCode"];

// The form builds params field by field for any type; the gateway validates them against the type's schema
// (Schemas["DispatchJobRequest"] is the per-type union a typed caller would use).
export interface DispatchBody { type: string; params: Record<string, unknown>; priority?: Priority }

export interface ListQuery {
  type?: string; status?: string; start_date?: string; end_date?: string;
  /** Jobs whose metadata has every pair (sent as metadata.<key>=<value>). */
  metadata?: Record<string, string>;
  limit?: number; cursor?: string;
}

/** The list's query string (without "?"); with filtersOnly, the filters a tenant event stream takes (no paging). */
export function listQueryString(query: ListQuery, filtersOnly = false): string {
  const qs = new URLSearchParams();
  for (const key of ["type", "status", "start_date", "end_date"] as const) {
    const v = query[key];
    if (v !== undefined && v !== "") qs.set(key, v);
  }
  for (const [k, v] of Object.entries(query.metadata ?? {})) qs.set(`metadata.${k}`, v);
  if (!filtersOnly) {
    if (query.limit !== undefined) qs.set("limit", String(query.limit));
    if (query.cursor) qs.set("cursor", query.cursor);
  }
  return qs.toString();
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: FieldError[] = []) {
    super(message);
  }
}

const BASE = "/api/ai-jobs";

export class Api {
  constructor(private readonly key: string, private readonly tenant: string) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.key}`, Accept: "application/json" };
    if (this.tenant) headers["X-Tenant-ID"] = this.tenant;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store", credentials: "omit" });
    } catch (e) {
      throw new ApiError(0, "NETWORK_ERROR", `The gateway could not be reached (${String(e)})`);
    }
    if (response.status === 204) return undefined as T;
    const payload: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (payload as { error?: { code?: string; message?: string; details?: FieldError[] } } | null)?.error;
      throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText, error?.details ?? []);
    }
    return payload as T;
  }

  list(query: ListQuery): Promise<Page> {
    const s = listQueryString(query);
    return this.request<Page>("GET", s ? `?${s}` : "");
  }

  async get(id: string): Promise<Job> {
    return (await this.request<Schemas["JobEnvelope"]>("GET", `/${encodeURIComponent(id)}`)).data;
  }

  async dispatch(body: DispatchBody): Promise<Job> {
    return (await this.request<Schemas["JobEnvelope"]>("POST", "", body)).data;
  }

  /** A failed or cancelled job dispatched again by the gateway as a new job naming it in `retry_of`. */
  async retry(id: string): Promise<Job> {
    return (await this.request<Schemas["JobEnvelope"]>("POST", `/${encodeURIComponent(id)}/retry`)).data;
  }

  cancel(id: string): Promise<void> {
    return this.request<void>("DELETE", `/${encodeURIComponent(id)}`);
  }

  async batch(jobs: DispatchBody[], sequential: boolean): Promise<BatchDispatch> {
    return (await this.request<Schemas["BatchDispatchEnvelope"]>("POST", "/batch", { jobs, sequential })).data;
  }

  async getBatch(id: string): Promise<Batch> {
    return (await this.request<Schemas["BatchEnvelope"]>("GET", `/batch/${encodeURIComponent(id)}`)).data;
  }

  /**
   * Whether the key may dispatch and cancel. The API has no "who am I" endpoint, so the dashboard asks for the
   * cancel of a job id that cannot exist: the scope check comes before the lookup, so a read-only key gets 403
   * INSUFFICIENT_SCOPE and a writing key 404 JOB_NOT_FOUND. Nothing is changed either way.
   */
  async canWrite(): Promise<boolean> {
    try {
      await this.cancel("job_00000000000000000000000000");
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === "INSUFFICIENT_SCOPE") return false;
      if (e instanceof ApiError && e.code === "JOB_NOT_FOUND") return true;
      throw e;
    }
  }
}

/** Every page of a filtered list (newest first), up to maxPages pages of 200. */
export async function listAll(api: Api, query: ListQuery, maxPages = 10): Promise<{ jobs: Job[]; truncated: boolean }> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await api.list({ ...query, limit: 200, cursor });
    jobs.push(...page.data);
    if (!page.pagination.has_more || !page.pagination.next_cursor) return { jobs, truncated: false };
    cursor = page.pagination.next_cursor;
  }
  return { jobs, truncated: true };
}

export const TERMINAL: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);
