// Placeholder console until the React app lands (issue: console). Writes dist/index.html,
// which the server serves at `/`.
import { mkdirSync, writeFileSync } from 'node:fs';

const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Switchboard</title>
  </head>
  <body>
    <main>
      <h1>Switchboard</h1>
      <p>The server is running. The console is not built yet; the API is documented at <a href="/docs">/docs</a>.</p>
    </main>
  </body>
</html>
`;
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
writeFileSync(new URL('../dist/index.html', import.meta.url), html);
