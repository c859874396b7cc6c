#!/usr/bin/env python3
"""Sign-up burst against a running mockexam: RSS of the server before, at peak and after, and how the
requests were answered. Not a test (a load effect): run it by hand and read the figures.

    mockexam serve --bind 127.0.0.1:8080 &          # note its pid
    python3 tests/scripts/signup_burst.py --base http://127.0.0.1:8080 --pid PID --parallel 100 --bursts 5

Every request comes from its own "browser" (cookie jar) and, with --trusted-proxies 1 on the server,
its own X-Forwarded-For address, so the per-address sign-up throttle does not hide the hashing load.
"""
import argparse, collections, http.cookiejar, re, threading, time, urllib.parse, urllib.request, uuid

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(l.split(":", 1) for l in f if ":" in l)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None

def sign_up(base, n, results):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    try:
        page = opener.open(urllib.request.Request(base + "/signup", headers={"X-Forwarded-For": ip}), timeout=60).read().decode()
        token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page).group(1)
        body = urllib.parse.urlencode({"email": f"burst-{uuid.uuid4().hex}@example.com",
                                       "password": "a long enough password", "csrf": token}).encode()
        req = urllib.request.Request(base + "/signup", data=body, headers={"X-Forwarded-For": ip})
        try:
            status = opener.open(req, timeout=60).status
        except urllib.error.HTTPError as e:
            status = e.code
    except Exception as e:  # noqa: BLE001 - report, do not stop the burst
        status = type(e).__name__
    results[status] += 1

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--parallel", type=int, default=100)
    ap.add_argument("--bursts", type=int, default=5)
    args = ap.parse_args()
    before, _ = rss_kib(args.pid)
    peak = before
    results = collections.Counter()
    n = 0
    for _ in range(args.bursts):
        threads = [threading.Thread(target=sign_up, args=(args.base, n + i, results)) for i in range(args.parallel)]
        n += args.parallel
        for t in threads: t.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, rss_kib(args.pid)[0]); time.sleep(0.05)
    time.sleep(5)
    after, hwm = rss_kib(args.pid)
    print(f"requests: {n} in {args.bursts} bursts of {args.parallel}; answers: {dict(results)}")
    print(f"RSS MiB: before {before/1024:.0f}, peak sampled {peak/1024:.0f}, high-water {hwm/1024:.0f}, 5 s after {after/1024:.0f}")

if __name__ == "__main__":
    main()
