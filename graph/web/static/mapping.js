// Step 2: each column beside its field, a sample of its values and the auto-mapping's confidence.
import { $, cell, labelCells } from "/web/dom.js";



function confidence(entry) {
  if (!entry.field) return "not mapped";
  if (entry.confidence >= 1) return "certain";
  return `${Math.round(entry.confidence * 100)} % sure`;
}

function fieldPicker(index, column, fields, chosen) {
  const select = document.createElement("select");
  select.id = `map-field-${index}`;
  select.dataset.column = column;
  select.setAttribute("aria-label", `Field for column ${column}`);
  select.append(new Option("Ignore this column", ""));
  for (const field of fields) {
    const unless = field.requiredUnless.length ? ` unless ${field.requiredUnless.join(" or ")} has a column` : "";
    const label = field.required ? `${field.label} (${field.name}, required${unless})` : `${field.label} (${field.name})`;
    select.append(new Option(label, field.name, false, field.name === chosen));
  }
  return select;
}

export function renderMapping(current, typeInfo, samples) {
  const values = new Map(samples.map((item) => [item.column, item.values]));
  const body = $("map-table").tBodies[0];
  body.replaceChildren();
  current.mapping.forEach((entry, index) => {
    const row = document.createElement("tr");
    row.append(cell(entry.column, "th"));
    row.firstChild.scope = "row";
    row.append(cell((values.get(entry.column) || []).join(", ") || "(blank)"));
    const picker = cell("");
    picker.append(fieldPicker(index, entry.column, typeInfo.fields, entry.field));
    row.append(picker, cell(confidence(entry)));
    body.append(row);
  });
  labelCells($("map-table"));
  showMissing(typeInfo);
}

export function chosenMapping() {
  return [...$("map-table").querySelectorAll("select")].map((select) => ({
    column: select.dataset.column,
    field: select.value || null,
  }));
}

export function showMissing(typeInfo) {
  const mapped = new Set(chosenMapping().map((entry) => entry.field));
  const missing = typeInfo.fields.filter((field) => field.required && !mapped.has(field.name)
    && !field.requiredUnless.some((other) => mapped.has(other)));
  $("missing").textContent = missing.length
    ? `Required fields without a column: ${missing.map((field) => `${field.label} (${field.name})`).join(", ")}.`
    : "Every required field has a column.";
  $("missing").classList.toggle("warning", missing.length > 0);
}

// Sets the pickers from a saved mapping; columns the saved mapping does not name keep their field.
export function applySaved(saved, typeInfo) {
  const fields = new Map(saved.mapping.map((entry) => [entry.column, entry.field]));
  for (const select of $("map-table").querySelectorAll("select")) {
    if (fields.has(select.dataset.column)) select.value = fields.get(select.dataset.column) || "";
  }
  showMissing(typeInfo);
}

export function renderSaved(list) {
  const select = $("saved-mappings");
  select.replaceChildren();
  if (!list.length) select.append(new Option("No saved mappings for this type", ""));
  for (const item of list) select.append(new Option(item.name, item.id));
}
