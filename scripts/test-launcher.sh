#!/usr/bin/env bash
# Tests the launcher as users run it: `./forwardpass generate` under a locale that is not UTF-8 (LANG unset, LANG=C)
# with a non-ASCII prompt must print the prompt back as UTF-8 and end without a stack trace. run-tests calls it after
# Maven has built the tool.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prompt="Le café, señor: qué tal?" # characters the embedded tokenizer has (run.c drops the bytes of others)
out="$(mktemp)"
err="$(mktemp)"
trap 'rm -f "$out" "$err"' EXIT

failures=0
fail() {
    echo "test-launcher: $1" >&2
    failures=$((failures + 1))
}

for locale in unset C; do
    if [ "$locale" = unset ]; then
        env -u LANG -u LC_ALL -u LC_CTYPE "$root/forwardpass" generate --prompt "$prompt" -t 0 -n 60 >"$out" 2>"$err" \
            || fail "LANG $locale: exit code $?: $(cat "$err")"
    else
        env -u LC_ALL -u LC_CTYPE LANG="$locale" "$root/forwardpass" generate --prompt "$prompt" -t 0 -n 60 >"$out" \
            2>"$err" || fail "LANG $locale: exit code $?: $(cat "$err")"
    fi
    # a line that does not match '.' throughout in a UTF-8 locale holds bytes that are not UTF-8
    if LC_ALL=C.UTF-8 grep -qaxv '.*' "$out"; then
        fail "LANG $locale: stdout is not UTF-8: $(od -c "$out" | head -5)"
    fi
    [[ "$(cat "$out")" == "$prompt"?* ]] || fail "LANG $locale: stdout does not start with the prompt: $(cat "$out")"
    if grep -qE 'Exception|Error|^[[:space:]]+at ' "$err"; then
        fail "LANG $locale: a stack trace reached stderr: $(cat "$err")"
    fi
    grep -q '^achieved tok/s: ' "$err" || fail "LANG $locale: no tok/s line on stderr: $(cat "$err")"
done

if [ "$failures" -ne 0 ]; then
    echo "test-launcher: $failures failure(s)" >&2
    exit 1
fi
echo "test-launcher: ./forwardpass generate prints UTF-8 under LANG unset and LANG=C, without a stack trace" >&2
