-- wrk script: wait DELAY_MS between requests on each connection, to hold a steady rate below peak.
local d = tonumber(os.getenv("DELAY_MS") or "0")
function delay()
  return d
end
