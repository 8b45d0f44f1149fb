// The service's public GraphQL API, as any frontend uses it: queries and mutations over
// HTTP, uploads per the GraphQL multipart request spec, subscriptions over graphql-transport-ws.
import { createClient } from "/web-vendor/graphql-ws/client.js";

const TOKEN_KEY = "importer.token";
const ENDPOINT = "/graphql";

export class ApiError extends Error {
  constructor(code, message, extensions = {}) {
    super(message);
    this.code = code;
    this.extensions = extensions;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

function authorization() {
  return { Authorization: `Bearer ${token.get() || ""}` };
}

function unreachable() {
  return new ApiError("NETWORK", "The server cannot be reached. Check the connection and try again.");
}

function answer(body) {
  const error = body && body.errors && body.errors[0];
  if (error) {
    const extensions = error.extensions || {};
    throw new ApiError(extensions.code || "BAD_REQUEST", error.message, extensions);
  }
  if (!body || !body.data) throw new ApiError("BAD_RESPONSE", "The server sent an answer this page does not understand.");
  return body.data;
}

export async function request(query, variables = {}) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", ...authorization() },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw unreachable();
  }
  return answer(await response.json().catch(() => null));
}

// A mutation with one file at `filePath` in its variables (e.g. "input.file"); reports the
// share of the file sent through onProgress(0..100).
export function upload(query, variables, filePath, file, onProgress) {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables }));
  form.append("map", JSON.stringify({ 0: [`variables.${filePath}`] }));
  form.append("0", file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", ENDPOINT);
    xhr.setRequestHeader("GraphQL-Preflight", "1");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Authorization", authorization().Authorization);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: answered below */ }
      try { resolve(answer(body)); } catch (error) { reject(error); }
    });
    xhr.addEventListener("error", () => reject(unreachable()));
    xhr.send(form);
  });
}

// Calls onNext(data) for each result; onDone() when the server completes; onError(ApiError).
// Returns a function that stops the subscription.
export function subscribe(query, variables, { onNext, onDone, onError }) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const client = createClient({
    url: `${scheme}//${location.host}${ENDPOINT}`,
    connectionParams: authorization(),
    retryAttempts: 3,
    shouldRetry: () => true,
  });
  const stop = client.subscribe({ query, variables }, {
    next: (body) => {
      try { onNext(answer(body)); } catch (error) { onError(error); }
    },
    error: (error) => {
      onError(Array.isArray(error) ? toApiError(error[0]) : unreachable());
      client.dispose();
    },
    complete: () => {
      onDone();
      client.dispose();
    },
  });
  return () => { stop(); client.dispose(); };
}

function toApiError(error) {
  const extensions = (error && error.extensions) || {};
  return new ApiError(extensions.code || "BAD_REQUEST", (error && error.message) || "The request was refused.", extensions);
}

// Downloads a file the API points at (e.g. an error report), sending the token.
export async function download(url, filename) {
  let response;
  try {
    response = await fetch(url, { headers: authorization() });
  } catch {
    throw unreachable();
  }
  if (!response.ok) answer(await response.json().catch(() => null));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
