import { Api, ApiError } from "../api";
import { h } from "../dom";
import { signIn } from "../session";

export function renderSignIn(main: HTMLElement, onDone: () => void): void {
  const keyInput = h("input", { id: "signin-key", name: "key", type: "password", autocomplete: "off", required: true, "aria-describedby": "signin-key-error" });
  const tenantInput = h("input", { id: "signin-tenant", name: "tenant", type: "text", autocomplete: "off", "aria-describedby": "signin-tenant-hint signin-tenant-error" });
  const keyError = h("p", { id: "signin-key-error", class: "field-error", role: "alert" });
  const tenantError = h("p", { id: "signin-tenant-error", class: "field-error", role: "alert" });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "card narrow", "aria-labelledby": "signin-title", novalidate: true },
    h("h1", { id: "signin-title" }, "Sign in"),
    h("p", {}, "Use an API key of your tenant. It is kept in this browser tab only (session storage) and sent as a Bearer token."),
    h("div", { class: "field" }, h("label", { for: "signin-key" }, "API key"), keyInput, keyError),
    h("div", { class: "field" }, h("label", { for: "signin-tenant" }, "Tenant"), tenantInput,
      h("p", { id: "signin-tenant-hint", class: "hint" }, "Needed when the key serves several tenants."), tenantError),
    submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    keyError.textContent = "";
    tenantError.textContent = "";
    const key = keyInput.value.trim();
    const tenant = tenantInput.value.trim();
    if (!key) {
      keyError.textContent = "Enter an API key.";
      keyInput.focus();
      return;
    }
    submit.disabled = true;
    void (async () => {
      const api = new Api(key, tenant);
      try {
        await api.list({ limit: 1 });
        const canWrite = await api.canWrite();
        signIn({ key, tenant, canWrite });
        onDone();
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError(0, "ERROR", String(e));
        if (err.code === "TENANT_REQUIRED" || err.code === "TENANT_NOT_ALLOWED") {
          tenantError.textContent = err.code === "TENANT_REQUIRED"
            ? `This key serves several tenants: enter the one to use. (${err.code})`
            : `This key does not serve that tenant. (${err.code})`;
          tenantInput.setAttribute("aria-invalid", "true");
          tenantInput.focus();
        } else {
          keyError.textContent = `${err.message} (${err.code})`;
          keyInput.setAttribute("aria-invalid", "true");
          keyInput.focus();
        }
      } finally {
        submit.disabled = false;
      }
    })();
  });
  main.replaceChildren(form);
  keyInput.focus();
}
