#include "kube/transport.h"

#include <gtest/gtest.h>

namespace pgrevise::kube {
namespace {

TEST(LineSplitterTest, ReassemblesLinesSplitAcrossChunks) {
  LineSplitter s;
  EXPECT_TRUE(s.feed("{\"a\":").empty());
  EXPECT_TRUE(s.feed("1}").empty());
  auto lines = s.feed("\n{\"b\":2}\n{\"c\"");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "{\"a\":1}");
  EXPECT_EQ(lines[1], "{\"b\":2}");
  EXPECT_EQ(s.pending(), "{\"c\"");
  lines = s.feed(":3}\r\n\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "{\"c\":3}");
  EXPECT_TRUE(s.pending().empty());
}

TEST(LineSplitterTest, EveryByteSeparately) {
  LineSplitter s;
  std::vector<std::string> all;
  for (const char c : std::string("one\ntwo\nthree\n")) {
    for (auto& l : s.feed(std::string(1, c))) all.push_back(l);
  }
  EXPECT_EQ(all, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(CancellationTest, RunsCallbacksOnceAndImmediatelyWhenAlreadyCancelled) {
  Cancellation c;
  int calls = 0;
  const int id = c.on_cancel([&] { ++calls; });
  const int removed = c.on_cancel([&] { calls += 100; });
  c.remove(removed);
  c.cancel();
  c.cancel();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(c.cancelled());
  c.on_cancel([&] { ++calls; });
  EXPECT_EQ(calls, 2);
  (void)id;
}

TEST(HttpResponseTest, HeaderLookupIgnoresCase) {
  HttpResponse r;
  r.headers["retry-after"] = "5";
  EXPECT_EQ(r.header("Retry-After"), "5");
  EXPECT_EQ(r.header("X-Missing"), "");
}

}  // namespace
}  // namespace pgrevise::kube
