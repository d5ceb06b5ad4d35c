#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The page's share links, projects (batch jobs), test cases and keyboard and screen-reader use, in
// headless Chromium against a live daemon (SANDRUN_URL, else exit 77); see README.md. Every page is also
// checked for CSP violation events, console errors and requests to other origins. Screenshots go to
// tests/artifacts/. Exit status: 0 all checks passed, 1 a check failed, 77 skipped.

'use strict';

const path = require('path');
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

runSessions(shareLinks);
