// Live updates. The gateway has no event stream yet, so a view's refresh runs every 2 s while the page is
// visible (and at once when it becomes visible again). A view only hands over "what to do on a change": an
// EventSource on GET /api/ai-jobs/events can replace this function without touching the views.
export interface Subscription { stop(): void }

export function onJobChanges(refresh: () => Promise<void>, intervalMs = 2000): Subscription {
  let stopped = false;
  let timer: number | undefined;
  let running = false;

  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (document.visibilityState === "visible" && !running) {
      running = true;
      try {
        await refresh();
      } catch {
        // The view shows its own error; the next tick tries again.
      } finally {
        running = false;
      }
    }
    if (!stopped) timer = window.setTimeout(() => void tick(), intervalMs);
  };
  const onVisible = (): void => {
    if (document.visibilityState === "visible" && !stopped) {
      window.clearTimeout(timer);
      void tick();
    }
  };
  document.addEventListener("visibilitychange", onVisible);
  timer = window.setTimeout(() => void tick(), intervalMs);
  return {
    stop() {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}
