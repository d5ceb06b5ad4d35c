#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Drives sandrun's page in headless Chromium against a live daemon: SANDRUN_URL (required, else exit
// 77), SANDRUN_PIN (optional). Checks that the page loads without CSP violations or console errors,
// fetches nothing from elsewhere, runs a program on Ctrl+Enter and shows stdout and stderr apart with
// the exit status and metrics, at desktop size and on a phone. Screenshots go to tests/artifacts/.
// Exit status: 0 all checks passed, 1 a check failed, 77 skipped.

'use strict';

const fs = require('fs');
const path = require('path');

const BASE = process.env.SANDRUN_URL;
if (!BASE) {
  console.log('SKIP: SANDRUN_URL is not set (e.g. SANDRUN_URL=https://127.0.0.1:8443)');
  process.exit(77);
}
const ORIGIN = new URL(BASE).origin;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.SANDRUN_ARTIFACTS || path.resolve(__dirname, '../../artifacts');
const RUN_TIMEOUT = 60000;

// The test brings what it needs: the npm dependencies (npm ci) and Debian's chromium.
function ensureDependencies() {
  const { execFileSync } = require('child_process');
  if (!fs.existsSync(path.join(__dirname, 'node_modules', 'playwright-core'))) {
    console.log('installing npm dependencies (npm ci)');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: __dirname, stdio: 'inherit' });
  }
  if (!fs.existsSync(CHROMIUM)) {
    if (process.getuid && process.getuid() !== 0)
      throw new Error(`${CHROMIUM} is missing; install Debian's chromium package`);
    console.log('installing Debian\'s chromium package');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

try {
  ensureDependencies();
} catch (error) {
  console.log(`FAIL: cannot set up the browser test: ${error.message}`);
  process.exit(1);
}
const { chromium } = require('playwright-core');

let failures = 0, passes = 0;
function check(name, ok, detail = '') {
  if (ok) passes++; else failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'}: ${name}${detail ? ` (${detail})` : ''}`);
  return ok;
}

// Collects what must never happen on the page: console errors, uncaught exceptions, CSP violations,
// requests to anywhere but the daemon.
function watch(page) {
  const problems = { console: [], errors: [], csp: [], foreign: [] };
  page.on('console', (msg) => { if (msg.type() === 'error') problems.console.push(msg.text()); });
  page.on('pageerror', (err) => problems.errors.push(String(err)));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(ORIGIN + '/') && !url.startsWith('data:')) problems.foreign.push(url);
  });
  return problems;
}

async function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations || []);
}

const RECORD_CSP = () => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
  });
};

async function newPage(browser, options) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, ...options });
  await context.addInitScript(RECORD_CSP);
  const page = await context.newPage();
  const problems = watch(page);
  return { context, page, problems };
}

async function loadPage(page) {
  const response = await page.goto(BASE + '/', { waitUntil: 'load' });
  check('GET / answers 200 with HTML', response && response.status() === 200 &&
        /text\/html/.test(response.headers()['content-type'] || ''),
        response ? `HTTP ${response.status()} ${response.headers()['content-type']}` : 'no response');
  const csp = (response && response.headers()['content-security-policy']) || '';
  check('page is served with a Content-Security-Policy', /default-src 'self'/.test(csp), csp || 'none');
  await page.waitForSelector('#language:not([disabled])', { timeout: 15000 });
  const names = await page.$$eval('#language option', (options) => options.map((o) => o.value));
  check('language picker is filled from /languages and offers python', names.includes('python'), names.join(', '));
  return names;
}

async function waitForResult(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('#status').dataset.state;
    return s !== 'running' && s !== 'idle';
  }, null, { timeout: RUN_TIMEOUT });
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

function checkNoProblems(label, problems, csp) {
  check(`${label}: no CSP violations`, csp.length === 0, csp.join('; '));
  check(`${label}: no console errors`, problems.console.length === 0, problems.console.join('; '));
  check(`${label}: no uncaught exceptions`, problems.errors.length === 0, problems.errors.join('; '));
  check(`${label}: nothing fetched from outside the daemon`, problems.foreign.length === 0, problems.foreign.join(', '));
}

async function desktop(browser) {
  const { context, page, problems } = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await loadPage(page);
  await page.selectOption('#language', 'python');

  // Type like a person: Enter after ':' indents, Shift+Tab dedents, Tab inserts spaces.
  await page.click('#code');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('import sys');
  await page.keyboard.press('Enter');
  await page.keyboard.type('for i in range(2):');
  await page.keyboard.press('Enter');
  await page.keyboard.type('print("stdout line", i)');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.type('print("oops on stderr", file=sys.stderr)');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  const afterTab = await page.$eval('#code', (t) => ({ value: t.value, focused: document.activeElement === t }));
  check('Tab inserts spaces and keeps focus in the editor', afterTab.value.endsWith('\n    ') && afterTab.focused);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.type('sys.exit(3)');
  const code = await page.inputValue('#code');
  const expected = 'import sys\nfor i in range(2):\n    print("stdout line", i)\n' +
                   'print("oops on stderr", file=sys.stderr)\nsys.exit(3)';
  check('editor auto-indents after ":" and dedents with Shift+Tab', code === expected, JSON.stringify(code));
  const gutter = await page.$eval('#gutter', (g) => g.textContent.trim().split('\n').length);
  check('line-number gutter follows the code', gutter === 5, `${gutter} numbers`);

  await page.keyboard.press('Control+Enter');
  const r = await waitForResult(page);
  check('Ctrl+Enter runs the program and shows exit status 3', r.status === 'Exit 3' && r.state === 'nonzero',
        `${r.status} / ${r.state}${r.notice ? ` / ${r.notice}` : ''}`);
  check('stdout is shown under a "stdout" label', r.stdoutLabel === 'stdout' && r.stdout === 'stdout line 0\nstdout line 1\n',
        JSON.stringify(r.stdout));
  check('stderr is shown apart under a "stderr" label', r.stderrLabel === 'stderr' && r.stderr === 'oops on stderr\n',
        JSON.stringify(r.stderr));
  check('stdout and stderr are told apart by colour', r.stdoutColour !== r.stderrColour && r.stdoutBorder !== r.stderrBorder,
        `${r.stdoutColour} vs ${r.stderrColour}`);
  check('CPU, memory and wall time are shown', [r.cpu, r.memory, r.wall].every((v) => v && v !== '–'),
        `${r.cpu} / ${r.memory} / ${r.wall}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'browser-desktop.png') });

  // The sample reads a name from stdin.
  await page.click('#sample');
  await page.click('#stdin-box summary');
  await page.fill('#stdin', 'Ada');
  await page.click('#run');
  const s = await waitForResult(page);
  check('the stdin box feeds the program', s.state === 'ok' && /Hello, Ada!/.test(s.stdout || ''),
        `${s.status}: ${JSON.stringify(s.stdout)}`);

  checkNoProblems('desktop', problems, await cspViolations(page));
  await context.close();
}

async function phone(browser, colorScheme) {
  const { context, page, problems } = await newPage(browser, {
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme,
  });
  await loadPage(page);
  const layout = await page.evaluate(() => {
    const run = document.querySelector('#run').getBoundingClientRect();
    const select = document.querySelector('#language').getBoundingClientRect();
    return { scrollWidth: document.documentElement.scrollWidth, runHeight: run.height, runRight: run.right,
             selectHeight: select.height };
  });
  check(`phone (${colorScheme}): no horizontal scrolling at 390 px`, layout.scrollWidth <= 390, `${layout.scrollWidth} px wide`);
  check(`phone (${colorScheme}): Run button and picker are touch-sized (>= 44 px)`,
        layout.runHeight >= 44 && layout.selectHeight >= 44 && layout.runRight <= 390,
        `run ${layout.runHeight} px, picker ${layout.selectHeight} px`);

  await page.tap('#run');
  const r = await waitForResult(page);
  check(`phone (${colorScheme}): tapping Run shows stdout and stderr apart`,
        /Hello, world!/.test(r.stdout || '') && /stderr/.test(r.stderr || '') && r.state === 'ok',
        `${r.status}: ${JSON.stringify(r.stdout)} / ${JSON.stringify(r.stderr)}`);
  await page.screenshot({ path: path.join(ARTIFACTS, `browser-phone-${colorScheme}.png`), fullPage: true });
  checkNoProblems(`phone (${colorScheme})`, problems, await cspViolations(page));
  await context.close();
}

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  console.log(`browser test against ${BASE} with ${CHROMIUM}`);
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  try {
    await desktop(browser);
    await phone(browser, 'light');
    await phone(browser, 'dark');
  } catch (error) {
    check('browser session completed', false, String(error && error.stack || error));
  } finally {
    await browser.close();
  }
  console.log(`${passes} passed, ${failures} failed`);
  console.log(`screenshots in ${ARTIFACTS}`);
  process.exit(failures === 0 && passes > 0 ? 0 : 1);
}

main().catch((error) => {
  console.log(`FAIL: ${error && error.stack || error}`);
  process.exit(1);
});
