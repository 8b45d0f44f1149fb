// Step 6: the organisation's imports, newest first, with filters; each opens its details.
import { request } from "/web/api.js";
import { $, cell, labelCells } from "/web/dom.js";
import { HISTORY } from "/web/queries.js";

const PAGE_SIZE = 20;


function startOfDay(value, addDays = 0) {
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year, month - 1, day + addDays).toISOString();
}

function filter() {
  const chosen = {};
  if ($("history-type").value) chosen.type = $("history-type").value;
  if ($("history-status").value) chosen.status = $("history-status").value;
  if ($("history-from").value) chosen.createdAfter = startOfDay($("history-from").value);
  if ($("history-to").value) chosen.createdBefore = startOfDay($("history-to").value, 1);
  return chosen;
}

export class History {
  constructor({ onOpen, typeLabel, importLabel }) {
    this.onOpen = onOpen;
    this.typeLabel = typeLabel;
    this.importLabel = importLabel;
    this.after = null;
    this.ticket = 0; // the latest request: an older answer that arrives later is dropped
  }

  async show() {
    await this.load({ fresh: true });
  }

  async more() {
    await this.load({ fresh: false });
  }

  async load({ fresh }) {
    const ticket = ++this.ticket;
    const data = await request(HISTORY, { first: PAGE_SIZE, after: fresh ? null : this.after, filter: filter() });
    if (ticket !== this.ticket) return;
    const page = data.imports;
    const body = $("history-table").tBodies[0];
    const rows = page.edges.map((edge) => this.row(edge.node));
    if (fresh) body.replaceChildren(...rows);
    else body.append(...rows);
    if (!body.rows.length) {
      const empty = document.createElement("tr");
      const note = cell("No imports match.");
      note.colSpan = 6;
      empty.append(note);
      body.append(empty);
    }
    labelCells($("history-table"));
    this.after = page.pageInfo.endCursor;
    $("history-more").hidden = !page.pageInfo.hasNextPage;
  }

  row(item) {
    const row = document.createElement("tr");
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = "Open";
    open.setAttribute("aria-label", `Open ${item.filename}, ${new Date(item.createdAt).toLocaleString()}`);
    open.addEventListener("click", () => this.onOpen(item.id));
    const actions = cell("");
    actions.append(open);
    row.append(
      cell(new Date(item.createdAt).toLocaleString()), cell(item.filename), cell(this.typeLabel(item.type)),
      cell(this.importLabel(item)), cell(`${item.importedRows} of ${item.totalRows}`), actions,
    );
    return row;
  }
}
