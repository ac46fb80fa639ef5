#pragma once

#include <string>

#include "kube/store.h"
#include "kube/work_queue.h"

namespace pgrevise::kube {

// A store handler that queues the key of every added, updated or deleted object.
StoreHandler enqueue_object_keys(WorkQueue& queue);

// A store handler that queues the key of the owner of kind `owner_kind` (per ownerReferences, in the object's
// own namespace) of every changed object: how a controller hears about its Jobs.
StoreHandler enqueue_owner_keys(WorkQueue& queue, const std::string& owner_kind);

// The namespace/name key of the owner of that kind, or "" when there is none.
std::string owner_key(const Json& object, const std::string& owner_kind);

}  // namespace pgrevise::kube
