#include "kube/event_recorder.h"

#include <gtest/gtest.h>

#include "common/redact.h"
#include "kube_test_support.h"

namespace pgrevise::kube {
namespace {

class EventRecorderTest : public ::testing::Test {
 protected:
  testing::FakeApiServer server{test::default_server_options()};
  std::unique_ptr<RestClient> client = test::client_for(server);
  ManualClock clock;
  Json subject = client->create(test::migrations(), "default", test::migration("app"));

  std::vector<Json> events(const std::string& resource = "events.k8s.io/events") {
    return server.state().snapshot(resource, "default");
  }
};

TEST_F(EventRecorderTest, CreatesAnEventAboutTheObject) {
  EventRecorder recorder(*client, clock, {.reporting_instance = "pod-1"});
  recorder.record(subject, EventType::kNormal, "BackupStarted", "Backup", "backup Job app-backup-1 created");
  const auto all = events();
  ASSERT_EQ(all.size(), 1u);
  const Json& e = all[0];
  EXPECT_EQ(e["reason"], "BackupStarted");
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["note"], "backup Job app-backup-1 created");
  EXPECT_EQ(e["regarding"]["kind"], "PostgresMigration");
  EXPECT_EQ(e["regarding"]["uid"], subject["metadata"]["uid"]);
  EXPECT_EQ(e["reportingController"], "pgrevise.dev/operator");
  EXPECT_EQ(e["reportingInstance"], "pod-1");
  EXPECT_FALSE(e.contains("series"));
}

TEST_F(EventRecorderTest, RepeatsUpdateTheSeries) {
  EventRecorder recorder(*client, clock);
  for (int i = 0; i < 4; ++i) {
    recorder.record(subject, EventType::kWarning, "MigrationFailed", "Migrate", "revision 018 failed: 42P07");
    clock.advance(std::chrono::seconds(1));
  }
  recorder.record(subject, EventType::kWarning, "MigrationFailed", "Migrate", "revision 019 failed: 42P07");
  const auto all = events();
  ASSERT_EQ(all.size(), 2u);
  int with_series = 0;
  for (const auto& e : all) {
    if (e.contains("series")) {
      ++with_series;
      EXPECT_EQ(e["series"]["count"], 4);
    }
  }
  EXPECT_EQ(with_series, 1);
  EXPECT_EQ(server.count("create", "events.k8s.io/events"), 2u);
  EXPECT_EQ(server.count("patch", "events.k8s.io/events"), 3u);
}

TEST_F(EventRecorderTest, NotesAreRedactedAndBounded) {
  register_secret("s3cr3t-password-canary");
  EventRecorder recorder(*client, clock);
  recorder.record(
      subject, EventType::kWarning, "Blocked", "Connect",
      "cannot connect to postgresql://app:s3cr3t-password-canary@db/app " + std::string(3000, 'x'));
  const auto all = events();
  ASSERT_EQ(all.size(), 1u);
  const std::string note = all[0]["note"];
  EXPECT_EQ(note.find("s3cr3t-password-canary"), std::string::npos);
  EXPECT_LE(note.size(), 1024u);
}

TEST_F(EventRecorderTest, CoreV1EventsAndRecreationAfterExpiry) {
  EventRecorder recorder(*client, clock, {.core_v1 = true});
  recorder.record(subject, EventType::kNormal, "Migrated", "Migrate", "at heads");
  auto all = events("/events");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["involvedObject"]["name"], "app");
  EXPECT_EQ(all[0]["message"], "at heads");
  recorder.record(subject, EventType::kNormal, "Migrated", "Migrate", "at heads");
  EXPECT_EQ(events("/events")[0]["count"], 2);
  client->remove(resources::core_events(), "default", all[0]["metadata"]["name"]);
  recorder.record(subject, EventType::kNormal, "Migrated", "Migrate", "at heads");
  EXPECT_EQ(events("/events").size(), 1u);
}

// An Event's name is the object's name and a suffix: for an object name of 253 characters it is cut short,
// ending in a hash of the whole name, so that the server does not refuse it (422) and the event is not lost.
TEST_F(EventRecorderTest, EventsAboutObjectsWithTheLongestNamesHaveValidNames) {
  const std::string longest(253, 'a');
  Json long_subject = client->create(test::migrations(), "default", test::migration(longest));
  EventRecorder recorder(*client, clock);
  recorder.record(long_subject, EventType::kWarning, "Blocked", "Reconcile", "first");
  recorder.record(long_subject, EventType::kWarning, "Blocked", "Reconcile", "second");
  const auto all = events();
  ASSERT_EQ(all.size(), 2u);
  for (const auto& e : all) {
    const std::string name = e["metadata"]["name"];
    EXPECT_LE(name.size(), 253u) << name;
    EXPECT_EQ(name.rfind(std::string(200, 'a'), 0), 0u) << name;
    EXPECT_EQ(e["regarding"]["name"], longest);
  }
  EXPECT_NE(all[0]["metadata"]["name"], all[1]["metadata"]["name"]);
}

}  // namespace
}  // namespace pgrevise::kube
