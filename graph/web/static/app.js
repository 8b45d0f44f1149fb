// The reference import page: sign in, upload, map, review, import, undo, history.
import { download, request, subscribe, token } from "/web/api.js";
import { $ } from "/web/dom.js";
import { History } from "/web/history.js";
import { LivePanel } from "/web/live.js";
import { applySaved, chosenMapping, renderMapping, renderSaved, showMissing } from "/web/mapping.js";
import { clear, show } from "/web/messages.js";
import * as Q from "/web/queries.js";
import { clearNotices, enableNotices, renderNotices } from "/web/notices.js";
import {
  ErrorPages, clearKinds, renderCounts, renderFieldFilter, renderKinds, showActiveKind,
} from "/web/review.js";
import { loadUploadMappings, submitUpload, wireDropZone } from "/web/upload.js";
import {
  MODES, STATUSES, WORKING, importLabel, rollbackSummary, startHint, startable, undoHint, undoable,
} from "/web/wording.js";

// detailsFor: the import whose mapping, errors and saved mappings are on the page.
const state = { types: new Map(), current: null, saved: [], stopWatch: null, focusOnLoad: null, detailsFor: null, wanted: null };
const live = new LivePanel();
const errorPages = new ErrorPages();
const history = new History({ onOpen: openImport, typeLabel: (type) => typeInfo(type).label, importLabel });

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

// Runs `action`, its refusal shown in `element` (cleared first).
async function attempt(element, action) {
  clear(element);
  try {
    await action();
  } catch (error) {
    refused(element, error);
  }
}

// An ERRORED import's message as is, its code on the element like a refusal's.
function showFailure(element, current) {
  clear(element);
  if (current.status !== "ERRORED") return;
  element.textContent = current.errorMessage || "";
  element.dataset.code = current.errorCode || "";
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
  await Promise.all([refreshUploadMappings(), showHistory()]);
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

async function refreshUploadMappings() {
  try {
    await loadUploadMappings(typeInfo);
  } catch (error) {
    refused($("upload-error"), error);
  }
}

async function uploadFile(event) {
  event.preventDefault();
  try {
    const created = await submitUpload();
    if (!created) return;
    state.focusOnLoad = "map-title";
    setCurrent(created);
    watch(created.id);
  } catch (error) {
    refused($("upload-error"), error);
    $("file").focus();
  }
}

// The current import

function setCurrent(current) {
  state.current = current;
  $("current").hidden = false;
  $("current-file").textContent = current.filename;
  $("current-status").textContent = importLabel(current);
  $("current-summary").textContent = current.summary || "";
  $("current-type").textContent = typeInfo(current.type).label;
  $("current-mode").textContent = MODES[current.mode];
  $("current-created").textContent = new Date(current.createdAt).toLocaleString();
  showFailure($("current-message"), current);
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
  clearNotices();
  clearKinds();
}

function renderActions(current) {
  const loaded = state.detailsFor === current.id;
  for (const id of ["saved-mappings", "apply-button", "error-field", "report-button", "kinds-all"]) $(id).disabled = !loaded;
  for (const button of $("kinds-list").querySelectorAll("button")) button.disabled = !loaded;
  const changeable = loaded && ["VALIDATED", "ERRORED"].includes(current.status);
  $("remap-button").disabled = !changeable;
  enableNotices(changeable);
  $("start-button").disabled = !startable(current);
  $("rollback-button").disabled = !undoable(current);
  $("start-hint").textContent = startHint(current);
  $("undo-hint").textContent = undoHint(current);
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
    renderNotices(current, { onChange: changeDecision, onMapping: focusColumn });
    renderKinds(current.errorCounts, info, showKind);
    await Promise.all([errorPages.open(id, ""), loadSaved(current.type)]);
    if (state.wanted !== id) return;
    state.detailsFor = id;
    renderActions(state.current);
  } catch (error) {
    refused($("current-message"), error);
  }
  if (state.focusOnLoad) focusShown(state.focusOnLoad);
  state.focusOnLoad = null;
}

// Focuses the element, or the import's title when it is gone (a notice that no longer applies).
function focusShown(id) {
  const element = $(id);
  if (element.closest("[hidden]")) $("status-title").focus();
  else element.focus();
}

async function openImport(id) {
  clear($("current-message"));
  live.reset();
  state.focusOnLoad = "status-title";
  stopWatching();
  state.wanted = id;
  await loadDetails(id);
  if (state.current && state.current.id === id && WORKING.includes(state.current.status)) watch(id);
}

// Notices: a decision changed (a date order, an encoding, a header row...) reads the file again.

async function changeDecision(variables, errorElement) {
  clear(errorElement);
  try {
    const data = await request(Q.REREAD, { id: state.current.id, ...variables });
    live.reset();
    setCurrent(data.updateImportMapping);
    state.focusOnLoad = "notices-title";
    watch(state.current.id);
  } catch (error) {
    refused(errorElement, error);
  }
}

function focusColumn(column) {
  const picker = [...$("map-table").querySelectorAll("select")].find((item) => item.dataset.column === column);
  if (picker) {
    picker.scrollIntoView({ block: "center" });
    picker.focus();
  } else {
    $("map-title").focus();
  }
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
    await Promise.all([loadSaved(state.current.type), loadUploadMappings(typeInfo)]);
  } catch (error) {
    refused($("save-error"), error);
  }
}

// 3. Review

function pageErrors(move) {
  return attempt($("review-error"), move);
}

// Only the errors of one kind (and field), from a "N × ..." button; null: all of them.
function showKind(count, words) {
  $("error-field").value = (count && count.field) || "";
  showActiveKind(count);
  return pageErrors(() => (count
    ? errorPages.open(state.current.id, count.field, count.code, words)
    : errorPages.open(state.current.id, "")));
}

function downloadReport() {
  const name = `${state.current.filename.replace(/\.[^.]*$/, "")}-errors.csv`;
  return attempt($("review-error"), () => download(state.current.errorReportUrl, name));
}

// 4. Import and 5. Undo

async function startImport() {
  clear($("start-error"));
  try {
    const data = await request(Q.START, { id: state.current.id });
    live.reset();
    setCurrent(data.startImport);
    watch(state.current.id);
    showHistory();
  } catch (error) {
    refused($("start-error"), error);
  }
}

function askRollback() {
  clear($("rollback-error"));
  $("rollback-summary").textContent = rollbackSummary(state.current, typeInfo(state.current.type).label.toLowerCase());
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
    showHistory();
  } catch (error) {
    refused($("rollback-error"), error);
  }
  $("rollback-button").focus();
}

// 6. History

function showHistory(move = () => history.show()) {
  return attempt($("history-error"), move);
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
  $("import-type").addEventListener("change", refreshUploadMappings);
  $("upload-form").addEventListener("submit", uploadFile);
  wireDropZone();
  $("map-form").addEventListener("submit", submitRemap);
  $("map-table").addEventListener("change", () => showMissing(typeInfo(state.current.type)));
  $("apply-form").addEventListener("submit", submitApply);
  $("save-form").addEventListener("submit", submitSave);
  $("error-field").addEventListener("change", () => {
    showActiveKind(null);
    pageErrors(() => errorPages.open(state.current.id, $("error-field").value));
  });
  $("kinds-all").addEventListener("click", () => {
    showKind(null);
    const first = $("kinds-list").querySelector("button");
    if (first) first.focus();
  });
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
