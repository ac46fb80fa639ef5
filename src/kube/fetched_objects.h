#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "kube/store.h"

namespace pgrevise::kube {

// Whole objects of a type that is watched by metadata only, fetched when asked for. The watch's store says
// which objects exist and at which resourceVersion; an object is fetched the first time it is asked for and
// again only once the store shows another resourceVersion. Memory therefore holds the objects that are used
// (the ConfigMaps that resources name), not every object of the type in the cluster.
class FetchedObjects {
 public:
  using Fetch = std::function<std::optional<Json>()>;

  // The object under `key` ("namespace/name"), or nullopt when the store does not hold it. `fetch` gets it
  // from the server when no current copy is kept.
  std::optional<Json> get(const Store& metadata, const std::string& key, const Fetch& fetch);
  std::size_t size() const;

 private:
  void forget_deleted(const Store& metadata);

  mutable std::mutex mu_;
  std::map<std::string, Json> objects_;
  std::size_t gets_ = 0;
};

}  // namespace pgrevise::kube
