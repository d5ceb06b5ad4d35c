#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Checks the sandrun CLI against a live daemon: SANDRUN_URL (required, else exit 77), SANDRUN_PIN
# (optional; without it an https server is reached with --insecure). The CLI is $SANDRUN_CLI, else
# `sandrun` on PATH, else the newest build-*/src/cli/sandrun of this tree.
# Exit status: 0 all checks passed, 1 a check failed, 77 skipped.

set -u

if [ -z "${SANDRUN_URL:-}" ]; then
        echo "SKIP: SANDRUN_URL is not set (e.g. SANDRUN_URL=https://127.0.0.1:8443)"
        exit 77
fi

# Documented in sandrun(1).
EXIT_USAGE=64
EXIT_REFUSED=65
EXIT_SERVER=69
EXIT_SANDBOX=124

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cli=${SANDRUN_CLI:-}
if [ -z "$cli" ]; then
        cli=$(command -v sandrun || ls -t "$repo"/build*/src/cli/sandrun 2>/dev/null | head -n1)
fi
if [ -z "$cli" ] || [ ! -x "$cli" ]; then
        echo "FAIL: no sandrun binary found (build it, or set SANDRUN_CLI)"
        exit 1
fi

server=(--server "$SANDRUN_URL")
case "$SANDRUN_URL" in
https://*)
        if [ -n "${SANDRUN_PIN:-}" ]; then
                server+=(--pin "$SANDRUN_PIN")
        else
                server+=(--insecure)
        fi
        ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

passed=0
failed=0
skipped=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $*"; skipped=$((skipped + 1)); }

# Runs the CLI with the server options; leaves $rc, and the output in out.txt and err.txt.
sr() {
        "$cli" "${server[@]}" "$@" >out.txt 2>err.txt
        rc=$?
}

# check NAME EXPECTED_RC [grep -q pattern on out.txt] [pattern on err.txt]
check() {
        local name=$1 want=$2 out_pattern=${3:-} err_pattern=${4:-}
        if [ "$rc" -ne "$want" ]; then
                fail "$name: exit $rc, expected $want; stderr: $(head -c 400 err.txt)"
        elif [ -n "$out_pattern" ] && ! grep -Eq -- "$out_pattern" out.txt; then
                fail "$name: stdout lacks /$out_pattern/: $(head -c 400 out.txt)"
        elif [ -n "$err_pattern" ] && ! grep -Eq -- "$err_pattern" err.txt; then
                fail "$name: stderr lacks /$err_pattern/: $(head -c 400 err.txt)"
        else
                pass "$name"
        fi
}

echo "CLI test: $cli against $SANDRUN_URL"

# The bash completion offers every long option that --help lists, and the subcommands.
complete_words() {      # WORDS...: prints what completing the last word offers
        bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sandrun; printf "%s\n" "${COMPREPLY[@]}"' \
                _ "$repo/src/cli/completions/sandrun.bash" sandrun "$@"
}
missing=
for opt in $("$cli" --help | grep -Eo -- '--[a-z][a-z-]+' | sort -u); do
        complete_words submit -- | grep -qx -- "$opt" || missing="$missing $opt"
done
if [ -z "$missing" ] && [ "$(complete_words --no-st)" = --no-stdin ] &&
   [ "$(complete_words submit --entr)" = --entrypoint ] && complete_words su | grep -qx submit &&
   [ "$(complete_words run --entr)" = --entrypoint ] && complete_words ru | grep -qx run &&
   ! complete_words --entr | grep -q .; then
        pass "bash completion: all options of --help, submit's only after run and submit, subcommands"
else
        fail "bash completion: missing:$missing; --no-st -> $(complete_words --no-st)"
fi
if command -v zsh >/dev/null; then
        if zsh -n "$repo/src/cli/completions/_sandrun"; then
                pass "zsh completion parses"
        else
                fail "zsh completion parses"
        fi
else
        skip "zsh completion: zsh is not installed"
fi

sr --list-languages
check "--list-languages shows python" 0 '^python '
has_sh=no
grep -q '^sh ' out.txt && has_sh=yes

cat > hello.py <<'PY'
import sys
print("hello from a file", sys.argv[1:])
PY
sr hello.py one "two words"
check "runs a .py file with arguments" 0 "^hello from a file \['one', 'two words'\]$"

echo 'print(6 * 7)' | "$cli" "${server[@]}" --lang python >out.txt 2>err.txt
rc=$?
check "runs a program from stdin with --lang" 0 '^42$'

echo 'import sys; print(sys.argv[1])' | "$cli" "${server[@]}" -l py - arg1 >out.txt 2>err.txt
rc=$?
check "runs '-' (stdin) with arguments and a language alias" 0 '^arg1$'

printf '3\n4\n5\n' > numbers.txt
echo 'import sys; print(sum(int(x) for x in sys.stdin))' > sum.py
sr --stdin numbers.txt sum.py
check "--stdin FILE feeds the program's input" 0 '^12$'

# A program FILE gets sandrun's stdin when that is a pipe or a redirection; --no-stdin turns it off.
printf '1\n2\n3\n' | "$cli" "${server[@]}" sum.py >out.txt 2>err.txt
rc=$?
check "a piped stdin becomes the input of a program FILE" 0 '^6$'

"$cli" "${server[@]}" sum.py <numbers.txt >out.txt 2>err.txt
rc=$?
check "a redirected stdin becomes the input of a program FILE" 0 '^12$'

printf '100\n' | "$cli" "${server[@]}" --no-stdin sum.py >out.txt 2>err.txt
rc=$?
check "--no-stdin runs the program without the pipe" 0 '^0$'

printf '100\n' | "$cli" "${server[@]}" -i numbers.txt sum.py >out.txt 2>err.txt
rc=$?
check "-i FILE wins over a piped stdin" 0 '^12$'

head -c $((16 * 1024 * 1024 + 1)) /dev/zero | "$cli" "${server[@]}" sum.py >out.txt 2>err.txt
rc=$?
check "stdin past 16 MiB is refused, naming the limit and --no-stdin" $EXIT_USAGE '' \
        'larger than the 16 MiB limit.*--no-stdin'

# --watch reads a piped stdin once and feeds it to every run.
wait_lines() {  # FILE PATTERN COUNT: waits up to 20 s for COUNT lines matching PATTERN
        for _ in $(seq 200); do
                [ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
                sleep 0.1
        done
        return 1
}
printf '5\n' | "$cli" "${server[@]}" -q --watch sum.py >watch.txt 2>watch-err.txt &
watcher=$!
if wait_lines watch.txt '^5$' 1 && sleep 0.5 && cp sum.py sum.tmp &&
   cat sum.tmp >sum.py && wait_lines watch.txt '^5$' 2; then
        pass "--watch feeds the same piped stdin to the run after a save"
else
        fail "--watch feeds the same piped stdin to the run after a save: $(head -c 400 watch.txt watch-err.txt)"
fi
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null

# --tests FILE: the API's test cases; a verdict per case, exit 0 only when all pass.
cat > add.py <<'PY'
a, b = map(int, input().split())
print(a + b)
PY
printf '[{"stdin": "1 2\\n", "expected_output": "3"}, {"stdin": "40 2\\n", "expected_output": "42\\n"}]' > ok.json
sr --tests ok.json add.py
check "--tests: every case accepted" 0 '^2 of 2 passed$'
printf '[{"stdin": "1 2\\n", "expected_output": "3"}, {"stdin": "2 2\\n", "expected_output": "5"}, {"stdin": "x\\n"}]' > bad.json
printf '9 9\n' | "$cli" "${server[@]}" --tests bad.json add.py >out.txt 2>err.txt
rc=$?
check "--tests: a wrong answer and a runtime error make exit 1" 1 '^case 2: wrong_answer'
grep -q '^case 3: runtime_error (exit 1)$' out.txt && grep -q '^1 of 3 passed$' out.txt &&
        pass "--tests: each verdict and the count printed" || fail "--tests: verdicts: $(head -c 400 out.txt)"
echo '{"stdin": "1"}' > notarray.json
sr --tests notarray.json add.py
check "--tests with something other than an array is a usage error" $EXIT_USAGE '' 'expected a JSON array'

echo 'import sys; sys.exit(7)' > seven.py
sr seven.py
check "the program's exit code becomes the CLI's (7)" 7

cat > both.py <<'PY'
import sys
print("to stdout")
print("to stderr", file=sys.stderr)
sys.exit(3)
PY
sr both.py
if [ "$rc" -eq 3 ] && grep -qx 'to stdout' out.txt && ! grep -q 'to stderr' out.txt &&
   grep -qx 'to stderr' err.txt && ! grep -q 'to stdout' err.txt; then
        pass "stdout and stderr stay separate (exit 3)"
else
        fail "stdout and stderr stay separate: exit $rc, stdout '$(cat out.txt)', stderr '$(cat err.txt)'"
fi

if [ "$has_sh" = yes ]; then
        printf '#!/bin/sh\necho "shell says $1"\nexit 5\n' > noext
        sr noext hi
        check "language from the #! line of a file without extension" 5 '^shell says hi$'
else
        skip "no sh on the server: #! detection not checked"
fi

echo 'while True: pass' > spin.py
sr --timeout 1 spin.py
check "a program over its time limit exits $EXIT_SANDBOX with the reason" $EXIT_SANDBOX '' 'timed out'

sr --lang no-such-language hello.py
check "an unknown language is refused with $EXIT_REFUSED" $EXIT_REFUSED '' 'refused by the server \(HTTP 4'

sr --timeout 0 hello.py
check "a usage error exits $EXIT_USAGE" $EXIT_USAGE '' 'invalid timeout'

sr no-such-file.py
check "an unreadable program file exits $EXIT_USAGE" $EXIT_USAGE '' 'cannot read no-such-file.py'

case "$SANDRUN_URL" in
https://*)
        "$cli" --server "$SANDRUN_URL" --pin 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' hello.py >out.txt 2>err.txt
        rc=$?
        check "a --pin that does not match is refused with $EXIT_SERVER" $EXIT_SERVER '' 'does not match the pin'
        if [ -s out.txt ]; then
                fail "nothing runs when the pin does not match: $(head -c 200 out.txt)"
        fi
        ;;
*)
        skip "server is not https: --pin mismatch not checked"
        ;;
esac

# Port 1 on loopback: nothing listens there, so the connection is refused at once.
"$cli" --server https://127.0.0.1:1 --insecure hello.py >out.txt 2>err.txt
rc=$?
check "a server that is down gives 'cannot connect' and $EXIT_SERVER" $EXIT_SERVER '' 'cannot connect to https://127.0.0.1:1'

mkdir -p project/lib
cat > project/main.py <<'PY'
import os, sys
sys.path.insert(0, "lib")
import helper
os.makedirs("results", exist_ok=True)
with open("results/answer.txt", "w") as f:
    f.write(helper.answer(sys.argv[1:], os.environ.get("GREETING", "unset")))
with open("scratch.txt", "w") as f:
    f.write("not an output")
print("batch stdout")
print("batch stderr", file=sys.stderr)
PY
echo 'def answer(args, greeting): return f"{greeting} {args}\n"' > project/lib/helper.py
sr submit project --entrypoint main.py --outputs 'results/*' -o fetched -E GREETING=hi -- x y
if [ "$rc" -eq $EXIT_REFUSED ] && grep -q 'answered 404' err.txt; then
        skip "the server has no POST /submit (404): submit not checked"
else
        check "submit runs the project and streams its output" 0 '^batch stdout$' 'batch stderr'
        if [ "$(cat fetched/results/answer.txt 2>/dev/null)" = "hi ['x', 'y']" ] && [ ! -e fetched/scratch.txt ]; then
                pass "submit downloads only the files matching --outputs into -o"
        else
                fail "submit downloads outputs: $(find fetched -type f 2>/dev/null | tr '\n' ' ') / $(cat err.txt)"
        fi

        printf 'import sys\nprint(sys.stdin.read().upper(), end="")\nsys.exit(4)\n' > single.py
        echo "quiet input" > in.txt
        sr submit single.py --stdin in.txt -q
        check "submit of a single file with --stdin, exit code passed on (4)" 4 '^QUIET INPUT$'

        sr submit single.py --stdin in.txt -q --receipt batch-receipt.json
        sr verify batch-receipt.json
        check "submit --receipt saves a receipt that verifies" 0 '^VALID: receipt of job [0-9a-f]{32}.* \(python, completed\)'
fi

# sandrun run FILE...: the first file runs with the others beside it, through /run when small (output
# live), as a batch job past 33 files or 256 KiB, with the same output and exit code either way.
mkdir -p rundata
cat > runmain.py <<'PY'
import sys, time
import runutil
print(runutil.greeting(sys.argv[1:]), flush=True)
time.sleep(2)
print(open("table.txt").read().strip(), sys.stdin.read().strip())
sys.exit(3)
PY
chmod +x runmain.py      # the entry point's own exec bit does not matter
echo 'def greeting(args): return "helper says " + ",".join(args)' > runutil.py
echo 'data from a directory' > rundata/table.txt
# run_live ARGS...: runs the CLI with "piped" on stdin; out.txt gets stdout then "rc=N", $ms how long
# the first line came before the end (runmain.py sleeps 2 s after it: live output is well ahead; the time
# a job waits in the queue, when earlier checks used up the budget, does not count).
run_live() {
        { echo piped | "$cli" "${server[@]}" "$@" 2>err.txt; echo "rc=$?"; } | {
                read -r first
                local t1=$EPOCHREALTIME
                { echo "$first"; cat; } > out.txt
                local t2=$EPOCHREALTIME
                echo $(( (${t2/./} - ${t1/./}) / 1000 )) > run-ms.txt
        }
        ms=$(cat run-ms.txt)
}
run_live run runmain.py runutil.py rundata -- a b
if [ "$(cat out.txt)" = "helper says a,b
data from a directory piped
rc=3" ] && [ "$ms" -gt 1000 ] && ! grep -q 'batch job' err.txt; then
        pass "run FILE FILE DIR: through /run, output live (first line $ms ms before the end), stdin, args, exit 3"
else
        fail "run FILE FILE DIR: first line $ms ms before the end: $(cat out.txt) / $(head -c 400 err.txt)"
fi

head -c 300000 /dev/urandom > runbig.bin
run_live run runmain.py runutil.py rundata runbig.bin -- a b
if [ "$(cat out.txt)" = "helper says a,b
data from a directory piped
rc=3" ] && [ "$ms" -gt 1000 ] && grep -q 'running runmain.py as a batch job: more than 256 KiB' err.txt; then
        pass "run past 256 KiB: a batch job, the same output and exit code, live (first line $ms ms before the end)"
else
        fail "run past 256 KiB as a batch job: first line $ms ms before the end: $(cat out.txt) / $(head -c 400 err.txt)"
fi

sr run -q -O 'nothing/*' runmain.py runutil.py rundata </dev/null
check "run with --outputs is a batch job" 3 '^data from a directory $'
sr run --tests ok.json add.py runutil.py </dev/null
check "run --tests with more files judges each case through /run" 0 '^2 of 2 passed$'
sr run --tests ok.json runmain.py runutil.py runbig.bin </dev/null
check "run --tests past the threshold says why it cannot" $EXIT_USAGE '' '--tests needs a run through /run'

mkdir -p runproj/lib
echo 'from lib import mod; print(mod.X)' > runproj/app.py
echo 'X = "from lib/mod.py"' > runproj/lib/mod.py
sr run -e app.py runproj </dev/null
check "run DIR --entrypoint NAME through /run, with a subdirectory" 0 '^from lib/mod.py$'
grep -q 'batch job' err.txt && fail "run DIR went to batch: $(cat err.txt)"

# What /run cannot carry (exec bits, empty directories) makes a batch job, where they arrive as packed.
mkdir -p runexec
printf '#!/bin/sh\necho from the helper\n' > runexec/helper.sh
chmod +x runexec/helper.sh
printf 'import os, subprocess\nprint(os.path.isdir("results"), flush=True)\n%s\n' \
        'print(subprocess.run(["./helper.sh"], capture_output=True, text=True).stdout.strip())' > runexec/app.py
sr run -e app.py runexec </dev/null
check "run with an executable helper is a batch job, and the helper can be run" 0 '^from the helper$' \
        'batch job: a file beside the entry point is executable'
chmod -x runexec/helper.sh
mkdir runexec/results
sr run -e app.py runexec </dev/null
check "run with an empty directory is a batch job, and it is there (the helper is not executable)" 1 '^True$' \
        'batch job: an empty directory'

"$cli" "${server[@]}" run --receipt run-receipt.json runmain.py runutil.py rundata </dev/null >/dev/null 2>&1
sr verify run-receipt.json runutil.py rundata/table.txt runmain.py
check "run --receipt: the extra files are in the receipt" 0 '^VALID: runutil.py matches inputs.files'

# run --watch FILE FILE: a save of any of them runs the program again.
echo 'import wlib; print("lib says", wlib.V)' > wmain.py
echo 'V = 1' > wlib.py
"$cli" "${server[@]}" -q run --watch wmain.py wlib.py </dev/null >watch.txt 2>watch-err.txt &
watcher=$!
if wait_lines watch.txt '^lib says 1$' 1 && sleep 0.5 && echo 'V = 2' > wlib.py &&
   wait_lines watch.txt '^lib says 2$' 1; then
        pass "run --watch runs again when a file beside the entry point is saved"
else
        fail "run --watch runs again on a save of another file: $(head -c 400 watch.txt watch-err.txt)"
fi
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
sr run --watch wmain.py rundata
check "run --watch takes files, not directories" $EXIT_USAGE '' '--watch takes files, and rundata is not one'

sr run hello.py -- one
check "run FILE alone is sandrun FILE" 0 "^hello from a file \['one'\]$"
sr run
check "run without a path is a usage error" $EXIT_USAGE '' 'run needs a program file'
sr run hello.py missing.py
check "run names a path it cannot read" $EXIT_USAGE '' '^sandrun: cannot read missing.py: No such file'

# A program file named like a command runs as ./NAME or after --.
printf '#!/usr/bin/env python3\nimport sys\nprint("I am", sys.argv[0].rsplit("/", 1)[-1], sys.argv[1:])\n' > run
cp run submit
sr ./run x
check "./run runs a file named run" 0 "^I am main.py \['x'\]$"
sr -- run y
check "-- run runs a file named run" 0 "^I am main.py \['y'\]$"
sr ./submit
check "./submit runs a file named submit" 0 "^I am main.py \[\]$"
sr run run -- x
check "run run runs a file named run" 0 "^I am main.py \['x'\]$"
sr run -q -O 'none/*' ./run -- z
check "a batch job's language comes from the #! line too, as for /run" 0 "^I am run \['z'\]$"
rm -f run submit

# Live output: the first line is printed while the program still sleeps, and the exit code follows.
printf 'import time\nprint("early", flush=True)\ntime.sleep(3)\nprint("late")\nraise SystemExit(5)\n' > live.py
t0=$EPOCHREALTIME
{ "$cli" "${server[@]}" live.py; echo "rc=$?"; } | {
        read -r first
        t1=$EPOCHREALTIME
        echo "$first" > live-first.txt
        echo $(( (${t1/./} - ${t0/./}) / 1000 )) > live-ms.txt
        cat > live-rest.txt
}
first=$(cat live-first.txt) ms=$(cat live-ms.txt) rest=$(cat live-rest.txt)
if [ "$first" = early ] && [ "$ms" -lt 2500 ] && [ "$rest" = "late
rc=5" ]; then
        pass "output is printed as the program writes it (first line after $ms ms of a 3 s run)"
else
        fail "live output: first '$first' after $ms ms, then '$rest'"
fi

# Signed receipts: saved by --receipt, checked by `sandrun verify` against the server's key or a given one.
printf 'import sys\nprint("receipt " + sys.argv[1])\nprint("to stderr", file=sys.stderr)\n' > rcpt.py
"$cli" "${server[@]}" --receipt receipt.json rcpt.py arg1 >rcpt-out.txt 2>rcpt-err.txt
rc=$?
check "--receipt saves the receipt of a run" 0
sr verify receipt.json rcpt-out.txt rcpt-err.txt rcpt.py
check "verify: the receipt, its stdout, stderr and code check out" 0 '^VALID: rcpt-out.txt matches outputs.stdout$'
grep -q '^VALID: rcpt.py matches inputs.code$' out.txt && grep -q '^VALID: rcpt-err.txt matches outputs.stderr$' out.txt &&
        pass "verify names what each file is" || fail "verify names what each file is: $(cat out.txt)"
echo "receipt arg2" > forged-out.txt
sr verify receipt.json forged-out.txt
check "verify: an output changed by one byte fails" 1 '^INVALID: forged-out.txt'
python3 - receipt.json forged-receipt.json <<'PY'
import base64, json, sys
r = json.load(open(sys.argv[1]))
p = bytearray(base64.b64decode(r["payload"]))
p[p.index(b'"completed"') + 1] ^= 0x20     # "completed" -> "Completed"
r["payload"] = base64.b64encode(bytes(p)).decode()
json.dump(r, open(sys.argv[2], "w"))
PY
sr verify forged-receipt.json
check "verify: a receipt changed by one byte fails" 1 '^INVALID: .*signature does not match'
curl -sk "$SANDRUN_URL/receipt-key/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key_id"])' receipt.json)" > key.pem
sr verify --key key.pem receipt.json rcpt-out.txt
check "verify --key checks against a key given offline" 0 '^VALID: rcpt-out.txt matches outputs.stdout$'
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout > other.pem 2>/dev/null
sr verify --key other.pem receipt.json
check "verify: another key fails" 1 '^INVALID: .*another key'

# Sealed runs: the output comes back as age ciphertext and is opened here, or by Debian's age.
if command -v age >/dev/null && command -v age-keygen >/dev/null; then
        age-keygen -o seal-key.txt 2>/dev/null
        age-keygen -o seal-other.txt 2>/dev/null
        recipient=$(age-keygen -y seal-key.txt)
        printf 'import sys\nprint("sealed out", 6 * 7)\nprint("sealed err", file=sys.stderr)\nsys.exit(5)\n' > sealed.py
        "$cli" "${server[@]}" sealed.py >plain-out.txt 2>plain-err.txt
        sr --seal sealed.py
        check "--seal: the program's stdout and exit code, as unsealed" 5 '^sealed out 42$' '^sealed err$'
        cmp -s out.txt plain-out.txt && pass "--seal prints the same stdout as an unsealed run" ||
                fail "--seal prints the same stdout as an unsealed run: $(head -c 200 out.txt)"
        sr --seal-to "$recipient" --identity seal-key.txt -m sealed.py
        check "--seal-to with --identity opens the answer" 5 '^sealed out 42$' 'cpu'
        sr --seal-to "$recipient" sealed.py
        check "--seal-to alone prints the armored answer" 5 '^-----BEGIN AGE ENCRYPTED FILE-----$'
        age -d -i seal-key.txt out.txt > opened.json 2>/dev/null &&
                python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["stdout"] == "sealed out 42\n", d' \
                        opened.json && pass "age -d opens the armored answer" || fail "age -d opens the armored answer"
        age -d -i seal-other.txt out.txt >/dev/null 2>&1 && fail "another identity opens the answer" ||
                pass "another identity does not open the answer"
        sr --seal-to age1notakey sealed.py
        check "--seal-to with a bad recipient is a usage error" $EXIT_USAGE '' 'not an age X25519 recipient'
        head -c 200000 /dev/urandom > blob.bin
        age -e -r "$recipient" blob.bin > blob.age
        sr unseal --identity seal-key.txt blob.age
        check "unseal opens what age -e -r sealed" 0
        cmp -s out.txt blob.bin && pass "unseal gives back the very bytes" || fail "unseal gives back the very bytes"
        age -e -a -r "$recipient" sealed.py | "$cli" unseal --identity seal-key.txt >out.txt 2>err.txt
        rc=$?
        check "unseal opens an armored message from stdin" 0 '^print\("sealed out", 6 \* 7\)$'
        sr unseal --identity seal-other.txt blob.age
        check "unseal with another identity fails" $EXIT_USAGE '' 'not sealed to this identity'
        head -c 1000 blob.age > cut.age
        sr unseal --identity seal-key.txt cut.age
        check "unseal of a cut message fails" $EXIT_USAGE '' 'not a valid age message'
        mkdir -p sealproj
        printf 'import os\nos.makedirs("res", exist_ok=True)\nopen("res/a.txt", "w").write("sealed result\\n")\n' \
                > sealproj/main.py
        sr submit --seal sealproj -e main.py -O 'res/*' -o sealout1
        check "submit --seal opens and unpacks the sealed outputs" 0
        [ "$(cat sealout1/res/a.txt 2>/dev/null)" = "sealed result" ] && pass "submit --seal: the output file" ||
                fail "submit --seal: the output file: $(find sealout1 -type f)"
        sr submit --seal-to "$recipient" sealproj -e main.py -O 'res/*' -o sealout2
        check "submit --seal-to alone saves the sealed archive" 0 '' 'saved the sealed outputs'
        age -d -i seal-key.txt sealout2/sandrun-*.tar.gz.age | tar xzO res/a.txt > opened.txt 2>/dev/null
        [ "$(cat opened.txt)" = "sealed result" ] && pass "age -d opens the saved sealed archive" ||
                fail "age -d opens the saved sealed archive: $(ls sealout2)"
        sr submit --seal --receipt r.json sealproj -e main.py
        check "submit --seal --receipt is a usage error (no receipt for a sealed batch job)" $EXIT_USAGE '' 'no receipt'
else
        skip "sealed runs: Debian's age is not installed"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
