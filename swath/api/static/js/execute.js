// The execute form of a process page, built from the process description's JSON schemas: whatever inputs a
// description declares, the same rules turn them into fields, so a change to ids or schemas needs no change here.
//
//   File / Directory (`x-cwl-class`)  a URL, or (File) a local file uploaded to POST /files; Directory: STAC preview
//   enum                              a choice
//   boolean                           a choice of true / false
//   integer, number                   a number field
//   string                            a text field (url, date, date-time get their own input types)
//   array                             a list of the above, with add and remove
//   anything else (records, unions)   JSON text
//
// The server checks the request; an error that names an input (`input` member) is shown beside that field.

import { Problem, element, formatSize, getJSON, postJSON, upload, isWebUrl } from "./http.js";
import { catalogItems, itemTime } from "./stac.js";

const form = document.getElementById("execute-form");
let fieldCount = 0;

function nextId(prefix) {
  fieldCount += 1;
  return `${prefix}-${fieldCount}`;
}

function schemaKind(schema, cwlClass) {
  if (cwlClass) return cwlClass.toLowerCase();
  if (!schema || typeof schema !== "object") return "json";
  if (Array.isArray(schema.enum) && schema.enum.length) return "enum";
  const type = schema.type;
  if (type === "boolean") return "boolean";
  if (type === "integer" || type === "number") return type;
  if (type === "string") return "string";
  return "json";
}

function typeLabel(schema, cwlClass) {
  if (cwlClass) return cwlClass === "File" ? "file" : "directory";
  if (!schema || typeof schema !== "object") return "any value (JSON)";
  if (schema.type === "array") return `list of ${typeLabel(schema.items, null)}`;
  if (Array.isArray(schema.enum)) return "one of the choices";
  if (schema.type === "string" && schema.format) return `text (${schema.format})`;
  if (schema.type === "string") return "text";
  if (schema.type) return schema.type;
  return "any value (JSON)";
}

/** One value's control: returns `{node, focus, read, write}`; `read` answers undefined for an empty field. */
function valueControl(inputId, schema, cwlClass, describedBy, labelText) {
  const kind = schemaKind(schema, cwlClass);
  const id = nextId(`in-${inputId}`);
  if (kind === "file" || kind === "directory") return fileControl(inputId, id, kind, schema, describedBy, labelText);
  let control;
  if (kind === "enum" || kind === "boolean") {
    const choices = kind === "enum" ? schema.enum : [true, false];
    control = element("select", { id, "aria-describedby": describedBy });
    control.append(element("option", { value: "" }, "— choose —"));
    choices.forEach((choice, position) => control.append(element("option", { value: String(position) }, String(choice))));
    return {
      node: control,
      focus: control,
      read: () => (control.value === "" ? undefined : choices[Number(control.value)]),
      write: (value) => {
        const position = choices.findIndex((choice) => choice === value);
        control.value = position < 0 ? "" : String(position);
      },
    };
  }
  if (kind === "integer" || kind === "number") {
    control = element("input", { id, type: "number", step: kind === "integer" ? "1" : "any", "aria-describedby": describedBy });
    if (typeof schema.minimum === "number") control.min = String(schema.minimum);
    if (typeof schema.maximum === "number") control.max = String(schema.maximum);
    return {
      node: control,
      focus: control,
      read: () => (control.value.trim() === "" ? undefined : Number(control.value)),
      write: (value) => {
        control.value = value === undefined || value === null ? "" : String(value);
      },
    };
  }
  if (kind === "string") {
    const types = { uri: "url", email: "email" };
    control = element("input", { id, type: types[schema.format] || "text", autocomplete: "off", "aria-describedby": describedBy });
    if (schema.format === "date-time") control.placeholder = "2024-01-01T00:00:00Z";
    if (schema.format === "date") control.placeholder = "2024-01-01";
    return {
      node: control,
      focus: control,
      read: () => (control.value === "" ? undefined : control.value),
      write: (value) => {
        control.value = value === undefined || value === null ? "" : String(value);
      },
    };
  }
  control = element("textarea", { id, rows: "3", spellcheck: "false", "aria-describedby": describedBy, className: "json" });
  return {
    node: control,
    focus: control,
    read: () => {
      if (control.value.trim() === "") return undefined;
      try {
        return JSON.parse(control.value);
      } catch (error) {
        throw new FieldError(inputId, `Input '${inputId}' is not valid JSON: ${error.message}`);
      }
    },
    write: (value) => {
      control.value = value === undefined ? "" : JSON.stringify(value, null, 2);
    },
  };
}

/** A File or Directory: its URL, plus an upload (File) or a STAC item preview (Directory). */
function fileControl(inputId, id, kind, schema, describedBy, labelText) {
  const url = element("input", { id, type: "url", autocomplete: "off", placeholder: "https://…", "aria-describedby": describedBy });
  const box = element("div", { className: "file-input" }, url);
  if (kind === "file") {
    const pickerId = `${id}-upload`;
    const picker = element("input", { id: pickerId, type: "file" });
    if (schema && schema.contentMediaType) picker.accept = schema.contentMediaType;
    const progress = element("progress", { max: "100", value: "0", hidden: true, "aria-label": `Upload of ${labelText}` });
    const state = element("span", { className: "upload-state", role: "status" });
    picker.addEventListener("change", async () => {
      const file = picker.files && picker.files[0];
      if (!file) return;
      progress.hidden = false;
      progress.value = 0;
      state.textContent = `Uploading ${file.name} (${formatSize(file.size)})…`;
      try {
        const stored = await upload(form.dataset.uploads, file, (loaded, total) => {
          progress.value = Math.round((100 * loaded) / total);
        });
        progress.value = 100;
        url.value = stored.href;
        state.textContent = `Uploaded ${file.name} (${formatSize(stored.size)}).`;
      } catch (error) {
        state.textContent = `Upload failed: ${error.message}`;
      }
    });
    box.append(
      element("div", { className: "upload" }, element("label", { for: pickerId }, "or upload a file: "), picker, progress, state),
    );
  } else {
    const preview = element("div", { className: "stac-preview", "aria-live": "polite" });
    const button = element("button", { type: "button", className: "secondary" }, "Preview the STAC items");
    button.addEventListener("click", () => previewCatalog(url.value.trim(), preview));
    box.append(element("div", { className: "upload" }, button), preview);
  }
  return {
    node: box,
    focus: url,
    read: () => (url.value.trim() === "" ? undefined : { href: url.value.trim() }),
    write: (value) => {
      url.value = value && typeof value === "object" ? value.href || "" : value || "";
    },
  };
}

async function previewCatalog(href, target) {
  target.replaceChildren();
  if (!href) {
    target.append(element("p", { className: "hint" }, "Give the URL of a STAC catalog.json first."));
    return;
  }
  if (!isWebUrl(href)) {
    target.append(element("p", { className: "hint" }, "The browser can preview http(s) catalogs only; the server will read this one when the job runs."));
    return;
  }
  target.append(element("p", { className: "hint" }, "Reading the catalog…"));
  try {
    const items = await catalogItems(href, 20);
    const list = element("ul", { className: "stac-items" });
    for (const { item } of items) {
      const assets = Object.keys(item.assets || {});
      list.append(
        element("li", {}, element("code", {}, String(item.id || "?")), ` · ${itemTime(item)} · ${assets.length} asset(s)`,
          item.bbox ? ` · bbox ${item.bbox.map((number) => Number(number).toFixed(3)).join(", ")}` : ""),
      );
    }
    target.replaceChildren(element("p", {}, `${items.length} item(s) in the catalog${items.length === 20 ? " (the first 20)" : ""}:`), list);
  } catch (error) {
    target.replaceChildren(element("p", { className: "field-error" }, `The catalog could not be read: ${error.message}`));
  }
}

class FieldError extends Error {
  constructor(inputId, message) {
    super(message);
    this.inputId = inputId;
  }
}

/** The field of one input: a single control, or a list of them with add and remove for an array. */
function inputField(inputId, description) {
  const schema = description.schema || {};
  const cwlClass = description["x-cwl-class"] || null;
  const optional = Number(description.minOccurs ?? 1) === 0;
  const isArray = schema.type === "array";
  const title = description.title || inputId;
  const hintId = nextId(`hint-${inputId}`);
  const errorId = `error-${inputId}`;
  const describedBy = `${hintId} ${errorId}`;
  const wrapper = element("div", { className: "field", "data-input": inputId });
  const mark = optional ? element("span", { className: "optional-mark" }, "optional") : element("span", { className: "required-mark" }, "required");
  const hint = element("p", { className: "hint", id: hintId }, `${inputId} · ${typeLabel(schema, cwlClass)}`,
    description.description ? ` — ${description.description}` : "");
  const error = element("p", { className: "field-error", id: errorId, hidden: true });
  let field;
  if (!isArray) {
    const control = valueControl(inputId, schema, cwlClass, describedBy, title);
    if (schema.default !== undefined) control.write(schema.default);
    const label = element("label", { for: control.focus.id }, title, " ", mark);
    wrapper.append(label, control.node, hint, error);
    field = { read: control.read, write: control.write, focus: () => control.focus };
  } else {
    const itemSchema = schema.items || {};
    const list = element("ol", { className: "array-items" });
    const controls = [];
    const addItem = (value) => {
      const position = controls.length + 1;
      const control = valueControl(inputId, itemSchema, cwlClass, describedBy, `${title} item ${position}`);
      if (value !== undefined) control.write(value);
      const remove = element("button", { type: "button", className: "secondary remove" }, "Remove");
      const label = element("label", { for: control.focus.id, className: "visually-hidden" }, `${title}, item ${position}`);
      const row = element("li", {}, label, control.node, remove);
      remove.setAttribute("aria-label", `Remove item ${position} of ${title}`);
      remove.addEventListener("click", () => {
        controls.splice(controls.indexOf(control), 1);
        row.remove();
        add.focus();
      });
      controls.push(control);
      list.append(row);
      return control;
    };
    const add = element("button", { type: "button", className: "secondary add" }, `Add an item to ${title}`);
    add.addEventListener("click", () => addItem(undefined).focus.focus());
    const legend = element("legend", {}, title, " ", mark);
    const fieldset = element("fieldset", { className: "array", "aria-describedby": describedBy }, legend, list, add);
    wrapper.append(fieldset, hint, error);
    if (Array.isArray(schema.default)) schema.default.forEach((value) => addItem(value));
    else if (!optional) addItem(undefined);
    field = {
      read: () => {
        const values = controls.map((control) => control.read()).filter((value) => value !== undefined);
        return values.length ? values : undefined;
      },
      write: (values) => {
        controls.length = 0;
        list.replaceChildren();
        (Array.isArray(values) ? values : [values]).forEach((value) => addItem(value));
      },
      focus: () => (controls[0] ? controls[0].focus : add),
    };
  }
  return { inputId, wrapper, error, optional, ...field };
}

function showFieldError(field, message) {
  field.error.textContent = message;
  field.error.hidden = false;
  field.wrapper.classList.add("invalid");
  const control = field.focus();
  control.setAttribute("aria-invalid", "true");
  control.focus();
}

function clearErrors(fields, problem) {
  for (const field of fields.values()) {
    field.error.hidden = true;
    field.error.textContent = "";
    field.wrapper.classList.remove("invalid");
    field.focus().removeAttribute("aria-invalid");
  }
  problem.hidden = true;
  problem.replaceChildren();
}

function showProblem(problem, document) {
  problem.replaceChildren(
    element("p", {}, element("strong", {}, document.title || "The request was refused")),
    element("p", { className: "detail" }, document.detail || ""),
  );
  problem.hidden = false;
  problem.focus();
}

function renderResults(target, results) {
  const rows = Object.entries(results || {}).map(([name, value]) => {
    let shown;
    if (value && typeof value === "object" && typeof value.href === "string" && isWebUrl(value.href)) {
      shown = element("a", { href: value.href }, value.title || value.href);
    } else {
      shown = element("pre", { className: "value" }, typeof value === "string" ? value : JSON.stringify(value, null, 2));
    }
    return element("tr", {}, element("th", { scope: "row" }, element("code", {}, name)), element("td", {}, shown));
  });
  target.replaceChildren(
    element("h3", {}, "Results"),
    element("table", {}, element("thead", {}, element("tr", {}, element("th", { scope: "col" }, "Output"), element("th", { scope: "col" }, "Value or file"))), element("tbody", {}, rows)),
  );
  target.hidden = false;
}

async function start() {
  const container = document.getElementById("execute-fields");
  const problem = document.getElementById("execute-problem");
  const status = document.getElementById("execute-status");
  problem.tabIndex = -1;
  let description;
  try {
    description = await getJSON(form.dataset.description);
  } catch (error) {
    container.replaceChildren(element("p", { className: "field-error" }, `The process description could not be read: ${error.message}`));
    return;
  }
  const fields = new Map();
  container.replaceChildren();
  for (const [inputId, inputDescription] of Object.entries(description.inputs || {})) {
    const field = inputField(inputId, inputDescription);
    fields.set(inputId, field);
    container.append(field.wrapper);
  }
  if (!fields.size) container.append(element("p", { className: "hint" }, "This process takes no inputs."));
  const collection = document.getElementById("collection");
  const prefill = new URLSearchParams(window.location.search).get("rerun");
  if (prefill) await prefillFrom(prefill, fields);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(fields, problem);
    const inputs = {};
    try {
      for (const field of fields.values()) {
        const value = field.read();
        if (value !== undefined) inputs[field.inputId] = value;
      }
    } catch (error) {
      if (error instanceof FieldError && fields.has(error.inputId)) showFieldError(fields.get(error.inputId), error.message);
      else showProblem(problem, { detail: error.message });
      return;
    }
    const body = { inputs };
    if (collection.value.trim()) body.collection = collection.value.trim();
    const isAsync = form.elements.mode.value !== "sync";
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.textContent = isAsync ? "Starting the job…" : "Running; the results appear here when the job ends…";
    try {
      const { response, body: answer } = await postJSON(form.dataset.execution, body, isAsync ? { Prefer: "respond-async" } : {});
      if (response.status === 201) {
        status.textContent = "The job was accepted; opening its page…";
        window.location.assign(response.headers.get("Location") || answer.links.find((link) => link.rel === "self").href);
        return;
      }
      if (response.ok) {
        status.textContent = "The job finished.";
        renderResults(document.getElementById("execute-results"), answer);
        return;
      }
      status.textContent = "";
      const documentBody = answer && typeof answer === "object" ? answer : { detail: String(answer) };
      const field = documentBody.input && fields.get(documentBody.input);
      if (field) showFieldError(field, documentBody.detail);
      else showProblem(problem, documentBody);
    } catch (error) {
      status.textContent = "";
      showProblem(problem, error instanceof Problem ? error.document : { detail: error.message });
    } finally {
      button.disabled = false;
    }
  });
}

/** Fill the form with the inputs of an earlier job (`?rerun=<job id>`), to change some before running again. */
async function prefillFrom(jobId, fields) {
  try {
    const request = await getJSON(`${form.dataset.jobs}/${encodeURIComponent(jobId)}/inputs`);
    for (const [inputId, value] of Object.entries(request.inputs || {})) {
      if (fields.has(inputId) && value !== null) fields.get(inputId).write(value);
    }
  } catch (error) {
    document.getElementById("execute-status").textContent = `The inputs of job ${jobId} could not be read: ${error.message}`;
  }
}

if (form) start();
