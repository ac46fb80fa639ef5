#pragma once

#include <initializer_list>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>

namespace pgrevise::metrics {

// Writes the Prometheus text exposition format (version 0.0.4) straight into a string, one line at a time:
// the series of every resource are written from the operator's own records at each scrape, with nothing built
// in between (prometheus-cpp copies every series it collects into a structure of a few hundred bytes first).
class TextExposition {
 public:
  using Label = std::pair<std::string_view, std::string_view>;

  explicit TextExposition(std::string& out) : out_(out) {}

  // The "# HELP" and "# TYPE" lines that open a family.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample; `labels` in the order they are written (by name, as prometheus-cpp writes them).
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);

 private:
  std::string& out_;
};

// A sample value as prometheus-cpp writes it: up to 16 significant digits, NaN and infinities by name.
std::string format_sample_value(double value);

// A stream buffer that appends to a string, so that a std::ostream writer (prometheus-cpp's serializer)
// writes into the response without a second copy.
class StringAppender : public std::streambuf {
 public:
  explicit StringAppender(std::string& out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* text, std::streamsize count) override;

 private:
  std::string& out_;
};

}  // namespace pgrevise::metrics
