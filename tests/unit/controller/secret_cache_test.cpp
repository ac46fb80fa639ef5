#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/clock.h"
#include "controller/secret_cache.h"
#include "unit/controller/fake_cluster.h"

namespace pgrevise::testing {
namespace {

constexpr auto kTtl = std::chrono::seconds(2);

std::string url_in(const std::optional<Json>& secret) {
  if (!secret) return "<none>";
  return base64_decode((*secret)["data"]["url"].get<std::string>(), "url");
}

class SecretCacheTest : public ::testing::Test {
 protected:
  FakeCluster inner;
  ManualClock clock;
};

TEST_F(SecretCacheTest, ASecretReadAgainWithinTheTtlIsTheOneReadBefore) {
  controller::SecretCachingCluster cluster(inner, clock, kTtl);
  inner.put_secret("shop", "db", {{"url", "postgresql://app:one@db/app"}});
  EXPECT_EQ(url_in(cluster.get_secret("shop", "db")), "postgresql://app:one@db/app");

  inner.put_secret("shop", "db", {{"url", "postgresql://app:two@db/app"}});
  clock.advance(kTtl - std::chrono::milliseconds(1));
  EXPECT_EQ(url_in(cluster.get_secret("shop", "db")), "postgresql://app:one@db/app");

  clock.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(url_in(cluster.get_secret("shop", "db")), "postgresql://app:two@db/app");
}

TEST_F(SecretCacheTest, AMissingSecretIsLookedForAgainAtOnce) {
  controller::SecretCachingCluster cluster(inner, clock, kTtl);
  EXPECT_FALSE(cluster.get_secret("shop", "db").has_value());
  inner.put_secret("shop", "db", {{"url", "postgresql://app:one@db/app"}});
  EXPECT_EQ(url_in(cluster.get_secret("shop", "db")), "postgresql://app:one@db/app");
}

TEST_F(SecretCacheTest, SecretsAreKeptByNamespaceAndName) {
  controller::SecretCachingCluster cluster(inner, clock, kTtl);
  inner.put_secret("shop", "db", {{"url", "postgresql://app:shop@db/shop"}});
  inner.put_secret("blog", "db", {{"url", "postgresql://app:blog@db/blog"}});
  EXPECT_EQ(url_in(cluster.get_secret("shop", "db")), "postgresql://app:shop@db/shop");
  EXPECT_EQ(url_in(cluster.get_secret("blog", "db")), "postgresql://app:blog@db/blog");
  EXPECT_FALSE(cluster.get_secret("shop", "other").has_value());
}

TEST_F(SecretCacheTest, ZeroTtlReadsEveryTime) {
  controller::SecretCachingCluster cluster(inner, clock, std::chrono::milliseconds(0));
  inner.put_secret("shop", "db", {{"url", "postgresql://app:one@db/app"}});
  EXPECT_EQ(url_in(cluster.get_secret("shop", "db")), "postgresql://app:one@db/app");
  inner.put_secret("shop", "db", {{"url", "postgresql://app:two@db/app"}});
  EXPECT_EQ(url_in(cluster.get_secret("shop", "db")), "postgresql://app:two@db/app");
}

TEST_F(SecretCacheTest, PastMaxEntriesTheOldestReadIsForgotten) {
  controller::SecretCachingCluster cluster(inner, clock, kTtl, 2);
  for (const char* ns : {"a", "b", "c"}) {
    inner.put_secret(ns, "db", {{"url", std::string("postgresql://app:old@db/") + ns}});
    cluster.get_secret(ns, "db");
    clock.advance(std::chrono::milliseconds(10));
  }
  for (const char* ns : {"a", "b", "c"})
    inner.put_secret(ns, "db", {{"url", std::string("postgresql://app:new@db/") + ns}});
  EXPECT_EQ(url_in(cluster.get_secret("a", "db")), "postgresql://app:new@db/a");  // forgotten: read again
  EXPECT_EQ(url_in(cluster.get_secret("c", "db")), "postgresql://app:old@db/c");  // still kept
}

TEST_F(SecretCacheTest, EverythingElseGoesToTheInnerCluster) {
  controller::SecretCachingCluster cluster(inner, clock, kTtl);
  inner.put_config_map("shop", "migrations", {{"0001.sql", "-- revision: 0001"}});
  auto config_map = cluster.get_config_map("shop", "migrations");
  ASSERT_TRUE(config_map.has_value());
  EXPECT_EQ((*config_map)["data"]["0001.sql"], "-- revision: 0001");
  EXPECT_FALSE(cluster.get_resource("shop", "app").has_value());
}

}  // namespace
}  // namespace pgrevise::testing
