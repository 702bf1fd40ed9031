// The deploy page: posts the package to `POST /processes` (or `PUT /processes/{id}` to replace) like any client,
// and shows cwltool's validation messages from the exception document when the server refuses it.

import { element, readBody, request } from "./http.js";

const form = document.getElementById("deploy-form");

function mediaType(text) {
  return /^\s*[{[]/.test(text) ? "application/cwl+json" : "application/cwl+yaml";
}

function packageId(text) {
  const match = /^id:\s*["']?([^\s"'#]+)/m.exec(text) || /"id"\s*:\s*"([^"#]+)"/.exec(text);
  return match ? match[1] : null;
}

async function send(text, replace) {
  const workflow = form.elements.w.value.trim();
  const query = workflow ? `?w=${encodeURIComponent(workflow)}` : "";
  const id = replace ? packageId(text) : null;
  const url = id ? `${form.dataset.processes}/${encodeURIComponent(id)}${query}` : `${form.dataset.processes}${query}`;
  return request(url, { method: id ? "PUT" : "POST", headers: { "Content-Type": mediaType(text) }, body: text });
}

function showProblem(problem, document) {
  problem.replaceChildren(
    element("p", {}, element("strong", {}, document.title || "The package was refused")),
    element("pre", { className: "value" }, document.detail || ""),
  );
  problem.hidden = false;
  problem.focus();
}

if (form) {
  const text = document.getElementById("package-text");
  const problem = document.getElementById("deploy-problem");
  const status = document.getElementById("deploy-status");
  const error = document.getElementById("package-error");
  document.getElementById("package-file").addEventListener("change", async (event) => {
    const file = event.target.files && event.target.files[0];
    if (file) text.value = await file.text();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    error.hidden = true;
    text.removeAttribute("aria-invalid");
    status.replaceChildren();
    if (!text.value.trim()) {
      error.textContent = "Paste a CWL package, or choose a file.";
      error.hidden = false;
      text.setAttribute("aria-invalid", "true");
      text.focus();
      return;
    }
    status.textContent = "Validating the package…";
    const response = await send(text.value, form.elements.replace.checked);
    const body = await readBody(response);
    if (response.ok) {
      const location = response.headers.get("Location");
      const name = (body && body.id) || (location ? decodeURIComponent(location.split("/").pop()) : "the process");
      status.replaceChildren("Deployed ", element("a", { href: location }, name), ".");
      return;
    }
    status.replaceChildren();
    showProblem(problem, body && typeof body === "object" ? body : { detail: String(body) });
  });
}
