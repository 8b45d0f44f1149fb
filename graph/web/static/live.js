// The live progress panel: bar, counts, rows per second and time left, from the states the
// importProgress subscription sends.

const $ = (id) => document.getElementById(id);

const PHASES = {
  VALIDATING: "Checking rows",
  IMPORTING: "Importing",
  ROLLING_BACK: "Rolling back",
};
const LABELS = { ...PHASES, IMPORTED: "Imported", ROLLED_BACK: "Rolled back" };

// Rows done in the current phase, and rows the phase has to do.
function work(state) {
  if (state.status === "IMPORTING" || state.status === "IMPORTED") {
    return [state.importedRows + state.failedImportRows, state.totalRows - state.failedValidationRows];
  }
  if (state.status === "ROLLING_BACK" || state.status === "ROLLED_BACK") {
    return [state.rolledBackRows + state.rollbackConflictRows, state.importedRows + state.rolledBackRows];
  }
  return [state.totalRows, null];
}

function duration(seconds) {
  if (!Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export class LivePanel {
  constructor() {
    this.first = null;
  }

  reset() {
    this.first = null;
  }

  update(state) {
    const [done, total] = work(state);
    const now = performance.now();
    if (!this.first || this.first.status !== state.status) this.first = { status: state.status, done, at: now };
    // Before the import starts, the bar is the import's: not begun.
    const percent = state.status in LABELS ? state.progress : 0;
    $("progress-label").textContent = LABELS[state.status] || "Import not started";
    $("progress-bar").value = percent;
    $("progress-percent").textContent = `${percent} %`;
    $("live-imported").textContent = state.importedRows;
    $("live-failed").textContent = state.failedImportRows;
    const seconds = (now - this.first.at) / 1000;
    const rate = seconds > 0.2 ? (done - this.first.done) / seconds : NaN;
    const working = state.status in PHASES;
    $("live-rate").textContent = working && rate > 0 ? Math.round(rate).toLocaleString() : "–";
    const left = total === null ? NaN : (total - done) / rate;
    $("live-left").textContent = working && rate > 0 ? duration(left) : "–";
  }
}
