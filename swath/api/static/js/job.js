// The job page, live: status, progress and timings from the job's JSON, the log followed by byte offset
// (`GET /jobs/{id}/logs?since=N`, `X-Log-Offset`), dismiss and re-run, and once the job has succeeded, its
// results (swapped in from the page the server renders) with the STAC items on a map.

import { element, getJSON, postJSON, readBody, request } from "./http.js";
import { showItems } from "./map.js";

const POLL_MS = 1000;
const FINAL = new Set(["successful", "failed", "dismissed"]);
const root = document.getElementById("job");

function when(text) {
  if (!text) return null;
  const moment = new Date(text);
  const pad = (number) => String(number).padStart(2, "0");
  return `${moment.getUTCFullYear()}-${pad(moment.getUTCMonth() + 1)}-${pad(moment.getUTCDate())} ` +
    `${pad(moment.getUTCHours())}:${pad(moment.getUTCMinutes())}:${pad(moment.getUTCSeconds())} UTC`;
}

function timeNode(text) {
  return text ? element("time", { datetime: text }, when(text)) : "—";
}

function seconds(total) {
  if (total < 60) return `${total.toFixed(1)} s`;
  const rounded = Math.round(total);
  const hours = Math.floor(rounded / 3600);
  const minutes = Math.floor((rounded % 3600) / 60);
  return hours ? `${hours} h ${minutes} min` : `${minutes} min ${rounded % 60} s`;
}

export function duration(status) {
  if (!status.started) return "—";
  const end = status.finished ? new Date(status.finished) : new Date();
  return seconds(Math.max(0, (end - new Date(status.started)) / 1000));
}

// Where a queued job stands and why it waits, as the page's template writes it (html.py _queue_place).
export function queuePlace(status) {
  if (status.queuePosition === null || status.queuePosition === undefined) return "—";
  return status.waitReason ? `#${status.queuePosition}, ${status.waitReason}` : `#${status.queuePosition}`;
}

export function badge(status) {
  return element("span", { className: `badge status-${status}` }, status);
}

export function progressNodes(status) {
  if (status.progress === null || status.progress === undefined) return ["—"];
  return [
    element("progress", { max: "100", value: String(status.progress), "aria-label": `Progress of job ${status.jobID}` }, `${status.progress} %`),
    " ",
    element("span", { className: "percent" }, `${status.progress} %`),
  ];
}

function set(id, ...nodes) {
  const target = document.getElementById(id);
  if (target) target.replaceChildren(...nodes);
}

function showProblem(message) {
  const problem = document.getElementById("job-problem");
  problem.replaceChildren(element("p", {}, message));
  problem.hidden = false;
  problem.focus();
}

class Follower {
  constructor() {
    this.status = null;
    this.offset = Number(root.dataset.logOffset || 0);
    this.paused = false;
    this.final = root.dataset.final === "true";
    this.log = document.querySelector("#log-text code");
    this.pre = document.getElementById("log-text");
    // The server sends the tail as whole lines without the last line break; the log goes on after it.
    if (this.log.textContent) this.log.append(document.createTextNode("\n"));
  }

  async pollStatus() {
    let status;
    try {
      status = await getJSON(root.dataset.job);
    } catch {
      return; // a passing network error; the next round asks again
    }
    const changed = this.status === null || this.status.status !== status.status;
    this.status = status;
    set("job-status", badge(status.status));
    set("job-message", status.message || "—");
    set("job-queue", queuePlace(status));
    set("job-priority", status.priority ?? "—");
    set("job-progress", ...progressNodes(status));
    set("job-started", timeNode(status.started));
    set("job-finished", timeNode(status.finished));
    set("job-updated", timeNode(status.updated));
    set("job-duration", duration(status));
    if (changed) {
      document.title = document.title.replace(/\([a-z]+\)/, `(${status.status})`);
      set("job-announce", `The job is ${status.status}.`);
    }
    if (FINAL.has(status.status)) {
      this.final = true;
      document.getElementById("dismiss").hidden = true;
      const note = document.getElementById("live-note");
      if (note) note.remove();
      await this.pollLog();
      document.getElementById("log-pause").hidden = true;
      await refreshResults();
    }
  }

  /** One read of the log at a time: two at the same offset would show the same lines twice. */
  pollLog() {
    this.reading = (this.reading || Promise.resolve()).then(() => this.readLog());
    return this.reading;
  }

  async readLog() {
    if (this.paused) return;
    let response;
    try {
      response = await request(`${root.dataset.logs}?since=${this.offset}`, { headers: { Accept: "text/plain" } });
    } catch {
      return;
    }
    if (!response.ok) return;
    const text = await response.text();
    const next = Number(response.headers.get("X-Log-Offset"));
    this.offset = Number.isFinite(next) ? next : this.offset + new TextEncoder().encode(text).length;
    if (!text) return;
    const empty = document.getElementById("log-empty");
    if (empty) empty.remove();
    const atEnd = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 8;
    this.log.append(document.createTextNode(text));
    if (atEnd) this.pre.scrollTop = this.pre.scrollHeight;
  }

  async loop() {
    while (!this.final) {
      await Promise.all([this.pollStatus(), this.pollLog()]);
      if (!this.final) await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
    }
  }
}

/** Put in the results section the server renders for the job as it is now (links, sizes, the map). */
async function refreshResults() {
  const response = await request(window.location.href, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById("results-section");
  const links = page.getElementById("job-links");
  if (fresh) document.getElementById("results-section").replaceWith(document.importNode(fresh, true));
  if (links) document.getElementById("job-links").replaceWith(document.importNode(links, true));
  startMap();
}

function startMap() {
  const map = document.getElementById("map");
  if (map && !map.dataset.started) {
    map.dataset.started = "true";
    showItems(map, document.getElementById("stac-items"), root.dataset.static);
  }
}

async function dismiss(follower) {
  const button = document.getElementById("dismiss");
  button.disabled = true;
  const response = await request(root.dataset.job, { method: "DELETE" });
  button.disabled = false;
  if (!response.ok) {
    const body = await readBody(response);
    showProblem((body && body.detail) || `The job could not be dismissed (HTTP ${response.status}).`);
    return;
  }
  await follower.pollStatus();
}

async function rerun() {
  const button = document.getElementById("rerun");
  button.disabled = true;
  try {
    const inputs = await getJSON(root.dataset.inputs);
    const { response, body } = await postJSON(root.dataset.execution, inputs, { Prefer: "respond-async" });
    if (response.status !== 201) {
      showProblem((body && body.detail) || `The job could not be started again (HTTP ${response.status}).`);
      return;
    }
    window.location.assign(response.headers.get("Location"));
  } catch (error) {
    showProblem(`The job could not be started again: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

function start() {
  const follower = new Follower();
  const pause = document.getElementById("log-pause");
  pause.addEventListener("click", () => {
    follower.paused = !follower.paused;
    pause.setAttribute("aria-pressed", String(follower.paused));
    pause.textContent = follower.paused ? "Resume following" : "Pause following";
  });
  document.getElementById("dismiss").addEventListener("click", () => dismiss(follower));
  const again = document.getElementById("rerun");
  if (again) again.addEventListener("click", rerun);
  follower.pre.scrollTop = follower.pre.scrollHeight;
  startMap();
  if (!follower.final) follower.loop();
}

if (root) start();
