// The job list: the filter form builds the OGC query (`status`, `processID`, `datetime` as an interval), and the
// rows of jobs still queued or running follow their status and progress without a reload.

import { getJSON } from "./http.js";
import { badge, duration, progressNodes, queuePlace } from "./job.js";

const POLL_MS = 2000;
const FINAL = new Set(["successful", "failed", "dismissed"]);
const form = document.getElementById("job-filters");

function instant(value) {
  if (!value) return "..";
  return `${value.length === 16 ? `${value}:00` : value}Z`; // datetime-local gives no zone; the labels say UTC
}

function filterUrl() {
  const query = new URLSearchParams();
  const status = form.elements.status.value;
  if (status) query.append("status", status);
  for (const processId of form.elements.processID.value.split(",").map((part) => part.trim()).filter(Boolean)) {
    query.append("processID", processId);
  }
  const from = form.elements.from.value;
  const to = form.elements.to.value;
  if (from || to) query.set("datetime", `${instant(from)}/${instant(to)}`);
  query.set("limit", form.elements.limit.value);
  return `${form.action}?${query}`;
}

async function refresh(row) {
  let status;
  try {
    status = await getJSON(row.dataset.job);
  } catch {
    return;
  }
  row.dataset.status = status.status;
  row.querySelector(".job-status").replaceChildren(badge(status.status));
  row.querySelector(".job-duration").replaceChildren(duration(status));
  row.querySelector(".job-progress").replaceChildren(...progressNodes(status));
  row.querySelector(".job-queue").replaceChildren(queuePlace(status));
}

async function follow() {
  for (;;) {
    const live = [...document.querySelectorAll("#job-table tr[data-job]")].filter((row) => !FINAL.has(row.dataset.status));
    if (!live.length) return;
    await Promise.all(live.map(refresh));
    await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
  }
}

if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.location.assign(filterUrl());
  });
}
follow();
