// Runs graphql-http's GraphQL-over-HTTP server audit against a live endpoint.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Prints one line per audit and a closing "audit: N ok, N notice, N warn, N error" line;
// exits 1 when any audit is a warning (failed SHOULD) or an error (failed MUST).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  let line = `${result.status.toUpperCase().padEnd(6)} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    let body = '';
    try {
      body = await result.response.text();
    } catch (err) {
      body = `(body unreadable: ${err})`;
    }
    line += `\n       reason: ${result.reason}; status ${result.response.status}; ` +
      `content-type ${result.response.headers.get('content-type')}; body ${body.slice(0, 300)}`;
  }
  console.log(line);
}
console.log(`audit: ${counts.ok} ok, ${counts.notice} notice, ${counts.warn} warn, ${counts.error} error`);
process.exit(counts.warn || counts.error ? 1 : 0);
