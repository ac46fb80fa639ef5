#include "metrics/text_exposition.h"

#include <cmath>
#include <cstdio>

namespace pgrevise::metrics {
namespace {

// Label values escape backslash, double quote and line feed; HELP text escapes backslash and line feed.
void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

std::string format_sample_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-Inf" : "+Inf";
  char text[32];
  std::snprintf(text, sizeof text, "%.16g", value);
  return text;
}

void TextExposition::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_.push_back(' ');
  append_escaped(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_.push_back(' ');
  out_ += type;
  out_.push_back('\n');
}

void TextExposition::sample(std::string_view name, std::initializer_list<Label> labels, double value) {
  out_ += name;
  if (labels.size() > 0) {
    char separator = '{';
    for (const auto& [label, label_value] : labels) {
      out_.push_back(separator);
      out_ += label;
      out_ += "=\"";
      append_escaped(out_, label_value, true);
      out_.push_back('"');
      separator = ',';
    }
    out_.push_back('}');
  }
  out_.push_back(' ');
  out_ += format_sample_value(value);
  out_.push_back('\n');
}

StringAppender::int_type StringAppender::overflow(int_type c) {
  if (!traits_type::eq_int_type(c, traits_type::eof())) out_.push_back(traits_type::to_char_type(c));
  return traits_type::not_eof(c);
}

std::streamsize StringAppender::xsputn(const char* text, std::streamsize count) {
  out_.append(text, static_cast<std::size_t>(count));
  return count;
}

}  // namespace pgrevise::metrics
