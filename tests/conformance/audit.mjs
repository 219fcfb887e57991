// Runs graphql-http's server audits (the GraphQL over HTTP spec's MUST/SHOULD checks)
// against a running server and prints one JSON line per audit.
import { auditServer } from "graphql-http";

const url = process.argv[2];
const results = await auditServer({ url });
for (const result of results) {
  console.log(JSON.stringify({ id: result.id, name: result.name, status: result.status,
    reason: result.reason || null }));
}
