#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The page's live output in headless Chromium against a live daemon (SANDRUN_URL, else exit 77): output
// shows while the program still runs, the signed receipt gets its "verified" mark (checked by the browser's
// own Ed25519), and the Run button, turned Stop, ends a running job: its scope is gone at once
// (SANDRUN_CONTAINER's `exec` looks). Exit 0 all passed, 1 a check failed.

'use strict';

const path = require('path');
const { execFileSync } = require('child_process');
const { baseUrl, check, runSessions, setEditorText } = require('./lib');

const BASE = baseUrl();
const CONTAINER = process.env.SANDRUN_CONTAINER || path.resolve(__dirname, '../../container/sandrun-container');

// Job scopes, told apart from the idle warm sandboxes of a runner's pool by the integration tests' helper.
function jobScopes() {
  const code = 'import sandrun_test; print("\\n".join(sandrun_test.job_scopes()))';
  const out = execFileSync('/usr/bin/python3', ['-c', code], {
    encoding: 'utf8',
    env: { ...process.env, SANDRUN_CONTAINER: CONTAINER, PYTHONPATH: path.resolve(__dirname, '../../integration') },
  });
  return out.split('\n').filter((l) => l.trim());
}

async function setCode(page, code) {
  await page.selectOption('#language', 'python');
  await setEditorText(page, code);
}

async function live(browser) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(BASE + '/');
  await page.waitForSelector('#language:not([disabled])', { timeout: 15000 });

  // Live: the first line is on screen while the program still sleeps.
  await setCode(page, 'import sys, time\nprint("first", flush=True)\nprint("to stderr", file=sys.stderr, flush=True)\n' +
                      'time.sleep(2)\nprint("second")\n');
  await page.click('#run');
  const t0 = Date.now();
  await page.waitForFunction(() => /first/.test((document.querySelector('.stream-stdout pre') || {}).textContent || ''),
                             null, { timeout: 10000 });
  const seenAfter = Date.now() - t0;
  const midway = await page.evaluate(() => ({
    state: document.querySelector('#status').dataset.state,
    label: document.querySelector('#run-label').textContent,
    stderr: (document.querySelector('.stream-stderr pre') || {}).textContent,
  }));
  check('output shows while the program runs', midway.state === 'running' && seenAfter < 1800,
        `${seenAfter} ms, status ${midway.state}`);
  check('stderr shows live too, apart from stdout', /to stderr/.test(midway.stderr || ''), JSON.stringify(midway.stderr));
  check('the Run button is a Stop button meanwhile', midway.label === 'Stop', midway.label);
  await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'ok', null, { timeout: 15000 });
  const done = await page.evaluate(() => document.querySelector('.stream-stdout pre').textContent);
  check('the final output replaces the live one, whole', done === 'first\nsecond\n', JSON.stringify(done));
  await page.waitForFunction(() => !document.querySelector('#receipt').hidden, null, { timeout: 10000 });
  const receipt = await page.evaluate(() => ({ state: document.querySelector('#receipt').dataset.state,
                                               text: document.querySelector('#receipt').textContent }));
  check('the receipt is verified in the browser', receipt.state === 'verified' && /Verified/.test(receipt.text),
        JSON.stringify(receipt));

  // Stop: the job ends on the server at once.
  await setCode(page, 'import time\nprint("running", flush=True)\nwhile True: time.sleep(1)\n');
  await page.click('#run');
  await page.waitForFunction(() => /running/.test((document.querySelector('.stream-stdout pre') || {}).textContent || ''),
                             null, { timeout: 10000 });
  check('a scope runs the job', jobScopes().length === 1, jobScopes().join(', '));
  await page.click('#run');
  await page.waitForFunction(() => document.querySelector('#status').textContent === 'Stopped', null, { timeout: 5000 });
  const t1 = Date.now();
  let scopes = jobScopes();
  while (scopes.length && Date.now() - t1 < 3000) {
    await new Promise((r) => setTimeout(r, 100));
    scopes = jobScopes();
  }
  check('Stop ends the job: its scope is gone', scopes.length === 0, `${Date.now() - t1} ms; ${scopes.join(', ')}`);
  const kept = await page.evaluate(() => document.querySelector('.stream-stdout pre').textContent);
  check('what it printed before Stop stays on screen', kept === 'running\n', JSON.stringify(kept));
  check('no console errors', errors.length === 0, errors.join('; '));
  await context.close();
}

runSessions(live);
