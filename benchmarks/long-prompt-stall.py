"""How long a running stream stalls while a long prompt joins a `forwardpass serve` (stdlib only).

Usage: python3 benchmarks/long-prompt-stall.py http://127.0.0.1:PORT

One client streams 120 greedy tokens; a second later another sends a prompt of about 480 tokens (max_tokens 1).
Prints the long prompt's token count and answer time, and the gaps between the streaming client's tokens (p50, max):
the max is the stall the newcomer's prompt causes.
"""
import json, sys, threading, time, urllib.request
url = sys.argv[1]
def post(body, stream):
    req = urllib.request.Request(url + "/v1/completions", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(req, timeout=600)
gaps = []
def runner():
    r = post({"prompt": "Once upon a time", "max_tokens": 120, "stream": True, "logprobs": 0, "temperature": 0}, True)
    last = None
    for line in r:
        if line.startswith(b"data: {") and b'"tokens"' in line:
            now = time.time()
            if last is not None: gaps.append(now - last)
            last = now
t = threading.Thread(target=runner); t.start()
time.sleep(1.0)
long_prompt = "Once upon a time" + ", there was a little girl named Lily who liked to play in the park with her dog" * 25
t0 = time.time()
r = post({"prompt": long_prompt, "max_tokens": 1, "temperature": 0}, False)
usage = json.loads(r.read())["usage"]
t1 = time.time()
t.join()
gaps.sort()
print("long prompt: %d tokens, answered in %.2f s; runner: %d gaps, p50 %.1f ms, max %.1f ms" % (usage["prompt_tokens"], t1 - t0, len(gaps), 1000 * gaps[len(gaps)//2], 1000 * gaps[-1]))
