-- Health of an Argo Rollouts Rollout (bundled; written for plumb).
local function result(status, message)
  return { status = status, message = message }
end

local function find_condition(conditions, wanted)
  for _, c in ipairs(conditions or {}) do
    if c.type == wanted then
      return c
    end
  end
  return nil
end

local status = obj.status
if status == nil then
  return result("Progressing", "Waiting for rollout spec update to be observed")
end

local generation = obj.metadata.generation
if generation ~= nil and tostring(status.observedGeneration) ~= tostring(generation) then
  return result("Progressing", "Waiting for rollout spec update to be observed")
end

local annotations = obj.metadata.annotations or {}
local workload_generation = annotations["rollout.argoproj.io/workload-generation"]
if workload_generation ~= nil and tostring(status.workloadObservedGeneration) ~= workload_generation then
  return result("Progressing", "Waiting for rollout spec update to be observed")
end

if status.phase ~= nil and status.phase ~= "" then
  if status.phase == "Paused" then
    return result("Suspended", status.message or "Rollout is paused")
  end
  return result(status.phase, status.message or "")
end

local invalid = find_condition(status.conditions, "InvalidSpec")
if invalid ~= nil then
  return result("Degraded", invalid.message or "")
end
local progressing = find_condition(status.conditions, "Progressing")
if progressing ~= nil and (progressing.reason == "RolloutAborted" or progressing.reason == "ProgressDeadlineExceeded") then
  return result("Degraded", progressing.message or "")
end

local paused = (status.pauseConditions ~= nil and #status.pauseConditions > 0) or obj.spec.paused == true
if paused then
  return result("Suspended", "Rollout is paused")
end

local desired = obj.spec.replicas or 1
local replicas = status.replicas or 0
local updated = status.updatedReplicas or 0
local available = status.availableReplicas or 0
if updated < desired then
  return result("Progressing", "Waiting for rollout to finish: more replicas need to be updated")
end
if replicas > updated then
  return result("Progressing", "Waiting for rollout to finish: old replicas are pending termination")
end
if available < updated then
  return result("Progressing", "Waiting for rollout to finish: updated replicas are still becoming available")
end

local strategy = obj.spec.strategy or {}
if strategy.blueGreen ~= nil then
  local active = status.blueGreen and status.blueGreen.activeSelector
  if active ~= status.currentPodHash then
    return result("Progressing", "Waiting for rollout to finish: switching the active service to the new pods")
  end
elseif strategy.canary ~= nil then
  if status.stableRS ~= status.currentPodHash then
    return result("Progressing", "Waiting for rollout to finish: the new version is not yet stable")
  end
end

return result("Healthy", "")
