-- Argo CD health check for batch.pooloperator.dev/BatchPool.
-- Follows kstatus: a status for an older generation says nothing about the current spec, so it is
-- Progressing; then Stalled=True (only a person can fix it) is Degraded; Ready=True is Healthy;
-- anything else (creating, resizing, waiting to retry a failed resize) is Progressing.
-- Written for Argo CD's Lua (gopher-lua, Lua 5.1); tested with Lua 5.4 as well.
local hs = { status = "Progressing", message = "Waiting for batchpool-operator to report status" }

local function condition(conditions, kind)
  if conditions == nil then return nil end
  for _, c in ipairs(conditions) do
    if c.type == kind then return c end
  end
  return nil
end

local function describe(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then return c.message end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then return c.reason end
  return fallback
end

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "Deleting: waiting for the Azure pool to be removed"
  return hs
end

local status = obj.status
if status == nil then return hs end

local generation = obj.metadata and obj.metadata.generation
local observed = status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.message = "Waiting for batchpool-operator to observe generation " .. tostring(math.floor(generation))
  return hs
end

local stalled = condition(status.conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "Stalled")
  return hs
end

local ready = condition(status.conditions, "Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

local reconciling = condition(status.conditions, "Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = describe(reconciling, "Reconciling")
else
  hs.message = describe(ready, hs.message)
end
return hs
