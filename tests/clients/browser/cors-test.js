#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// CORS in headless Chromium: a page served from another origin (a plain-HTTP server on another loopback
// port, started here) calls sandrun's /run (simple and preflighted), /submit and /status and reads the
// exposed X-Sandrun-* headers; then, against a second daemon with an origin allow-list
// (tests/integration/extra-daemon), a listed page reads a 429's Retry-After and an unlisted page's POST
// is refused before it runs. SANDRUN_URL (required, else exit 77). Exit 0 all passed, 1 a check failed.

'use strict';

const http = require('http');
const https = require('https');
const path = require('path');
const { execFileSync } = require('child_process');

const { baseUrl, check, runSessions } = require('./lib');

const BASE = baseUrl();
const EXTRA = path.resolve(__dirname, '../../integration/extra-daemon');

// A page on its own origin: http://127.0.0.1:<ephemeral port>/. It has no script of its own; the test
// runs fetch() in it, so every call is made by that origin.
function servePage() {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>docs page</title><p>Run button lives here</p>');
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

// The daemon's budget header for a request without Origin, straight from node.
function budgetOf(base) {
  return new Promise((resolve, reject) => {
    https.get(base + '/languages', { rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers['x-sandrun-budget-remaining']));
    }).on('error', reject);
  });
}

async function openPage(browser, origin) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const console_ = [];
  page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
  await page.goto(origin + '/');
  return { context, page, console_ };
}

async function anyOrigin(browser, origin) {
  const { context, page, console_ } = await openPage(browser, origin);
  const r = await page.evaluate(async (base) => {
    const out = {};
    // A simple request: no preflight.
    let res = await fetch(base + '/run?lang=python', { method: 'POST', body: 'print(6 * 7)' });
    out.simple = { status: res.status, body: await res.text(), jobId: res.headers.get('X-Sandrun-Job-Id'),
                   state: res.headers.get('X-Sandrun-Status'), exit: res.headers.get('X-Sandrun-Exit-Code'),
                   budget: res.headers.get('X-Sandrun-Budget-Remaining'),
                   cpu: res.headers.get('X-Sandrun-CPU-Seconds') };
    // JSON: preflighted.
    res = await fetch(base + '/run', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                       body: JSON.stringify({ code: 'import sys; print(sys.stdin.read())',
                                                              interpreter: 'python', stdin: 'from a page' }) });
    out.json = { status: res.status, body: await res.json() };
    // A batch job, then its status.
    const form = new FormData();
    form.append('manifest', JSON.stringify({ entrypoint: 'main.py', outputs: ['out.txt'] }));
    form.append('main.py', new Blob(['open("out.txt", "w").write("x")\nprint("batch")\n']), 'main.py');
    res = await fetch(base + '/submit', { method: 'POST', body: form });
    out.submit = { status: res.status, body: await res.json() };
    for (let i = 0; i < 100; i++) {
      res = await fetch(base + '/status/' + out.submit.body.job_id);
      out.status = { status: res.status, body: await res.json(), budget: res.headers.get('X-Sandrun-Budget-Remaining') };
      if (['completed', 'failed'].includes(out.status.body.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  }, BASE);
  check('other origin: simple POST /run answers and its text is readable', r.simple.status === 200 && r.simple.body === '42\n',
        JSON.stringify(r.simple));
  check('other origin: exposed X-Sandrun-Job-Id, -Status, -Exit-Code, -CPU-Seconds, -Budget-Remaining',
        /^[0-9a-f]{32}$/.test(r.simple.jobId || '') && r.simple.state === 'completed' && r.simple.exit === '0' &&
        /^\d+\.\d{3}$/.test(r.simple.cpu || '') && /^-?\d+\.\d$/.test(r.simple.budget || ''), JSON.stringify(r.simple));
  check('other origin: preflighted JSON POST /run', r.json.status === 200 && r.json.body.stdout === 'from a page\n',
        JSON.stringify(r.json));
  check('other origin: POST /submit with FormData', r.submit.status === 202 && /^[0-9a-f]{32}$/.test(r.submit.body.job_id || ''),
        JSON.stringify(r.submit));
  check('other origin: GET /status follows the job to its end', r.status.status === 200 &&
        r.status.body.status === 'completed' && r.status.body.exit_code === 0 && r.status.budget !== null,
        JSON.stringify(r.status));
  const corsErrors = console_.filter((l) => /CORS|Access-Control/i.test(l));
  check('other origin: no CORS error in the console', corsErrors.length === 0, corsErrors.join('; '));
  await context.close();
}

async function allowList(browser, listed, unlisted) {
  const url = execFileSync(EXTRA, ['up', '--cors-origin', listed, '--max-running-per-ip', '1',
                                   '--max-queued-per-ip', '1'], { encoding: 'utf8' }).trim();
  try {
    // First the unlisted page, on a fresh daemon: its POST must not run (nor bill) anything.
    let { context, page } = await openPage(browser, unlisted);
    const refused = await page.evaluate(async (base) => {
      const burn = 'import time\nt = time.process_time()\nwhile time.process_time() - t < 2: pass\n';
      try {
        const res = await fetch(base + '/run?lang=python', { method: 'POST', body: burn });
        return { status: res.status };
      } catch (e) {
        return { error: String(e) };
      }
    }, url);
    check('allow-list: an unlisted origin cannot read the answer', refused.error && /TypeError/.test(refused.error),
          JSON.stringify(refused));
    const budget = await budgetOf(url);
    check('allow-list: the unlisted origin\'s POST ran nothing (budget untouched)', budget === '10.0', `budget ${budget}`);
    await context.close();

    ({ context, page } = await openPage(browser, listed));
    const r = await page.evaluate(async (base) => {
      // One job runs, one waits, and one more is too many: send sleepers until one is refused.
      const pending = [];
      let refused = null;
      for (let i = 0; i < 6 && !refused; i++) {
        const f = fetch(base + '/run?lang=python', { method: 'POST', body: 'import time; time.sleep(2); print("slept")' });
        pending.push(f);
        const done = await Promise.race([f, new Promise((res) => setTimeout(() => res(null), 500))]);
        if (done && done.status === 429)
          refused = { status: done.status, retryAfter: done.headers.get('Retry-After'), body: await done.json() };
      }
      const f = await pending[0];
      await Promise.allSettled(pending);
      return { first: { status: f.status, body: await f.text() }, second: refused || {} };
    }, url);
    check('allow-list: the listed origin runs jobs', r.first.status === 200 && r.first.body === 'slept\n', JSON.stringify(r.first));
    check('allow-list: the listed origin reads a 429 and its Retry-After', r.second.status === 429 &&
          Number(r.second.retryAfter) >= 1 && typeof r.second.body.error === 'string', JSON.stringify(r.second));
    await context.close();
  } finally {
    execFileSync(EXTRA, ['down'], { stdio: 'inherit' });
  }
}

async function main() {
  const pages = [await servePage(), await servePage()];
  // runSessions exits when done, which also closes the two page servers.
  await runSessions((browser) => anyOrigin(browser, pages[0].origin),
                    (browser) => allowList(browser, pages[0].origin, pages[1].origin));
}

main();
