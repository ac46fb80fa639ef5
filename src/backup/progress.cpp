#include "backup/progress.h"

#include <cstdio>

namespace pgrevise::backup {

std::string human_bytes(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : "%.1f %s", v, units[u]);
  }
  return buf;
}

std::string human_duration(std::chrono::milliseconds d) {
  const long long ms = d.count();
  char buf[32];
  if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", ms / 60'000, (ms / 1000) % 60);
  }
  return buf;
}

std::string render_progress(const std::string& label, std::uint64_t bytes,
                            std::chrono::milliseconds elapsed) {
  std::string line =
      "\r" + label + ": " + human_bytes(bytes) + " written, " + human_duration(elapsed) + " elapsed";
  constexpr size_t kWidth = 72;
  if (line.size() < kWidth) line.resize(kWidth, ' ');
  return line;
}

}  // namespace pgrevise::backup
