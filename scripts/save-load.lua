-- wrk script for scripts/bench-save-wrk.sh: PUT one rating per request, rotating over the
-- panellists' tokens (with their CSRF values) and the items of the round.
local lines = {}
for line in io.lines(os.getenv("SAVE_LOAD_FILE")) do table.insert(lines, line) end
local people = {}
for i = 2, #lines do
  local token, csrf = lines[i]:match("(%S+) (%S+)")
  table.insert(people, { token = token, csrf = csrf })
end
local n = 0
request = function()
  n = n + 1
  local who = people[(n % #people) + 1]
  local item = "I" .. ((n * 7) % 60 + 1)
  local body = '{"rating":' .. ((n * 7) % 9 + 1) .. '}'
  return wrk.format("PUT", "/api/v1/p/" .. who.token .. "/answers/" .. item,
    { ["Content-Type"] = "application/json", ["X-CSRF-Token"] = who.csrf }, body)
end
