// What the service decided while reading the file (notices), each decision with the control
// that changes it: a date order, an encoding, a header row, a decimal separator, the mapping.
import { $ } from "/web/dom.js";
import {
  CONTROL_BUTTONS, CONTROL_HINTS, DATE_ORDERS, DECIMAL_SEPARATORS, ENCODINGS, controlLabel,
} from "/web/wording.js";

// Codec names that mean the same encoding, reduced to one key ("cp1252" is "windows-1252").
const SAME_ENCODING = { cp1252: "windows1252", latin1: "latin1", iso88591: "latin1", l1: "latin1", macroman: "macroman", utf8: "utf8", utf16: "utf16" };

function encodingKey(name) {
  const bare = String(name || "").toLowerCase().replace(/[^a-z0-9]/g, "");
  return SAME_ENCODING[bare] || bare;
}

// Notices about the same decision (an encoding and its doubt, a header row and the lines it
// skipped, a column's date order and its conflicting rows) share one control.
function decisions(notices) {
  const groups = [];
  const byKey = new Map();
  for (const notice of notices) {
    const key = notice.control ? `${notice.control}|${notice.column || ""}` : null;
    if (key && byKey.has(key)) {
      byKey.get(key).notices.push(notice);
      continue;
    }
    const group = { control: notice.control, column: notice.column, notices: [notice] };
    if (key) byKey.set(key, group);
    groups.push(group);
  }
  return groups;
}

function select(id, choices, value) {
  const element = document.createElement("select");
  element.id = id;
  let found = false;
  for (const [choice, label] of choices) {
    const selected = choice === value;
    found ||= selected;
    element.append(new Option(label, choice, selected, selected));
  }
  if (value && !found) element.append(new Option(`${value} (as read)`, value, true, true));
  return element;
}

function encodingSelect(id, value) {
  const known = ENCODINGS.find(([name]) => encodingKey(name) === encodingKey(value));
  return select(id, ENCODINGS, known ? known[0] : value);
}

function headerInput(id, value) {
  const input = document.createElement("input");
  input.id = id;
  input.type = "number";
  input.min = "1";
  input.step = "1";
  input.inputMode = "numeric";
  input.value = String(value);
  return input;
}

// The control's element, preset to the decision; `current` fills what a notice's value lacks.
function controlFor(group, id, current) {
  const value = group.notices[0].value;
  switch (group.control) {
    case "DATE_ORDER":
      return select(id, DATE_ORDERS, (value || current.dateOrder || "").toUpperCase());
    case "ENCODING":
      return encodingSelect(id, value || current.encoding);
    case "HEADER_ROW":
      return headerInput(id, /^\d+$/.test(value || "") ? value : current.headerRow);
    case "DECIMAL_SEPARATOR":
      return select(id, DECIMAL_SEPARATORS, value || current.decimalSeparator);
    default:
      return null;
  }
}

// The value updateImportMapping takes, from the control: { dateOrder: "MONTH_FIRST" }...
function chosen(control, element) {
  const value = element.value;
  switch (control) {
    case "DATE_ORDER": return { dateOrder: value };
    case "ENCODING": return { encoding: value };
    case "HEADER_ROW": return { headerRow: Number(value) };
    case "DECIMAL_SEPARATOR": return { decimalSeparator: value };
    default: return {};
  }
}

function paragraph(text, className) {
  const element = document.createElement("p");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function sampleOf(text) {
  const block = document.createElement("div");
  block.className = "sample";
  block.append(paragraph("As read from the file:", "hint"));
  const sample = document.createElement("pre");
  sample.textContent = text;
  block.append(sample);
  return block;
}

function changeForm(group, index, current, onChange) {
  const id = `notice-control-${index}`;
  const input = controlFor(group, id, current);
  if (!input) return null;
  const form = document.createElement("form");
  form.className = "notice-control";
  form.noValidate = true;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = controlLabel(group.control, group.column);
  form.append(label);
  const hint = CONTROL_HINTS[group.control];
  if (hint) {
    const note = paragraph(hint, "hint");
    note.id = `${id}-hint`;
    input.setAttribute("aria-describedby", note.id);
    form.append(note);
  }
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = CONTROL_BUTTONS[group.control];
  if (group.column) {
    // Several date columns each have a button: a screen reader hears which column's it is.
    const which = document.createElement("span");
    which.className = "sr";
    which.textContent = ` for column ${group.column}`;
    button.append(which);
  }
  const error = paragraph("", "error");
  error.setAttribute("role", "alert");
  form.append(input, button, error);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (group.control === "HEADER_ROW" && !(Number(input.value) >= 1 && Number.isInteger(Number(input.value)))) {
      error.textContent = "Give the header's row number: 1 or more.";
      input.focus();
      return;
    }
    onChange(chosen(group.control, input), error);
  });
  return form;
}

function mappingLink(group, onMapping) {
  const link = document.createElement("a");
  link.href = "#step-map";
  link.textContent = group.column ? `Choose a field for column ${group.column} in step 2` : "Change the mapping in step 2";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    onMapping(group.column);
  });
  const line = paragraph("");
  line.append(link);
  return line;
}

// Fills the notices list; onChange(variables, errorElement) sends a changed decision,
// onMapping(column) takes the person to the column's field picker.
export function renderNotices(current, { onChange, onMapping }) {
  const list = $("notices-list");
  list.replaceChildren();
  const groups = decisions(current.notices || []);
  groups.forEach((group, index) => {
    const item = document.createElement("li");
    item.className = "decision";
    item.dataset.control = group.control || "";
    if (group.column) item.dataset.column = group.column;
    const samples = new Set();
    for (const notice of group.notices) {
      const message = paragraph(notice.message);
      message.dataset.code = notice.code;
      item.append(message);
      if (notice.sample && !samples.has(notice.sample)) {
        samples.add(notice.sample);
        item.append(sampleOf(notice.sample));
      }
    }
    const change = group.control === "MAPPING" ? mappingLink(group, onMapping) : changeForm(group, index, current, onChange);
    if (change) item.append(change);
    list.append(item);
  });
  $("step-notices").hidden = groups.length === 0;
}

export function clearNotices() {
  $("notices-list").replaceChildren();
  $("step-notices").hidden = true;
}

// While the file is read again (or once the import started), the decisions cannot change.
export function enableNotices(enabled) {
  for (const element of $("notices-list").querySelectorAll("select, input, button")) element.disabled = !enabled;
}
