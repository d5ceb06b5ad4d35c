#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Drives sandrun's page in headless Chromium against a live daemon: SANDRUN_URL (required, else exit
// 77), SANDRUN_PIN (optional). Checks that the page loads without CSP violations or console errors,
// fetches nothing from elsewhere, runs a program on Ctrl+Enter and shows stdout and stderr apart with
// the exit status and metrics, at desktop size and on a phone. Screenshots go to tests/artifacts/.
// Exit status: 0 all checks passed, 1 a check failed, 77 skipped.

'use strict';

const https = require('https');
const path = require('path');
const {
  ARTIFACTS, CHROMIUM, baseUrl, check, newPage, checkNoProblems, editorText, setEditorText, waitForResult, runSessions,
} = require('./lib');

const BASE = baseUrl();
const ORIGIN = new URL(BASE).origin;

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

// Colours of the editor's tokens: whether some token is drawn in another colour than plain text.
async function highlighted(page) {
  return page.evaluate(() => {
    const base = getComputedStyle(document.querySelector('#code')).color;
    const colours = new Set();
    for (const span of document.querySelectorAll('#editor .cm-line span'))
      if (span.textContent.trim()) colours.add(getComputedStyle(span).color);
    colours.delete(base);
    return colours.size;
  });
}

// A request for path straight from node, with only the given headers: its status and headers.
function ask(method, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(BASE + path, { method, headers, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode, headers: res.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

async function desktop(browser) {
  const { context, page, problems } = await newPage(browser, ORIGIN, { viewport: { width: 1280, height: 800 } });
  const editorResponse = page.waitForResponse((r) => r.url() === BASE + '/editor.js');
  const languages = await loadPage(page);
  const gz = (await editorResponse).headers();
  const identity = (await ask('HEAD', '/editor.js')).headers;
  check('the editor bundle comes gzip-compressed to the browser, plain to a client that did not ask',
        gz['content-encoding'] === 'gzip' && /Accept-Encoding/.test(gz.vary || '') && !identity['content-encoding'] &&
        Number(identity['content-length']) > 500000 && gz.etag !== identity.etag,
        `browser: ${gz['content-encoding']}, vary ${gz.vary}; plain: ${identity['content-length']} bytes`);
  const again = await ask('GET', '/editor.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.etag });
  const other = await ask('GET', '/editor.js', { 'If-None-Match': gz.etag });
  check('each encoding has its own ETag: 304 for the same one, 200 for the other', again.status === 304 && other.status === 200,
        `${again.status} / ${other.status}`);
  await page.selectOption('#language', 'python');
  check('the editor is CodeMirror, with line numbers', await page.$('#editor .cm-editor .cm-lineNumbers') !== null);
  const role = await page.$eval('#code', (e) => ({ role: e.getAttribute('role'), label: e.getAttribute('aria-label'),
                                                   multi: e.getAttribute('aria-multiline') }));
  check('the editor is a labelled multi-line text box', role.role === 'textbox' && role.label === 'Code' && role.multi === 'true',
        JSON.stringify(role));

  // Type like a person: Enter after ':' indents, Shift+Tab dedents, Tab inserts spaces.
  await setEditorText(page, '');
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
  const afterTab = await editorText(page);
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  check('Tab inserts spaces and keeps focus in the editor', afterTab.endsWith('\n    ') && focused === 'code',
        `${JSON.stringify(afterTab.slice(-12))}, focus on ${focused}`);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.type('sys.exit(3)');
  const code = await editorText(page);
  const expected = 'import sys\nfor i in range(2):\n    print("stdout line", i)\n' +
                   'print("oops on stderr", file=sys.stderr)\nsys.exit(3)';
  check('editor auto-indents after ":" and dedents with Shift+Tab', code === expected, JSON.stringify(code));
  const numbers = await page.$$eval('#editor .cm-lineNumbers .cm-gutterElement',
                                    (g) => g.filter((e) => e.style.visibility !== 'hidden').map((e) => e.textContent));
  check('line-number gutter follows the code', numbers.join(',') === '1,2,3,4,5', numbers.join(','));

  // The cursor sits after "sys.exit(3)": the bracket it closes is marked.
  const brackets = await page.$$eval('#editor .cm-matchingBracket', (m) => m.map((e) => e.textContent));
  check('bracket matching marks both brackets', brackets.join('') === '()', JSON.stringify(brackets));

  await page.keyboard.press('Control+Enter');
  const r = await waitForResult(page);
  check('Ctrl+Enter in the editor runs the program and shows exit status 3', r.status === 'Exit 3' && r.state === 'nonzero',
        `${r.status} / ${r.state}${r.notice ? ` / ${r.notice}` : ''}`);
  check('Ctrl+Enter inserted nothing into the editor', (await editorText(page)) === expected);
  check('stdout is shown under a "stdout" label', r.stdoutLabel === 'stdout' && r.stdout === 'stdout line 0\nstdout line 1\n',
        JSON.stringify(r.stdout));
  check('stderr is shown apart under a "stderr" label', r.stderrLabel === 'stderr' && r.stderr === 'oops on stderr\n',
        JSON.stringify(r.stderr));
  check('stdout and stderr are told apart by colour', r.stdoutColour !== r.stderrColour && r.stdoutBorder !== r.stderrBorder,
        `${r.stdoutColour} vs ${r.stderrColour}`);
  check('CPU, memory and wall time are shown', [r.cpu, r.memory, r.wall].every((v) => v && v !== '–'),
        `${r.cpu} / ${r.memory} / ${r.wall}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'browser-desktop.png') });

  // Search: Ctrl+F opens CodeMirror's search panel and marks the matches.
  await page.click('#code');
  await page.keyboard.press('Control+F');
  await page.waitForSelector('#editor .cm-search input[name=search]', { timeout: 5000 });
  await page.keyboard.type('print');
  await page.keyboard.press('Enter');
  const matches = await page.$$eval('#editor .cm-searchMatch', (m) => m.length);
  check('Ctrl+F searches the code and marks the matches', matches === 2, `${matches} matches`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'browser-search.png') });
  await page.keyboard.press('Escape');
  const searchClosed = await page.$('#editor .cm-search') === null;
  check('Escape closes the search panel', searchClosed);

  // Escape, then Tab, leaves the editor for the next control (CodeMirror's tab focus mode).
  await page.click('#code');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  const left = await page.evaluate(() => ({ id: document.activeElement.id, tag: document.activeElement.tagName,
                                            inEditor: !!document.activeElement.closest('#editor') }));
  check('Escape then Tab moves focus out of the editor', !left.inEditor, JSON.stringify(left));
  check('the editor text is unchanged by Escape, Tab', (await editorText(page)) === expected);

  // Every offered language gets its highlighting: its sample shows tokens in more than one colour.
  const plain = [];
  for (const lang of languages) {
    await page.selectOption('#language', lang);
    await page.click('#sample');
    if (await highlighted(page) < 2) plain.push(lang);
  }
  check('every offered language is highlighted', plain.length === 0 && languages.length >= 5,
        plain.length ? `plain: ${plain.join(', ')}` : languages.join(', '));
  await page.selectOption('#language', 'python');

  // The sample reads a name from stdin.
  await page.click('#sample');
  await page.click('#stdin-box summary');
  await page.fill('#stdin', 'Ada');
  await page.click('#run');
  const s = await waitForResult(page);
  check('the stdin box feeds the program', s.state === 'ok' && /Hello, Ada!/.test(s.stdout || ''),
        `${s.status}: ${JSON.stringify(s.stdout)}`);

  await checkNoProblems('desktop', page, problems);
  await context.close();
}

async function phone(browser, colorScheme) {
  const { context, page, problems } = await newPage(browser, ORIGIN, {
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme,
  });
  await loadPage(page);
  const layout = await page.evaluate(() => {
    const run = document.querySelector('#run').getBoundingClientRect();
    const select = document.querySelector('#language').getBoundingClientRect();
    return { scrollWidth: document.documentElement.scrollWidth, runHeight: run.height, runRight: run.right,
             selectHeight: select.height, selectWidth: select.width };
  });
  check(`phone (${colorScheme}): no horizontal scrolling at 390 px`, layout.scrollWidth <= 390, `${layout.scrollWidth} px wide`);
  check(`phone (${colorScheme}): Run button and picker are touch-sized (>= 44 px)`,
        layout.runHeight >= 44 && layout.selectHeight >= 44 && layout.runRight <= 390,
        `run ${layout.runHeight} px, picker ${layout.selectHeight} px`);
  check(`phone (${colorScheme}): the language picker is wide enough to read (>= 150 px)`, layout.selectWidth >= 150,
        `${layout.selectWidth} px`);

  // The editor follows the system: a dark background in dark mode, a light one in light mode.
  const theme = await page.evaluate(() => {
    const rgb = getComputedStyle(document.querySelector('#editor .cm-editor')).backgroundColor.match(/\d+/g).map(Number);
    const keyword = [...document.querySelectorAll('#editor .cm-line span')].find((e) => e.textContent === 'import');
    return { luminance: (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255,
             keyword: keyword ? getComputedStyle(keyword).color : null,
             dark: document.querySelector('#editor .cm-editor').matches('.cm-editor') &&
                   matchMedia('(prefers-color-scheme: dark)').matches };
  });
  check(`phone (${colorScheme}): the editor's colours follow the system`,
        colorScheme === 'dark' ? theme.luminance < 0.3 && theme.dark : theme.luminance > 0.7 && !theme.dark,
        `background luminance ${theme.luminance.toFixed(2)}, keyword ${theme.keyword}`);

  await page.tap('#run');
  const r = await waitForResult(page);
  check(`phone (${colorScheme}): tapping Run shows stdout and stderr apart`,
        /Hello, world!/.test(r.stdout || '') && /stderr/.test(r.stderr || '') && r.state === 'ok',
        `${r.status}: ${JSON.stringify(r.stdout)} / ${JSON.stringify(r.stderr)}`);
  await page.screenshot({ path: path.join(ARTIFACTS, `browser-phone-${colorScheme}.png`), fullPage: true });
  await checkNoProblems(`phone (${colorScheme})`, page, problems);
  await context.close();
}

// editor.js blocked (a failed download, or a browser too old for it): a plain text area still runs programs.
async function withoutEditor(browser) {
  const { context, page, problems } = await newPage(browser, ORIGIN, { viewport: { width: 1280, height: 800 } });
  await page.route('**/editor.js', (route) => route.abort());
  await loadPage(page);
  await page.fill('textarea#code', 'print("plain")\n');
  await page.click('#run');
  const r = await waitForResult(page);
  check('without editor.js the page falls back to a text area that runs programs',
        r.state === 'ok' && r.stdout === 'plain\n', `${r.status}: ${JSON.stringify(r.stdout)}`);
  // The blocked script itself is the one expected console error.
  problems.console = problems.console.filter((m) => !/ERR_FAILED|Failed to load resource/.test(m));
  await checkNoProblems('without editor.js', page, problems);
  await context.close();
}

console.log(`browser test against ${BASE} with ${CHROMIUM}; screenshots in ${ARTIFACTS}`);
runSessions(desktop, (browser) => phone(browser, 'light'), (browser) => phone(browser, 'dark'), withoutEditor);
