#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pgrevise::backup {

// "1.5 KiB", "12.3 MiB", "2.07 GiB".
std::string human_bytes(std::uint64_t bytes);
// "0.4s", "12.3s", "3m05s".
std::string human_duration(std::chrono::milliseconds d);

// The in-place progress line for a terminal: "\r<label>: 12.3 MiB written, 4.2s elapsed" padded with spaces
// so a shorter line fully overwrites a longer one.
std::string render_progress(const std::string& label, std::uint64_t bytes, std::chrono::milliseconds elapsed);

}  // namespace pgrevise::backup
