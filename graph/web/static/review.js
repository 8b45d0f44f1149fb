// Step 3: counts, problems by kind, and the row errors, a page at a time, filterable by field
// and by kind.
import { request } from "/web/api.js";
import { $, cell, labelCells } from "/web/dom.js";
import { ERRORS } from "/web/queries.js";
import { problemCount, problemWords } from "/web/wording.js";

export const PAGE_SIZE = 10;


export class ErrorPages {
  constructor() {
    this.importId = null;
    this.cursors = [null]; // the `after` of each page seen; the last is the current page's
    this.next = null;
    this.shown = 0;
  }

  // `code` (a RowProblemCode) shows only the problems of that kind; `described` names the filter.
  async open(importId, field, code = null, described = "") {
    this.importId = importId;
    this.field = field || null;
    this.code = code || null;
    this.described = code ? described : "";
    this.cursors = [null];
    this.shown = 0;
    await this.load();
  }

  async forward() {
    this.cursors.push(this.next);
    await this.load();
  }

  async back() {
    if (this.cursors.length > 1) this.cursors.pop();
    await this.load();
  }

  async load() {
    const after = this.cursors[this.cursors.length - 1];
    const data = await request(ERRORS, {
      id: this.importId, first: PAGE_SIZE, after, field: this.field, code: this.code,
    });
    const errors = data.import.errors;
    this.next = errors.pageInfo.hasNextPage ? errors.pageInfo.endCursor : null;
    this.render(errors.edges.map((edge) => edge.node));
  }

  render(nodes) {
    const body = $("errors-table").tBodies[0];
    body.replaceChildren();
    for (const node of nodes) {
      const row = document.createElement("tr");
      row.append(cell(node.rowNumber), cell(node.column || "(whole row)"), cell(node.value), cell(problemWords(node.code)), cell(node.message));
      body.append(row);
    }
    labelCells($("errors-table"));
    const start = (this.cursors.length - 1) * PAGE_SIZE;
    const only = this.described ? ` (only ${this.described})` : "";
    $("errors-caption").textContent = nodes.length
      ? `Errors ${start + 1} to ${start + nodes.length}${this.next ? ", more follow" : ""}${only}`
      : `No errors to show${only}`;
    $("errors-previous").disabled = this.cursors.length <= 1;
    $("errors-next").disabled = !this.next;
  }
}

export function renderCounts(current) {
  $("count-total").textContent = current.totalRows;
  $("count-valid").textContent = current.totalRows - current.failedValidationRows;
  $("count-invalid").textContent = current.failedValidationRows;
}

export function renderFieldFilter(typeInfo) {
  const select = $("error-field");
  select.replaceChildren(new Option("every field", ""));
  for (const field of typeInfo.fields) select.append(new Option(`${field.label} (${field.name})`, field.name));
}

// The import's errorCounts as buttons, "N × already exists in E-mail"; onPick(count, words)
// filters the errors by it.
export function renderKinds(counts, typeInfo, onPick) {
  const labels = new Map(typeInfo.fields.map((field) => [field.name, field.label]));
  const list = $("kinds-list");
  list.replaceChildren();
  for (const count of counts) {
    const words = problemCount(count, count.field ? labels.get(count.field) || count.field : null);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "kind";
    button.textContent = words;
    button.dataset.code = count.code;
    button.dataset.field = count.field || "";
    button.addEventListener("click", () => onPick(count, words));
    const item = document.createElement("li");
    item.append(button);
    list.append(item);
  }
  $("kinds").hidden = counts.length === 0;
  showActiveKind(null);
}

// Marks the kind shown alone (a count of errorCounts), or none.
export function showActiveKind(active) {
  for (const button of $("kinds-list").querySelectorAll("button")) {
    const pressed = Boolean(active && button.dataset.code === active.code && button.dataset.field === (active.field || ""));
    button.setAttribute("aria-pressed", String(pressed));
  }
  $("kinds-all").hidden = !active;
}

export function clearKinds() {
  $("kinds-list").replaceChildren();
  $("kinds").hidden = true;
  $("kinds-all").hidden = true;
}
