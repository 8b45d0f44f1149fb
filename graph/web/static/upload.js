// Step 1: the type, the mode, a saved mapping if any, and the file (picked or dropped), sent
// with its upload progress shown.
import { request, upload } from "/web/api.js";
import { $ } from "/web/dom.js";
import { clear } from "/web/messages.js";
import * as Q from "/web/queries.js";

export async function loadUploadMappings(typeInfo) {
  const type = $("import-type").value;
  $("template-link").href = typeInfo(type).templateUrl;
  const data = await request(Q.SAVED, { type });
  // A Premier Core export is always read through a saved mapping.
  const first = type === "PREMIER_CORE" ? [] : [new Option("Map the columns automatically", "")];
  $("upload-mapping").replaceChildren(...first, ...data.importMappings.map((item) => new Option(item.name, item.id)));
}

function uploadInput() {
  const input = { type: $("import-type").value, mode: $("import-mode").value, file: null };
  const saved = $("upload-mapping").value;
  if (saved && input.type === "PREMIER_CORE") input.premierCoreMappingId = saved;
  else if (saved) input.mappingId = saved;
  return input;
}

function showProgress(percent) {
  $("upload-bar").value = percent;
  $("upload-percent").textContent = `${percent} %`;
  $("upload-label").textContent = percent < 100 ? "Uploading" : "Uploaded";
}

// The created import, or null when there was no file; refusals are thrown.
export async function submitUpload() {
  clear($("upload-error"));
  const file = $("file").files[0];
  if (!file) {
    $("upload-error").textContent = "Choose a file first (CSV or XLSX).";
    $("file").focus();
    return null;
  }
  $("upload-button").disabled = true;
  $("upload-progress").hidden = false;
  showProgress(0);
  try {
    const data = await upload(Q.CREATE, { input: uploadInput() }, "input.file", file, showProgress);
    return data.createImport;
  } finally {
    $("upload-button").disabled = false;
  }
}

export function wireDropZone() {
  const zone = $("drop");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) $("file").files = event.dataTransfer.files;
  });
}
