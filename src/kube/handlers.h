#pragma once

#include <string>

#include "kube/store.h"
#include "kube/work_queue.h"

namespace pgrevise::kube {

// A store handler that queues the key of every added, updated or deleted object.
StoreHandler enqueue_object_keys(WorkQueue& queue);

// Like enqueue_object_keys, but an update that changed nothing but the status (and the resourceVersion and
// managedFields that come with every write) is not queued: for a resource whose status only its controller
// writes, that update is the echo of the controller's own status write, and reconciling again on it would
// only read everything once more. Spec, labels, annotations, finalizers and deletion are all still heard.
// A new object and a change to one are queued with Priority::kHigh: someone is waiting on them.
StoreHandler enqueue_object_keys_unless_status_only(WorkQueue& queue);

// Whether `after` differs from `before` only in status, metadata.resourceVersion or metadata.managedFields.
bool only_status_changed(const Json& before, const Json& after);

// A store handler that queues the key of the owner of kind `owner_kind` (per ownerReferences, in the object's
// own namespace) of every changed object: how a controller hears about its Jobs.
StoreHandler enqueue_owner_keys(WorkQueue& queue, const std::string& owner_kind);

// The namespace/name key of the owner of that kind, or "" when there is none.
std::string owner_key(const Json& object, const std::string& owner_kind);

}  // namespace pgrevise::kube
