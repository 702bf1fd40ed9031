// A catalog version's page: its deploy button posts an OGC application package whose execution unit links to the
// version (`POST /processes`), as any client deploys from the catalog, and links to the process made.

import { element, readBody, request } from "./http.js";

const form = document.getElementById("catalog-deploy");

if (form) {
  const problem = document.getElementById("catalog-deploy-problem");
  const status = document.getElementById("catalog-deploy-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    status.textContent = "Deploying…";
    const body = {
      processDescription: { process: { id: form.dataset.name, version: form.dataset.number } },
      executionUnit: { href: form.dataset.version, type: "application/cwl+yaml" },
    };
    const response = await request(form.dataset.processes, {
      method: "POST",
      headers: { "Content-Type": "application/ogcapppkg+json" },
      body: JSON.stringify(body),
    });
    const answer = await readBody(response);
    if (response.ok) {
      const location = response.headers.get("Location");
      status.replaceChildren("Deployed as process ", element("a", { href: location }, `${answer.id}:${answer.version}`), ".");
      return;
    }
    status.replaceChildren();
    const documented = answer && typeof answer === "object" ? answer : { detail: String(answer) };
    problem.replaceChildren(
      element("p", {}, element("strong", {}, documented.title || "The deploy was refused")),
      element("p", { className: "detail" }, documented.detail || ""),
    );
    problem.hidden = false;
    problem.focus();
  });
}
