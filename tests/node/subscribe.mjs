// Subscribes to one import's progress with the npm graphql-ws client over the ws package.
// Usage: node subscribe.mjs ws://127.0.0.1:PORT/graphql TOKEN IMPORT_ID
// Prints the received importProgress states as one JSON array once the server completes
// the subscription; exits 1 on a subscription error or a closed connection.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, importId] = process.argv.slice(2);
if (!url || !token || !importId) {
  console.error('usage: node subscribe.mjs WS_URL TOKEN IMPORT_ID');
  process.exit(2);
}

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  lazy: true,
});

const events = [];

// graphql-ws reports an Error, a list of GraphQL errors, or the CloseEvent of the socket.
function describe(err) {
  if (err instanceof Error) return err;
  if (err && typeof err.code === 'number') return new Error(`socket closed ${err.code} ${err.reason}`);
  return new Error(JSON.stringify(err));
}
try {
  await new Promise((resolve, reject) => {
    client.subscribe(
      {
        query: 'subscription($id: ID!) { importProgress(id: $id) { status totalRows } }',
        variables: { id: importId },
      },
      {
        next: (result) => {
          if (result.errors) {
            reject(new Error(`errors in a result: ${JSON.stringify(result.errors)}`));
            return;
          }
          events.push(result.data.importProgress);
        },
        error: (err) => reject(describe(err)),
        complete: resolve,
      },
    );
  });
} catch (err) {
  console.error(`subscription failed: ${err.message}; received so far: ${JSON.stringify(events)}`);
  await client.dispose();
  process.exit(1);
}
await client.dispose();
console.log(JSON.stringify(events));
