#include "kube/store.h"

#include <gtest/gtest.h>

namespace pgrevise::kube {
namespace {

Json obj(const std::string& ns, const std::string& name, const std::string& rv) {
  return {{"metadata", {{"namespace", ns}, {"name", name}, {"resourceVersion", rv}}}};
}

struct Recorder {
  std::vector<std::string> log;
  StoreHandler handler() {
    return {[this](const std::string& k, const Json&) { log.push_back("add " + k); },
            [this](const std::string& k, const Json&, const Json& n) {
              log.push_back("update " + k + "@" + resource_version_of(n));
            },
            [this](const std::string& k, const Json&) { log.push_back("delete " + k); }};
  }
};

TEST(StoreTest, AppliesEventsAndIgnoresDuplicates) {
  Recorder rec;
  Store store(rec.handler());
  EXPECT_FALSE(store.synced());
  store.replace({obj("a", "x", "1")});
  EXPECT_TRUE(store.synced());
  store.apply({WatchEvent::Type::kAdded, obj("a", "y", "2")});
  store.apply({WatchEvent::Type::kModified, obj("a", "y", "3")});
  store.apply({WatchEvent::Type::kModified, obj("a", "y", "3")});  // replayed after a resume
  store.apply({WatchEvent::Type::kDeleted, obj("a", "x", "4")});
  store.apply({WatchEvent::Type::kDeleted, obj("a", "x", "4")});
  store.apply({WatchEvent::Type::kBookmark, obj("", "", "5")});
  EXPECT_EQ(rec.log, (std::vector<std::string>{"add a/x", "add a/y", "update a/y@3", "delete a/x"}));
  EXPECT_EQ(store.keys(), (std::vector<std::string>{"a/y"}));
  EXPECT_EQ(resource_version_of(*store.get("a/y")), "3");
}

TEST(StoreTest, RelistSwapsAtomicallyAndSynthesizesDeletes) {
  Recorder rec;
  Store store(rec.handler());
  store.replace({obj("a", "x", "1"), obj("a", "y", "2"), obj("b", "z", "3")});
  rec.log.clear();
  store.replace({obj("a", "y", "2"), obj("b", "z", "7"), obj("b", "w", "8")});
  EXPECT_EQ(rec.log, (std::vector<std::string>{"delete a/x", "add b/w", "update b/z@7"}));
  EXPECT_EQ(store.list("b").size(), 2u);
  EXPECT_EQ(store.list().size(), 3u);
  EXPECT_FALSE(store.get("a/x").has_value());
}

TEST(StoreTest, KeepsObjectsWithoutManagedFieldsAndTellsHandlersTheWholeObject) {
  Json seen_by_handler;
  Store store({[&](const std::string&, const Json& o) { seen_by_handler = o; }, {}, {}});
  Json listed = obj("a", "x", "1");
  listed["metadata"]["managedFields"] = Json::array({{{"manager", "kubectl"}, {"operation", "Update"}}});
  listed["spec"] = {{"targetRevision", "0004"}};

  Store::Listing listing = store.new_listing();
  listing.add(listed);
  EXPECT_EQ(listing.size(), 1u);
  store.replace(std::move(listing));

  const Json cached = *store.get("a/x");
  EXPECT_FALSE(cached["metadata"].contains("managedFields"));
  EXPECT_EQ(cached["spec"]["targetRevision"], "0004");
  EXPECT_EQ(resource_version_of(cached), "1");
  EXPECT_EQ(seen_by_handler["spec"]["targetRevision"], "0004");

  Json modified = listed;
  modified["metadata"]["resourceVersion"] = "2";
  store.apply({WatchEvent::Type::kModified, modified});
  EXPECT_FALSE(store.get("a/x")->at("metadata").contains("managedFields"));
  EXPECT_EQ(resource_version_of(*store.get("a/x")), "2");
}

TEST(StoreTest, LeavesOutTheFieldsItIsToldNoReaderUsesWhetherListedOrWatched) {
  Json told_on_update;
  Store store({{}, [&](const std::string&, const Json&, const Json& now) { told_on_update = now; }, {}},
              {Json::json_pointer("/spec/template"), Json::json_pointer("/spec/absent/deeper")});
  Json job = obj("a", "migrate-1", "1");
  job["spec"] = {{"activeDeadlineSeconds", 3600}, {"template", {{"spec", {{"containers", Json::array()}}}}}};
  job["status"] = {{"active", 1}};
  store.replace({job});
  EXPECT_EQ(*store.get("a/migrate-1"), (Json{{"metadata", job["metadata"]},
                                             {"spec", {{"activeDeadlineSeconds", 3600}}},
                                             {"status", {{"active", 1}}}}));

  job["metadata"]["resourceVersion"] = "2";
  job["status"] = {{"succeeded", 1}};
  store.apply({WatchEvent::Type::kModified, job});
  const Json cached = *store.get("a/migrate-1");
  EXPECT_FALSE(cached["spec"].contains("template"));
  EXPECT_EQ(cached["status"]["succeeded"], 1);
  EXPECT_TRUE(told_on_update["spec"].contains("template"));  // the handler sees the event's whole object

  Json bare = obj("a", "bare", "1");  // nothing to leave out: kept as it is
  store.apply({WatchEvent::Type::kAdded, bare});
  EXPECT_EQ(*store.get("a/bare"), bare);
}

TEST(StoreTest, ClusterScopedKeysHaveNoNamespace) {
  Store store;
  store.replace({{{"metadata", {{"name", "node-1"}, {"resourceVersion", "1"}}}}});
  EXPECT_TRUE(store.get("node-1").has_value());
}

}  // namespace
}  // namespace pgrevise::kube
