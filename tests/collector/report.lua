-- wrk script for tests/collector/load.sh: POST /v1/reports with a unique Idempotency-Key per
-- request; counts 201 acknowledgements per thread and prints the totals and latency quantiles.
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  run = args[1] or "run"
  n = 0
  created = 0
  other = 0
end

function request()
  n = n + 1
  local id = string.format("load-%s-%d-%d", run, tid, n)
  local body = string.format(
    '{"id":"%s","url":"https://paypa1-login.example/%d/%d","timestamp":"2026-11-25T02:31:33Z",' ..
    '"extension_version":"0.1.0","pack_version":"2026.11.25.1","score":75,"level":"red",' ..
    '"reason":"phishing_login","findings":[{"signal":"idn_homograph_high",' ..
    '"evidence":"paypa1-login.example looks like paypal.com","target":"paypal.com","brand":"PayPal"}]}',
    id, tid, n)
  return wrk.format("POST", "/v1/reports", {["Content-Type"] = "application/json", ["Idempotency-Key"] = id}, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  io.write(string.format("ACKED %d OTHER %d P50_MS %.2f P99_MS %.2f MAX_MS %.2f SECONDS %.2f\n",
    c, o, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.duration / 1e6))
end
