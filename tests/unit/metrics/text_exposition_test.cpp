#include "metrics/text_exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/process.h"
#include "exposition.h"

namespace pgrevise::metrics {
namespace {

TEST(TextExposition, WritesTheFamilyHeaderAndSamplesInTheTextFormat) {
  std::string text;
  TextExposition out(text);
  out.family("pgrevise_example", "gauge", "An example.");
  out.sample("pgrevise_example", {{"name", "app"}, {"namespace", "team-a"}}, 1);
  out.sample("pgrevise_example", {}, 0);
  EXPECT_EQ(text,
            "# HELP pgrevise_example An example.\n"
            "# TYPE pgrevise_example gauge\n"
            "pgrevise_example{name=\"app\",namespace=\"team-a\"} 1\n"
            "pgrevise_example 0\n");
}

TEST(TextExposition, EscapesLabelValuesAndHelpText) {
  std::string text;
  TextExposition out(text);
  out.family("pgrevise_example", "gauge", "back\\slash\nand \"quotes\"");
  out.sample("pgrevise_example", {{"current", "a\"b\\c\nd"}}, 1);
  EXPECT_EQ(text,
            "# HELP pgrevise_example back\\\\slash\\nand \"quotes\"\n"
            "# TYPE pgrevise_example gauge\n"
            "pgrevise_example{current=\"a\\\"b\\\\c\\nd\"} 1\n");
  // The escaped value reads back as written, and the real promtool accepts the text.
  auto samples = testing::parse_exposition(text);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].labels.at("current"), "a\"b\\c\nd");
  ProcessSpec spec;
  spec.argv = {"promtool", "check", "metrics"};
  spec.stdin_data = text;
  spec.timeout = std::chrono::seconds(60);
  const ProcessResult checked = run_process(spec);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
}

TEST(TextExposition, ValuesAreWrittenAsPrometheusCppWritesThem) {
  EXPECT_EQ(format_sample_value(0), "0");
  EXPECT_EQ(format_sample_value(3), "3");
  EXPECT_EQ(format_sample_value(-2.5), "-2.5");
  EXPECT_EQ(format_sample_value(1796579047.745), "1796579047.745");
  EXPECT_EQ(format_sample_value(19.098097961), "19.098097961");
  EXPECT_EQ(format_sample_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_sample_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_sample_value(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(StringAppender, AStreamWritesIntoTheStringAfterWhatItHeld) {
  std::string text = "before;";
  {
    StringAppender appender(text);
    std::ostream out(&appender);
    out << "a" << 42 << ';' << std::string(5000, 'x');
  }
  EXPECT_EQ(text, "before;a42;" + std::string(5000, 'x'));
}

}  // namespace
}  // namespace pgrevise::metrics
