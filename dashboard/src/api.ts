// The AI Jobs REST API as the dashboard uses it (api-gateway/README.md): same origin, Bearer key, X-Tenant-ID.
export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled";
export type Priority = "low" | "normal" | "high";

export interface JobError { code: string; message: string; retry_count?: number }

export interface Job {
  id: string;
  type: string;
  status: JobStatus;
  priority?: Priority;
  params?: Record<string, unknown>;
  created_at?: string;
  estimated_completion_at?: string;
  started_at?: string;
  completed_at?: string;
  duration_seconds?: number;
  result?: unknown;
  error?: JobError;
  batch_id?: string;
}

export interface Page { data: Job[]; pagination: { limit: number; has_more: boolean; next_cursor?: string | null } }

export interface FieldError { field: string; message: string }

export interface Batch {
  batch_id: string;
  status: string;
  sequential: boolean;
  created_at?: string;
  completed_at?: string;
  counts: Record<string, number>;
  jobs: Job[];
}

export interface DispatchBody { type: string; params: Record<string, unknown>; priority?: Priority }

export interface ListQuery { type?: string; status?: string; start_date?: string; end_date?: string; limit?: number; cursor?: string }

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
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") qs.set(k, String(v));
    const s = qs.toString();
    return this.request<Page>("GET", s ? `?${s}` : "");
  }

  async get(id: string): Promise<Job> {
    return (await this.request<{ data: Job }>("GET", `/${encodeURIComponent(id)}`)).data;
  }

  async dispatch(body: DispatchBody): Promise<Job> {
    return (await this.request<{ data: Job }>("POST", "", body)).data;
  }

  cancel(id: string): Promise<void> {
    return this.request<void>("DELETE", `/${encodeURIComponent(id)}`);
  }

  async batch(jobs: DispatchBody[], sequential: boolean): Promise<{ batch_id: string; jobs: { id: string; type: string; status: string }[] }> {
    return (await this.request<{ data: { batch_id: string; jobs: { id: string; type: string; status: string }[] } }>("POST", "/batch", { jobs, sequential })).data;
  }

  async getBatch(id: string): Promise<Batch> {
    return (await this.request<{ data: Batch }>("GET", `/batch/${encodeURIComponent(id)}`)).data;
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
