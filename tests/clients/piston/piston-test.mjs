// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Piston's own JavaScript client (npm piston-client, pinned in package-lock.json), unchanged except for
// its base URL, against a live sandrun: SANDRUN_URL (required, else exit 77). It lists the runtimes and
// runs programs through /api/v2/execute exactly as it would against Piston.
// Exit status: 0 all checks passed, 1 a check failed, 77 skipped.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BASE = process.env.SANDRUN_URL;
if (!BASE) {
  console.log('SKIP: SANDRUN_URL is not set (e.g. SANDRUN_URL=https://127.0.0.1:8443)');
  process.exit(77);
}
// The daemon's certificate is an ephemeral self-signed one; the client itself is not touched.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

if (!existsSync(join(here, 'node_modules', 'piston-client'))) {
  console.log('installing npm dependencies (npm ci)');
  try {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
  } catch (e) {
    console.log(`FAIL: npm ci: ${e.message}`);
    process.exit(1);
  }
}
const { default: piston } = await import('piston-client');

let failures = 0;
function check(what, ok, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok ? '' : ': ' + JSON.stringify(detail)}`);
  if (!ok)
    failures++;
}

const client = piston({ server: BASE });

const runtimes = await client.runtimes();
check('runtimes is an array', Array.isArray(runtimes), runtimes);
const byName = Object.fromEntries((Array.isArray(runtimes) ? runtimes : []).map(r => [r.language, r]));
for (const name of ['python', 'javascript', 'bash', 'c', 'c++', 'java'])
  check(`runtime ${name} listed with a version`, byName[name] && /^\d+\.\d+/.test(byName[name].version), byName[name]);
check('javascript runs on node', byName.javascript && byName.javascript.runtime === 'node', byName.javascript);
check('python answers to py', byName.python && byName.python.aliases.includes('py'), byName.python);

// The client's own defaults: args ["1", "2", "3"], the latest version of the language.
let r = await client.execute('python', 'import sys\nprint(input()[::-1], sys.argv[1:])', { stdin: 'abc\n' });
check('python with stdin and the default args', r.run && r.run.stdout === "cba ['1', '2', '3']\n" && r.run.code === 0, r);
check('python answer names its runtime', r.language === 'python' && r.version === byName.python.version, r);
check('no compile for an interpreter', r.compile === undefined, r);

r = await client.execute('javascript', 'console.log(process.argv.slice(2).join("+"))', { args: ['a', 'b'] });
check('javascript with args', r.run && r.run.output === 'a+b\n' && r.run.signal === null, r);

r = await client.execute('c', '#include <stdio.h>\nint main(void) { puts("hello from c"); return 4; }');
check('c compiles and runs', r.compile && r.compile.code === 0 && r.run && r.run.stdout === 'hello from c\n', r);
check('c exit code and status', r.run && r.run.code === 4 && r.run.status === 'RE', r);

r = await client.execute('c++', 'int main() { return undefined_thing; }');
check('c++ compile error', r.compile && r.compile.code !== 0 && /undefined_thing/.test(r.compile.stderr), r);
check('nothing runs after a failed compile', r.run && r.run.code === null && r.run.stdout === '', r);

r = await client.execute({
  language: 'java',
  files: [{ content: 'public class Greeter { public static void main(String[] a) { System.out.println("hi " + a.length); } }' }],
  args: [],
});
check('java, the file named after its public class', r.run && r.run.stdout === 'hi 0\n', r);

r = await client.execute('bash', 'while :; do :; done', { runTimeout: 1000 });
check('a run timeout in milliseconds', r.run && r.run.status === 'TO' && r.run.signal === 'SIGKILL', r);

r = await client.execute({ language: 'python', version: '2.7.18', files: [{ content: 'print 1' }] });
check('an unknown version is an error with a message', typeof r.message === 'string' && /3\.\d+/.test(r.message), r);

r = await client.execute({
  language: 'python',
  files: [{ name: 'main.py', content: 'import helper\nhelper.hi()' },
          { name: 'helper.py', content: Buffer.from('def hi():\n    print("from helper")\n').toString('base64'),
            encoding: 'base64' }],
});
check('several files, base64', r.run && r.run.stdout === 'from helper\n', r);

console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
