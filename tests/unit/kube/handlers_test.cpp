#include "kube/handlers.h"

#include <gtest/gtest.h>

namespace pgrevise::kube {
namespace {

TEST(HandlersTest, JobChangesQueueTheirOwner) {
  ManualClock clock;
  WorkQueue queue(clock);
  Store jobs(enqueue_owner_keys(queue, "PostgresMigration"));
  const Json owned = {{"metadata",
                       {{"namespace", "team"},
                        {"name", "app-migrate-1"},
                        {"resourceVersion", "5"},
                        {"ownerReferences", {{{"kind", "PostgresMigration"}, {"name", "app"}}}}}}};
  const Json unowned = {{"metadata", {{"namespace", "team"}, {"name", "other"}, {"resourceVersion", "6"}}}};
  jobs.replace({owned, unowned});
  EXPECT_EQ(queue.try_get(), "team/app");
  EXPECT_EQ(queue.try_get(), std::nullopt);
}

TEST(HandlersTest, ObjectChangesQueueTheirOwnKey) {
  ManualClock clock;
  WorkQueue queue(clock);
  Store store(enqueue_object_keys(queue));
  store.apply({WatchEvent::Type::kAdded,
               {{"metadata", {{"namespace", "a"}, {"name", "x"}, {"resourceVersion", "1"}}}}});
  store.apply({WatchEvent::Type::kDeleted,
               {{"metadata", {{"namespace", "a"}, {"name", "x"}, {"resourceVersion", "2"}}}}});
  EXPECT_EQ(queue.try_get(), "a/x");
  EXPECT_EQ(queue.try_get(), std::nullopt);  // de-duplicated
}

Json resource(const std::string& rv, const std::string& target, const Json& status = nullptr) {
  Json r = {{"metadata", {{"namespace", "a"}, {"name", "x"}, {"resourceVersion", rv}, {"generation", 1}}},
            {"spec", {{"targetRevision", target}}}};
  if (!status.is_null()) r["status"] = status;
  return r;
}

TEST(HandlersTest, StatusOnlyUpdatesAreNotQueued) {
  ManualClock clock;
  WorkQueue queue(clock);
  Store store(enqueue_object_keys_unless_status_only(queue));
  store.apply({WatchEvent::Type::kAdded, resource("1", "0004")});
  ASSERT_EQ(queue.try_get(), "a/x");
  queue.done("a/x");

  // The echo of a status write: nothing to do.
  store.apply({WatchEvent::Type::kModified, resource("2", "0004", {{"phase", "Succeeded"}})});
  EXPECT_EQ(queue.try_get(), std::nullopt);

  // The spec changed (with or without the status): queued.
  Json bumped = resource("3", "0005", {{"phase", "Succeeded"}});
  bumped["metadata"]["generation"] = 2;
  store.apply({WatchEvent::Type::kModified, bumped});
  ASSERT_EQ(queue.try_get(), "a/x");
  queue.done("a/x");

  // An annotation (such as the retry token) changed: queued.
  Json annotated = bumped;
  annotated["metadata"]["resourceVersion"] = "4";
  annotated["metadata"]["annotations"] = {{"pgrevise.dev/retry", "1"}};
  store.apply({WatchEvent::Type::kModified, annotated});
  ASSERT_EQ(queue.try_get(), "a/x");
  queue.done("a/x");

  // Deletion is always heard.
  store.apply({WatchEvent::Type::kDeleted, annotated});
  EXPECT_EQ(queue.try_get(), "a/x");
}

TEST(HandlersTest, ChangesByOthersGoAheadOfOwnedObjectChurn) {
  ManualClock clock;
  WorkQueue queue(clock);
  Store resources(enqueue_object_keys_unless_status_only(queue));
  Store jobs(enqueue_owner_keys(queue, "PostgresMigration"));
  Json other = resource("1", "0004");
  other["metadata"]["name"] = "y";
  resources.apply({WatchEvent::Type::kAdded, other});
  ASSERT_EQ(queue.try_get(), "a/y");
  queue.done("a/y");

  // A Job of a/z changes, then a/x is created and a/y's spec is bumped: the two changes come first.
  Json job = {{"metadata",
               {{"namespace", "a"},
                {"name", "z-migrate"},
                {"resourceVersion", "7"},
                {"ownerReferences", Json::array({{{"kind", "PostgresMigration"}, {"name", "z"}}})}}}};
  jobs.apply({WatchEvent::Type::kAdded, job});
  resources.apply({WatchEvent::Type::kAdded, resource("2", "0004")});
  Json other_bumped = resource("3", "0005");
  other_bumped["metadata"]["name"] = "y";
  other_bumped["metadata"]["generation"] = 2;
  resources.apply({WatchEvent::Type::kModified, other_bumped});
  EXPECT_EQ(queue.try_get(), "a/x");
  EXPECT_EQ(queue.try_get(), "a/y");
  EXPECT_EQ(queue.try_get(), "a/z");
  EXPECT_EQ(queue.try_get(), std::nullopt);
}

TEST(HandlersTest, OnlyStatusChangedIgnoresWriteBookkeeping) {
  Json before = resource("1", "0004", {{"phase", "Pending"}});
  Json after = resource("2", "0004", {{"phase", "Succeeded"}});
  after["metadata"]["managedFields"] = Json::array({{{"manager", "pgrevise"}}});
  EXPECT_TRUE(only_status_changed(before, after));
  after["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  EXPECT_FALSE(only_status_changed(before, after));
}

}  // namespace
}  // namespace pgrevise::kube
