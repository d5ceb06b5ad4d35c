// SPDX-License-Identifier: LGPL-2.1-or-later
// sandrun's page: an editor that sends the program to POST /run and shows what came back.
// No framework; the editor is CodeMirror 6 from editor.js (built from src/web/editor/), and everything
// the page loads comes from the daemon (strict CSP).

'use strict';

const SAMPLES = {
  python: [
    'import sys',
    '',
    'name = sys.stdin.readline().strip() or "world"',
    'print(f"Hello, {name}!")',
    'print("squares:", [n * n for n in range(6)])',
    'print("this line goes to stderr", file=sys.stderr)',
    '',
  ].join('\n'),
  bash: [
    'read -r name || true',
    'echo "Hello, ${name:-world}!"',
    'for i in {1..3}; do',
    '    echo "line $i"',
    'done',
    'echo "this line goes to stderr" >&2',
    '',
  ].join('\n'),
  sh: [
    'read -r name || true',
    'echo "Hello, ${name:-world}!"',
    'uname -s',
    'echo "this line goes to stderr" >&2',
    '',
  ].join('\n'),
  node: [
    "const input = require('fs').readFileSync(0, 'utf8').trim();",
    "console.log(`Hello, ${input || 'world'}!`);",
    'console.log([1, 2, 3].map((n) => n * n));',
    "console.error('this line goes to stderr');",
    '',
  ].join('\n'),
  perl: [
    'use strict;',
    'use warnings;',
    '',
    'my $name = <STDIN> // "world";',
    'chomp $name;',
    'print "Hello, $name!\\n";',
    'print STDERR "this line goes to stderr\\n";',
    '',
  ].join('\n'),
  c: [
    '#include <stdio.h>',
    '',
    'int main(void) {',
    '    char name[64] = "world";',
    '    if (scanf("%63s", name) != 1) { /* no input: greet the world */ }',
    '    printf("Hello, %s!\\n", name);',
    '    fprintf(stderr, "this line goes to stderr\\n");',
    '    return 0;',
    '}',
    '',
  ].join('\n'),
  'c++': [
    '#include <iostream>',
    '#include <string>',
    '',
    'int main() {',
    '    std::string name = "world";',
    '    std::getline(std::cin, name);',
    '    std::cout << "Hello, " << (name.empty() ? "world" : name) << "!\\n";',
    '    std::cerr << "this line goes to stderr\\n";',
    '    return 0;',
    '}',
    '',
  ].join('\n'),
  java: [
    'import java.util.Scanner;',
    '',
    'public class Main {',
    '    public static void main(String[] args) {',
    '        Scanner in = new Scanner(System.in);',
    '        String name = in.hasNextLine() ? in.nextLine() : "world";',
    '        System.out.println("Hello, " + name + "!");',
    '        System.err.println("this line goes to stderr");',
    '    }',
    '}',
    '',
  ].join('\n'),
  go: [
    'package main',
    '',
    'import (',
    '\t"bufio"',
    '\t"fmt"',
    '\t"os"',
    ')',
    '',
    'func main() {',
    '\tname := "world"',
    '\tif s := bufio.NewScanner(os.Stdin); s.Scan() {',
    '\t\tname = s.Text()',
    '\t}',
    '\tfmt.Printf("Hello, %s!\\n", name)',
    '\tfmt.Fprintln(os.Stderr, "this line goes to stderr")',
    '}',
    '',
  ].join('\n'),
  rust: [
    'use std::io::{self, BufRead};',
    '',
    'fn main() {',
    '    let mut name = String::new();',
    '    io::stdin().lock().read_line(&mut name).ok();',
    '    let name = if name.trim().is_empty() { "world" } else { name.trim() };',
    '    println!("Hello, {}!", name);',
    '    eprintln!("this line goes to stderr");',
    '}',
    '',
  ].join('\n'),
};

const DISPLAY_NAMES = {
  python: 'Python', bash: 'Bash', sh: 'POSIX sh', node: 'Node.js', perl: 'Perl', c: 'C', 'c++': 'C++', java: 'Java',
  go: 'Go', rust: 'Rust',
};

const SIGNALS = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
  24: 'SIGXCPU', 25: 'SIGXFSZ', 31: 'SIGSYS',
};

const STORAGE_KEY = 'sandrun.v1';
// Share links carry the program in the URL's fragment, which browsers never send to the server:
// '#v1:' + base64url(deflate-raw(JSON {language, code, stdin})).
const SHARE_PREFIX = '#v1:';
const SHARE_FRAGMENT_MAX = 16 * 1024;     // characters: a link longer than this is not offered
const SHARE_JSON_MAX = 1024 * 1024;       // bytes a link may expand to (a small link can inflate hugely)

const $ = (id) => document.getElementById(id);
const els = {
  language: $('language'), sample: $('sample'), run: $('run'), runLabel: $('run-label'),
  shortcut: $('shortcut'), shortcutHelp: $('shortcut-help'), searchHelp: $('search-help'), editor: $('editor'),
  stdin: $('stdin'), stdinBox: $('stdin-box'), status: $('status'), output: $('output'),
  notice: $('notice'), noticeTitle: $('notice-title'), noticeText: $('notice-text'),
  cpu: $('metric-cpu'), memory: $('metric-memory'), wall: $('metric-wall'),
  budget: $('budget'), budgetValue: $('budget-value'), receipt: $('receipt'), announce: $('announce'),
  share: $('share'), shareBox: $('share-box'), shareUrl: $('share-url'), shareNote: $('share-note'),
  testsBox: $('tests-box'), cases: $('cases'), caseAdd: $('case-add'), caseExact: $('case-exact'),
  casesRun: $('cases-run'),
  projectBox: $('project-box'), drop: $('drop'), projectFiles: $('project-files'), projectFolder: $('project-folder'),
  projectSummary: $('project-summary'), projectList: $('project-list'), projectEntry: $('project-entry'),
  projectEntries: $('project-entries'), projectArgs: $('project-args'), projectOutputs: $('project-outputs'),
  projectClear: $('project-clear'), projectSubmit: $('project-submit'),
};

const state = {
  busy: false,
  abort: null,             // stops the running job: the server ends a job whose client leaves
  waitUntil: 0,            // no runs before this time (ms), after a 429 or 503
  waitTimer: null,
  stoppable: false,        // whether Stop ends the running job
  editor: null,            // SandrunEditor (editor.js)
  languages: [],           // from GET /languages
  project: { files: [], archives: [] },   // files: { path, file }; archives: File (unpacked by the server)
  saved: loadSaved(),
};

// ---- persistence: the code per language, so switching back and forth loses nothing ----

function loadSaved() {
  try {
    const s = JSON.parse(localStorage.getItem(STORAGE_KEY) || '{}');
    return { language: typeof s.language === 'string' ? s.language : null,
             drafts: s.drafts && typeof s.drafts === 'object' ? s.drafts : {},
             stdin: typeof s.stdin === 'string' ? s.stdin : '' };
  } catch {
    return { language: null, drafts: {}, stdin: '' };
  }
}

let saveTimer = null;
function save() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state.saved));
    } catch {
      // Private browsing or a full quota: the page works without it.
    }
  }, 300);
}

// ---- editor ----

// Without editor.js (it failed to load, or the browser is too old for it): a plain text area with the
// same few methods, so that the page still runs programs.
function plainEditor({ parent, contentAttributes, onChange }) {
  const area = document.createElement('textarea');
  area.className = 'plain-editor';
  area.wrap = 'off';
  for (const [name, value] of Object.entries(contentAttributes)) area.setAttribute(name, value);
  area.addEventListener('input', () => onChange(area.value));
  parent.append(area);
  return {
    getValue: () => area.value,
    setValue(text) { area.value = text; },
    setLanguage() {},
    focus: () => area.focus(),
  };
}

// The code editor; editor.js defines SandrunEditor before this script runs (both are deferred, in order).
function createEditor() {
  const create = window.SandrunEditor ? window.SandrunEditor.create : plainEditor;
  state.editor = create({
    parent: els.editor,
    // tabindex: the editor's scroll box then counts as reachable by keyboard (axe: scrollable-region-focusable).
    contentAttributes: { id: 'code', tabindex: '0', 'aria-label': 'Code', 'aria-describedby': 'editor-help',
                         autocapitalize: 'off', autocorrect: 'off', spellcheck: 'false' },
    onChange: (text) => {
      state.saved.drafts[currentLanguage()] = text;
      save();
    },
    onRun: () => run(),
  });
}

function code() {
  return state.editor.getValue();
}

function setCode(text) {
  state.editor.setValue(text);
}

// ---- share links ----

function toBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('not base64url');
  return base64Bytes(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - text.length % 4) % 4));
}

async function deflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Inflates at most max bytes: past that it stops reading and throws.
async function inflateRaw(bytes, max) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      reader.cancel().catch(() => {});
      throw new RangeError('too large');
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

async function shareLink() {
  const program = { language: currentLanguage(), code: code(), stdin: els.stdin.value };
  const fragment = SHARE_PREFIX + toBase64Url(await deflateRaw(new TextEncoder().encode(JSON.stringify(program))));
  return { url: location.origin + location.pathname + fragment, fragment };
}

function showShare(url, note) {
  els.shareBox.hidden = false;
  els.shareUrl.value = url;
  els.shareUrl.hidden = !url;
  els.shareNote.textContent = note;
}

async function share() {
  if (!window.CompressionStream) {
    showShare('', 'This browser cannot make share links (it has no CompressionStream).');
    return;
  }
  const { url, fragment } = await shareLink();
  if (fragment.length > SHARE_FRAGMENT_MAX) {
    showShare('', `This program is too large for a link: it would take ${fragment.length} characters, ` +
                  `and links stop at ${SHARE_FRAGMENT_MAX}. Make it shorter, or share it as a file.`);
    return;
  }
  history.replaceState(null, '', fragment);
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch {
    // No clipboard permission: the link is in the box, selected, to copy by hand.
  }
  showShare(url, copied ? 'Link copied. It holds the program itself; nothing is stored on the server.'
                        : 'Copy this link. It holds the program itself; nothing is stored on the server.');
  els.shareUrl.focus();
  els.shareUrl.select();
}

// Opens the program a share link carries; true when it did (a damaged link gets a notice and false).
async function openShared() {
  const hash = location.hash;
  if (!/^#v\d+:/.test(hash)) return false;
  if (!hash.startsWith(SHARE_PREFIX)) {
    showNotice('error', 'This link is from a newer sandrun page', 'It cannot be opened here.');
    return false;
  }
  let program;
  try {
    if (hash.length > SHARE_FRAGMENT_MAX) throw new RangeError('too large');
    const json = await inflateRaw(fromBase64Url(hash.slice(SHARE_PREFIX.length)), SHARE_JSON_MAX);
    program = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
    if (!program || typeof program.code !== 'string' || typeof program.language !== 'string' ||
        (program.stdin !== undefined && typeof program.stdin !== 'string'))
      throw new TypeError('not a program');
  } catch (error) {
    showNotice('error', 'This share link is damaged',
               error instanceof RangeError ? 'It expands to more than a shared program may hold.'
                                           : 'It does not hold a program this page can read.');
    return false;
  }
  const offered = [...els.language.options].map((o) => o.value);
  if (!offered.includes(program.language)) {
    showNotice('error', 'This server does not offer the shared program\'s language',
               `The link is for ${program.language}; the code is shown anyway.`);
  } else {
    els.language.value = program.language;
  }
  state.editor.setLanguage(currentLanguage());
  setCode(program.code);
  els.stdin.value = program.stdin || '';
  els.stdinBox.open = !!program.stdin;
  return true;
}

// ---- languages ----

function currentLanguage() {
  return els.language.value || 'python';
}

function sampleFor(lang) {
  return SAMPLES[lang] || `# Write your ${lang} program here.\n`;
}

function showCode(lang) {
  const draft = state.saved.drafts[lang];
  state.editor.setLanguage(lang);
  setCode(typeof draft === 'string' && draft.trim() ? draft : sampleFor(lang));
}

async function loadLanguages() {
  let languages = [];
  try {
    const response = await fetch('/languages', { headers: { Accept: 'application/json' } });
    updateBudget(response);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.json();
    languages = Array.isArray(body.languages) ? body.languages.filter((l) => l && typeof l.name === 'string') : [];
  } catch (error) {
    showNotice('error', 'Could not load the list of languages', `${error.message}. Python is assumed.`);
  }
  if (languages.length === 0) languages = [{ name: 'python', aliases: [], extensions: ['.py'] }];
  state.languages = languages;

  els.language.replaceChildren(...languages.map((l) => {
    const option = document.createElement('option');
    option.value = l.name;
    option.textContent = DISPLAY_NAMES[l.name] || l.name;
    return option;
  }));
  const names = languages.map((l) => l.name);
  els.language.value = names.includes(state.saved.language) ? state.saved.language
                     : names.includes('python') ? 'python' : names[0];
  els.language.disabled = false;
  els.run.disabled = false;
  if (!await openShared()) showCode(currentLanguage());
}

// ---- results ----

function formatSeconds(s) {
  if (typeof s !== 'number' || !isFinite(s)) return '–';
  return s < 10 ? `${s.toFixed(3)} s` : `${s.toFixed(1)} s`;
}

function formatMemory(mb) {
  if (typeof mb !== 'number' || !isFinite(mb)) return '–';
  return mb < 10 ? `${mb.toFixed(1)} MB` : `${Math.round(mb)} MB`;
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function signalName(signal) {
  if (typeof signal === 'number') return SIGNALS[signal] || `signal ${signal}`;
  if (typeof signal === 'string' && signal) return /^SIG/.test(signal) ? signal : `SIG${signal}`;
  return 'a signal';
}

function setStatus(kind, text) {
  els.status.dataset.state = kind;
  els.status.textContent = text;
}

function setMetrics(metrics) {
  const m = metrics || {};
  els.cpu.textContent = formatSeconds(m.cpu_seconds);
  els.memory.textContent = formatMemory(m.memory_mb);
  els.wall.textContent = formatSeconds(m.wall_seconds);
}

function describeEnd(result) {
  switch (result.reason) {
  case 'timeout': return ['failed', 'Timed out'];
  case 'memory': return ['failed', 'Out of memory'];
  case 'signal': return ['failed', `Killed by ${signalName(result.signal)}`];
  case 'launch': return ['failed', 'Could not start'];
  default: break;
  }
  if (result.reason) return ['failed', `Stopped: ${result.reason}`];
  if (typeof result.exit_code === 'number')
    return [result.exit_code === 0 ? 'ok' : 'nonzero', `Exit ${result.exit_code}`];
  if (result.signal) return ['failed', `Killed by ${signalName(result.signal)}`];
  return ['failed', result.status === 'failed' ? 'Failed' : 'Finished'];
}

function streamBlock(name, text) {
  const section = document.createElement('section');
  section.className = `stream stream-${name}`;
  const header = document.createElement('div');
  header.className = 'stream-header';
  const label = document.createElement('h3');
  label.className = 'stream-label';
  label.textContent = name;
  const size = document.createElement('span');
  size.className = 'stream-size';
  size.textContent = formatBytes(new TextEncoder().encode(text).length);
  header.append(label, size);
  const pre = document.createElement('pre');
  pre.textContent = text;
  section.append(header, pre);
  return section;
}

// ---- live output: server-sent events from POST /run ----

// The stream blocks being filled, stdout before stderr as in the final view.
function liveAppend(live, name, text) {
  if (!live[name]) {
    live[name] = streamBlock(name, '');
    if (!live.started) {
      live.started = true;
      els.output.replaceChildren();
    }
    if (name === 'stdout' && live.stderr) els.output.insertBefore(live.stdout, live.stderr);
    else els.output.append(live[name]);
  }
  const block = live[name];
  const pre = block.querySelector('pre');
  pre.textContent += text;
  live.bytes[name] += new TextEncoder().encode(text).length;
  block.querySelector('.stream-size').textContent = formatBytes(live.bytes[name]);
}

// Reads "event: NAME\ndata: JSON\n\n" blocks as they arrive and hands each to onEvent(name, data).
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      onEvent(name, data);
    }
  }
}

// ---- receipts: checked here, with the server's public key, by the browser's own Ed25519 ----

function base64Bytes(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

// 'verified' when the signature holds and the receipt is about this job and this stdout.
async function checkReceipt(result) {
  const receipt = result.receipt;
  if (!receipt || !/^[0-9a-f]{32}$/.test(receipt.key_id || '')) return 'none';
  try {
    const response = await fetch(`/receipt-key/${receipt.key_id}`);
    if (!response.ok) return 'unverified';
    const pem = await response.text();
    const der = base64Bytes(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''));
    const key = await crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
    const payload = base64Bytes(receipt.payload);
    const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, base64Bytes(receipt.signature), payload);
    if (!ok) return 'invalid';
    const facts = JSON.parse(new TextDecoder().decode(payload));
    const stdout = await sha256Hex(new TextEncoder().encode(result.stdout || ''));
    return facts.job_id === result.job_id && facts.outputs.stdout.sha256 === stdout ? 'verified' : 'invalid';
  } catch {
    return 'unverified';        // a browser without Ed25519, or no connection
  }
}

async function showReceipt(result) {
  const verdict = await checkReceipt(result);
  const text = { verified: '✓ Verified', invalid: '✗ Receipt invalid', unverified: 'Signed' }[verdict];
  els.receipt.hidden = !text;
  els.receipt.dataset.state = verdict;
  els.receipt.textContent = text || '';
  els.receipt.title = verdict === 'verified'
    ? `Signed receipt checked in this browser: key ${result.receipt.key_id}` : 'The run has a signed receipt';
}

function showResult(result) {
  const [kind, text] = describeEnd(result);
  setStatus(kind, text);
  setMetrics(result.metrics);
  // The daemon explains failures to launch; the program's own output says the rest.
  if (typeof result.error === 'string' && result.error) showNotice('error', text, result.error);

  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const blocks = [];
  const compile = result.compile;
  if (compile && compile.status === 'failed' && typeof compile.output === 'string' && compile.output)
    blocks.push(streamBlock('compiler', compile.output));
  if (stdout) blocks.push(streamBlock('stdout', stdout));
  if (stderr) blocks.push(streamBlock('stderr', stderr));
  if (blocks.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty-output';
    p.textContent = 'The program printed nothing.';
    blocks.push(p);
  }
  if (result.truncated) {
    const p = document.createElement('p');
    p.className = 'truncated';
    p.textContent = 'The output was too long and has been cut.';
    blocks.push(p);
  }
  els.output.replaceChildren(...blocks);
  showReceipt(result);
}

// What came back from a job: a stream of events (live output, then the result) or one JSON answer.
// onEvent(name, data) sees each event; the answer is the result (JSON) or the last `result` event.
async function readResult(response, live) {
  let result;
  if ((response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
    await readEvents(response, (name, data) => {
      if (name === 'stdout' || name === 'stderr') {
        // A queued batch job has started once it writes.
        if (els.status.textContent === 'Queued…') setStatus('running', 'Running…');
        liveAppend(live, name, JSON.parse(data).text);
      } else if (name === 'result') {
        result = JSON.parse(data);
      } else if (name === 'error') throw new Error(JSON.parse(data).error || 'the job is gone');
    });
  } else {
    result = await response.json();
  }
  if (!result) throw new Error('no result');
  return result;
}

// ---- notices, rate limits, budget ----

function showNotice(kind, title, text) {
  els.notice.dataset.kind = kind;
  els.noticeTitle.textContent = title;
  els.noticeText.replaceChildren(text);
  els.notice.hidden = false;
}

function hideNotice() {
  els.notice.hidden = true;
}

function updateBudget(response) {
  const value = response.headers.get('X-Sandrun-Budget-Remaining');
  const n = value === null ? NaN : Number(value);
  if (!isFinite(n)) return;
  els.budgetValue.textContent = `${n.toFixed(n < 10 ? 1 : 0)} s`;
  els.budget.hidden = false;
}

// Retry-After is either seconds or an HTTP date.
function retryAfterSeconds(value) {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v), 24 * 3600);
  const when = Date.parse(v);
  return isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

function formatWait(seconds) {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60), s = seconds % 60;
  return s ? `${m} min ${s} s` : `${m} min`;
}

function startWait(seconds, title, message) {
  clearInterval(state.waitTimer);
  state.waitUntil = Date.now() + seconds * 1000;
  const countdown = document.createElement('span');
  countdown.className = 'countdown';
  const text = document.createDocumentFragment();
  text.append(`${message} Try again in `, countdown, '.');
  showNotice('wait', title, text);

  const tick = () => {
    const left = Math.max(0, Math.ceil((state.waitUntil - Date.now()) / 1000));
    countdown.textContent = formatWait(left);
    els.runLabel.textContent = left > 0 ? `Wait ${left} s` : 'Run';
    if (left <= 0) {
      clearInterval(state.waitTimer);
      state.waitTimer = null;
      hideNotice();
      updateRunButton();
    }
  };
  tick();
  state.waitTimer = setInterval(tick, 250);
  updateRunButton();
}

function updateRunButton() {
  const waiting = Date.now() < state.waitUntil;
  // While a job runs the button stops it (a batch job cannot be stopped from here).
  els.run.disabled = state.busy ? !state.stoppable : waiting || els.language.disabled;
  els.casesRun.disabled = state.busy || waiting || els.language.disabled || els.cases.children.length === 0;
  els.projectSubmit.disabled = state.busy || waiting || state.project.files.length + state.project.archives.length === 0;
  els.run.dataset.busy = String(state.busy);
  if (!waiting || state.busy) els.runLabel.textContent = state.busy && state.stoppable ? 'Stop' : 'Run';
}

function stop() {
  if (state.abort) state.abort.abort();
}

// ---- running ----

async function errorText(response) {
  try {
    const body = await response.clone().json();
    if (body && typeof body.error === 'string') return body.error;
  } catch {
    // Not JSON: fall back to the text.
  }
  const text = (await response.text()).trim();
  return text && text.length < 300 && !text.startsWith('<') ? text : `HTTP ${response.status}`;
}

// Runs the program (with test cases when withTests), or sends a prepared request: send(signal) returns
// the fetch promise of a job's answer (a project), follow(response) reads it.
async function run(withTests = false) {
  if (state.busy || Date.now() < state.waitUntil || els.language.disabled) return;
  const cases = withTests ? testCases() : null;
  const body = { code: code(), interpreter: currentLanguage() };
  if (cases) {
    body.tests = cases;
    body.compare = els.caseExact.checked ? 'exact' : 'trim';
  } else if (els.stdin.value) {
    body.stdin = els.stdin.value;
  }
  await runJob((signal) => fetch('/run', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: cases ? 'application/json' : 'text/event-stream' },
    body: JSON.stringify(body),
    signal,
  }), (response, live) => readResult(response, live), cases ? showTestResults : showResult, true);
}

// The life of one job on the page: send, wait out 429/503, read the answer (follow), show it. A job is
// stoppable when ending the request ends it (POST /run); a batch job runs on without its watcher.
async function runJob(send, follow, show, stoppable) {
  state.busy = true;
  state.stoppable = stoppable;
  state.abort = new AbortController();
  updateRunButton();
  hideNotice();
  els.receipt.hidden = true;
  setStatus('running', 'Running…');
  els.announce.textContent = 'Running.';
  els.output.setAttribute('aria-busy', 'true');
  const live = { started: false, bytes: { stdout: 0, stderr: 0 } };

  try {
    let response;
    try {
      response = await send(state.abort.signal);
    } catch (error) {
      if (error.name === 'AbortError') {
        setStatus('failed', 'Stopped');
        return;
      }
      setStatus('error', 'No connection');
      showNotice('error', 'Cannot reach the server', 'Check your connection and that the sandrun service is running.');
      return;
    }
    updateBudget(response);

    if (response.status === 429 || response.status === 503) {
      const wait = retryAfterSeconds(response.headers.get('Retry-After')) ?? 30;
      const text = await errorText(response);
      setStatus('error', response.status === 429 ? 'Rate limited' : 'Server busy');
      startWait(wait, response.status === 429 ? 'Too many runs from this address' : 'The server is busy',
                `${text.replace(/\.?$/, '.')}`);
      return;
    }
    if (!response.ok) {
      const text = await errorText(response);
      setStatus('error', `Error ${response.status}`);
      showNotice('error', response.status >= 500 ? 'The server failed' : 'The server refused the program', text);
      return;
    }

    let result;
    try {
      result = await follow(response, live);
    } catch (error) {
      if (error.name === 'AbortError') {
        // Leaving ends the job on the server; what it printed so far stays on screen.
        setStatus('failed', 'Stopped');
        return;
      }
      setStatus('error', 'Bad answer');
      showNotice('error', 'The server sent an answer this page cannot read', error.message);
      return;
    }
    await show(result);
  } finally {
    state.busy = false;
    state.abort = null;
    els.output.removeAttribute('aria-busy');
    updateRunButton();
    announce();
  }
}

// The live region: one sentence when a job ends, not every line it prints.
function announce() {
  const count = (name) => {
    const pre = els.output.querySelector(`.stream-${name} pre`);
    if (!pre || !pre.textContent) return null;
    const n = pre.textContent.replace(/\n$/, '').split('\n').length;
    return `${n} ${n === 1 ? 'line' : 'lines'} of ${name === 'stdout' ? 'output' : 'errors'}`;
  };
  const parts = [els.status.textContent, count('stdout'), count('stderr')].filter(Boolean);
  if (!els.notice.hidden) parts.push(els.noticeTitle.textContent);
  els.announce.textContent = parts.join('. ') + '.';
}

// ---- test cases: rows of input and expected output, a verdict each (the API's "tests") ----

const VERDICTS = {
  accepted: 'Accepted', wrong_answer: 'Wrong answer', time_limit: 'Time limit', memory_limit: 'Memory limit',
  runtime_error: 'Runtime error', output_limit: 'Output limit', skipped: 'Skipped',
};

function renumberCases() {
  [...els.cases.children].forEach((row, i) => {
    const n = i + 1;
    row.querySelector('.case-title').textContent = `Case ${n}`;
    row.querySelector('.case-input').setAttribute('aria-label', `Input of case ${n}`);
    row.querySelector('.case-expected').setAttribute('aria-label', `Expected output of case ${n}`);
    row.querySelector('.case-remove').setAttribute('aria-label', `Remove case ${n}`);
  });
  updateRunButton();
}

function caseTextarea(className, placeholder, value) {
  const t = document.createElement('textarea');
  t.className = className;
  t.placeholder = placeholder;
  t.spellcheck = false;
  t.rows = 2;
  t.value = value;
  return t;
}

function addCase(input = '', expected = '') {
  const row = document.createElement('li');
  row.className = 'case';
  const head = document.createElement('div');
  head.className = 'case-head';
  const title = document.createElement('span');
  title.className = 'case-title';
  const verdict = document.createElement('span');
  verdict.className = 'verdict';
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'button ghost small case-remove';
  remove.textContent = 'Remove';
  remove.addEventListener('click', () => {
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumberCases();
    (next ? next.querySelector('.case-input') : els.caseAdd).focus();
  });
  head.append(title, verdict, remove);
  row.append(head, caseTextarea('case-input', 'Input', input), caseTextarea('case-expected', 'Expected output', expected));
  els.cases.append(row);
  renumberCases();
  return row;
}

function testCases() {
  return [...els.cases.children].map((row) => {
    const c = { stdin: row.querySelector('.case-input').value };
    const expected = row.querySelector('.case-expected').value;
    if (expected) c.expected_output = expected;
    return c;
  });
}

function showTestResults(result) {
  const rows = [...els.cases.children];
  const tests = Array.isArray(result.tests) ? result.tests : [];
  rows.forEach((row, i) => {
    const t = tests[i];
    const v = row.querySelector('.verdict');
    v.dataset.verdict = t ? t.verdict : '';
    v.textContent = t ? VERDICTS[t.verdict] || t.verdict : '';
  });
  showResult(result);
  const summary = result.summary;
  if (!summary || tests.length === 0) return;
  const all = summary.passed === summary.total;
  setStatus(all ? 'ok' : 'nonzero', `${summary.passed}/${summary.total} passed`);

  const list = document.createElement('ol');
  list.className = 'test-results';
  tests.forEach((t, i) => {
    const item = document.createElement('li');
    item.className = 'test-result';
    item.dataset.verdict = t.verdict;
    const head = document.createElement('p');
    head.className = 'test-result-head';
    head.textContent = `Case ${i + 1}: ${VERDICTS[t.verdict] || t.verdict}` +
                       (typeof t.cpu_seconds === 'number' ? ` · ${formatSeconds(t.cpu_seconds)} CPU` : '');
    item.append(head);
    if (t.verdict !== 'accepted' && t.verdict !== 'skipped') {
      const got = document.createElement('pre');
      got.textContent = t.stdout || t.stderr || '(no output)';
      item.append(got);
      const expected = rows[i] && rows[i].querySelector('.case-expected').value;
      if (t.verdict === 'wrong_answer' && expected) {
        got.setAttribute('aria-label', 'Output');
        const want = document.createElement('pre');
        want.className = 'test-expected';
        want.setAttribute('aria-label', 'Expected');
        want.textContent = expected;
        item.append(want);
      }
    }
    list.append(item);
  });
  const heading = document.createElement('h3');
  heading.className = 'test-results-title';
  heading.textContent = `Test cases: ${summary.passed} of ${summary.total} passed`;
  // The per-case results replace the (empty) output of a test run.
  els.output.replaceChildren(heading, list, ...[...els.output.children].filter((e) => e.classList.contains('stream')));
}

// ---- projects: files or archives, sent to POST /submit as a batch job ----

const ARCHIVE = /\.(zip|tar|tar\.gz|tgz)$/i;

// Paths of a picked or dropped folder start with its name; the job's work dir is the folder itself.
function stripCommonFolder(entries) {
  const first = entries.length && entries[0].path.split('/');
  if (!first || first.length < 2) return entries;
  const top = first[0] + '/';
  if (!entries.every((e) => e.path.startsWith(top))) return entries;
  return entries.map((e) => ({ path: e.path.slice(top.length), file: e.file }));
}

function guessEntry(paths) {
  const known = new Set(state.languages.flatMap((l) => l.extensions || []));
  const ext = (p) => { const m = p.match(/\.[^./]+$/); return m ? m[0] : ''; };
  const runnable = paths.filter((p) => known.has(ext(p)));
  const depth = (p) => p.split('/').length;
  return runnable.find((p) => /^(main|__main__|Main|index|app)\.[^./]+$/.test(p)) ||
         runnable.sort((a, b) => depth(a) - depth(b) || a.localeCompare(b))[0] || '';
}

function showProject() {
  const { files, archives } = state.project;
  const items = [...archives.map((f) => [`${f.name} (archive, unpacked on the server)`, f.size]),
                 ...files.map((f) => [f.path, f.file.size])];
  els.projectList.replaceChildren(...items.map(([name, size]) => {
    const li = document.createElement('li');
    const n = document.createElement('span');
    n.className = 'project-path';
    n.textContent = name;
    const z = document.createElement('span');
    z.className = 'project-size';
    z.textContent = formatBytes(size);
    li.append(n, z);
    return li;
  }));
  const total = items.reduce((sum, [, size]) => sum + size, 0);
  els.projectSummary.textContent = items.length === 0 ? 'No files yet.'
    : `${items.length} ${items.length === 1 ? 'file' : 'files'}, ${formatBytes(total)}`;
  const paths = files.map((f) => f.path);
  els.projectEntries.replaceChildren(...paths.map((p) => {
    const o = document.createElement('option');
    o.value = p;
    return o;
  }));
  if (!els.projectEntry.value || (paths.length && !paths.includes(els.projectEntry.value) && !archives.length))
    els.projectEntry.value = guessEntry(paths);
  updateRunButton();
}

// entries: { path, file }; a lone archive (not from inside a folder) is unpacked by the server.
function addProjectFiles(entries, fromFolder) {
  for (const e of fromFolder ? stripCommonFolder(entries) : entries) {
    if (!fromFolder && ARCHIVE.test(e.path)) {
      state.project.archives.push(e.file);
      continue;
    }
    state.project.files = state.project.files.filter((f) => f.path !== e.path);
    state.project.files.push(e);
  }
  els.projectBox.open = true;
  showProject();
}

// A dropped folder is read through the entries API; its files keep their paths.
async function readEntry(entry, prefix, out) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    out.push({ path: prefix + entry.name, file });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await readEntry(child, `${prefix}${entry.name}/`, out);
    }
  }
}

async function onDrop(event) {
  event.preventDefault();
  els.drop.classList.remove('dragging');
  const dt = event.dataTransfer;
  if (!dt) return;
  // Entries must be taken while the event is dispatched; reading them may take longer.
  const entries = [...dt.items || []].map((i) => (i.kind === 'file' && i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  if (entries.some((e) => e && e.isDirectory)) {
    const out = [];
    for (const e of entries) if (e) await readEntry(e, '', out);
    addProjectFiles(out, true);
  } else {
    addProjectFiles([...dt.files].map((file) => ({ path: file.name, file })), false);
  }
}

// Shell-like words: spaces separate, "double" or 'single' quotes keep spaces.
function splitWords(text) {
  const words = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m;
  while ((m = re.exec(text))) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] ?? m[3]);
  return words;
}

async function followBatch(response, live) {
  const accepted = await response.json();
  const id = accepted.job_id;
  if (!/^[0-9a-f]{32}(-[a-z0-9]{1,16})?$/.test(id || '')) throw new Error('no job id in the answer to POST /submit');
  state.project.jobId = id;
  setStatus('running', accepted.status === 'queued' ? 'Queued…' : 'Running…');
  const logs = await fetch(`/logs/${id}?stream=1`, { headers: { Accept: 'text/event-stream' }, signal: state.abort.signal });
  if (!logs.ok) throw new Error(await errorText(logs));
  const status = await readResult(logs, live);
  // The events carried the output as it came; the whole of it (and the receipt's stdout) is in /logs.
  const all = await fetch(`/logs/${id}`, { headers: { Accept: 'application/json' } });
  const text = all.ok ? await all.json() : {};
  return { ...status, stdout: text.stdout || '', stderr: text.stderr || '', truncated: !!text.truncated };
}

async function showBatchResult(result) {
  showResult(result);
  const id = result.job_id;
  if (result.status !== 'completed' || !els.projectOutputs.value.trim()) return;
  const section = document.createElement('section');
  section.className = 'files';
  const heading = document.createElement('h3');
  heading.className = 'files-title';
  heading.textContent = 'Output files';
  section.append(heading);
  els.output.append(section);
  const response = await fetch(`/outputs/${id}`, { headers: { Accept: 'application/json' } });
  const outputs = response.ok ? await response.json() : { files: [] };
  const files = Array.isArray(outputs.files) ? outputs.files : [];
  if (files.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty-output';
    p.textContent = response.ok ? 'No file matched the output globs.' : `The outputs are not available (${response.status}).`;
    section.append(p);
    return;
  }
  const list = document.createElement('ul');
  list.className = 'files-list';
  list.replaceChildren(...files.map((f) => {
    const li = document.createElement('li');
    li.textContent = `${f.path} · ${formatBytes(f.size)}`;
    return li;
  }));
  const link = document.createElement('a');
  link.className = 'button';
  link.id = 'download';
  link.href = `/download/${id}`;
  link.download = `sandrun-${id.slice(0, 8)}-outputs.tar.gz`;
  link.textContent = `Download ${files.length === 1 ? 'the file' : `${files.length} files`} (tar.gz)`;
  const note = document.createElement('p');
  note.className = 'files-note';
  note.textContent = 'The server deletes the job once its outputs have been downloaded.';
  section.append(list, link, note);
}

async function submitProject() {
  if (state.busy || Date.now() < state.waitUntil) return;
  const entrypoint = els.projectEntry.value.trim();
  if (!entrypoint) {
    showNotice('error', 'Choose an entry point', 'Name the file the job starts with, e.g. main.py.');
    els.projectEntry.focus();
    return;
  }
  const manifest = { entrypoint };
  const args = splitWords(els.projectArgs.value);
  if (args.length) manifest.args = args;
  const outputs = splitWords(els.projectOutputs.value);
  if (outputs.length) manifest.outputs = outputs;
  if (els.stdin.value) manifest.stdin = els.stdin.value;
  const form = new FormData();
  form.append('manifest', JSON.stringify(manifest));
  for (const archive of state.project.archives) form.append('archive', archive, archive.name);
  for (const f of state.project.files) form.append(f.path, f.file, f.path);
  await runJob((signal) => fetch('/submit', { method: 'POST', body: form, signal }), followBatch, showBatchResult, false);
}

// ---- wiring ----

function isMac() {
  const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || '';
  return /mac|iphone|ipad/i.test(platform);
}

function init() {
  if (isMac()) {
    els.shortcut.textContent = '⌘ ↵';
    els.shortcutHelp.textContent = '⌘+Enter';
    els.searchHelp.textContent = '⌘+F';
  }
  createEditor();

  els.stdin.value = state.saved.stdin;
  if (els.stdin.value) els.stdinBox.open = true;
  els.stdin.addEventListener('input', () => {
    state.saved.stdin = els.stdin.value;
    save();
  });

  els.language.addEventListener('change', () => {
    state.saved.language = currentLanguage();
    save();
    showCode(currentLanguage());
  });
  els.sample.addEventListener('click', () => {
    const lang = currentLanguage();
    setCode(sampleFor(lang));
    delete state.saved.drafts[lang];
    save();
    state.editor.focus();
  });
  els.run.addEventListener('click', () => (state.busy ? stop() : run()));
  els.share.addEventListener('click', () => share());

  els.caseAdd.addEventListener('click', () => addCase().querySelector('.case-input').focus());
  els.casesRun.addEventListener('click', () => run(true));

  els.projectFiles.addEventListener('change', () => {
    addProjectFiles([...els.projectFiles.files].map((file) => ({ path: file.name, file })), false);
    els.projectFiles.value = '';
  });
  els.projectFolder.addEventListener('change', () => {
    addProjectFiles([...els.projectFolder.files].map((file) => ({ path: file.webkitRelativePath || file.name, file })), true);
    els.projectFolder.value = '';
  });
  els.drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    els.drop.classList.add('dragging');
  });
  els.drop.addEventListener('dragleave', () => els.drop.classList.remove('dragging'));
  els.drop.addEventListener('drop', onDrop);
  els.projectClear.addEventListener('click', () => {
    state.project = { files: [], archives: [] };
    els.projectEntry.value = '';
    showProject();
  });
  els.projectSubmit.addEventListener('click', () => submitProject());
  window.addEventListener('hashchange', () => { if (!els.language.disabled) openShared(); });

  // Ctrl+Enter (Cmd+Enter on a Mac) runs from anywhere on the page.
  document.addEventListener('keydown', (event) => {
    // The editor handles it itself (and marks the event handled) when it has focus.
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
      event.preventDefault();
      run();
    }
  });

  loadLanguages();
}

init();
