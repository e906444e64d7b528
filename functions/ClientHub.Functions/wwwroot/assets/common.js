// Helpers both pages share. Every string that comes from the API reaches the page through
// textContent (el() below never parses markup), so a name like "<img onerror=…>" stays text.

/**
 * Creates an element. props: attributes, plus `text` (textContent), `className`, `dataset`, and
 * `on` (event listeners). Children are nodes or strings (strings become text nodes).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "on") for (const [type, listener] of Object.entries(value)) node.addEventListener(type, listener);
    else if (key === "value") node.value = value;
    else if (key === "checked" || key === "disabled" || key === "hidden" || key === "required" || key === "selected") node[key] = true;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An error answered by the API as problem+json: `message` is its detail, `errors` its field errors. */
export class ApiError extends Error {
  constructor(status, message, errors = {}) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

/** Reads a failed response into an ApiError, whatever its body. */
export async function problemOf(status, text) {
  let problem = null;
  try {
    problem = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: fall back to the status
  }
  const message = problem?.detail || problem?.title || `The server answered ${status}.`;
  return new ApiError(status, message, problem?.errors ?? {});
}

/**
 * Calls the API. `headers` are added to the page's own (credentials, CSRF header). Answers the
 * parsed JSON (or null), with the response's ETag as `etag` when there is one; throws ApiError.
 */
export async function callApi(method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "The server could not be reached. Check your connection and try again.");
  }
  const text = await response.text();
  if (!response.ok) throw await problemOf(response.status, text);
  const json = text ? JSON.parse(text) : null;
  return { json, etag: response.headers.get("ETag") };
}

/** Lists every page of a list endpoint ({ items, continuationToken }). */
export async function listAll(call, path) {
  const items = [];
  let token = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page = (await call("GET", token ? `${path}${separator}continuationToken=${encodeURIComponent(token)}` : path)).json;
    items.push(...(page.items ?? []));
    token = page.continuationToken;
  } while (token);
  return items;
}

/** "Field: message" lines of a validation problem, for fields the form has no place of its own for. */
export function errorLines(error) {
  return Object.entries(error.errors ?? {}).flatMap(([field, messages]) => messages.map(m => `${field}: ${m}`));
}

/** Shows a message (and field error lines) in a live region; kind is "error", "ok" or "info". */
export function say(region, message, kind = "info", lines = []) {
  region.replaceChildren(el("span", { text: message }), ...lines.map(line => el("span", { className: "line", text: line })));
  region.dataset.kind = kind;
  region.hidden = !message;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** An ISO date (yyyy-MM-dd, a calendar date of the firm) for people; no time-zone shift. */
export function formatDate(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.split("-").map(Number);
  return dateFormat.format(new Date(y, m - 1, d));
}

export function formatDateTime(iso) {
  return iso ? dateTimeFormat.format(new Date(iso)) : "";
}

export function formatBytes(size) {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

export function formatMoney(amount, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
  } catch {
    return `${Number(amount).toFixed(2)} ${currency}`;
  }
}

/** Words from an API enum ("InProgress" → "In progress"). */
export function words(value) {
  const spaced = String(value ?? "").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
