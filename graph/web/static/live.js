// The live progress panel: bar, counts, rows per second and time left, from the states the
// importProgress subscription sends.
import { $ } from "/web/dom.js";
import { STATUSES, WORKING, isWaiting } from "/web/wording.js";

// The statuses the panel measures: a phase under way, or the end it reached.
const MEASURED = [...WORKING, "IMPORTED", "ROLLED_BACK"];

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

const PHASE_OF = { IMPORTED: "IMPORTING", ROLLED_BACK: "ROLLING_BACK" };

// Waiting for its turn is a phase of its own: the rate starts when the import does.
function phase(state) {
  return isWaiting(state) ? "WAITING" : PHASE_OF[state.status] || state.status;
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
    if (!this.first || this.first.phase !== phase(state)) {
      this.first = { phase: phase(state), done, at: now };
    }
    // Before the import starts, the bar is the import's: not begun (a waiting import's progress is 0).
    const waiting = isWaiting(state);
    const measured = MEASURED.includes(state.status);
    const percent = measured ? state.progress : 0;
    $("progress-label").textContent = waiting ? "Waiting for its turn" : measured ? STATUSES[state.status] : "Import not started";
    $("progress-bar").value = percent;
    $("progress-percent").textContent = `${percent} %`;
    $("live-imported").textContent = state.importedRows;
    $("live-failed").textContent = state.failedImportRows;
    const rate = this.rate(state, done, now);
    const working = WORKING.includes(state.status) && !waiting;
    $("live-rate").textContent = rate > 0 && measured && !waiting ? Math.round(rate).toLocaleString() : "–";
    const left = total === null ? NaN : (total - done) / rate;
    $("live-left").textContent = working && rate > 0 ? duration(left) : "–";
  }

  // Rows per second since this page saw the phase begin; a finished phase keeps its last rate.
  rate(state, done, now) {
    if (this.first.rate !== undefined) return this.first.rate;
    const seconds = (now - this.first.at) / 1000;
    const rate = seconds > 0 ? (done - this.first.done) / seconds : NaN;
    if (!WORKING.includes(state.status) && MEASURED.includes(state.status)) this.first.rate = rate;
    return rate;
  }
}
