import { Api } from "./api";

// The key lives in sessionStorage only: it survives a reload of this tab and is gone when the tab closes. It is
// never put in a URL, a cookie or localStorage.
export interface Session { key: string; tenant: string; canWrite: boolean }

const STORAGE_KEY = "nexus.dashboard.session";

let current: Session | null = load();

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Partial<Session>;
    return typeof s.key === "string" && s.key ? { key: s.key, tenant: typeof s.tenant === "string" ? s.tenant : "", canWrite: s.canWrite === true } : null;
  } catch {
    return null;
  }
}

export function session(): Session | null {
  return current;
}

export function api(): Api {
  if (!current) throw new Error("not signed in");
  return new Api(current.key, current.tenant);
}

export function signIn(s: Session): void {
  current = s;
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
}

export function signOut(): void {
  current = null;
  sessionStorage.removeItem(STORAGE_KEY);
}
