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
  budget: $('budget'), budgetValue: $('budget-value'), receipt: $('receipt'),
  share: $('share'), shareBox: $('share-box'), shareUrl: $('share-url'), shareNote: $('share-note'),
};

const state = {
  busy: false,
  abort: null,             // stops the running job: the server ends a job whose client leaves
  waitUntil: 0,            // no runs before this time (ms), after a 429 or 503
  waitTimer: null,
  editor: null,            // SandrunEditor (editor.js)
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

// The code editor; editor.js defines SandrunEditor before this script runs (both are deferred, in order).
function createEditor() {
  state.editor = window.SandrunEditor.create({
    parent: els.editor,
    contentAttributes: { id: 'code', 'aria-label': 'Code', 'aria-describedby': 'editor-help',
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
  // While a job runs the button stops it.
  els.run.disabled = !state.busy && (waiting || els.language.disabled);
  els.run.dataset.busy = String(state.busy);
  if (!waiting || state.busy) els.runLabel.textContent = state.busy ? 'Stop' : 'Run';
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

async function run() {
  if (state.busy || Date.now() < state.waitUntil || els.language.disabled) return;
  state.busy = true;
  state.abort = new AbortController();
  updateRunButton();
  hideNotice();
  els.receipt.hidden = true;
  setStatus('running', 'Running…');
  els.output.setAttribute('aria-busy', 'true');
  const live = { started: false, bytes: { stdout: 0, stderr: 0 } };

  const body = { code: code(), interpreter: currentLanguage() };
  if (els.stdin.value) body.stdin = els.stdin.value;

  try {
    let response;
    try {
      response = await fetch('/run', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify(body),
        signal: state.abort.signal,
      });
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
      if ((response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
        await readEvents(response, (name, data) => {
          if (name === 'stdout' || name === 'stderr') liveAppend(live, name, JSON.parse(data).text);
          else if (name === 'result') result = JSON.parse(data);
        });
      } else {
        result = await response.json();
      }
      if (!result) throw new Error('no result');
    } catch (error) {
      if (error.name === 'AbortError') {
        // Leaving ends the job on the server; what it printed so far stays on screen.
        setStatus('failed', 'Stopped');
        return;
      }
      setStatus('error', 'Bad answer');
      showNotice('error', 'The server sent an answer this page cannot read', 'Expected events or JSON from POST /run.');
      return;
    }
    showResult(result);
  } finally {
    state.busy = false;
    state.abort = null;
    els.output.removeAttribute('aria-busy');
    updateRunButton();
  }
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
