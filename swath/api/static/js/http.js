// Every request the pages make goes through here, so that a sign-in can add its credentials in one place: the
// session cookie travels with `credentials: "same-origin"`, and a bearer token, once a page stores one under
// `swath.token` in sessionStorage, is sent as `Authorization: Bearer <token>`.

const TOKEN_KEY = "swath.token";

export function authHeaders(headers = {}) {
  const token = window.sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...headers, Authorization: `Bearer ${token}` } : { ...headers };
}

/** fetch() with JSON asked for and the credentials attached. */
export function request(url, options = {}) {
  const headers = authHeaders({ Accept: "application/json", ...(options.headers || {}) });
  return fetch(url, { credentials: "same-origin", ...options, headers });
}

/** The JSON body of `url`; a non-2xx answer throws a `Problem` holding the OGC exception document. */
export async function getJSON(url, options = {}) {
  const response = await request(url, options);
  const body = await readBody(response);
  if (!response.ok) throw new Problem(response.status, body);
  return body;
}

/** POST `body` as JSON; answers `{response, body}` whatever the status, for the caller to branch on. */
export async function postJSON(url, body, headers = {}) {
  const response = await request(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { response, body: await readBody(response) };
}

export async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An OGC exception document (type, title, status, detail, and members such as `input`) as an Error. */
export class Problem extends Error {
  constructor(status, document) {
    const doc = document && typeof document === "object" ? document : { detail: String(document || "") };
    super(doc.detail || doc.title || `HTTP ${status}`);
    this.status = status;
    this.document = doc;
  }
}

/** Upload a file's bytes to `POST /files`, reporting progress; resolves to the upload's `{href, size, ...}`. */
export function upload(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    // The upload route keeps the name in the file's URL and allows letters, digits, '.', '_' and '-'.
    const name = file.name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[.]+/, "") || "upload";
    xhr.open("POST", `${url}?name=${encodeURIComponent(name)}`);
    xhr.withCredentials = true;
    for (const [key, value] of Object.entries(authHeaders({ Accept: "application/json" }))) {
      xhr.setRequestHeader(key, value);
    }
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { detail: xhr.responseText };
      }
      if (xhr.status === 201) resolve(body);
      else reject(new Problem(xhr.status, body));
    });
    xhr.addEventListener("error", () => reject(new Problem(0, { detail: "The upload failed: the server did not answer." })));
    xhr.send(file);
  });
}

/** A byte count for people, as the server's pages write it. */
export function formatSize(size) {
  let amount = size;
  for (const unit of ["B", "KiB", "MiB", "GiB", "TiB"]) {
    if (amount < 1024 || unit === "TiB") return unit === "B" ? `${size} B` : `${amount.toFixed(1)} ${unit}`;
    amount /= 1024;
  }
  return `${size} B`;
}

/** An element with attributes and children; text children are text nodes, never parsed as HTML. */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "className") node.className = value;
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** Whether `href` may become a link: an http(s) URL (a STAC asset may hold `javascript:` or `data:`). */
export function isWebUrl(href) {
  try {
    return ["http:", "https:"].includes(new URL(href, window.location.href).protocol);
  } catch {
    return false;
  }
}
