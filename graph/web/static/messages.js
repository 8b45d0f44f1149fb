// Refusals from the API, told to a person, next to what caused them. The service's messages
// already say what to do next; a few codes need words of the page's own.

const OWN_WORDS = {
  UNAUTHENTICATED: "This token was not accepted: it may be mistyped, revoked or expired. Make a new one with `importer token create`.",
};
const LEADS = {
  GRAPHQL_VALIDATION_FAILED: "This page does not match the server's API; reload the page.",
  GRAPHQL_PARSE_FAILED: "This page does not match the server's API; reload the page.",
  BAD_REQUEST: "The server refused the request:",
};

export function explain(error) {
  const code = error && error.code;
  const message = (error && error.message) || "The request failed.";
  if (OWN_WORDS[code]) return OWN_WORDS[code];
  return LEADS[code] ? `${LEADS[code]} ${message}` : message;
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
