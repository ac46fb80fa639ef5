#pragma once

#include <string>
#include <string_view>

namespace pgrevise {

// Standard base64 (RFC 4648, with padding), as Kubernetes uses for Secret data and kubeconfig *-data fields.
std::string base64_encode(std::string_view data);
// Accepts padded or unpadded input and ignores whitespace (kubeconfig files wrap long values); anything else
// that is not base64 is an Error(kBadInput) naming `what`.
std::string base64_decode(std::string_view text, std::string_view what = "value");

}  // namespace pgrevise
