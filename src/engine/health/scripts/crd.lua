-- Health of an apiextensions.k8s.io CustomResourceDefinition (bundled; written for plumb).
local function result(status, message)
  return { status = status, message = message }
end

if obj.metadata.deletionTimestamp ~= nil then
  return result("Progressing", "CRD is terminating")
end

local conditions = obj.status and obj.status.conditions
if conditions == nil or #conditions == 0 then
  return result("Progressing", "Status conditions not found")
end

local established = nil
for _, c in ipairs(conditions) do
  if c.type == "NamesAccepted" and c.status == "False" then
    return result("Degraded", c.message or "")
  end
  if c.type == "NonStructuralSchema" and c.status == "True" then
    return result("Degraded", c.message or "")
  end
  if c.type == "Established" then
    established = c
  end
end

if established ~= nil and established.status == "True" then
  return result("Healthy", "CRD is healthy")
end
if established ~= nil and established.reason == "Installing" then
  return result("Progressing", "CRD is being installed")
end
return result("Degraded", "CRD is not established")
