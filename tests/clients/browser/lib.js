// SPDX-License-Identifier: LGPL-2.1-or-later
// What the Chromium tests share: the daemon's URL (exit 77 without one), their dependencies (npm ci here,
// Debian's chromium), the browser launch, PASS/FAIL lines with a closing count, and a page that records
// every problem (console errors, exceptions, CSP violation events, requests to anywhere but the daemon).

'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.SANDRUN_ARTIFACTS || path.resolve(__dirname, '../../artifacts');

// SANDRUN_URL, or a SKIP line and exit 77.
function baseUrl() {
  const base = process.env.SANDRUN_URL;
  if (!base) {
    console.log('SKIP: SANDRUN_URL is not set (e.g. SANDRUN_URL=https://127.0.0.1:8443)');
    process.exit(77);
  }
  return base;
}

// The tests bring what they need: the npm dependencies (npm ci) and Debian's chromium.
function ensureDependencies() {
  const wanted = Object.keys(JSON.parse(fs.readFileSync(path.join(__dirname, 'package.json'), 'utf8')).dependencies);
  if (!wanted.every((name) => fs.existsSync(path.join(__dirname, 'node_modules', name, 'package.json')))) {
    console.log('installing npm dependencies (npm ci)');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: __dirname, stdio: 'inherit' });
  }
  if (!fs.existsSync(CHROMIUM)) {
    if (process.getuid && process.getuid() !== 0)
      throw new Error(`${CHROMIUM} is missing; install Debian's chromium package`);
    console.log('installing Debian\'s chromium package');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit',
                                                                  env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

let failures = 0, passes = 0;
function check(name, ok, detail = '') {
  if (ok) passes++; else failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'}: ${name}${detail ? ` (${detail})` : ''}`);
  return ok;
}

// Prints the count and exits: 0 when something passed and nothing failed.
function finish() {
  console.log(`${passes} passed, ${failures} failed`);
  process.exit(failures === 0 && passes > 0 ? 0 : 1);
}

// Headless Debian chromium; its own sandbox is off because the tests run as root.
async function launch() {
  try {
    ensureDependencies();
  } catch (error) {
    console.log(`FAIL: cannot set up the browser test: ${error.message}`);
    process.exit(1);
  }
  const { chromium } = require('playwright-core');
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

const RECORD_CSP = () => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:` +
                                `${e.lineNumber}:${e.columnNumber} ${e.sample || ''}`);
  });
};

// A fresh context and page whose problems are recorded; origin is the daemon's.
async function newPage(browser, origin, options = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, ...options });
  await context.addInitScript(RECORD_CSP);
  const page = await context.newPage();
  const problems = { console: [], errors: [], foreign: [] };
  page.on('console', (msg) => { if (msg.type() === 'error') problems.console.push(msg.text()); });
  page.on('pageerror', (err) => problems.errors.push(String(err)));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin + '/') && !url.startsWith('data:') && !url.startsWith('blob:'))
      problems.foreign.push(url);
  });
  return { context, page, problems };
}

async function checkNoProblems(label, page, problems) {
  const csp = await page.evaluate(() => window.__cspViolations || []);
  check(`${label}: no CSP violations`, csp.length === 0, csp.join('; '));
  check(`${label}: no console errors`, problems.console.length === 0, problems.console.join('; '));
  check(`${label}: no uncaught exceptions`, problems.errors.length === 0, problems.errors.join('; '));
  check(`${label}: nothing fetched from outside the daemon`, problems.foreign.length === 0, problems.foreign.join(', '));
}

// The editor's text, read from CodeMirror's lines (the whole document is drawn while it is short).
async function editorText(page) {
  return page.$$eval('#editor .cm-line', (lines) => lines.map((l) => l.textContent).join('\n'));
}

// Replaces the editor's text as a paste would (no auto-indent on the way in).
async function setEditorText(page, text) {
  await page.click('#code');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

// Waits until the run on the page has ended and returns what the page shows of it.
async function waitForResult(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('#status').dataset.state;
    return s !== 'running' && s !== 'idle';
  }, null, { timeout: 60000 });
  return page.evaluate(() => {
    const text = (sel) => { const e = document.querySelector(sel); return e ? e.textContent : null; };
    const colour = (sel) => { const e = document.querySelector(sel); return e ? getComputedStyle(e).color : null; };
    return {
      state: document.querySelector('#status').dataset.state,
      status: text('#status'),
      stdout: text('.stream-stdout pre'),
      stderr: text('.stream-stderr pre'),
      stdoutLabel: text('.stream-stdout .stream-label'),
      stderrLabel: text('.stream-stderr .stream-label'),
      stdoutColour: colour('.stream-stdout pre'),
      stderrColour: colour('.stream-stderr pre'),
      stdoutBorder: (() => { const e = document.querySelector('.stream-stdout'); return e && getComputedStyle(e).borderLeftColor; })(),
      stderrBorder: (() => { const e = document.querySelector('.stream-stderr'); return e && getComputedStyle(e).borderLeftColor; })(),
      cpu: text('#metric-cpu'), memory: text('#metric-memory'), wall: text('#metric-wall'),
      notice: document.querySelector('#notice').hidden ? null : text('#notice'),
    };
  });
}

// Launches the browser, hands it to each session in turn, counts an exception as a failed check, closes
// the browser and exits with the count (see finish()).
async function runSessions(...sessions) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await launch();
  try {
    for (const session of sessions) await session(browser);
  } catch (error) {
    check('browser session completed', false, String(error && error.stack || error));
  } finally {
    await browser.close();
  }
  finish();
}

module.exports = {
  ARTIFACTS, CHROMIUM, baseUrl, check, finish, launch, newPage, checkNoProblems, editorText, setEditorText,
  waitForResult, runSessions,
};
