#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgrevise::metrics {

// Where an HTTP endpoint listens. An empty host means every interface.
struct BindAddress {
  std::string host;
  int port = 0;              // 0: a free port chosen by the system (tests)
  std::string text() const;  // "host:port" as it was meant, for messages
  bool operator==(const BindAddress&) const = default;
};

// Parses the value of a bind-address flag: "host:port", ":port", "[v6addr]:port", or "0" which disables the
// endpoint (std::nullopt). Throws Error(kBadInput) naming `flag` and the value when it is malformed.
std::optional<BindAddress> parse_bind_address(std::string_view flag, std::string_view value);

}  // namespace pgrevise::metrics
