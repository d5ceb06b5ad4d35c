#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The page's share links, projects (batch jobs), test cases and keyboard and screen-reader use, in
// headless Chromium against a live daemon (SANDRUN_URL, else exit 77); see README.md. Every page is also
// checked for CSP violation events, console errors and requests to other origins. Screenshots go to
// tests/artifacts/. Exit status: 0 all checks passed, 1 a check failed, 77 skipped.

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const zlib = require('zlib');
const {
  ARTIFACTS, baseUrl, check, newPage, checkNoProblems, editorText, setEditorText, waitForResult, runSessions,
} = require('./lib');

const BASE = baseUrl();
const ORIGIN = new URL(BASE).origin;

async function openPage(browser, url = BASE + '/', options = {}) {
  const opened = await newPage(browser, ORIGIN, { viewport: { width: 1280, height: 900 }, ...options });
  await opened.page.goto(url, { waitUntil: 'load' });
  await opened.page.waitForSelector('#language:not([disabled])', { timeout: 15000 });
  return opened;
}

function fragmentOf(program) {
  return '#v1:' + zlib.deflateRawSync(Buffer.from(JSON.stringify(program))).toString('base64url');
}

async function notice(page) {
  return page.evaluate(() => (document.querySelector('#notice').hidden ? null : document.querySelector('#notice').textContent));
}

// ---- share links ----

async function shareLinks(browser) {
  const { context, page, problems } = await openPage(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ORIGIN });
  const program = {
    language: 'bash',
    code: 'read -r who\necho "héllo, $who ✓"\necho "args: $#"\n',
    stdin: 'Grace\n',
  };
  await page.selectOption('#language', program.language);
  await setEditorText(page, program.code);
  await page.click('#stdin-box summary');
  await page.fill('#stdin', program.stdin);
  await page.click('#share');
  await page.waitForFunction(() => document.querySelector('#share-url').value, null, { timeout: 5000 });
  const shared = await page.evaluate(async () => ({
    url: document.querySelector('#share-url').value, location: location.href,
    note: document.querySelector('#share-note').textContent,
    focus: document.activeElement.id, clipboard: await navigator.clipboard.readText().catch((e) => String(e)),
  }));
  check('Share makes a #v1: link to this page', shared.url.startsWith(BASE + '/#v1:'), shared.url.slice(0, 60));
  check('the link is in the address bar and the clipboard', shared.location === shared.url && shared.clipboard === shared.url,
        `${shared.note}`);
  check('the link box has focus, for keyboard users to copy it', shared.focus === 'share-url', shared.focus);
  let decoded = null;
  try {
    decoded = JSON.parse(zlib.inflateRawSync(Buffer.from(shared.url.split('#v1:')[1], 'base64url')).toString('utf8'));
  } catch (error) {
    decoded = String(error);
  }
  check('the fragment is base64url(deflate-raw(JSON {language, code, stdin}))',
        JSON.stringify(decoded) === JSON.stringify(program), JSON.stringify(decoded));
  await page.screenshot({ path: path.join(ARTIFACTS, 'page-share.png') });
  await checkNoProblems('share', page, problems);
  await context.close();

  // A fresh browser context opens the link: same language, code and stdin, and it runs.
  const other = await openPage(browser, shared.url);
  const restored = await other.page.evaluate(() => ({
    language: document.querySelector('#language').value, stdin: document.querySelector('#stdin').value,
  }));
  const restoredCode = await editorText(other.page);
  check('opening the link restores language, code and stdin',
        restored.language === 'bash' && restoredCode === program.code && restored.stdin === program.stdin,
        JSON.stringify({ ...restored, code: restoredCode }));
  await other.page.click('#run');
  const r = await waitForResult(other.page);
  check('the restored program runs with its stdin', r.state === 'ok' && r.stdout === 'héllo, Grace ✓\nargs: 0\n',
        `${r.status}: ${JSON.stringify(r.stdout)}`);

  // Too large: refused with a reason, no link, nothing in the address bar.
  let noise = '';
  for (let i = 0; noise.length < 40000; i++) noise += ((i * 2654435761) >>> 7).toString(36);
  await setEditorText(other.page, `# ${noise}\n`);
  await other.page.click('#share');
  await other.page.waitForFunction(() => /too large/.test(document.querySelector('#share-note').textContent), null,
                                   { timeout: 5000 });
  const refused = await other.page.evaluate(() => ({ urlShown: !document.querySelector('#share-url').hidden,
                                                     hash: location.hash, note: document.querySelector('#share-note').textContent }));
  check('a program too large for a link is refused, with the reason', !refused.urlShown && refused.hash === new URL(shared.url).hash,
        refused.note);
  await checkNoProblems('shared link', other.page, other.problems);
  await other.context.close();

  // Damaged, hostile and future links: a notice, the usual sample, no exception.
  const bomb = fragmentOf({ language: 'python', code: ' '.repeat(4 * 1024 * 1024), stdin: '' });
  const cases = [
    ['a damaged link', '#v1:not*base64', /damaged/],
    ['a link that is not a program', fragmentOf({ hello: 1 }), /damaged/],
    [`a small link that inflates to 4 MiB (${bomb.length} characters)`, bomb, /more than a shared program/],
    ['a link from a newer page', '#v2:abc', /newer/],
  ];
  for (const [name, fragment, expected] of cases) {
    const p = await openPage(browser, BASE + '/' + fragment);
    const text = ((await notice(p.page)) || '').replace(/\s+/g, ' ').trim();
    const code = await editorText(p.page);
    check(`${name} is refused with a notice and the page still works`, expected.test(text || '') && code.length > 0 &&
          p.problems.errors.length === 0, `${text}; ${p.problems.errors.join('; ')}`);
    await p.context.close();
  }
}

// ---- projects ----

function makeProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandrun-page-'));
  const proj = path.join(dir, 'proj');
  fs.mkdirSync(path.join(proj, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(proj, 'lib', 'util.py'), 'def shout(s):\n    return s.upper()\n');
  fs.writeFileSync(path.join(proj, 'main.py'), [
    'import os, sys, time',
    'sys.path.insert(0, "lib")',
    'from util import shout',
    'print("started", flush=True)',
    'time.sleep(1.5)',
    'print("args:", sys.argv[1:])',
    'print("stdin:", sys.stdin.read().strip())',
    'print(shout("from lib"))',
    'os.makedirs("results", exist_ok=True)',
    'open("results/out.csv", "w").write("n,square\\n" + "".join(f"{n},{n*n}\\n" for n in range(4)))',
    'open("results/notes.txt", "w").write("not an output\\n")',
    '',
  ].join('\n'));
  const archive = path.join(dir, 'app');
  fs.mkdirSync(archive);
  fs.writeFileSync(path.join(archive, 'run.py'), 'import sys\nprint("from the archive", sys.argv[1:])\n');
  execFileSync('tar', ['czf', path.join(dir, 'app.tar.gz'), '-C', archive, 'run.py']);
  execFileSync('python3', ['-c', 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n' +
                                 '    z.writestr("src/hello.sh", "echo zipped \\"$@\\"\\n")', path.join(dir, 'app.zip')]);
  return { dir, proj, tarball: path.join(dir, 'app.tar.gz'), zip: path.join(dir, 'app.zip') };
}

// Names of the files in a tar.gz (ustar headers, 512-byte blocks).
function tarNames(gz) {
  const tar = zlib.gunzipSync(gz);
  const names = [];
  for (let at = 0; at + 512 <= tar.length;) {
    const name = tar.subarray(at, at + 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.subarray(at + 124, at + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156]);
    if (type === '0' || type === '\0') names.push([name.replace(/^\.\//, ''), tar.subarray(at + 512, at + 512 + size).toString('utf8')]);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

async function projects(browser) {
  const { dir, proj, tarball, zip } = makeProject();
  const { context, page, problems } = await openPage(browser, BASE + '/', { acceptDownloads: true });
  await page.click('#project-box summary');
  await page.setInputFiles('#project-folder', proj);
  const listed = await page.evaluate(() => ({
    files: [...document.querySelectorAll('#project-list .project-path')].map((e) => e.textContent).sort(),
    entry: document.querySelector('#project-entry').value,
    summary: document.querySelector('#project-summary').textContent,
  }));
  check('a picked folder lists its files with their paths inside it', listed.files.join(',') === 'lib/util.py,main.py',
        `${listed.files.join(', ')} (${listed.summary})`);
  check('the entry point is guessed', listed.entry === 'main.py', listed.entry);
  await page.fill('#project-args', '--name "Ada Lovelace" -v');
  await page.fill('#project-outputs', 'results/*.csv');
  await page.click('#stdin-box summary');
  await page.fill('#stdin', 'piped in');
  await page.click('#project-submit');
  await page.waitForFunction(() => /started/.test((document.querySelector('.stream-stdout pre') || {}).textContent || ''),
                             null, { timeout: 20000 });
  const midway = await page.evaluate(() => ({ state: document.querySelector('#status').dataset.state,
                                              status: document.querySelector('#status').textContent }));
  check('the batch job\'s log shows live while it runs', midway.state === 'running', JSON.stringify(midway));
  const r = await waitForResult(page);
  check('the batch job ran main.py with the arguments, the stdin and its lib/ file',
        r.state === 'ok' && r.stdout === "started\nargs: ['--name', 'Ada Lovelace', '-v']\nstdin: piped in\nFROM LIB\n",
        `${r.status}: ${JSON.stringify(r.stdout)}`);
  await page.waitForSelector('#download', { timeout: 10000 });
  const files = await page.$$eval('.files-list li', (l) => l.map((e) => e.textContent));
  check('the outputs matching the globs are listed', files.length === 1 && /^results\/out\.csv/.test(files[0]), files.join('; '));
  await page.screenshot({ path: path.join(ARTIFACTS, 'page-project.png') });
  const jobId = await page.$eval('#download', (a) => a.getAttribute('href').split('/').pop());
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const saved = path.join(dir, 'outputs.tar.gz');
  await download.saveAs(saved);
  const names = tarNames(fs.readFileSync(saved));
  check('Download gives a tar.gz of exactly the outputs', names.length === 1 && names[0][0] === 'results/out.csv' &&
        names[0][1] === 'n,square\n0,0\n1,1\n2,4\n3,9\n', JSON.stringify(names));
  // Asked outside the page: a 404 there would count as a console error.
  const gone = (await page.request.get(`${BASE}/status/${jobId}`)).status();
  check('the job is gone once its outputs were downloaded', gone === 404, `GET /status: ${gone}`);

  // A dropped archive is unpacked by the server; the entry point is typed.
  await page.click('#project-clear');
  const bytes = fs.readFileSync(tarball).toString('base64');
  await page.evaluate((b64) => {
    const raw = atob(b64);
    const data = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([data], 'app.tar.gz', { type: 'application/gzip' }));
    const drop = document.querySelector('#drop');
    drop.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    drop.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bytes);
  await page.waitForFunction(() => /archive/.test(document.querySelector('#project-list').textContent), null, { timeout: 5000 });
  check('a dropped .tar.gz is listed as an archive', true);
  await page.fill('#project-entry', 'run.py');
  await page.fill('#project-args', 'x');
  await page.fill('#project-outputs', '');
  await page.click('#project-submit');
  const a = await waitForResult(page);
  check('the archive\'s program runs', a.state === 'ok' && a.stdout === "from the archive ['x']\n", `${a.status}: ${JSON.stringify(a.stdout)}`);

  // A picked .zip is an archive too.
  await page.click('#project-clear');
  await page.setInputFiles('#project-files', [zip]);
  await page.fill('#project-entry', 'src/hello.sh');
  await page.fill('#project-args', '"two words"');
  await page.click('#project-submit');
  const z = await waitForResult(page);
  check('a picked .zip is unpacked and its script runs with a quoted argument', z.state === 'ok' && z.stdout === 'zipped two words\n',
        `${z.status}: ${JSON.stringify(z.stdout)}`);

  // Picked plain files go to the work dir's top.
  await page.click('#project-clear');
  await page.setInputFiles('#project-files', [path.join(proj, 'lib', 'util.py')]);
  const single = await page.$$eval('#project-list .project-path', (l) => l.map((e) => e.textContent));
  check('picked files are listed at the top of the work dir', single.join(',') === 'util.py', single.join(','));
  await checkNoProblems('projects', page, problems);
  await context.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

// ---- test cases ----

async function testCases(browser) {
  const { context, page, problems } = await openPage(browser);
  await page.selectOption('#language', 'python');
  await setEditorText(page, 'a, b = map(int, input().split())\nprint(a + b)\n');
  await page.click('#tests-box summary');
  const rows = [['1 2\n', '3\n'], ['40 2', '42'], ['2 2', '5'], ['x', '']];
  for (let i = 0; i < rows.length; i++) {
    await page.click('#case-add');
    await page.fill(`#cases li:nth-child(${i + 1}) .case-input`, rows[i][0]);
    await page.fill(`#cases li:nth-child(${i + 1}) .case-expected`, rows[i][1]);
  }
  const labels = await page.$$eval('#cases li:nth-child(2) textarea', (t) => t.map((e) => e.getAttribute('aria-label')));
  check('case fields are labelled by case number', labels.join('|') === 'Input of case 2|Expected output of case 2', labels.join('|'));
  await page.click('#cases-run');
  await waitForResult(page);
  const v = await page.evaluate(() => ({
    verdicts: [...document.querySelectorAll('#cases .verdict')].map((e) => e.textContent),
    status: document.querySelector('#status').textContent,
    title: (document.querySelector('.test-results-title') || {}).textContent,
  }));
  check('each case gets its verdict', v.verdicts.join(',') === 'Accepted,Accepted,Wrong answer,Runtime error',
        v.verdicts.join(','));
  check('the status sums them up', v.status === '2/4 passed' && /2 of 4 passed/.test(v.title || ''), `${v.status}; ${v.title}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'page-tests.png') });
  await page.click('#cases li:nth-child(4) .case-remove');
  const left = await page.$$eval('#cases li .case-title', (t) => t.map((e) => e.textContent));
  check('a case can be removed; the rest are renumbered', left.join(',') === 'Case 1,Case 2,Case 3', left.join(','));
  await checkNoProblems('test cases', page, problems);
  await context.close();
}

// ---- keyboard only, screen readers, axe-core ----

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe-core is evaluated through the DevTools protocol, not added as a <script>: the page keeps the CSP it
// was served with, and the test still fails on any CSP violation event.
async function axeCheck(page, label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const describe = (v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`;
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(`${label}: axe-core finds no serious or critical violations`, serious.length === 0, serious.map(describe).join('; '));
  for (const v of result.violations.filter((x) => !serious.includes(x))) console.log(`NOTE: ${label}: axe: ${describe(v)}`);
}

// What has focus, in words a failure message can show.
async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return 'body';
    if (e.id) return e.id;
    if (e.tagName === 'SUMMARY') return `summary:${e.parentElement.id}`;
    return `${e.tagName.toLowerCase()}:${e.getAttribute('aria-label') || e.textContent.replace(/\s+/g, ' ').trim()}`;
  });
}

async function tabs(page, n) {
  const seen = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('Tab');
    seen.push(await focused(page));
  }
  return seen;
}

async function keyboard(browser) {
  const { context, page, problems } = await openPage(browser);
  await page.selectOption('#language', 'python');
  await page.evaluate(() => document.activeElement && document.activeElement.blur());

  const order = await tabs(page, 6);
  check('Tab goes through the controls in reading order, into the editor',
        order.join(' ') === 'a:sandrun code, run in a sandbox language sample share run code', order.join(' '));
  await page.keyboard.press('Control+A');
  await page.keyboard.type('import sys');
  await page.keyboard.press('Enter');
  await page.keyboard.type('print("typed:", sys.stdin.read().strip())');
  await page.keyboard.press('Escape');
  const after = await tabs(page, 1);
  check('Escape, Tab leaves the editor for the Input box', after[0] === 'summary:stdin-box', after[0]);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await page.keyboard.type('by keyboard');
  const next = await tabs(page, 3);
  check('then the test cases, the project and the output region', next.join(' ') === 'summary:tests-box summary:project-box output',
        next.join(' '));
  await page.keyboard.press('Control+Enter');
  const r = await waitForResult(page);
  check('Ctrl+Enter from anywhere runs the program typed by keyboard', r.state === 'ok' && r.stdout === 'typed: by keyboard\n',
        `${r.status}: ${JSON.stringify(r.stdout)}`);
  const announced = await page.$eval('#announce', (e) => ({ text: e.textContent, live: e.getAttribute('aria-live'),
                                                           role: e.getAttribute('role') }));
  check('the live region announces the result in one sentence',
        announced.role === 'status' && announced.live === 'polite' && announced.text === 'Exit 0. 1 line of output.',
        JSON.stringify(announced));

  // Test cases by keyboard: open, add a row, fill it, run, read the verdict.
  await page.focus('#tests-box summary');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  check('the first control of the test cases is Add case', (await focused(page)) === 'case-add', await focused(page));
  await page.keyboard.press('Enter');
  check('Add case puts the cursor in the new input', (await focused(page)) === 'textarea:Input of case 1', await focused(page));
  await page.keyboard.type('1 2');
  await page.keyboard.press('Tab');
  await page.keyboard.type('x');
  const rest = await tabs(page, 3);
  check('then Add case, Compare exactly and Run tests', rest.join(' ') === 'case-add case-exact cases-run', rest.join(' '));
  await page.focus('#cases li:nth-child(1) .case-input');
  await page.keyboard.press('Shift+Tab');
  check('each row\'s Remove button is named after its case', (await focused(page)) === 'button:Remove case 1', await focused(page));
  await setEditorText(page, 'print(sum(map(int, input().split())))\n');
  await page.focus('#cases-run');
  await page.keyboard.press('Enter');
  await waitForResult(page);
  const verdict = await page.$eval('#cases .verdict', (e) => e.textContent);
  const said = await page.$eval('#announce', (e) => e.textContent);
  check('a test run by keyboard gets its verdict, announced', verdict === 'Wrong answer' && /^0\/1 passed/.test(said),
        `${verdict}; ${said}`);

  // The project's controls, file pickers included, in order.
  await page.focus('#project-box summary');
  await page.keyboard.press('Enter');
  const project = await tabs(page, 7);
  check('the project\'s controls are reachable by Tab, in order (Submit is disabled without files)',
        project.join(' ') === 'project-files project-folder project-entry project-args project-outputs project-clear output',
        project.join(' '));
  const ring = await page.evaluate(() => {
    document.querySelector('#project-files').focus();
    return getComputedStyle(document.querySelector('#project-files').parentElement).outlineStyle;
  });
  check('a focused file picker shows a focus ring on its button', ring === 'solid', ring);

  // Every fold open, a share link shown, a project listed: then axe-core.
  await page.click('#share');
  await page.waitForFunction(() => !document.querySelector('#share-box').hidden);
  await page.screenshot({ path: path.join(ARTIFACTS, 'page-keyboard.png'), fullPage: true });
  await axeCheck(page, 'light, everything open');
  await checkNoProblems('keyboard', page, problems);
  await context.close();

  for (const colorScheme of ['dark', 'light']) {
    const phone = await openPage(browser, BASE + '/', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
                                                         colorScheme });
    for (const fold of ['#stdin-box', '#tests-box', '#project-box']) await phone.page.tap(`${fold} summary`);
    await phone.page.tap('#case-add');
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    check(`phone, ${colorScheme}: with every section open, no horizontal scrolling at 390 px`, width <= 390, `${width} px`);
    await phone.page.screenshot({ path: path.join(ARTIFACTS, `page-phone-${colorScheme}.png`), fullPage: true });
    await phone.page.tap('#run');
    await waitForResult(phone.page);
    await axeCheck(phone.page, `phone, ${colorScheme}, after a run`);
    await checkNoProblems(`axe on a phone (${colorScheme})`, phone.page, phone.problems);
    await phone.context.close();
  }
}

runSessions(shareLinks, projects, testCases, keyboard);
