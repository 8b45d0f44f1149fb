// What the page says about an import's state, in words a person reads.

export const STATUSES = {
  VALIDATING: "Checking rows",
  VALIDATED: "Checked: ready to import",
  IMPORTING: "Importing",
  IMPORTED: "Imported",
  ROLLING_BACK: "Rolling back",
  ROLLED_BACK: "Rolled back",
  ERRORED: "Stopped: needs attention",
};
export const MODES = { STORE: "Create", UPDATE: "Update", UPSERT: "Update or create", VALIDATE: "Check only" };
// States that change on their own: the page keeps listening to the subscription.
export const WORKING = ["VALIDATING", "IMPORTING", "ROLLING_BACK"];
export const UNDOABLE = ["IMPORTING", "IMPORTED"];

export function statusLabel(status) {
  return STATUSES[status] || status.replaceAll("_", " ").toLowerCase();
}

// A started import waiting for its organisation's turn: IMPORTING, with its place in line.
export function isWaiting(current) {
  return current.queuePosition !== null && current.queuePosition !== undefined;
}

export function importLabel(current) {
  return isWaiting(current) ? `Waiting for its turn (position ${current.queuePosition})` : statusLabel(current.status);
}

export function startHint(current) {
  const valid = current.totalRows - current.failedValidationRows;
  switch (current.status) {
    case "VALIDATED":
      return current.mode === "VALIDATE"
        ? "This upload only checks the file. Upload it again with another choice under “What to do with its rows” to import it."
        : `${valid} valid rows will be imported; invalid rows are skipped.`;
    case "ERRORED":
      return "Fix the problem above (usually the mapping), then check again.";
    case "IMPORTING":
      return isWaiting(current)
        ? `Your organisation's other imports run first; this one is number ${current.queuePosition} in line.`
        : `${statusLabel(current.status)}…`;
    case "IMPORTED":
      return `Imported ${current.importedRows} rows; ${current.failedImportRows} failed.`;
    default:
      return WORKING.includes(current.status) ? `${statusLabel(current.status)}…` : "";
  }
}

export function undoHint(current) {
  if (current.status === "ROLLED_BACK") {
    return `Rolled back: ${current.rolledBackRows} rows undone, ${current.rollbackConflictRows} left as they were (changed since).`;
  }
  if (isWaiting(current)) return "Nothing is written yet: rolling back cancels the import.";
  return UNDOABLE.includes(current.status) ? "Undo removes what this import wrote." : "Nothing to undo yet.";
}

// What a rollback will remove or restore; `noun` names the records ("clients").
export function rollbackSummary(current, noun) {
  if (isWaiting(current)) return "The import has not started: rolling back cancels it, and nothing is removed.";
  const count = current.importedRows;
  const what = {
    STORE: `removes the ${count} ${noun} this import created.`,
    UPDATE: `puts the ${count} ${noun} this import changed back as they were before it.`,
    UPSERT: `removes the ${noun} this import created and puts back those it changed (${count} in all).`,
  }[current.mode] || "undoes what this import wrote.";
  const lead = current.status === "IMPORTING" ? "The import is still running: it stops, and this" : "This";
  return `${lead} ${what} Records someone changed since the import are left as they are and listed as conflicts.`;
}
