-- Health of a batch CronJob (bundled; written for plumb).
local function result(status, message)
  return { status = status, message = message }
end

if obj.spec ~= nil and obj.spec.suspend == true then
  return result("Healthy", "CronJob is Suspended")
end

local status = obj.status
if status == nil then
  return result("Progressing", "Waiting for the CronJob to be scheduled")
end
if status.lastScheduleTime == nil then
  return result("Healthy", "The CronJob has never been scheduled")
end
if status.active ~= nil and #status.active > 0 then
  return result("Healthy", "The CronJob has active jobs")
end
-- RFC 3339 UTC timestamps of the same form order like strings.
if status.lastSuccessfulTime == nil or status.lastSuccessfulTime < status.lastScheduleTime then
  return result("Degraded", "The last scheduled job of the CronJob did not succeed")
end
return result("Healthy", "The last scheduled job of the CronJob succeeded")
