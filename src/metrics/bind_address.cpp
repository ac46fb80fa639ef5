#include "metrics/bind_address.h"

#include <charconv>

#include "common/error.h"

namespace pgrevise::metrics {

std::string BindAddress::text() const {
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return shown + ":" + std::to_string(port);
}

std::optional<BindAddress> parse_bind_address(std::string_view flag, std::string_view value) {
  if (value == "0") return std::nullopt;
  auto fail = [&](const std::string& why) -> std::optional<BindAddress> {
    throw_bad_input("--" + std::string(flag) + " \"" + std::string(value) + "\": " + why +
                    " (expected HOST:PORT, :PORT, or 0 to disable)");
  };
  std::size_t colon = value.rfind(':');
  if (colon == std::string_view::npos) return fail("no port");
  std::string_view host = value.substr(0, colon);
  std::string_view port_text = value.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return fail("an IPv6 address must be in brackets");
  }
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    return fail("the port must be a number from 0 to 65535");
  }
  for (char c : host) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                   c == '-' || c == ':' || c == '%';
    if (!allowed) return fail("the host contains '" + std::string(1, c) + "'");
  }
  return BindAddress{std::string(host), port};
}

}  // namespace pgrevise::metrics
