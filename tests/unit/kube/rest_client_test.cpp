// The REST client against the fake API server over real HTTP on loopback.
#include <gtest/gtest.h>

#include "kube/errors.h"
#include "kube_test_support.h"
#include "support/fake_api_schema.h"

namespace pgrevise::kube {
namespace {

using test::client_for;
using test::config_map;

class RestClientTest : public ::testing::Test {
 protected:
  testing::FakeApiServer server{test::default_server_options()};
  std::unique_ptr<RestClient> client = client_for(server);
  const ResourceType cms = resources::config_maps();

  ApiReason reason_of(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const ApiError& e) {
      return e.reason();
    }
    ADD_FAILURE() << "no ApiError thrown";
    return ApiReason::kUnavailable;
  }
};

TEST_F(RestClientTest, CreateGetUpdatePatchDelete) {
  const Json created = client->create(cms, "default", config_map("a"));
  EXPECT_FALSE(created["metadata"]["uid"].get<std::string>().empty());
  EXPECT_FALSE(created["metadata"]["creationTimestamp"].get<std::string>().empty());
  const Json got = client->get(cms, "default", "a");
  EXPECT_EQ(got, created);

  Json changed = got;
  changed["data"]["k"] = "w";
  const Json updated = client->update(cms, "default", changed);
  EXPECT_EQ(updated["data"]["k"], "w");
  EXPECT_GT(std::stoull(updated["metadata"]["resourceVersion"].get<std::string>()),
            std::stoull(got["metadata"]["resourceVersion"].get<std::string>()));

  const Json merged = client->patch(cms, "default", "a", PatchType::kMerge, {{"data", {{"m", "1"}}}});
  EXPECT_EQ(merged["data"]["m"], "1");
  EXPECT_EQ(merged["data"]["k"], "w");
  const Json json_patched = client->patch(cms, "default", "a", PatchType::kJson,
                                          Json::array({{{"op", "remove"}, {"path", "/data/m"}}}));
  EXPECT_FALSE(json_patched["data"].contains("m"));

  client->remove(cms, "default", "a");
  EXPECT_FALSE(client->try_get(cms, "default", "a").has_value());
  EXPECT_FALSE(server.state().object("/configmaps", "default", "a").has_value());
}

TEST_F(RestClientTest, NoOpWriteKeepsResourceVersion) {
  const Json created = client->create(cms, "default", config_map("a"));
  const Json same = client->update(cms, "default", created);
  EXPECT_EQ(same["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);
  const Json patched = client->patch(cms, "default", "a", PatchType::kMerge, {{"data", {{"k", "v"}}}});
  EXPECT_EQ(patched["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);
}

TEST_F(RestClientTest, TypedErrors) {
  EXPECT_EQ(reason_of([&] { client->get(cms, "default", "missing"); }), ApiReason::kNotFound);
  const Json created = client->create(cms, "default", config_map("a"));
  EXPECT_EQ(reason_of([&] { client->create(cms, "default", config_map("a")); }), ApiReason::kAlreadyExists);
  client->patch(cms, "default", "a", PatchType::kMerge, {{"data", {{"k", "changed"}}}});
  EXPECT_EQ(reason_of([&] { client->update(cms, "default", created); }), ApiReason::kConflict);
  auto anonymous = client_for(server, "");
  EXPECT_EQ(reason_of([&] { anonymous->get(cms, "default", "a"); }), ApiReason::kUnauthorized);
  client->create(test::migrations(), "default", test::migration("m"));
  EXPECT_EQ(reason_of([&] {
              client->patch(test::migrations(), "default", "m", PatchType::kStrategicMerge, Json::object());
            }),
            ApiReason::kUnsupportedMediaType);
  EXPECT_EQ(reason_of([&] { client->list(cms, "default", {.label_selector = "a in (b"}); }),
            ApiReason::kBadRequest);
  EXPECT_EQ(reason_of([&] { client->remove(cms, "default", "a", {.precondition_resource_version = "1"}); }),
            ApiReason::kConflict);
}

TEST_F(RestClientTest, CustomResourceUpdateNeedsResourceVersion) {
  const Json created = client->create(test::migrations(), "default", test::migration("m"));
  Json without = created;
  without["metadata"].erase("resourceVersion");
  without["spec"]["targetRevision"] = "head";
  try {
    client->update(test::migrations(), "default", without);
    FAIL() << "update without resourceVersion accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kInvalid);
    ASSERT_EQ(e.causes().size(), 1u);
    EXPECT_EQ(e.causes()[0].field, "metadata.resourceVersion");
    EXPECT_FALSE(e.transient());
  }
}

TEST_F(RestClientTest, JobValidation) {
  const ResourceType jobs = resources::jobs();
  try {
    client->create(jobs, "default", test::job("bad", "Always"));
    FAIL() << "restartPolicy Always accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kInvalid);
    EXPECT_EQ(e.causes().at(0).field, "spec.template.spec.restartPolicy");
  }
  client->create(jobs, "default", test::job("j"));
  try {
    client->patch(jobs, "default", "j", PatchType::kMerge,
                  {{"spec", {{"template", {{"spec", {{"restartPolicy", "OnFailure"}}}}}}}});
    FAIL() << "template change accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kInvalid);
    EXPECT_EQ(e.causes().at(0).field, "spec.template");
  }
}

TEST_F(RestClientTest, GenerationAndStatusSubresource) {
  const ResourceType pgm = test::migrations();
  Json with_status = test::migration("m");
  with_status["status"] = {{"phase", "Succeeded"}};
  const Json created = client->create(pgm, "default", with_status);
  EXPECT_EQ(created["metadata"]["generation"], 1);
  EXPECT_FALSE(created.contains("status"));  // status is not written through the main resource

  const Json labelled =
      client->patch(pgm, "default", "m", PatchType::kMerge, {{"metadata", {{"labels", {{"a", "b"}}}}}});
  EXPECT_EQ(labelled["metadata"]["generation"], 1);
  const Json status =
      client->patch_status(pgm, "default", "m", PatchType::kMerge,
                           {{"status", {{"phase", "Pending"}}}, {"spec", {{"targetRevision", "x"}}}});
  EXPECT_EQ(status["status"]["phase"], "Pending");
  EXPECT_EQ(status["spec"]["targetRevision"], "heads");  // spec ignored on the status subresource
  EXPECT_EQ(status["metadata"]["generation"], 1);

  Json spec_change = status;
  spec_change["spec"]["targetRevision"] = "head";
  spec_change["status"]["phase"] = "Failed";
  const Json updated = client->update(pgm, "default", spec_change);
  EXPECT_EQ(updated["metadata"]["generation"], 2);
  EXPECT_EQ(updated["status"]["phase"], "Pending");  // status ignored on the main resource

  Json status_update = client->get_status(pgm, "default", "m");
  status_update["status"]["observedGeneration"] = 2;
  const Json after = client->update_status(pgm, "default", status_update);
  EXPECT_EQ(after["status"]["observedGeneration"], 2);
}

TEST_F(RestClientTest, SelectorsAndPagination) {
  for (int i = 0; i < 25; ++i) {
    client->create(cms, i % 2 ? "odd" : "even",
                   config_map("cm-" + std::to_string(100 - i), i % 2 ? "odd" : "even",
                              {{"tier", i % 3 == 0 ? "db" : "web"}, {"n", std::to_string(i)}}));
  }
  EXPECT_EQ(client->list(cms, "").items.size(), 25u);
  EXPECT_EQ(client->list(cms, "odd").items.size(), 12u);
  EXPECT_EQ(client->list(cms, "", {.label_selector = "tier=db"}).items.size(), 9u);
  EXPECT_EQ(client->list(cms, "", {.label_selector = "tier!=db"}).items.size(), 16u);
  EXPECT_EQ(client->list(cms, "", {.label_selector = "n in (1,2,3),tier"}).items.size(), 3u);
  EXPECT_EQ(client->list(cms, "", {.label_selector = "n notin (1,2,3)"}).items.size(), 22u);
  EXPECT_EQ(client->list(cms, "", {.label_selector = "!tier"}).items.size(), 0u);
  EXPECT_EQ(client->list(cms, "", {.field_selector = "metadata.name=cm-100"}).items.size(), 1u);

  const ListPage first = client->list(cms, "", {.limit = 10});
  EXPECT_EQ(first.items.size(), 10u);
  EXPECT_FALSE(first.continue_token.empty());
  client->create(cms, "even", config_map("late", "even"));  // not part of the paginated snapshot
  const ListPage all = client->list_all(cms, "", {.limit = 7});
  EXPECT_EQ(all.items.size(), 26u);
  EXPECT_TRUE(all.continue_token.empty());
  EXPECT_EQ(all.items[0]["kind"], "ConfigMap");
}

TEST_F(RestClientTest, ListIsOrderedByNameNotResourceVersion) {
  client->create(cms, "default", config_map("zeta"));
  client->create(cms, "default", config_map("alpha"));
  const ListPage page = client->list(cms, "default");
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0]["metadata"]["name"], "alpha");
  // The list's own resourceVersion is where a watch must start, not the newest item's.
  client->patch(cms, "default", "zeta", PatchType::kMerge, {{"data", {{"k", "2"}}}});
  const ListPage again = client->list(cms, "default");
  EXPECT_GT(std::stoull(again.resource_version), std::stoull(page.resource_version));
  EXPECT_EQ(again.resource_version, again.items[1]["metadata"]["resourceVersion"]);
}

TEST_F(RestClientTest, FinalizersDelayDeletion) {
  Json cm = config_map("f");
  cm["metadata"]["finalizers"] = {"example.com/keep"};
  client->create(cms, "default", cm);
  const Json answer = client->remove(cms, "default", "f");
  EXPECT_TRUE(answer["metadata"].contains("deletionTimestamp"));
  const Json pending = client->get(cms, "default", "f");
  EXPECT_TRUE(pending["metadata"].contains("deletionTimestamp"));
  client->patch(cms, "default", "f", PatchType::kMerge, {{"metadata", {{"finalizers", nullptr}}}});
  EXPECT_FALSE(client->try_get(cms, "default", "f").has_value());
}

TEST_F(RestClientTest, GarbageCollection) {
  const ResourceType pgm = test::migrations();
  const ResourceType jobs = resources::jobs();
  for (const auto& policy :
       {PropagationPolicy::kBackground, PropagationPolicy::kForeground, PropagationPolicy::kOrphan}) {
    const Json owner = client->create(pgm, "default", test::migration("owner"));
    Json dependent = test::job("dep");
    dependent["metadata"]["ownerReferences"] = {{{"apiVersion", "pgrevise.dev/v1alpha1"},
                                                 {"kind", "PostgresMigration"},
                                                 {"name", "owner"},
                                                 {"uid", owner["metadata"]["uid"]},
                                                 {"blockOwnerDeletion", true}}};
    client->create(jobs, "default", dependent);
    client->remove(pgm, "default", "owner", {.propagation = policy});
    EXPECT_FALSE(client->try_get(pgm, "default", "owner").has_value());
    const auto left = client->try_get(jobs, "default", "dep");
    if (policy == PropagationPolicy::kOrphan) {
      ASSERT_TRUE(left.has_value());
      EXPECT_FALSE(left->at("metadata").contains("ownerReferences"));
      client->remove(jobs, "default", "dep");
    } else {
      EXPECT_FALSE(left.has_value());
    }
  }
}

TEST_F(RestClientTest, RequestsAreRecordedWithTheirUser) {
  client->create(cms, "default", config_map("a"));
  client->get(cms, "default", "a");
  EXPECT_EQ(server.count("create", "/configmaps"), 1u);
  EXPECT_EQ(server.count("get", "/configmaps"), 1u);
  EXPECT_EQ(server.requests().back().user, "operator");
}

// A 429 with Retry-After was not processed: with retry_after_attempts the client sends it again after the
// wait the server asked for (on the injected clock), and gives the error to the caller once they run out.
TEST_F(RestClientTest, ThrottledRequestsAreSentAgainAfterTheirRetryAfter) {
  client->create(cms, "default", config_map("a"));
  ManualClock clock;
  RestClientOptions options;
  options.qps = 0;
  options.retry_after_attempts = 3;
  RestClient patient(test::transport_for(server), options, clock);
  server.set_faults(
      {.seed = 11, .throttle_share = {{"get", 0.5}, {"update", 0.5}}, .retry_after_seconds = 2});
  int given_up = 0;
  for (int i = 0; i < 20; ++i) {
    try {
      Json got = patient.get(cms, "default", "a");
      got["data"]["n"] = std::to_string(i);
      patient.update(cms, "default", got);
    } catch (const ApiError& e) {
      EXPECT_EQ(e.reason(), ApiReason::kTooManyRequests);  // four 429s in a row: the attempts ran out
      ++given_up;
    }
  }
  int throttled = 0;
  for (const auto& r : server.requests()) throttled += r.code == 429;
  EXPECT_GT(throttled, 0);
  // Every 429 but the last of a request that was given up on was waited for, as long as the server asked.
  EXPECT_EQ(clock.total_slept(), std::chrono::seconds(2) * (throttled - given_up));

  server.set_faults({.seed = 11, .throttle_share = {{"get", 1.0}}, .retry_after_seconds = 2});
  server.clear_requests();
  EXPECT_EQ(reason_of([&] { patient.get(cms, "default", "a"); }), ApiReason::kTooManyRequests);
  EXPECT_EQ(server.count("get", "/configmaps"), 4u);  // the request and 3 more attempts
}

TEST_F(RestClientTest, InjectedFaultsAreTyped) {
  server.set_faults({.seed = 7, .throttle_share = {{"get", 1.0}}, .retry_after_seconds = 3});
  try {
    client->get(cms, "default", "a");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kTooManyRequests);
    EXPECT_EQ(e.retry_after(), std::chrono::seconds(3));
    EXPECT_TRUE(e.transient());
  }
  server.set_faults({.seed = 7, .error_share = {{"*", 1.0}}});
  try {
    client->list(cms, "default");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kServerError);
    EXPECT_TRUE(e.transient());
  }
}

TEST_F(RestClientTest, UnreachableServerIsTransient) {
  const std::string url = server.url();
  server.stop();
  ClusterConfig config;
  config.server = url;
  RestClient dead(std::make_shared<CppRestTransport>(config),
                  {.qps = 0, .request_timeout = std::chrono::seconds(2)}, SystemClock::instance());
  try {
    dead.get(cms, "default", "a");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kUnavailable);
    EXPECT_TRUE(e.transient());
  }
}

}  // namespace
}  // namespace pgrevise::kube

namespace pgrevise::kube {
namespace {

Json widget_crd() {
  return Json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
      "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
          "spec": {"type": "object", "properties": {
             "size": {"type": "integer"},
             "labels": {"type": "object", "additionalProperties": {"type": "string"}},
             "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
             "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}}},
          "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}}}}]}})");
}

TEST(FakeSchemaTest, UnknownFieldsArePrunedOrRefusedWhenStrict) {
  testing::FakeApiServer server(test::default_server_options());
  server.register_resource(testing::resource_from_crd(widget_crd()));
  const ResourceType widgets{"example.com", "v1", "widgets", "Widget", true};
  auto client = test::client_for(server);
  const Json widget = {{"apiVersion", "example.com/v1"},
                       {"kind", "Widget"},
                       {"metadata", {{"name", "w"}}},
                       {"spec",
                        {{"size", 3},
                         {"typo", 1},
                         {"labels", {{"a", "b"}}},
                         {"free", {{"anything", {{"goes", true}}}}},
                         {"items", Json::array({{{"name", "x"}, {"extra", 1}}})}}},
                       {"bogus", true}};
  const Json created = client->create(widgets, "default", widget);
  EXPECT_FALSE(created.contains("bogus"));
  EXPECT_FALSE(created["spec"].contains("typo"));
  EXPECT_EQ(created["spec"]["labels"]["a"], "b");
  EXPECT_EQ(created["spec"]["free"]["anything"]["goes"], true);
  EXPECT_FALSE(created["spec"]["items"][0].contains("extra"));
  const Json status = client->patch_status(widgets, "default", "w", PatchType::kMerge,
                                           {{"status", {{"phase", "Ready"}, {"unknown", 1}}}});
  EXPECT_EQ(status["status"], Json({{"phase", "Ready"}}));

  RestClient strict(test::transport_for(server), {.qps = 0, .field_validation = "Strict"},
                    SystemClock::instance());
  try {
    strict.patch(widgets, "default", "w", PatchType::kMerge, {{"spec", {{"typo", 2}}}});
    FAIL() << "unknown field accepted with strict validation";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), ApiReason::kBadRequest);
    EXPECT_NE(std::string(e.what()).find("spec.typo"), std::string::npos);
  }
  strict.patch(widgets, "default", "w", PatchType::kMerge, {{"spec", {{"size", 4}}}});
  EXPECT_EQ(client->get(widgets, "default", "w")["spec"]["size"], 4);
}

}  // namespace
}  // namespace pgrevise::kube
