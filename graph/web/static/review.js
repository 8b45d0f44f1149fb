// Step 3: counts and the row errors, a page at a time, filterable by field.
import { request } from "/web/api.js";
import { $, cell, labelCells } from "/web/dom.js";
import { ERRORS } from "/web/queries.js";

export const PAGE_SIZE = 10;


export class ErrorPages {
  constructor() {
    this.importId = null;
    this.cursors = [null]; // the `after` of each page seen; the last is the current page's
    this.next = null;
    this.shown = 0;
  }

  async open(importId, field) {
    this.importId = importId;
    this.field = field || null;
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
    const data = await request(ERRORS, { id: this.importId, first: PAGE_SIZE, after, field: this.field });
    const errors = data.import.errors;
    this.next = errors.pageInfo.hasNextPage ? errors.pageInfo.endCursor : null;
    this.render(errors.edges.map((edge) => edge.node));
  }

  render(nodes) {
    const body = $("errors-table").tBodies[0];
    body.replaceChildren();
    for (const node of nodes) {
      const row = document.createElement("tr");
      row.append(cell(node.rowNumber), cell(node.column || "(whole row)"), cell(node.value), cell(node.message));
      body.append(row);
    }
    labelCells($("errors-table"));
    const start = (this.cursors.length - 1) * PAGE_SIZE;
    $("errors-caption").textContent = nodes.length
      ? `Errors ${start + 1} to ${start + nodes.length}${this.next ? ", more follow" : ""}`
      : "No errors to show";
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
