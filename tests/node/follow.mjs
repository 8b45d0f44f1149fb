// Follows one import's progress with the npm graphql-ws client, reconnecting (and so
// resubscribing) when the server goes away, as a browser page would.
// Usage: node follow.mjs ws://127.0.0.1:PORT/graphql TOKEN IMPORT_ID
// Prints one JSON line per event: {"connected": N} for each connection, {"state": {...}}
// for each importProgress result. Exits 0 when the server completes the subscription,
// 1 on a subscription error or when it cannot reconnect within RETRY_ATTEMPTS x RETRY_WAIT_MS.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const RETRY_ATTEMPTS = 120;
const RETRY_WAIT_MS = 500;

const [url, token, importId] = process.argv.slice(2);
if (!url || !token || !importId) {
  console.error('usage: node follow.mjs WS_URL TOKEN IMPORT_ID');
  process.exit(2);
}

const print = (line) => console.log(JSON.stringify(line));
let connections = 0;

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  lazy: true,
  retryAttempts: RETRY_ATTEMPTS,
  retryWait: () => new Promise((resolve) => setTimeout(resolve, RETRY_WAIT_MS)),
  // A refused connection (the server is restarting) arrives as an error event, not a close
  // event, which graphql-ws does not retry by default.
  shouldRetry: () => true,
  on: { connected: () => print({ connected: ++connections }) },
});

function describe(err) {
  if (err instanceof Error) return err.message;
  if (err && err.type) return `${err.type} ${err.message} ${err.error}`;
  if (err && typeof err.code === 'number') return `socket closed ${err.code} ${err.reason}`;
  return JSON.stringify(err);
}

try {
  await new Promise((resolve, reject) => {
    client.subscribe(
      {
        query: `subscription($id: ID!) { importProgress(id: $id) {
          status totalRows importedRows failedImportRows failedValidationRows } }`,
        variables: { id: importId },
      },
      {
        next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors)))
          : print({ state: result.data.importProgress })),
        error: (err) => reject(err),
        complete: resolve,
      },
    );
  });
} catch (err) {
  console.error(`subscription failed: ${describe(err)}`);
  await client.dispose();
  process.exit(1);
}
await client.dispose();
