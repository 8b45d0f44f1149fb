// The reference import page: sign in, upload, map, review, import, undo, history.
import { download, request, subscribe, token, upload } from "/web/api.js";
import { $ } from "/web/dom.js";
import { History } from "/web/history.js";
import { LivePanel } from "/web/live.js";
import { applySaved, chosenMapping, renderMapping, renderSaved, showMissing } from "/web/mapping.js";
import { clear, show } from "/web/messages.js";
import * as Q from "/web/queries.js";
import { ErrorPages, renderCounts, renderFieldFilter } from "/web/review.js";

const STATUSES = {
  VALIDATING: "Checking rows",
  VALIDATED: "Checked: ready to import",
  IMPORTING: "Importing",
  IMPORTED: "Imported",
  ROLLING_BACK: "Rolling back",
  ROLLED_BACK: "Rolled back",
  ERRORED: "Stopped: needs attention",
};
const MODES = { STORE: "Create", UPDATE: "Update", UPSERT: "Update or create", VALIDATE: "Check only" };

// detailsFor: the import whose mapping, errors and saved mappings are on the page.
const state = { types: new Map(), current: null, saved: [], stopWatch: null, focusOnLoad: null, detailsFor: null, wanted: null };
const live = new LivePanel();
const errorPages = new ErrorPages();
const history = new History({ onOpen: openImport, typeLabel: (type) => typeInfo(type).label, statusLabel });

function statusLabel(status) {
  return STATUSES[status] || status.replaceAll("_", " ").toLowerCase();
}

function typeInfo(type) {
  return state.types.get(type) || { label: type, fields: [] };
}

function refused(element, error) {
  if (error.code === "UNAUTHENTICATED") {
    signOut();
    show($("signin-error"), error);
    return;
  }
  show(element, error);
}

// Sign in

async function signIn(value) {
  clear($("signin-error"));
  token.set(value);
  let data;
  try {
    data = await request(Q.ME);
  } catch (error) {
    token.clear();
    show($("signin-error"), error);
    $("token").focus();
    return;
  }
  state.types = new Map(data.importTypes.map((item) => [item.type, item]));
  fillTypeSelects(data.importTypes);
  $("signin").hidden = true;
  $("work").hidden = false;
  $("who").hidden = false;
  $("who-text").textContent = "Signed in";
  $("token").value = "";
  $("upload-title").focus();
  await Promise.all([loadUploadMappings(), showHistory()]);
}

function signOut() {
  token.clear();
  stopWatching();
  state.current = null;
  $("work").hidden = true;
  $("current").hidden = true;
  $("who").hidden = true;
  $("signin").hidden = false;
  $("signin-title").focus();
}

function fillTypeSelects(types) {
  $("import-type").replaceChildren(...types.map((item) => new Option(item.label, item.type)));
  $("history-type").replaceChildren(new Option("Any", ""), ...types.map((item) => new Option(item.label, item.type)));
  $("history-status").replaceChildren(
    new Option("Any", ""), ...Object.entries(STATUSES).map(([value, label]) => new Option(label, value)));
  $("template-link").href = types[0].templateUrl;
}

// 1. Upload

async function loadUploadMappings() {
  const type = $("import-type").value;
  $("template-link").href = typeInfo(type).templateUrl;
  const select = $("upload-mapping");
  try {
    const data = await request(Q.SAVED, { type });
    const first = type === "PREMIER_CORE" ? [] : [new Option("Map the columns automatically", "")];
    select.replaceChildren(...first, ...data.importMappings.map((item) => new Option(item.name, item.id)));
  } catch (error) {
    refused($("upload-error"), error);
  }
}

function uploadInput(file) {
  const input = { type: $("import-type").value, mode: $("import-mode").value, file: null };
  const saved = $("upload-mapping").value;
  if (saved && input.type === "PREMIER_CORE") input.premierCoreMappingId = saved;
  else if (saved) input.mappingId = saved;
  return input;
}

async function submitUpload(event) {
  event.preventDefault();
  clear($("upload-error"));
  const file = $("file").files[0];
  if (!file) {
    $("upload-error").textContent = "Choose a file first (CSV or XLSX).";
    $("file").focus();
    return;
  }
  $("upload-button").disabled = true;
  $("upload-progress").hidden = false;
  const progress = (percent) => {
    $("upload-bar").value = percent;
    $("upload-percent").textContent = `${percent} %`;
    $("upload-label").textContent = percent < 100 ? "Uploading" : "Uploaded";
  };
  progress(0);
  try {
    const data = await upload(Q.CREATE, { input: uploadInput(file) }, "input.file", file, progress);
    state.focusOnLoad = "map-title";
    setCurrent(data.createImport);
    watch(data.createImport.id);
  } catch (error) {
    refused($("upload-error"), error);
    $("file").focus();
  } finally {
    $("upload-button").disabled = false;
  }
}

function dropFile(event) {
  event.preventDefault();
  $("drop").classList.remove("over");
  if (event.dataTransfer.files.length) $("file").files = event.dataTransfer.files;
}

// The current import

function setCurrent(current) {
  state.current = current;
  $("current").hidden = false;
  $("current-file").textContent = current.filename;
  $("current-status").textContent = statusLabel(current.status);
  $("current-type").textContent = typeInfo(current.type).label;
  $("current-mode").textContent = MODES[current.mode];
  $("current-created").textContent = new Date(current.createdAt).toLocaleString();
  $("current-message").textContent = current.status === "ERRORED" ? current.errorMessage || "" : "";
  if (state.detailsFor !== current.id) clearDetails();
  renderCounts(current);
  live.update(current);
  renderActions(current);
}

// Another import's details must never be acted on: they are cleared until this one's arrive.
function clearDetails() {
  state.detailsFor = null;
  $("map-table").tBodies[0].replaceChildren();
  $("errors-table").tBodies[0].replaceChildren();
  $("errors-caption").textContent = "Loading…";
  $("errors-previous").disabled = true;
  $("errors-next").disabled = true;
  $("missing").textContent = "";
}

function renderActions(current) {
  const working = ["VALIDATING", "IMPORTING", "ROLLING_BACK"].includes(current.status);
  const loaded = state.detailsFor === current.id;
  for (const id of ["saved-mappings", "apply-button", "error-field", "report-button"]) $(id).disabled = !loaded;
  $("remap-button").disabled = !loaded || !["VALIDATED", "ERRORED"].includes(current.status);
  $("start-button").disabled = current.status !== "VALIDATED" || current.mode === "VALIDATE";
  $("rollback-button").disabled = !["IMPORTED", "IMPORTING"].includes(current.status);
  $("start-hint").textContent = startHint(current, working);
  $("undo-hint").textContent = undoHint(current);
}

function startHint(current, working) {
  const valid = current.totalRows - current.failedValidationRows;
  if (current.status === "VALIDATED" && current.mode === "VALIDATE") {
    return "This upload only checks the file. Upload it again with another choice under “What to do with its rows” to import it.";
  }
  if (current.status === "VALIDATED") return `${valid} valid rows will be imported; invalid rows are skipped.`;
  if (current.status === "ERRORED") return "Fix the problem above (usually the mapping), then check again.";
  if (current.status === "IMPORTED") return `Imported ${current.importedRows} rows; ${current.failedImportRows} failed.`;
  return working ? `${statusLabel(current.status)}…` : "";
}

function undoHint(current) {
  if (current.status === "ROLLED_BACK") {
    return `Rolled back: ${current.rolledBackRows} rows undone, ${current.rollbackConflictRows} left as they were (changed since).`;
  }
  return ["IMPORTED", "IMPORTING"].includes(current.status) ? "Undo removes what this import wrote." : "Nothing to undo yet.";
}

function stopWatching() {
  if (state.stopWatch) state.stopWatch();
  state.stopWatch = null;
}

function watch(id) {
  state.wanted = id;
  stopWatching();
  state.stopWatch = subscribe(Q.PROGRESS, { id }, {
    onNext: (data) => setCurrent(data.importProgress),
    onDone: () => { state.stopWatch = null; loadDetails(id); showHistory(); },
    onError: (error) => refused($("current-message"), error),
  });
}

async function loadDetails(id) {
  try {
    const data = await request(Q.DETAILS, { id });
    if (state.wanted !== id) return; // the person moved on to another import
    const current = data.import;
    setCurrent(current);
    const info = typeInfo(current.type);
    renderMapping(current, info, current.columnSamples);
    renderFieldFilter(info);
    await Promise.all([errorPages.open(id, ""), loadSaved(current.type)]);
    if (state.wanted !== id) return;
    state.detailsFor = id;
    renderActions(state.current);
  } catch (error) {
    refused($("current-message"), error);
  }
  if (state.focusOnLoad) $(state.focusOnLoad).focus();
  state.focusOnLoad = null;
}

async function openImport(id) {
  clear($("current-message"));
  live.reset();
  state.focusOnLoad = "status-title";
  stopWatching();
  state.wanted = id;
  await loadDetails(id);
  if (state.current && ["VALIDATING", "IMPORTING", "ROLLING_BACK"].includes(state.current.status)) watch(id);
}

// 2. Map

async function loadSaved(type) {
  const data = await request(Q.SAVED, { type });
  state.saved = data.importMappings;
  renderSaved(state.saved);
}

async function submitRemap(event) {
  event.preventDefault();
  clear($("map-error"));
  try {
    const data = await request(Q.REMAP, { id: state.current.id, mapping: chosenMapping() });
    live.reset();
    setCurrent(data.updateImportMapping);
    state.focusOnLoad = "review-title";
    watch(state.current.id);
  } catch (error) {
    refused($("map-error"), error);
  }
}

function submitApply(event) {
  event.preventDefault();
  clear($("apply-error"));
  const saved = state.saved.find((item) => item.id === $("saved-mappings").value);
  if (!saved) {
    $("apply-error").textContent = "There is no saved mapping to apply for this type yet.";
    return;
  }
  applySaved(saved, typeInfo(state.current.type));
  $("remap-button").focus();
}

async function submitSave(event) {
  event.preventDefault();
  clear($("save-error"), $("save-message"));
  const name = $("mapping-name").value.trim();
  if (!name) {
    $("save-error").textContent = "Give the mapping a name.";
    $("mapping-name").focus();
    return;
  }
  try {
    await request(Q.SAVE, { id: state.current.id, name });
    $("save-message").textContent = `Saved as “${name}”.`;
    await Promise.all([loadSaved(state.current.type), loadUploadMappings()]);
  } catch (error) {
    refused($("save-error"), error);
  }
}

// 3. Review

async function pageErrors(move) {
  clear($("review-error"));
  try {
    await move();
  } catch (error) {
    refused($("review-error"), error);
  }
}

async function downloadReport() {
  clear($("review-error"));
  const name = `${state.current.filename.replace(/\.[^.]*$/, "")}-errors.csv`;
  try {
    await download(state.current.errorReportUrl, name);
  } catch (error) {
    refused($("review-error"), error);
  }
}

// 4. Import and 5. Undo

async function startImport() {
  clear($("start-error"));
  try {
    const data = await request(Q.START, { id: state.current.id });
    live.reset();
    setCurrent(data.startImport);
    watch(state.current.id);
  } catch (error) {
    refused($("start-error"), error);
  }
}

function rollbackSummary(current) {
  const noun = typeInfo(current.type).label.toLowerCase();
  const count = current.importedRows;
  const running = current.status === "IMPORTING" ? "The import is still running: it stops, and " : "";
  const what = {
    STORE: `${running ? "this" : "This"} removes the ${count} ${noun} this import created.`,
    UPDATE: `${running ? "this" : "This"} puts the ${count} ${noun} this import changed back as they were before it.`,
    UPSERT: `${running ? "this" : "This"} removes the ${noun} this import created and puts back those it changed (${count} in all).`,
  }[current.mode] || "";
  return `${running}${what} Records someone changed since the import are left as they are and listed as conflicts.`;
}

function askRollback() {
  clear($("rollback-error"));
  $("rollback-summary").textContent = rollbackSummary(state.current);
  $("rollback-dialog").showModal();
}

async function closeRollback() {
  if ($("rollback-dialog").returnValue !== "confirm") {
    $("rollback-button").focus();
    return;
  }
  try {
    const data = await request(Q.ROLLBACK, { id: state.current.id });
    live.reset();
    setCurrent(data.rollbackImport);
    watch(state.current.id);
  } catch (error) {
    refused($("rollback-error"), error);
  }
  $("rollback-button").focus();
}

// 6. History

async function showHistory(move = () => history.show()) {
  clear($("history-error"));
  try {
    await move();
  } catch (error) {
    refused($("history-error"), error);
  }
}

function wire() {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token").value.trim();
    if (!value) {
      $("signin-error").textContent = "Paste your API token first.";
      $("token").focus();
      return;
    }
    signIn(value);
  });
  $("sign-out").addEventListener("click", signOut);
  $("import-type").addEventListener("change", loadUploadMappings);
  $("upload-form").addEventListener("submit", submitUpload);
  $("drop").addEventListener("dragover", (event) => { event.preventDefault(); $("drop").classList.add("over"); });
  $("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
  $("drop").addEventListener("drop", dropFile);
  $("map-form").addEventListener("submit", submitRemap);
  $("map-table").addEventListener("change", () => showMissing(typeInfo(state.current.type)));
  $("apply-form").addEventListener("submit", submitApply);
  $("save-form").addEventListener("submit", submitSave);
  $("error-field").addEventListener("change", () => pageErrors(() => errorPages.open(state.current.id, $("error-field").value)));
  $("errors-next").addEventListener("click", () => pageErrors(() => errorPages.forward()));
  $("errors-previous").addEventListener("click", () => pageErrors(() => errorPages.back()));
  $("report-button").addEventListener("click", downloadReport);
  $("start-button").addEventListener("click", startImport);
  $("rollback-button").addEventListener("click", askRollback);
  $("rollback-dialog").addEventListener("close", closeRollback);
  $("history-form").addEventListener("submit", (event) => { event.preventDefault(); showHistory(); });
  $("history-more").addEventListener("click", () => showHistory(() => history.more()));
}

wire();
$("loading").hidden = true;
if (token.get()) signIn(token.get());
else $("signin").hidden = false;
