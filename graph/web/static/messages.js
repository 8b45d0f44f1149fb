// Refusals from the API, told to a person, next to what caused them.

const LEADS = {
  UNAUTHENTICATED: "This token was not accepted: it may be mistyped, revoked or expired. Make a new one with `importer token create`.",
  FORBIDDEN: "Your role may not do this.",
  NOT_FOUND: "This import is not in your organisation (it may have been removed).",
  INVALID_TRANSITION: "The import is not in a state that allows this.",
  BAD_FILE: "This file cannot be imported.",
  BAD_INPUT: "Something in the request needs changing.",
  INTERNAL_SERVER_ERROR: "Something went wrong on the server.",
  NETWORK: "",
};

export function explain(error) {
  const code = error && error.code;
  const message = (error && error.message) || "The request failed.";
  if (code === "UNAUTHENTICATED") return LEADS.UNAUTHENTICATED;
  const lead = LEADS[code];
  return lead ? `${lead} ${message}` : message;
}

export function show(element, error) {
  element.textContent = explain(error);
  element.dataset.code = (error && error.code) || "";
}

export function clear(...elements) {
  for (const element of elements) {
    element.textContent = "";
    delete element.dataset.code;
  }
}
