#include "common/object_ref.h"

#include <gtest/gtest.h>

#include "kube/rest_client.h"

namespace pgrevise {
namespace {

TEST(ObjectRef, KeysANamespacedObjectAsNamespaceSlashName) {
  EXPECT_EQ((ObjectRef{"apps", "shop"}.key()), "apps/shop");
}

TEST(ObjectRef, KeysAClusterScopedObjectByItsNameAlone) {
  EXPECT_EQ((ObjectRef{"", "shop"}.key()), "shop");
}

TEST(ObjectRef, ReadsBackTheObjectItsKeyNames) {
  EXPECT_EQ(ObjectRef::from_key("apps/shop"), (ObjectRef{"apps", "shop"}));
  EXPECT_EQ(ObjectRef::from_key("shop"), (ObjectRef{"", "shop"}));
}

TEST(ObjectRef, IsTheKeyStoresAndWorkQueuesHold) {
  const nlohmann::json job = {{"metadata", {{"namespace", "apps"}, {"name", "shop"}}}};
  EXPECT_EQ(kube::object_key(job), (ObjectRef{"apps", "shop"}.key()));
}

}  // namespace
}  // namespace pgrevise
