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

// Whether the import can be started: checked, not only a check, with a valid row.
export function startable(current) {
  return current.status === "VALIDATED" && current.mode !== "VALIDATE" && current.totalRows > current.failedValidationRows;
}

export function undoable(current) {
  return UNDOABLE.includes(current.status) && !importedNothing(current);
}

export function statusLabel(status) {
  return STATUSES[status] || status.replaceAll("_", " ").toLowerCase();
}

// A started import waiting for its organisation's turn: IMPORTING, with its place in line.
export function isWaiting(current) {
  return current.queuePosition !== null && current.queuePosition !== undefined;
}

// An import that ended with every row failing: not a plain "Imported".
export function importedNothing(current) {
  return current.status === "IMPORTED" && current.importedRows === 0 && current.failedImportRows > 0;
}

export function importLabel(current) {
  if (isWaiting(current)) return `Waiting for its turn (position ${current.queuePosition})`;
  if (importedNothing(current)) return "Imported nothing: every row failed";
  return statusLabel(current.status);
}

export function startHint(current) {
  const valid = current.totalRows - current.failedValidationRows;
  switch (current.status) {
    case "VALIDATED":
      if (current.mode === "VALIDATE") {
        return "This upload only checks the file. Upload it again with another choice under “What to do with its rows” to import it.";
      }
      return valid > 0
        ? `${valid} valid rows will be imported; invalid rows are skipped.`
        : "No row is valid, so there is nothing to import: see the errors above.";
    case "ERRORED":
      return "Fix the problem above (usually the mapping), then check again.";
    case "IMPORTING":
      return isWaiting(current)
        ? `Your organisation's other imports run first; this one is number ${current.queuePosition} in line.`
        : `${statusLabel(current.status)}…`;
    case "IMPORTED":
      return importedNothing(current)
        ? `No row was imported: all ${current.failedImportRows} failed. The errors above say why.`
        : `Imported ${current.importedRows} rows; ${current.failedImportRows} failed.`;
    default:
      return WORKING.includes(current.status) ? `${statusLabel(current.status)}…` : "";
  }
}

export function undoHint(current) {
  if (current.status === "ROLLED_BACK") {
    return `Rolled back: ${current.rolledBackRows} rows undone, ${current.rollbackConflictRows} left as they were (changed since).`;
  }
  if (isWaiting(current)) return "Nothing is written yet: rolling back cancels the import.";
  if (importedNothing(current)) return "This import wrote nothing, so there is nothing to undo.";
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

// Row problem codes (RowProblemCode), as "N × <words> in <field>" and beside each row error.
export const PROBLEM_KINDS = {
  REQUIRED: "blank required value",
  TOO_LONG: "too long",
  INVALID_EMAIL: "not an email address",
  INVALID_DATE: "not a valid date",
  AMBIGUOUS_DATE: "date valid only in the other order",
  INVALID_PHONE: "not a phone number",
  INVALID_BOOLEAN: "not yes or no",
  INVALID_NUMBER: "not a number",
  OUT_OF_RANGE: "number out of range",
  NOT_A_CHOICE: "not an allowed value",
  INVALID_CODE: "code of the wrong shape",
  INVALID_BARCODE: "not a valid barcode",
  INVALID_VALUE: "invalid value",
  RULE: "fields that do not agree",
  NO_MATCH_KEY: "no key to find the record",
  ROW_SHAPE: "more cells than the header",
  DUPLICATE_IN_FILE: "repeats an earlier row",
  ALREADY_EXISTS: "already exists",
  NOT_FOUND: "no such record",
  MISSING_REFERENCE: "refers to a missing record",
  WRITE_FAILED: "could not be written",
  CHANGED_SINCE_IMPORT: "changed since the import",
};

export function problemWords(code) {
  return PROBLEM_KINDS[code] || (code || "problem").replaceAll("_", " ").toLowerCase();
}

// One entry of errorCounts; `fieldLabel` is the field's label, or null for a whole-row problem.
export function problemCount(count, fieldLabel) {
  const where = fieldLabel ? ` in ${fieldLabel}` : "";
  return `${count.count} × ${problemWords(count.code)}${where}`;
}

// The choices a notice's control offers (see notices.js), in a person's words.
export const DATE_ORDERS = [
  ["DAY_FIRST", "Day first (05/11/1990 is 5 November)"],
  ["MONTH_FIRST", "Month first (05/11/1990 is 11 May)"],
  ["YEAR_FIRST", "Year first (1990/11/05 is 5 November)"],
];
// Python codec names, as `encoding` takes them.
export const ENCODINGS = [
  ["utf-8", "UTF-8"],
  ["windows-1252", "Windows-1252 (Excel on Windows)"],
  ["mac_roman", "Mac Roman (Excel for Mac)"],
  ["latin-1", "Latin-1 (ISO-8859-1)"],
  ["utf-16", "UTF-16"],
];
export const DECIMAL_SEPARATORS = [
  [",", "Decimal comma (12,50)"],
  [".", "Decimal point (12.50)"],
];

// What each control is called beside its notice; `column` is the column a notice is about.
export function controlLabel(control, column) {
  const of = column ? ` of column ${column}` : "";
  return {
    DATE_ORDER: `Date order${of}`,
    ENCODING: "Encoding of the file",
    HEADER_ROW: "Row of the header",
    DECIMAL_SEPARATOR: `Decimal separator${of}`,
  }[control] || control;
}

export const CONTROL_BUTTONS = {
  DATE_ORDER: "Use this date order",
  ENCODING: "Use this encoding",
  HEADER_ROW: "Use this header row",
  DECIMAL_SEPARATOR: "Use this decimal separator",
};

export const CONTROL_HINTS = {
  DATE_ORDER: "Applies to every date column whose dates do not prove an order.",
  HEADER_ROW: "1 is the first line of the file.",
};
