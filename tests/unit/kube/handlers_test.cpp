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

}  // namespace
}  // namespace pgrevise::kube
