#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A stand-in for sandrund, for developing the clients before the daemon exists. It serves src/web/
// with the daemon's CSP and implements the service API (/languages, /run, /submit, /status, /logs,
// /outputs, /download) by running programs with the local interpreters. It is NOT a sandbox: it
// listens on 127.0.0.1 only and exists for tests and development.
//
//   node mock-server.js [--port N] [--tls] [--pin-file FILE] [--no-submit] [--url-file FILE]
//
// Programs containing "#mock:429" get a 429 answer with Retry-After, to exercise the clients' handling.

'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawn, execFileSync } = require('child_process');

const args = process.argv.slice(2);
const opt = (name) => args.includes(name);
const val = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };

const WEB_DIR = path.resolve(__dirname, '../../src/web');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const OUTPUT_MAX = 1 << 20;
const BUDGET = { value: 600 };

const LANGUAGES = [
  { name: 'python', aliases: ['python3', 'py'], extensions: ['.py'], command: 'python3' },
  { name: 'bash', aliases: [], extensions: ['.bash'], command: 'bash' },
  { name: 'sh', aliases: [], extensions: ['.sh'], command: 'sh' },
  { name: 'node', aliases: ['javascript', 'js'], extensions: ['.js', '.mjs'], command: process.execPath },
  { name: 'perl', aliases: [], extensions: ['.pl'], command: 'perl' },
].filter((l) => {
  try { execFileSync('sh', ['-c', `command -v "${l.command}"`], { stdio: 'ignore' }); return true; } catch { return false; }
});

function findLanguage(name) {
  if (!name) return LANGUAGES.find((l) => l.name === 'python');
  return LANGUAGES.find((l) => l.name === name || l.aliases.includes(name));
}

function send(res, status, body, headers = {}) {
  const isJson = typeof body !== 'string' && !Buffer.isBuffer(body);
  const data = isJson ? JSON.stringify(body) : body;
  res.writeHead(status, {
    'Content-Type': isJson ? 'application/json' : 'text/plain; charset=utf-8',
    'X-Sandrun-Budget-Remaining': BUDGET.value.toFixed(1),
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(data);
}

function readBody(req, limit = 64 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = []; let size = 0;
    req.on('data', (c) => { size += c.length; if (size > limit) { reject(new Error('too large')); req.destroy(); } else chunks.push(c); });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// Runs `command args` in cwd with stdin; calls onOutput as output grows; resolves with the result.
function execute({ command, argv, cwd, stdin, timeout, env, onOutput }) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, argv, { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env } });
    let stdout = Buffer.alloc(0), stderr = Buffer.alloc(0), truncated = false, timedOut = false;
    const grow = (buf, chunk) => {
      if (buf.length + chunk.length > OUTPUT_MAX) { truncated = true; return Buffer.concat([buf, chunk.subarray(0, OUTPUT_MAX - buf.length)]); }
      return Buffer.concat([buf, chunk]);
    };
    child.stdout.on('data', (c) => { stdout = grow(stdout, c); onOutput && onOutput(stdout, stderr); });
    child.stderr.on('data', (c) => { stderr = grow(stderr, c); onOutput && onOutput(stdout, stderr); });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin || '');
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeout * 1000);
    child.on('error', (e) => { clearTimeout(timer); resolve({ launchError: e.message, stdout, stderr, truncated }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code, signal, timedOut, stdout, stderr, truncated, wall });
    });
  });
}

const SIGNALS = os.constants.signals;

function resultFields(r) {
  const cpu = Math.min(r.wall || 0, (r.wall || 0) * 0.8);
  let reason = null, status = 'completed', signal = null;
  if (r.launchError) { reason = 'launch'; status = 'failed'; }
  else if (r.timedOut) { reason = 'timeout'; status = 'failed'; signal = SIGNALS.SIGKILL; }
  else if (r.signal) { reason = 'signal'; status = 'failed'; signal = SIGNALS[r.signal]; }
  BUDGET.value = Math.max(0, BUDGET.value - cpu);
  return {
    status, exit_code: status === 'completed' ? r.code : null, signal, reason,
    metrics: { cpu_seconds: +cpu.toFixed(3), memory_mb: +(8 + Math.random() * 4).toFixed(1), wall_seconds: +(r.wall || 0).toFixed(3) },
  };
}

let nextId = 1;
const newId = () => `${Date.now().toString(36)}-${(nextId++).toString(36)}`;

async function handleRun(req, res, url) {
  const body = await readBody(req);
  const ctype = req.headers['content-type'] || '';
  let job;
  if (ctype.startsWith('application/json')) {
    try { job = JSON.parse(body.toString('utf8')); } catch { return send(res, 400, { error: 'malformed JSON' }); }
    if (typeof job.code !== 'string') return send(res, 400, { error: "missing \"code\"" });
  } else {
    job = { code: body.toString('utf8'), interpreter: url.searchParams.get('lang') };
  }
  if (job.code.includes('#mock:429'))
    return send(res, 429, { error: 'CPU budget exhausted for this address' }, { 'Retry-After': '30' });
  const lang = findLanguage(job.interpreter || job.lang);
  if (!lang) return send(res, 400, { error: `unknown interpreter "${job.interpreter || job.lang}"` });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mock-run-'));
  const file = path.join(dir, 'main' + lang.extensions[0]);
  fs.writeFileSync(file, job.code);
  const r = await execute({ command: lang.command, argv: [file, ...(job.args || [])], cwd: dir, stdin: job.stdin,
                            timeout: Math.min(job.timeout || 10, 10) });
  fs.rmSync(dir, { recursive: true, force: true });
  const fields = resultFields(r);
  const out = r.stdout.toString('utf8'), err = r.stderr.toString('utf8');
  const wantsJson = ctype.startsWith('application/json') || (req.headers.accept || '').includes('application/json');
  if (!wantsJson)
    return send(res, 200, out + err, { 'X-Sandrun-Status': fields.status, 'X-Sandrun-Exit-Code': String(fields.exit_code ?? ''),
                                       'X-Sandrun-CPU-Seconds': String(fields.metrics.cpu_seconds), 'X-Sandrun-Memory-MB': String(fields.metrics.memory_mb) });
  send(res, 200, { job_id: newId(), ...fields, stdout: out, stderr: err, output: out + err, truncated: r.truncated });
}

// ---- batch jobs ----

function parseMultipart(body, ctype) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ctype || '');
  if (!m) throw new Error('no boundary');
  const boundary = Buffer.from('--' + (m[1] || m[2]));
  const parts = [];
  let pos = body.indexOf(boundary);
  while (pos >= 0) {
    const start = pos + boundary.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(boundary, headerEnd);
    if (headerEnd < 0 || next < 0) throw new Error('truncated multipart');
    const headers = body.subarray(start + 2, headerEnd).toString('utf8');
    const name = /name="([^"]*)"/i.exec(headers), filename = /filename="([^"]*)"/i.exec(headers);
    parts.push({ name: name && name[1], filename: filename && filename[1], data: body.subarray(headerEnd + 4, next - 2) });
    pos = next;
  }
  return parts;
}

function safeJoin(root, name) {
  const clean = path.posix.normalize(name).replace(/^(\.\/)+/, '');
  if (!clean || clean.startsWith('/') || clean.split('/').includes('..')) throw new Error(`unsafe path "${name}"`);
  return path.join(root, clean);
}

function untar(buf, root) {
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  let off = 0, paxPath = null;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a, n) => h.subarray(a, a + n).toString('utf8').replace(/\0.*$/s, '');
    let name = str(0, 100); const prefix = str(345, 155);
    if (prefix) name = prefix + '/' + name;
    const size = parseInt(str(124, 12).trim() || '0', 8), type = String.fromCharCode(h[156] || 48);
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') { const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8')); paxPath = m ? m[1] : null; continue; }
    if (paxPath) { name = paxPath; paxPath = null; }
    if (type === '5') { fs.mkdirSync(safeJoin(root, name), { recursive: true }); continue; }
    if (type !== '0' && type !== '\0') continue;
    const target = safeJoin(root, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data, { mode: parseInt(str(100, 8) || '644', 8) & 0o755 });
  }
}

function tarGz(root, files) {
  const blocks = [];
  for (const f of files) {
    const data = fs.readFileSync(path.join(root, f));
    const h = Buffer.alloc(512);
    h.write(f, 0, 100); h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0') + '\0', 136);
    h.write('        ', 148); h.write('0', 156); h.write('ustar\0' + '00', 257);
    let sum = 0; for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') { re += '.*'; i++; }
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

function listFiles(root, dir = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

const jobs = new Map();
const queue = [];

async function startNext() {
  if (queue.some((j) => j.status === 'running')) return;
  const job = queue.find((j) => j.status === 'queued');
  if (!job) return;
  job.status = 'running';
  const r = await execute({
    command: job.lang.command, argv: [job.entrypoint, ...(job.manifest.args || [])], cwd: job.dir,
    stdin: job.manifest.stdin, timeout: Math.min(job.manifest.timeout || 20, 20), env: job.manifest.env || {},
    onOutput: (out, err) => { job.stdout = out; job.stderr = err; },
  });
  job.stdout = r.stdout; job.stderr = r.stderr; job.truncated = r.truncated;
  Object.assign(job, resultFields(r));
  const globs = (job.manifest.outputs || []).map(globToRegExp);
  job.outputs = listFiles(job.dir).filter((f) => globs.some((g) => g.test(f)));
  queue.splice(queue.indexOf(job), 1);
  setImmediate(startNext);
}

async function handleSubmit(req, res) {
  if (opt('--no-submit')) return send(res, 404, { error: 'not found' });
  let parts;
  try { parts = parseMultipart(await readBody(req), req.headers['content-type']); } catch (e) { return send(res, 400, { error: e.message }); }
  const manifestPart = parts.find((p) => p.name === 'manifest');
  if (!manifestPart) return send(res, 400, { error: 'missing manifest part' });
  let manifest;
  try { manifest = JSON.parse(manifestPart.data.toString('utf8')); } catch { return send(res, 400, { error: 'manifest is not JSON' }); }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mock-job-'));
  try {
    for (const p of parts) {
      if (p.name === 'manifest') continue;
      if (/\.(tar|tar\.gz|tgz)$/.test(p.filename || '')) untar(p.data, dir);
      else if (p.filename) { const t = safeJoin(dir, p.filename); fs.mkdirSync(path.dirname(t), { recursive: true }); fs.writeFileSync(t, p.data); }
    }
    if (!manifest.entrypoint || !fs.existsSync(safeJoin(dir, manifest.entrypoint)))
      throw new Error(`entrypoint "${manifest.entrypoint}" is not in the upload`);
  } catch (e) { fs.rmSync(dir, { recursive: true, force: true }); return send(res, 400, { error: e.message }); }
  const lang = findLanguage(manifest.interpreter) ||
               LANGUAGES.find((l) => l.extensions.includes(path.extname(manifest.entrypoint)));
  if (!lang) return send(res, 400, { error: 'cannot tell the interpreter' });
  const id = newId();
  const job = { id, dir, manifest, lang, entrypoint: manifest.entrypoint, status: 'queued', stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  jobs.set(id, job); queue.push(job);
  setTimeout(startNext, 800);     // stay queued a moment so clients show it
  send(res, 202, { job_id: id, status: 'queued' });
}

function handleJob(req, res, kind, id) {
  const job = jobs.get(id);
  if (!job) return send(res, 404, { error: 'no such job' });
  const finished = job.status === 'completed' || job.status === 'failed';
  if (kind === 'status')
    return send(res, 200, { job_id: id, status: job.status, queue_position: job.status === 'queued' ? queue.indexOf(job) + 1 : null,
                            exit_code: job.exit_code ?? null, reason: job.reason ?? null, signal: job.signal ?? null,
                            metrics: job.metrics || { cpu_seconds: 0, memory_mb: 0, wall_seconds: 0 } });
  if (kind === 'logs')
    return send(res, 200, { stdout: job.stdout.toString('utf8'), stderr: job.stderr.toString('utf8'), truncated: !!job.truncated });
  if (!finished) return send(res, 409, { error: 'job has not finished' });
  if (kind === 'outputs')
    return send(res, 200, { files: job.outputs.map((f) => ({ path: f, size: fs.statSync(path.join(job.dir, f)).size })) });
  if (kind === 'download') {
    if (job.downloaded) return send(res, 404, { error: 'already downloaded' });
    job.downloaded = true;
    res.writeHead(200, { 'Content-Type': 'application/gzip', 'X-Sandrun-Budget-Remaining': BUDGET.value.toFixed(1) });
    return res.end(tarGz(job.dir, job.outputs));
  }
  send(res, 404, { error: 'not found' });
}

const STATIC = { '/': 'index.html', '/index.html': 'index.html', '/style.css': 'style.css', '/app.js': 'app.js', '/editor.js': 'editor.js', '/favicon.svg': 'favicon.svg' };
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const p = url.pathname;
  try {
    if (req.method === 'GET' && STATIC[p]) {
      const file = path.join(WEB_DIR, STATIC[p]);
      if (!fs.existsSync(file)) return send(res, 404, { error: 'not found' });
      return send(res, 200, fs.readFileSync(file), { 'Content-Type': TYPES[path.extname(file)] });
    }
    if (req.method === 'GET' && p === '/languages')
      return send(res, 200, { languages: LANGUAGES.map(({ name, aliases, extensions }) => ({ name, aliases, extensions })) });
    if (p === '/run') return req.method === 'POST' ? handleRun(req, res, url) : send(res, 405, { error: 'use POST' });
    if (p === '/submit') return req.method === 'POST' ? handleSubmit(req, res) : send(res, 405, { error: 'use POST' });
    const m = /^\/(status|logs|outputs|download)\/([A-Za-z0-9._-]+)$/.exec(p);
    if (req.method === 'GET' && m) return handleJob(req, res, m[1], m[2]);
    send(res, 404, { error: 'not found' });
  } catch (e) {
    send(res, 500, { error: String(e && e.message || e) });
  }
}

function makeCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mock-tls-'));
  const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                           '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const result = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  fs.rmSync(dir, { recursive: true, force: true });
  const spki = crypto.createPublicKey(result.cert).export({ type: 'spki', format: 'der' });
  result.pin = 'sha256//' + crypto.createHash('sha256').update(spki).digest('base64');
  return result;
}

const tls = opt('--tls') ? makeCertificate() : null;
const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handle) : http.createServer(handle);
server.listen(Number(val('--port', '0')), '127.0.0.1', () => {
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;
  if (val('--url-file')) fs.writeFileSync(val('--url-file'), url + '\n');
  if (tls && val('--pin-file')) fs.writeFileSync(val('--pin-file'), tls.pin + '\n');
  console.log(`mock sandrund listening on ${url}${tls ? ` pin ${tls.pin}` : ''}`);
});
process.on('SIGTERM', () => process.exit(0));
